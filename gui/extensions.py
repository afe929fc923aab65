"""Panels and menus that other parts of the app provide, installed into the main window.

The window stays ignorant of their insides; they get the same feed as the built-in views
(`register_view`) and a dock (`add_dock`). Every part is required: one that is missing or
broken stops the window with its traceback, so a fault is seen at once, not hidden behind
a window that quietly lacks a menu.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from engine.training.snapshot import Snapshot

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from .main_window import MainWindow


def install_all(window: "MainWindow", files: bool = True) -> None:
    install_examples_menu(window)
    install_paper_views(window)
    install_backward_views(window)
    install_race_view(window)
    install_lessons(window)  # after the views the lessons point at
    if files:
        install_files(window)


def add_lazy_view(window: "MainWindow", factory: Callable[[], QWidget], title: str, area: str, name: str,
                  tabify_with: str | None = None, scroll: bool = False, replay: bool = True):
    """`add_dock` for a view built on first show (gui/lazy.py); once built it is fed like the
    others (`register_view` gives it the latest snapshot and data at once) and, with `replay`,
    follows timeline replays. Returns the placeholder (`view()` builds it)."""
    from .lazy import LazyView

    holder = LazyView(factory)

    def built(view: QWidget) -> None:
        window.register_view(view)
        if replay:
            window.replay_views.append(view)

    holder.built.connect(built)
    window.add_dock(holder, title, area, name, tabify_with=tabify_with, scroll=scroll)
    return holder


# ----- File menu: save/open/recent/export/import (gui.files) ---------------------------------
def install_files(window: "MainWindow") -> None:
    """The files part's own wiring (gui/files/window_link.py): the one save/open path."""
    from .files.window_link import attach_to_main_window

    window.files = attach_to_main_window(window)
    tours = [a for a in window.help_menu.actions() if a.text().replace("&", "") == "Welcome tour"]
    for extra in tours[1:]:  # it adds its own tour entry; keep one
        window.help_menu.removeAction(extra)


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
    """Built when their tab first opens (gui/lazy.py): until then they are not fed either."""

    def table():
        from .panels.pattern_table import PatternTable

        return PatternTable()

    def hinton():
        from .panels.hinton import HintonDiagram

        return HintonDiagram()

    add_lazy_view(window, table, "Patterns", "bottom", "patternsDock", tabify_with="unitsDock", scroll=True)
    add_lazy_view(window, hinton, "Weights (Hinton)", "bottom", "hintonDock", tabify_with="patternsDock", scroll=True)
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
    panel.stepModeToggled.connect(lambda on: s.pause() if on else None)
    panel.replayRequested.connect(window.replay)
    from .panels.backward.stage import connect_stage

    # phases drawn on the editor's canvas; Apply step goes through the document (undoable)
    connect_stage(window.editor, panel.step_through, apply=s.apply_step)
    window.loss_plot.epochPicked.connect(panel.timeline_panel.replay_epoch)  # click the loss plot: replay
    window.backward_panel = panel


# ----- the learning-rule race (issue 10) -------------------------------------------------------
def install_race_view(window: "MainWindow") -> None:
    """Built when its tab first opens or `window.race_panel` is first used (gui/lazy.py)."""
    from .lazy import LazyView

    def build():
        from .panels.race import RacePanel

        panel = RacePanel(window.session)
        if hasattr(window, "themed_views"):  # follows the window's light/dark theme
            window.themed_views.append(panel)
            panel.set_theme(window.theme)
        return panel

    holder = LazyView(build)
    dock = window.add_dock(holder, "Race", "bottom", "raceDock", tabify_with="unitsDock")
    window.lazy_views["race_panel"] = holder

    def open_race() -> None:
        panel = holder.view()
        dock.show()
        dock.raise_()
        if panel.spec is None:
            panel.use_session_network()

    window.race_action = window.add_menu_action(
        window.training_menu, "Race: backprop against weight perturbation", open_race,
        tip="Train the same network with both learning rules side by side and compare their cost",
    )

    def stop_race() -> bool:  # a close guard that never refuses: the race thread must end with the window
        if holder.is_built:
            holder.view().shutdown()
        return True

    window.close_guards.insert(0, stop_race)


def install_lessons(window: "MainWindow") -> None:
    from .lessons import install_lessons as install  # issue 10: Lessons menu and panel

    install(window)


def replay_targets(window: "MainWindow") -> list[Callable[[Snapshot], None]]:
    """Views that show an earlier epoch during a replay (not the timeline, which drives it)."""
    w = window
    return [w.output_plot.show_snapshot, w.loss_plot.draw, w.unit_maps.show_snapshot, w.editor.show_snapshot,
            w.controls.show_snapshot] + [v.show_snapshot for v in w.replay_views]
