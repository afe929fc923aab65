"""Panels and menus that other parts of the app provide, installed into the main window.

Each installer is optional and guarded: a part that is missing or broken is reported on
stderr and the playground still opens. The window stays ignorant of their insides; they
get the same feed as the built-in views (`register_view`) and a dock (`add_dock`).
"""
from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from PySide6.QtGui import QUndoStack

from engine.training.snapshot import Snapshot

if TYPE_CHECKING:
    from engine.files.serialize import Project
    from engine.training.trainer import Trainer

    from .main_window import MainWindow


def guarded(what: str, install: Callable[[], Any]) -> Any:
    try:
        return install()
    except ImportError:
        return None
    except Exception:  # a broken panel must not stop the playground from opening
        traceback.print_exc()
        print(f"Backprop Playground: the {what} could not be installed (see above).")
        return None


def install_all(window: "MainWindow", files: bool = True) -> None:
    guarded("examples menu", lambda: install_examples_menu(window))
    guarded("paper views", lambda: install_paper_views(window))
    guarded("backward-pass views", lambda: install_backward_views(window))
    if files:
        guarded("file menu", lambda: install_files(window))


# ----- File menu: save/open/recent/export/import (gui.files) ---------------------------------
class WindowProject:
    """The window as gui.files.ProjectWindow sees it: a project in, a project out."""

    def __init__(self, window: "MainWindow") -> None:
        self.window = window

    def current_project(self) -> "Project":
        from engine.files.serialize import Project

        s = self.window.session
        snap = s.latest
        extra: dict[str, Any] = {"speed": s.speed}
        if s.preset_name:
            extra["preset"] = s.preset_name
        if snap is None or snap.spec != s.spec:
            return Project(s.spec, s.settings, s.source, extra=extra)
        state = snap.optimizer_state or {}
        return Project(
            spec=s.spec,
            settings=s.settings,
            data_source=s.source,
            params=np.array(snap.params),
            history=np.array(snap.history),
            epoch=snap.epoch,
            extra=extra,
            optimizer_state={k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in state.items()} or None,
        )

    def load_project(self, project: "Project", trainer: "Trainer") -> None:
        s = self.window.session
        preset = project.extra.get("preset") if isinstance(project.extra, dict) else None
        s.adopt(trainer, project.data_source, preset if isinstance(preset, str) else None)
        speed = project.extra.get("speed", "keep") if isinstance(project.extra, dict) else "keep"
        if speed is None or (isinstance(speed, (int, float)) and speed > 0):
            s.set_speed(speed)

    def undo_stack(self) -> QUndoStack:
        return self.window.session.undo_stack

    def plots(self) -> dict[str, Any]:
        w = self.window
        return {"Output": w.output_plot.plot, "Loss": w.loss_plot.plot, "Unit maps": w.unit_maps.canvas, "Network": w.editor}

    def apply_data_source(self, source: dict) -> None:
        self.window.session.edit_source(source, "Import data", adapt_network=True)

    def progress_marker(self) -> object:
        """Training since the last save counts as unsaved work (epoch 0 = nothing trained yet)."""
        snap = self.window.session.latest
        return 0 if snap is None else snap.epoch


def install_files(window: "MainWindow") -> None:
    try:  # the files part's own wiring, when it provides one
        from .files.window_link import attach_to_main_window
    except ImportError:
        attach_to_main_window = None
    if attach_to_main_window is not None:
        window.files = attach_to_main_window(window)
        tours = [a for a in window.help_menu.actions() if a.text().replace("&", "") == "Welcome tour"]
        for extra in tours[1:]:  # it adds its own tour entry; keep one
            window.help_menu.removeAction(extra)
        return
    install_files_fallback(window)


def install_files_fallback(window: "MainWindow") -> None:
    from .files import FileController, install_csv_drop

    project = WindowProject(window)
    controller = FileController(project, settings=window.qsettings, widget=window)
    menu = window.file_menu
    anchor = window.file_insert_point
    staging = type(menu)()  # fill a scratch menu, then move its entries above the anchor
    controller.populate_menu(staging)
    for action in staging.actions():
        menu.insertAction(anchor, action)
    for action in controller.actions():
        window.addAction(action)
    window.files = controller
    window.close_guards.append(controller.close_requested)
    install_csv_drop(window, lambda path: controller.import_csv(path))


# ----- Examples menu: the 1986 experiments and playground set-ups (engine.presets) -------------
def install_examples_menu(window: "MainWindow") -> None:
    from engine.presets import PRESETS

    menu = window.examples_menu
    for name, preset in PRESETS.items():
        action = menu.addAction(preset.title)
        action.setToolTip(preset.description)
        action.setStatusTip(preset.description)
        action.triggered.connect(lambda checked=False, n=name: window.open_preset(n))
    menu.setToolTipsVisible(True)


# ----- the 1986 paper's views: pattern table, Hinton diagram ----------------------------------
def install_paper_views(window: "MainWindow") -> None:
    from .panels.hinton import HintonDiagram
    from .panels.pattern_table import PatternTable

    table = PatternTable()
    hinton = HintonDiagram()
    window.add_dock(table, "Patterns", "bottom", "patternsDock", tabify_with="unitsDock", scroll=True)
    window.add_dock(hinton, "Weights (Hinton)", "bottom", "hintonDock", tabify_with="patternsDock", scroll=True)
    window.register_view(table)
    window.register_view(hinton)
    window.replay_views += [table, hinton]
    from .panels.figure4 import install_figure4  # Nature fig. 4: person codes, beside the Hinton tab
    install_figure4(window)


# ----- the backward pass (issue 5) -------------------------------------------------------------
def install_backward_views(window: "MainWindow") -> None:
    from .panels.backward import BackwardPanel

    s = window.session
    panel = BackwardPanel(grid_resolution=40)
    window.add_dock(panel, "Backward pass", "bottom", "backwardDock", tabify_with="unitsDock", scroll=True)
    window.add_dock(panel.timeline_panel, "Timeline", "right", "timelineDock", tabify_with="lossDock", scroll=True)
    window.register_view(panel)
    panel.applyRequested.connect(lambda walk: s.worker.call(walk.apply))
    panel.stepModeToggled.connect(lambda on: s.pause() if on else None)
    panel.replayRequested.connect(window.replay)
    window.backward_panel = panel


def replay_targets(window: "MainWindow") -> list[Callable[[Snapshot], None]]:
    """Views that show an earlier epoch during a replay (not the timeline, which drives it)."""
    w = window
    return [w.output_plot.show_snapshot, w.loss_plot.draw, w.unit_maps.show_snapshot, w.editor.show_snapshot,
            w.controls.show_snapshot] + [v.show_snapshot for v in w.replay_views]
