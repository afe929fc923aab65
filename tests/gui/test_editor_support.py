"""Shared helpers for the network-editor tests (no tests here): build an editor, aim, drag."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QGraphicsItem

from engine.core.spec import NetworkSpec
from gui.editor import NetworkEditor


def make_editor(qtbot, spec: NetworkSpec) -> NetworkEditor:
    editor = NetworkEditor()
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.set_spec(spec)
    editor.show()
    qtbot.waitExposed(editor)
    editor.view.fit()
    return editor


def view_point(editor: NetworkEditor, item: QGraphicsItem, local: QPointF | None = None) -> QPoint:
    """Viewport pixel of a point given in an item's coordinates (default: its centre)."""
    if local is None:
        local = item.boundingRect().center()
    return editor.view.mapFromScene(item.mapToScene(local))


def scene_point(editor: NetworkEditor, x: float, y: float) -> QPoint:
    return editor.view.mapFromScene(QPointF(x, y))


def click(qtbot, editor: NetworkEditor, pos: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(editor.view.viewport(), button, pos=pos)


def drag(qtbot, editor: NetworkEditor, start: QPoint, end: QPoint, steps: int = 6) -> None:
    """Press, move in steps, release: a drag that stays inside the scene."""
    vp = editor.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        qtbot.mouseMove(vp, QPoint(round(p.x()), round(p.y())))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=end)


def settle() -> None:
    """Let deferred rebuilds and dialogs (single-shot timers) run."""
    for _ in range(3):
        QApplication.processEvents()


class SpecRecorder:
    """Collects every spec the editor emits and, like the window's session, accepts it by
    handing it back with set_spec (accept=False plays a session that refuses edits)."""

    def __init__(self, editor: NetworkEditor, accept: bool = True) -> None:
        self.specs: list[NetworkSpec] = []
        self.editor = editor
        self.accept = accept
        editor.specEdited.connect(self._edited)

    def _edited(self, spec: NetworkSpec) -> None:
        self.specs.append(spec)
        if self.accept:
            self.editor.set_spec(spec)

    @property
    def last(self) -> NetworkSpec:
        assert self.specs, "the editor emitted no spec"
        return self.specs[-1]


def test_unit_maps_are_coloured_by_the_diverging_scale_with_y_up_and_no_value_neutral(qtbot):
    import numpy as np

    from gui.editor import colors

    inf, nan = np.inf, np.nan
    grid = np.array([[-inf, -1.0, 0.0], [nan, 1.0, inf]], dtype=np.float32)  # row 0 is y = lowest
    twice = np.stack([grid, -grid])
    first, second = colors.grids_to_images(twice, (-1.0, 1.0))

    def colour(image, x, y):
        return image.pixel(x, y) & 0xFFFFFF

    lut = colors.LUT_ARGB32 & 0xFFFFFF
    # the image's top row is the grid's last row (y points up)
    assert [colour(first, x, 1) for x in range(3)] == [lut[0], lut[0], lut[127]]
    assert [colour(first, x, 0) for x in range(3)] == [lut[127], lut[255], lut[255]]
    assert colour(second, 1, 1) == lut[255] and colour(second, 0, 0) == lut[127]  # each map its own
    assert colors.grid_to_image(grid, (-1.0, 1.0)) == first
