"""The playground window: the training controls above three workspaces (build & train,
backward pass, look inside), menus, the message strip, layout memory.

Hooks for other panels and menus (used by the file, paper, lessons and backward-pass parts):
- `add_dock(widget, title, area, name, tabify_with=None, scroll=False)` adds a view with a
  View-menu entry. Views the window knows by name (gui/workspaces.py PLACES) go to their
  workspace; other "bottom" views become tabs of "Look inside"; "left"/"right" views stay
  docks beside every workspace (the lessons panel). Returns the dock or page (both have
  show(), raise_(), widget(), windowTitle()).
- `register_view(view)` feeds a view like the built-in ones: `show_snapshot(snapshot)` on
  every frame, `set_dataset(data)` / `set_context(data, settings)` when data or settings
  change, `set_theme(theme)` when the theme changes;
- `show_workspace(name)` ("train", "backward", "inspect"), `show_backward_workspace()`,
  `workspace`, `workspaceChanged`;
- `file_menu` (its `file_insert_point` action: insert items before it), `edit_menu`,
  `view_menu`, `training_menu`, `help_menu`; `close_guards` (callables returning False
  to cancel closing, e.g. an unsaved-changes prompt); `shortcuts` lists (keys, what) for Help.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QMargins, QPoint, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from engine.training.snapshot import Snapshot

from .editor import NetworkEditor
from .panels.controls import SPEEDS, ControlsPanel
from .panels.data_panel import DataPanel
from .plots.boundary import OutputPlot
from .plots.loss import LossPlot
from .plots.units import UnitMapsView
from .session import Session
from .style.themes import THEMES, apply_theme
from .window_parts import MessageBanner
from .workspaces import PLACES, TYPICAL_FRAME, WORKSPACES, ViewPage, Workspaces, window_rect_for

APP_NAME = "Backprop Playground"
UNTITLED = "Untitled"  # the title and the close prompt name an unsaved project the same way
LAYOUT_VERSION = 2
# The first Play after launch: XOR's boundaries form over several seconds, every epoch drawn
# (the default XOR needs about 50 epochs to reach 95% test accuracy: about 5 s at this pace).
WATCH_SPEED = 10.0
MIN_WINDOW = QSize(1024, 600)
# a side dock (the lessons) opens with the window only on a window this wide: narrower, it
# would squeeze the backward pass's card (its step buttons need about 560 px beside the canvas)
SIDE_DOCK_WINDOW = 1600
DOCK_AREAS = {
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "top": Qt.DockWidgetArea.TopDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}


def watch_speed_for(epochs_budget: int, planar: bool) -> float:
    """The pace of the first Play after an example loads: 2-D examples at WATCH_SPEED (the
    boundaries form in view); the paper's longer runs over about half a minute of their budget."""
    if planar:
        return WATCH_SPEED
    wanted = max(WATCH_SPEED, epochs_budget / 30.0)
    return max(s for s in SPEEDS if s is not None and s <= wanted)


