"""The playground window: docks around the network editor, menus, messages, layout memory.

Hooks for other panels and menus (used by the file, paper and backward-pass helpers):
- `add_dock(widget, title, area, name, tabify_with=None)` adds a dock with a View-menu entry;
- `register_view(view)` feeds a view like the built-in ones: `show_snapshot(snapshot)` on
  every frame, `set_dataset(data)` / `set_context(data, settings)` when data or settings change;
- `file_menu` (its `file_insert_point` action: insert items before it), `edit_menu`,
  `view_menu`, `training_menu`, `help_menu`; `close_guards` (callables returning False
  to cancel closing, e.g. an unsaved-changes prompt); `shortcuts` lists (keys, what) for Help.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from engine.training.snapshot import Snapshot

from .panels.controls import ControlsPanel
from .panels.data_panel import DataPanel
from .plots.boundary import OutputPlot
from .plots.loss import LossPlot
from .plots.units import UnitMapsView
from .session import Session
from .style.themes import THEMES, apply_theme
from .editor import NetworkEditor
from .window_parts import MessageBanner

LAYOUT_VERSION = 1
DOCK_AREAS = {
    "left": Qt.DockWidgetArea.LeftDockWidgetArea,
    "right": Qt.DockWidgetArea.RightDockWidgetArea,
    "top": Qt.DockWidgetArea.TopDockWidgetArea,
    "bottom": Qt.DockWidgetArea.BottomDockWidgetArea,
}


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: QSettings | None = None,
        grid_resolution: int = 100,
        restore_layout: bool = True,
        extensions: bool = True,
        files: bool = False,
    ) -> None:
        """`extensions`: install the optional panels and menus (gui/extensions.py);
        `files`: also attach the File menu's save/open (the app does; its unsaved-work prompt
        is modal, so scripted runs and tests leave it out or attach it themselves)."""
        super().__init__()
        self.setWindowTitle("Backprop Playground[*]")  # [*]: the unsaved-changes mark
        self.setObjectName("mainWindow")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self.qsettings = settings if settings is not None else QSettings()
        self.resize(1280, 800)  # before the docks go in: they are laid out as they are added
        self.session = Session(grid_resolution=grid_resolution, parent=self)
        self.close_guards: list[Callable[[], bool]] = []
        self.shortcuts: list[tuple[str, str]] = []
        self.docks: dict[str, QDockWidget] = {}
        self.replay_views: list[QWidget] = []  # extra views that follow a timeline replay
        self.files = None  # gui.files.FileController once installed
        self.backward_panel = None
        self._closed = False

        # ----- centre: banner + network editor -----
        self.editor = NetworkEditor()
        self.banner = MessageBanner()
        centre = QWidget()
        col = QVBoxLayout(centre)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.banner)
        col.addWidget(self.editor, 1)
        self.setCentralWidget(centre)

        # ----- built-in views -----
        s = self.session
        self.controls = ControlsPanel(s)
        self.data_panel = DataPanel(s, show_features=False)  # the editor toggles features
        self.output_plot = OutputPlot()
        self.loss_plot = LossPlot()
        self.unit_maps = UnitMapsView()
        self._build_menus()
        self.set_theme(str(self.qsettings.value("view/theme", "system")), save=False)
        self.add_dock(self.controls, "Training", "top", "trainingDock")
        self.add_dock(self.data_panel, "Data", "left", "dataDock")
        self.add_dock(self.output_plot, "Output", "right", "outputDock")
        self.add_dock(self.loss_plot, "Loss", "right", "lossDock")
        self.add_dock(self.unit_maps, "Unit maps", "bottom", "unitsDock")

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

        if extensions:
            from .extensions import install_all

            install_all(self, files=files)
        self.resize(1280, 800)
        self._default_state: QByteArray | None = None
        self._shown = False
        # Restore before the first show: restoring tabbed docks from showEvent left stale
        # tab bars painted in the middle of the window.
        self._restored = restore_layout and self.qsettings.contains("window/state") and self.restore_layout()

    def showEvent(self, event) -> None:
        """Size the docks once the window has its real size (unless the user's layout was restored)."""
        super().showEvent(event)
        if self._shown:
            return
        self._shown = True
        if not self._restored:
            self.default_dock_sizes()
            QTimer.singleShot(0, self.default_dock_sizes)  # a window system may settle the size later
            QTimer.singleShot(0, self._remember_default_state)
        else:
            QTimer.singleShot(0, self.hide_stale_tab_bars)

    def _remember_default_state(self) -> None:
        for name in ("unitsDock", "lossDock"):  # in front of the tabs added by other parts
            self.docks[name].raise_()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.hide_stale_tab_bars()

    def hide_stale_tab_bars(self) -> None:
        """Qt can leave an old copy of a dock group's tab bar painted where the group was when
        it was tabified. The real bar sits right under its group's current dock; hide the rest."""
        docks = [d for d in self.docks.values() if d.isVisible() and not d.isFloating()]
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible() or bar.count() == 0:
                continue
            g = bar.geometry()
            attached = any(
                abs(d.geometry().left() - g.left()) <= 2 and abs(d.geometry().bottom() + 1 - g.top()) <= 3 for d in docks
            )
            if not attached:
                bar.hide()

    def default_dock_sizes(self) -> None:
        h, v = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        d = self.docks
        self.resizeDocks([d["dataDock"], d["outputDock"]], [225, 400], h)
        self.resizeDocks([d["outputDock"], d["lossDock"]], [280, 170], v)  # shares of the column
        self.resizeDocks([d["unitsDock"]], [200], v)

    # ----- hooks for other panels -------------------------------------------------------
    def add_dock(
        self,
        widget: QWidget,
        title: str,
        area: str = "right",
        name: str | None = None,
        tabify_with: str | None = None,
        scroll: bool = False,
    ) -> QDockWidget:
        """Dock `widget` (View menu entry included). `scroll=True` wraps it in a scroll area so
        a panel with a large minimum size cannot force the whole window to grow."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name or f"{title.replace(' ', '')}Dock")
        if scroll:
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
        self.addDockWidget(DOCK_AREAS[area], dock)
        if tabify_with and tabify_with in self.docks:
            # Lay out first: a group tabified while the layout is dirty leaves Qt's stale tab
            # bar painted at the old place (seen in the middle of the window).
            self.layout().activate()
            self.tabifyDockWidget(self.docks[tabify_with], dock)
            self.layout().activate()
        self.docks[dock.objectName()] = dock
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
        self.view_menu = bar.addMenu("&View")
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
        QMessageBox.about(self, "Backprop Playground",
                          "Design a small network, train it with backpropagation and watch every unit learn.")

    def _show_views_for(self, data) -> None:
        """Bring forward what can show this data: unit maps for 2-D sets, the pattern table otherwise."""
        name = "unitsDock" if data.planar else "patternsDock"
        if name in self.docks:
            self.docks[name].raise_()

    def set_theme(self, name: str, save: bool = True) -> None:
        """Light, dark or 'system' (follows the desktop); remembered between launches."""
        name = name if name in THEMES else "system"
        self.theme = apply_theme(self, name)
        for view in (self.output_plot, self.loss_plot):
            view.set_theme(self.theme)
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)
        if save:
            self.qsettings.setValue("view/theme", name)

    # ----- whole runs --------------------------------------------------------------------
    def open_preset(self, name: str) -> None:
        """Load an example (engine.presets): its network, data and settings, fresh weights."""
        from engine.presets import get_preset

        preset = get_preset(name)
        trainer = preset.make_trainer()
        self.session.adopt(trainer, trainer.data.source or {"kind": "preset", "name": name}, preset_name=name,
                           criterion=preset.criterion)
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
        self.statusBar().showMessage(text, 10000)

    # ----- layout memory ------------------------------------------------------------------
    def restore_layout(self) -> bool:
        """The user's last window geometry and dock layout; False when there is none to use."""
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        return isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION)

    def save_layout(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.qsettings.sync()

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        if self._default_state is not None:
            self.restoreState(self._default_state, LAYOUT_VERSION)
        self.default_dock_sizes()

    # ----- closing ------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self._closed:
            if not all(guard() for guard in self.close_guards):
                event.ignore()
                return
            self.save_layout()
            self.session.shutdown()
            self._closed = True
        super().closeEvent(event)
