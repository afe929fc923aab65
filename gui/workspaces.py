"""The window's workspaces: what a learner sees together at each step of the path.

1. "Build & train": data (left), the network editor (centre), the output map above the
   loss / unit maps / timeline tabs (right). Everything needed to build a network and watch
   it learn.
2. "Backward pass": the network editor at full height with the chain-rule card beside it
   (the step-through draws its phases on the editor's own canvas).
3. "Look inside": one large area for the views that need room (Hinton diagrams, the
   family trees' person codes, the learning-rule race, any other big view a part adds) beside the pattern
   table, so a network's weights and its answers to every pattern are seen together.

The editor is one widget: it moves to the workspace on screen. Every view sits in a tab of
a slot whose minimum size is the smallest readable size (MIN_SIZES); the splitters between
slots never collapse a slot, so nothing is ever squeezed to a strip or hidden behind a
splitter. Views that do not fit a workspace are a tab or a workspace away.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMargins, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

# Smallest readable sizes (logical pixels), asserted by tests/gui/test_layout_screens.py.
MIN_EDITOR = QSize(480, 300)  # the network canvas with its palette
MIN_PLOT = QSize(240, 180)  # output map, loss curve, patterns, timeline
MIN_DATA = QSize(190, 280)  # data-set chooser
MIN_CARD = QSize(470, 440)  # the backward pass side panel: step controls + chain-rule card + map
MIN_INSPECT = QSize(480, 300)  # the "Look inside" area

# (workspace, slot) for the views the window and its parts add by name
PLACES: dict[str, tuple[str, str]] = {
    "dataDock": ("train", "data"),
    "outputDock": ("train", "top"),
    "patternsDock": ("inspect", "table"),
    "lossDock": ("train", "bottom"),
    "timelineDock": ("train", "bottom"),
    "backwardDock": ("backward", "side"),
    "unitsDock": ("train", "bottom"),
    "hintonDock": ("inspect", "main"),
    "raceDock": ("inspect", "main"),
}
SLOT_MINIMUM = {"data": MIN_DATA, "top": MIN_PLOT, "bottom": MIN_PLOT, "side": MIN_CARD, "main": MIN_INSPECT,
                "table": MIN_PLOT}
WORKSPACES: tuple[tuple[str, str, str], ...] = (
    ("train", "1 · Build && train", "Build a network, choose data, train it and watch it learn"),
    ("backward", "2 · Backward pass", "Follow one pattern through a learning step on your own network (Ctrl+B)"),
    ("inspect", "3 · Look inside", "Every pattern's answer, weights as Hinton diagrams, the learning-rule race"),
)
# the largest window the app opens by default, and the frame a window manager usually adds
MAX_WINDOW = QSize(1920, 1200)
TYPICAL_FRAME = QMargins(1, 30, 1, 1)


def window_rect_for(available: QRect, frame: QMargins = TYPICAL_FRAME, minimum: QSize = QSize(0, 0)) -> QRect:
    """The window's inner rectangle when it opens on a screen with `available` geometry
    (QScreen.availableGeometry: the screen minus panels), so that the window and its frame
    fit: as large as the screen allows, up to MAX_WINDOW, centred."""
    w = min(available.width() - frame.left() - frame.right(), MAX_WINDOW.width())
    h = min(available.height() - frame.top() - frame.bottom(), MAX_WINDOW.height())
    w, h = max(w, minimum.width()), max(h, minimum.height())
    outer_w, outer_h = w + frame.left() + frame.right(), h + frame.top() + frame.bottom()
    x = available.x() + max(0, (available.width() - outer_w) // 2) + frame.left()
    y = available.y() + max(0, (available.height() - outer_h) // 2) + frame.top()
    return QRect(x, y, w, h)


class ViewPage(QWidget):
    """One view in a slot's tab. Looks like the dock it replaces to the parts that add views:
    `widget()`, `windowTitle()`, `show()`/`raise_()` (bring it on screen: its workspace, its
    tab), `isFloating()`, `toggleViewAction()`, `visibilityChanged`."""

    visibilityChanged = Signal(bool)

    def __init__(self, view: QWidget, title: str, name: str, scroll: bool, owner: "Workspaces") -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.view = view
        self._owner = owner
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if scroll:
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            area.setWidget(view)
            self._inner: QWidget = area
        else:
            self._inner = view
        lay.addWidget(self._inner)
        self._action = QAction(title, self)
        self._action.triggered.connect(self.show)

    def widget(self) -> QWidget:
        return self._inner

    def isFloating(self) -> bool:  # noqa: N802 (the dock's name)
        return False

    def toggleViewAction(self) -> QAction:  # noqa: N802
        return self._action

    def show(self) -> None:
        """Bring the view on screen: switch to its workspace and its tab."""
        self._owner.bring_forward(self)

    def raise_(self) -> None:
        self._owner.bring_forward(self)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.visibilityChanged.emit(True)

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self.visibilityChanged.emit(False)


class Slot(QTabWidget):
    """A place in a workspace: its views as tabs (the tab is the view's title)."""

    def __init__(self, name: str, minimum: QSize) -> None:
        super().__init__()
        self.setObjectName(f"{name}Slot")
        self.setDocumentMode(True)
        self.setMinimumSize(minimum.width(), minimum.height() + 28)  # + the tab row


@dataclass
class _Workspace:
    name: str
    page: QWidget
    editor_holder: QWidget | None
    splitters: list[QSplitter]


class Workspaces(QWidget):
    """The workspace tabs and their pages; `header` is the row the tab bar sits in (the
    window puts its message strip beside it)."""

    changed = Signal(str)

    def __init__(self, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.bar = QTabBar()
        self.bar.setObjectName("workspaceBar")
        self.bar.setExpanding(False)
        self.bar.setDrawBase(False)
        self.stack = QStackedWidget()
        self.slots: dict[str, Slot] = {}
        self.pages: dict[str, ViewPage] = {}
        self._spaces: dict[str, _Workspace] = {}
        self._sized: set[str] = set()
        for name, title, tip in WORKSPACES:
            self.bar.addTab(title)  # "&&": a literal "&" in a tab
            self.bar.setTabToolTip(self.bar.count() - 1, tip)
            self._spaces[name] = getattr(self, f"_build_{name}")()
            self.stack.addWidget(self._spaces[name].page)
        self.header = QWidget()
        row = QHBoxLayout(self.header)
        row.setContentsMargins(6, 2, 6, 0)
        row.addWidget(self.bar)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        self.bar.currentChanged.connect(self._switched)
        self._switched(0)

    # ----- the pages ---------------------------------------------------------------------------
    def _slot(self, name: str) -> Slot:
        slot = Slot(name, SLOT_MINIMUM[name])
        self.slots[name] = slot
        return slot

    @staticmethod
    def _splitter(orientation: Qt.Orientation, *widgets: QWidget) -> QSplitter:
        s = QSplitter(orientation)
        s.setChildrenCollapsible(False)  # a slot is never squeezed to nothing
        s.setHandleWidth(7)
        for w in widgets:
            s.addWidget(w)
        return s

    @staticmethod
    def _holder(name: str) -> QWidget:
        holder = QWidget()
        holder.setObjectName(name)
        holder.setMinimumSize(MIN_EDITOR)
        lay = QVBoxLayout(holder)
        lay.setContentsMargins(0, 0, 0, 0)
        return holder

    def _build_train(self) -> _Workspace:
        holder = self._holder("trainEditor")
        right = self._splitter(Qt.Orientation.Vertical, self._slot("top"), self._slot("bottom"))
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        main = self._splitter(Qt.Orientation.Horizontal, self._slot("data"), holder, right)
        main.setStretchFactor(1, 1)
        return _Workspace("train", main, holder, [main, right])

    def _build_backward(self) -> _Workspace:
        holder = self._holder("backwardEditor")
        main = self._splitter(Qt.Orientation.Horizontal, holder, self._slot("side"))
        main.setStretchFactor(0, 1)
        return _Workspace("backward", main, holder, [main])

    def _build_inspect(self) -> _Workspace:
        main = self._splitter(Qt.Orientation.Horizontal, self._slot("main"), self._slot("table"))
        main.setStretchFactor(0, 1)
        return _Workspace("inspect", main, None, [main])

    # ----- views -------------------------------------------------------------------------------
    def place(self, view: QWidget, title: str, name: str, workspace: str, slot: str, scroll: bool = False) -> ViewPage:
        scroll = scroll and slot != "side"  # the side panel is sized to show the card whole
        page = ViewPage(view, title, name, scroll, self)
        self.slots[slot].addTab(page, title)
        self.pages[name] = page
        page.setProperty("workspace", workspace)
        return page

    def bring_forward(self, page: ViewPage) -> None:
        self.show_workspace(str(page.property("workspace")))
        slot = page.parentWidget()
        while slot is not None and not isinstance(slot, Slot):
            slot = slot.parentWidget()
        if slot is not None:
            slot.setCurrentWidget(page)

    # ----- switching ---------------------------------------------------------------------------
    @property
    def current(self) -> str:
        return WORKSPACES[self.bar.currentIndex()][0]

    def show_workspace(self, name: str) -> None:
        names = [n for n, _, _ in WORKSPACES]
        if name not in names:
            raise ValueError(f"no workspace {name!r}; there are {', '.join(names)}")
        self.bar.setCurrentIndex(names.index(name))

    def _switched(self, index: int) -> None:
        space = self._spaces[WORKSPACES[index][0]]
        if space.editor_holder is not None and self.editor.parentWidget() is not space.editor_holder:
            space.editor_holder.layout().addWidget(self.editor)  # moves it here
            self.editor.show()
        self.stack.setCurrentWidget(space.page)
        self.size_splitters(space.name)
        self.changed.emit(space.name)

    def size_splitters(self, name: str | None = None, force: bool = False) -> None:
        """Default shares for a workspace once it has its real width (the user's drags are kept)."""
        name = name or self.current
        width = self.stack.width()
        if width < 200 or (name in self._sized and not force):
            return
        space = self._spaces[name]
        handle = 7
        if name == "train":
            main, right = space.splitters
            data = max(MIN_DATA.width(), min(230, int(0.16 * width)))
            side = max(MIN_PLOT.width() + 20, min(560, int(0.3 * width)))
            main.setSizes([data, max(MIN_EDITOR.width(), width - data - side - 2 * handle), side])
            height = self.stack.height()
            right.setSizes([int(0.58 * height), height - int(0.58 * height) - handle])
        elif name == "inspect":
            (main,) = space.splitters
            table = max(MIN_PLOT.width() + 20, min(620, int(0.36 * width)))
            main.setSizes([width - table - handle, table])
        elif name == "backward":
            (main,) = space.splitters
            side = max(MIN_CARD.width(), min(max(590, int(0.4 * width)), 720, width - MIN_EDITOR.width() - handle))
            main.setSizes([max(MIN_EDITOR.width(), width - side - handle), side])
        self._sized.add(name)

    def keep_sizes(self) -> None:
        """The splitters hold the user's restored shares: no default sizing any more."""
        self._sized.update(n for n, _, _ in WORKSPACES)
        self._keep = True

    _keep = False

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._keep:
            return
        if not self._sized or event.oldSize().width() <= 0:
            self._sized.clear()
            self.size_splitters()

    def splitters(self, name: str) -> list[QSplitter]:
        """A workspace's splitters, the outer one first."""
        return list(self._spaces[name].splitters)