class MainWindow(QMainWindow):
    workspaceChanged = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        grid_resolution: int = 100,
        restore_layout: bool = True,
        extensions: bool = True,
        files: bool = False,
        speed: float | None = WATCH_SPEED,
        screen: QRect | None = None,
    ) -> None:
        """`extensions`: install the panels and menus of the other parts (gui/extensions.py);
        `files`: also attach the File menu's save/open (the app does; its unsaved-work prompt
        is modal, so scripted runs and tests leave it out or attach it themselves);
        `speed`: epochs/s of the first Play (None = full speed);
        `screen`: lay the window out for this available screen geometry instead of the real one."""
        super().__init__()
        self.setWindowTitle(f"{APP_NAME}[*]")  # [*]: the unsaved-changes mark; see _show_title
        self.setObjectName("mainWindow")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self.qsettings = settings if settings is not None else QSettings()
        self.session = Session(grid_resolution=grid_resolution, parent=self)
        self.close_guards: list[Callable[[], bool]] = []
        self.shortcuts: list[tuple[str, str]] = []
        self.docks: dict[str, QDockWidget | ViewPage] = {}
        self.replay_views: list[QWidget] = []  # extra views that follow a timeline replay
        self.themed_views: list[QWidget] = []
        self.files = None  # gui.files.FileController once installed
        self.backward_panel = None
        self.lazy_views: dict = {}  # attribute name -> gui.lazy.LazyView, built on first access
        self._closed = False
        self._screen = screen
        self._pending_splits: list = []

        # ----- the views -----
        s = self.session
        self.editor = NetworkEditor()
        self.banner = MessageBanner()
        self.controls = ControlsPanel(s)
        self.data_panel = DataPanel(s, show_features=False)  # the editor toggles features
        self.output_plot = OutputPlot()
        self.loss_plot = LossPlot()
        self.unit_maps = UnitMapsView()
        self.workspaces = Workspaces(self.editor)
        self.workspaces.header.layout().addWidget(self.banner, 1)
        centre = QWidget()
        col = QVBoxLayout(centre)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.controls)
        col.addWidget(self.workspaces, 1)
        self.setCentralWidget(centre)
        self._build_menus()
        self.add_dock(self.data_panel, "Data", "left", "dataDock")
        self.add_dock(self.output_plot, "Output", "right", "outputDock")
        self.add_dock(self.loss_plot, "Loss", "right", "lossDock")
        self.add_dock(self.unit_maps, "Unit maps", "right", "unitsDock")
        self.set_theme(str(self.qsettings.value("view/theme", "system")), save=False)

        # ----- wiring: document -> views, views -> document -----
        for view in (self.output_plot, self.loss_plot, self.unit_maps):
            s.snapshotReady.connect(view.show_snapshot)
        s.detailReady.connect(self.editor.show_snapshot)  # the frame clock's detail beat
        s.criterionChanged.connect(self.loss_plot.set_criterion)
        s.dataChanged.connect(self.output_plot.set_data)
        self.output_plot.addPointRequested.connect(s.add_point)
        self.output_plot.removePointRequested.connect(s.remove_point)
        s.dataChanged.connect(self.loss_plot.set_dataset)
        self.loss_plot.set_dataset(s.dataset)
        s.dataChanged.connect(self._show_views_for)
        s.specChanged.connect(self.editor.set_spec)
        s.message.connect(self.show_message)
        self.editor.specEdited.connect(lambda spec: s.edit_spec(spec))
        self.editor.weightEdited.connect(s.edit_weight)
        self.editor.set_spec(s.spec)
        # the gradient edge overlay is computed on the training set
        s.dataChanged.connect(self.editor.set_dataset)
        self.editor.set_dataset(s.dataset)
        self.output_plot.set_data(s.dataset)
        self.workspaces.changed.connect(self._workspace_switched)
        self.workspaces.bar.tabBarClicked.connect(lambda i: self.choose_workspace(WORKSPACES[i][0]) if i >= 0 else None)

        if extensions:
            from .extensions import install_all

            install_all(self, files=files)
        if self.backward_panel is not None:  # step-through mode and the workspace go together
            self.backward_panel.stepModeToggled.connect(self._step_mode_toggled)
        if self.files is not None:
            self.files.pathChanged.connect(self._show_title)
        self._show_title()
        self.session.set_speed(speed)
        for page in (self.docks.get("outputDock"), self.docks.get("lossDock")):
            if isinstance(page, ViewPage):
                self.workspaces.bring_forward(page)
        self.workspaces.show_workspace("train")
        self._show_views_for(s.dataset)
        self.setMinimumSize(MIN_WINDOW)
        self._shown = False
        self._restored = restore_layout and self.restore_layout()
        if not self._restored:
            self.fit_to_screen(screen)
            self._side_docks_for_width()

    def __getattr__(self, name: str):
        """`window.race_panel` and other views built on first use (gui/lazy.py): built now."""
        lazy = self.__dict__.get("lazy_views", {}).get(name)
        if lazy is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return lazy.view()

    def _side_docks_for_width(self) -> None:
        """Side docks (the lessons) open with the window only where they leave the workspaces
        their room; on a laptop screen they are a menu entry (Lessons > Show) away."""
        for dock in self.docks.values():
            if isinstance(dock, QDockWidget) and not dock.isFloating() and self.width() < SIDE_DOCK_WINDOW:
                dock.hide()

    # ----- fitting the screen ------------------------------------------------------------------
    def available_geometry(self) -> QRect:
        """Where the window may go: the simulated screen, else the screen it is on."""
        if self._screen is not None:
            return QRect(self._screen)
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)

    def fit_to_screen(self, available: QRect | None = None, frame: QMargins | None = None) -> None:
        """Open within the available screen geometry (window frame included), as large as it
        allows; the workspaces share the room out by their defaults."""
        if available is not None:
            self._screen = QRect(available)
        if frame is None:
            frame = self._frame_margins()
        rect = window_rect_for(self.available_geometry(), frame, self.minimumSize())
        self.setGeometry(rect)
        self.workspaces.size_splitters(force=True)

    def _frame_margins(self) -> QMargins:
        """The real frame once the window is on screen; a typical one before (none offscreen)."""
        if self.isVisible():
            f, g = self.frameGeometry(), self.geometry()
            return QMargins(g.left() - f.left(), g.top() - f.top(), f.right() - g.right(), f.bottom() - g.bottom())
        platform = QGuiApplication.platformName()
        return QMargins(0, 0, 0, 0) if platform in ("offscreen", "minimal") else TYPICAL_FRAME

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            # the window manager's frame is known now: fit again with it
            QTimer.singleShot(50, self._refit_with_real_frame)
            if self._pending_splits:
                self.layout().activate()
                for splitter, saved in zip(self._splitters(), self._pending_splits):
                    if isinstance(saved, QByteArray):
                        splitter.restoreState(saved)
                self._pending_splits = []

    def _refit_with_real_frame(self) -> None:
        """Once shown, the window manager's real frame is known (none without one): open at
        the size the screen allows with that frame; a restored window is only moved inside."""
        if self._closed or not self.isVisible() or self.isMaximized() or self.isFullScreen():
            return
        available, frame = self.available_geometry(), self.frameGeometry()
        if not self._restored:
            fitted = window_rect_for(available, self._frame_margins(), self.minimumSize())
            if fitted != self.geometry():
                self.setGeometry(fitted)
                self.workspaces.size_splitters(force=True)
            return
        if available.contains(frame):
            return
        if frame.width() <= available.width() and frame.height() <= available.height():
            frame.moveTopLeft(QPoint(min(max(frame.left(), available.left()), available.right() - frame.width() + 1),
                                     min(max(frame.top(), available.top()), available.bottom() - frame.height() + 1)))
            self.move(frame.topLeft())  # keep the user's size, bring it inside
        else:
            self.fit_to_screen()

    # ----- workspaces ---------------------------------------------------------------------------
    @property
    def workspace(self) -> str:
        return self.workspaces.current

    def show_workspace(self, name: str) -> None:
        self.workspaces.show_workspace(name)

    def show_backward_workspace(self) -> None:
        """The learner's "Backward pass": the editor at full height with the chain-rule card
        beside it, step-through on (training pauses)."""
        self.choose_workspace("backward")

    def choose_workspace(self, name: str) -> None:
        """A workspace chosen by the user (its tab, the View menu): the backward pass starts
        stepping at once. (A part bringing a view forward only switches.)"""
        self.workspaces.show_workspace(name)
        panel = self.backward_panel
        if name == "backward" and panel is not None and not panel.step_through.active:
            panel.setCurrentWidget(panel.step_through)
            panel.step_through.set_active(True)

    def _workspace_switched(self, name: str) -> None:
        """Leaving the backward pass turns step-through off, so the canvas shows training again."""
        panel = self.backward_panel
        if panel is not None and name != "backward" and panel.step_through.active:
            panel.step_through.set_active(False)
        for act, (key, _, _) in zip(self.workspace_actions, WORKSPACES):
            act.setChecked(key == name)
        self.workspaceChanged.emit(name)

    def _step_mode_toggled(self, on: bool) -> None:
        if on and self.workspace != "backward":
            self.show_backward_workspace()

    # ----- hooks for other panels -------------------------------------------------------
    def add_dock(
        self,
        widget: QWidget,
        title: str,
        area: str = "right",
        name: str | None = None,
        tabify_with: str | None = None,
        scroll: bool = False,
    ) -> QDockWidget | ViewPage:
        """Place `widget` (View menu entry included); see the module docstring for where."""
        name = name or f"{title.replace(' ', '')}Dock"
        place = PLACES.get(name) or (("inspect", "main") if area in ("bottom", "top") else None)
        if place is not None:
            page = self.workspaces.place(widget, title, name, place[0], place[1], scroll=scroll)
            self.docks[name] = page
            self.view_menu.insertAction(self._view_separator, page.toggleViewAction())
            return page
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        if scroll:
            from PySide6.QtWidgets import QScrollArea

            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QScrollArea.Shape.NoFrame)
            area_widget.setWidget(widget)
            dock.setWidget(area_widget)
        else:
            dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(DOCK_AREAS.get(area, Qt.DockWidgetArea.RightDockWidgetArea), dock)
        other = self.docks.get(tabify_with or "")
        if isinstance(other, QDockWidget):
            self.tabifyDockWidget(other, dock)
        self.docks[name] = dock
        self.view_menu.insertAction(self._view_separator, dock.toggleViewAction())
        return dock

    def register_view(self, view: QWidget) -> None:
        s = self.session
        if hasattr(view, "show_snapshot"):
            s.snapshotReady.connect(view.show_snapshot)
            if s.latest is not None:
                view.show_snapshot(s.latest)
        if hasattr(view, "set_dataset"):
            s.dataChanged.connect(view.set_dataset)
            view.set_dataset(s.dataset)
        if hasattr(view, "set_context"):
            update = lambda *_: view.set_context(s.dataset, s.settings)  # noqa: E731
            s.dataChanged.connect(update)
            s.settingsChanged.connect(update)
            update()
        if hasattr(view, "set_theme"):
            self.themed_views.append(view)
            view.set_theme(self.theme)

    # ----- menus --------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, keys: str | QKeySequence | None = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if keys is not None:
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.shortcuts.append((QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText), text))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def add_menu_action(self, menu, text: str, slot, keys: str | QKeySequence | None = None, tip: str = "") -> QAction:
        """A menu entry with its shortcut listed and its tip shown, for panels added from outside (gui/extensions.py)."""
        return self._action(menu, text, slot, keys, tip)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        s = self.session
        self.file_menu = bar.addMenu("&File")
        self.file_insert_point = self.file_menu.addSeparator()
        self._action(self.file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.edit_menu = bar.addMenu("&Edit")
        undo = s.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        redo = s.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_action, self.redo_action = undo, redo
        self.edit_menu.addAction(undo)
        self.edit_menu.addAction(redo)
        self.shortcuts += [("Ctrl+Z", "Undo"), ("Ctrl+Shift+Z", "Redo")]
        self.examples_menu = bar.addMenu("E&xamples")
        self.training_menu = bar.addMenu("&Training")
        self.play_action = self._action(self.training_menu, "Play / pause", s.toggle_play, "Space", "Start or stop training")
        self.step_action = self._action(self.training_menu, "Step one epoch", lambda: s.step(1), "Right", "Train exactly one epoch")
        self.reset_action = self._action(self.training_menu, "Reset", s.reset, "R", "Fresh random weights, epoch 0")
        self.full_speed_action = self._action(self.training_menu, "Full speed / watch", self.controls.toggle_full_speed,
                                              "F", "Switch between full speed and the last watchable pace")
        self.view_menu = bar.addMenu("&View")
        self.workspace_actions: list[QAction] = []
        for i, (key, title, tip) in enumerate(WORKSPACES):
            act = self._action(self.view_menu, title.replace(" · ", " "),
                               lambda _=False, k=key: self.choose_workspace(k), f"Ctrl+{i + 1}", tip)
            act.setCheckable(True)
            self.workspace_actions.append(act)
        self.view_menu.addSeparator()
        self._view_separator = self.view_menu.addSeparator()
        theme_menu = self.view_menu.addMenu("Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in THEMES:
            act = theme_menu.addAction(name.capitalize() if name != "system" else "Follow the system")
            act.setCheckable(True)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(act)
            self.theme_actions[name] = act
        self._action(self.view_menu, "Reset layout", self.reset_layout)
        self.help_menu = bar.addMenu("&Help")
        self._action(self.help_menu, "Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(self.help_menu, "Welcome tour", self.show_tour)
        self._action(self.help_menu, "About", self._about)

    def show_shortcuts(self) -> None:
        from .dialogs import ShortcutsDialog  # built from every QAction: cannot go stale

        self._shortcut_box = ShortcutsDialog.for_window(self)
        self._shortcut_box.setModal(False)
        self._shortcut_box.show()

    def show_tour(self) -> None:
        from .dialogs import FirstRunTour

        self._tour = FirstRunTour(self)
        self._tour.open()

    def _about(self) -> None:
        QMessageBox.about(self, APP_NAME,
                          "Design a small network, train it with backpropagation and watch every unit learn.")

    def _show_views_for(self, data) -> None:
        """The output map shows 2-D data; other data is shown pattern by pattern in Look inside."""
        self.output_plot.setToolTip("" if data.planar else "This data is not points on a plane: each pattern's "
                                    "output is in 3 · Look inside (Ctrl+3), beside the weights.")

    def _show_title(self, *_: object) -> None:
        """'Untitled — Backprop Playground' or 'name.json — Backprop Playground', '*' when unsaved."""
        path = self.files.path if self.files is not None else None
        self.setWindowTitle(f"{path.name if path is not None else UNTITLED}[*] — {APP_NAME}")

    def set_theme(self, name: str, save: bool = True) -> None:
        """Light, dark or 'system' (follows the desktop); remembered between launches."""
        name = name if name in THEMES else "system"
        self.theme = apply_theme(self, name)
        for view in [self.output_plot, self.loss_plot, *self.themed_views]:
            view.set_theme(self.theme)
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)
        if save:
            self.qsettings.setValue("view/theme", name)

    # ----- whole runs --------------------------------------------------------------------
    def open_preset(self, name: str) -> None:
        """Load an example (engine.presets): its network, data and settings, fresh weights,
        and a pace at which its first Play can be watched."""
        from engine.presets import get_preset

        preset = get_preset(name)
        data = preset.make_dataset()
        if not self.session.document.big_work_ok(preset.spec, len(data.x_train) + len(data.x_test),
                                                 preset.settings.batch_size, whole_run=True):
            return  # asked before big work (gui/big_work.py): the user said no, nothing changed
        trainer = preset.make_trainer(data=data)
        self.session.adopt(trainer, None, preset_name=name,
                           criterion=preset.criterion)
        self.session.set_speed(watch_speed_for(preset.epochs, trainer.data.planar))
        self.show_message("info", f"{preset.title}: {preset.description}")

    def replay(self, snapshot: Snapshot | None) -> None:
        """Show an earlier epoch in every view (training pauses); None = back to the live state."""
        from .extensions import replay_targets

        if snapshot is not None:
            self.session.pause()
        shown = snapshot if snapshot is not None else self.session.latest
        if shown is None:
            return
        for show in replay_targets(self):
            show(shown)

    # ----- messages -----------------------------------------------------------------------
    def show_message(self, kind: str, text: str) -> None:
        self.banner.show_message(kind, text)

    # ----- layout memory ------------------------------------------------------------------
    def _splitters(self) -> list[QSplitter]:
        return self.workspaces.findChildren(QSplitter)

    def restore_layout(self) -> bool:
        """The user's last window size, workspace, splitter shares and side docks, when they
        still fit the screen; False when there is nothing (fitting) to restore."""
        rect = self.qsettings.value("window/rect")
        state = self.qsettings.value("window/state")
        version = self.qsettings.value("window/layout_version")
        if not isinstance(rect, QRect) or str(version) != str(LAYOUT_VERSION):
            return False
        available = self.available_geometry()
        if rect.width() > available.width() or rect.height() > available.height() or rect.width() < 200:
            return False  # saved on a bigger screen: open fitted to this one
        self.setGeometry(rect)  # (not restoreGeometry: it clamps to the real screen, not the simulated one)
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)
        splits = self.qsettings.value("window/splitters")
        if isinstance(splits, list):
            self.workspaces.keep_sizes()
            self._pending_splits = splits  # applied once the window has its size (showEvent)
        return True

    def save_layout(self) -> None:
        self.qsettings.setValue("window/layout_version", LAYOUT_VERSION)
        self.qsettings.setValue("window/rect", self.normalGeometry() if self.isMaximized() else self.geometry())
        self.qsettings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.qsettings.setValue("window/splitters", [s.saveState() for s in self._splitters()])
        self.qsettings.sync()

    def reset_layout(self) -> None:
        """Back to the window as it first opens on this screen."""
        for dock in self.docks.values():
            if isinstance(dock, QDockWidget):
                dock.setFloating(False)
        self.showNormal()
        self.fit_to_screen()
        self.show_workspace("train")

    # ----- closing ------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802
        if not self._closed:
            if not all(guard() for guard in self.close_guards):
                event.ignore()
                return
            self.save_layout()
            self.session.shutdown()
            self._closed = True
        super().closeEvent(event)
