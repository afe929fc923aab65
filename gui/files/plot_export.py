"""Any view to PNG or SVG at publication size.

PNG: at least MIN_WIDTH pixels wide (or twice the view, or a chosen width). A view smaller
than a readable layout (a 480x68 loss plot in a crowded window) is laid out afresh at
LAYOUT_SIZE for the picture, then painted scaled, so labels keep their proportions instead of
being stretched pixels. SVG: the same layout, in vector form. The network editor exports
its network only: no palette, no status row, no header buttons (`picture_source`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsScene, QWidget

FORMATS = ("png", "svg")
MIN_WIDTH = 1600  # pixels of an exported PNG unless a width is chosen
LAYOUT_SIZE = QSize(800, 500)  # smallest logical size a view is laid out at for a picture
MAX_WIDTH = 12000  # a chosen width beyond this is refused (memory), not silently clipped


def _pyqtgraph_target(view: Any) -> Any | None:
    """The item or scene pyqtgraph's exporters take, or None for a plain widget."""
    if isinstance(view, (pg.GraphicsObject, pg.GraphicsWidget, QGraphicsItem)):
        return view
    if isinstance(view, pg.PlotWidget):
        return view.getPlotItem()
    if isinstance(view, pg.GraphicsLayoutWidget):
        return view.ci
    if isinstance(view, pg.GraphicsView):
        return view.scene()
    return None


def export_plot(view: Any, path: str | os.PathLike, fmt: str | None = None, width: int | None = None) -> Path:
    """Write `view` to `path` as PNG or SVG (from the suffix when fmt is None); returns the path.

    `width`: the PNG's width in pixels (default: MIN_WIDTH or twice the view, the larger)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot export to {fmt!r}; choose PNG or SVG")
    if width is not None and not 16 <= int(width) <= MAX_WIDTH:
        raise ValueError(f"choose a picture width between 16 and {MAX_WIDTH} pixels, not {width}")
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}")
    picture = getattr(view, "picture_source", None)
    if callable(picture):  # a view that knows what its picture is (the network editor)
        scene, source = picture()
        _export_scene(scene, source, path, fmt, width, getattr(view, "picture_items_hidden", None))
    elif isinstance(view, QWidget):
        _export_widget(view, path, fmt, width)
    elif _pyqtgraph_target(view) is not None:
        _export_pyqtgraph_item(view, path, fmt, width)
    else:
        raise TypeError(f"cannot export a {type(view).__name__}")
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"nothing was written to {path}")
    return path


def png_width(view_width: int, width: int | None = None) -> int:
    """The exported width: the chosen one, else MIN_WIDTH or twice the view, the larger."""
    return int(width) if width is not None else max(MIN_WIDTH, 2 * int(view_width))


def layout_size(size: QSize) -> QSize:
    """The logical size a view is laid out at for its picture: never below LAYOUT_SIZE."""
    return QSize(max(size.width(), LAYOUT_SIZE.width()), max(size.height(), LAYOUT_SIZE.height()))


class _LaidOutAt:
    """Temporarily give a widget another size (and let its layouts settle); restore after."""

    def __init__(self, widget: QWidget, size: QSize) -> None:
        self.widget, self.size, self.old = widget, size, widget.size()

    def __enter__(self) -> QWidget:
        if self.size != self.old:
            self.widget.resize(self.size)
            _settle(self.widget)
        return self.widget

    def __exit__(self, *exc) -> None:
        if self.widget.size() != self.old:
            self.widget.resize(self.old)
            _settle(self.widget)


def _settle(widget: QWidget) -> None:
    """Deliver the resize and the layout requests it posted (pyqtgraph lays out on them)."""
    app = QApplication.instance()
    if app is not None:
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
    for w in [widget, *widget.findChildren(QWidget)]:
        if isinstance(w, pg.GraphicsView):
            item = w.centralWidget if hasattr(w, "centralWidget") else None
            lay = getattr(item, "layout", None)
            if lay is not None and not callable(lay):
                lay.activate()
            elif callable(lay) and lay() is not None:
                lay().activate()


def _export_widget(widget: QWidget, path: Path, fmt: str, width: int | None) -> None:
    target = layout_size(widget.size()) if widget.width() > 0 else LAYOUT_SIZE
    with _LaidOutAt(widget, target):
        if fmt == "svg":
            generator = _svg_generator(path, target.width(), target.height())  # kept referenced until the painter ends
            painter = QPainter(generator)
            try:
                QWidget.render(widget, painter, QPoint(0, 0))  # the widget as it looks (a QGraphicsView overloads render)
            finally:
                painter.end()
            return
        w = png_width(widget.width(), width)
        scale = w / target.width()
        image = QImage(w, max(1, round(target.height() * scale)), QImage.Format.Format_ARGB32)
        image.fill(widget.palette().window().color())
        painter = QPainter(image)
        try:
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                                   | QPainter.RenderHint.SmoothPixmapTransform)
            painter.scale(scale, scale)
            QWidget.render(widget, painter, QPoint(0, 0))
        finally:
            painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")


def _export_pyqtgraph_item(item: Any, path: Path, fmt: str, width: int | None) -> None:
    target = _pyqtgraph_target(item)
    if fmt == "png":
        exporter = pg_exporters.ImageExporter(target)
        if exporter.parameters()["width"] < 1:
            raise ValueError("the plot has no size yet (is it visible?)")
        exporter.parameters()["width"] = png_width(int(exporter.parameters()["width"]), width)
        exporter.export(str(path))
        return
    try:
        pg_exporters.SVGExporter(target).export(str(path))
    except ValueError:
        # pyqtgraph 0.14's SVGExporter cannot parse the path data Qt 6.11's QSvgGenerator
        # writes (pyqtgraph issue #3485); paint the same scene region with QSvgGenerator.
        _scene_svg(target, path)


def _export_scene(scene: QGraphicsScene, source: QRectF, path: Path, fmt: str, width: int | None, hidden=None) -> None:
    """A region of a graphics scene (the network, without the editor around it)."""
    if source.isEmpty():
        raise ValueError("there is nothing to draw yet")
    with (hidden() if hidden is not None else _nothing()):
        if fmt == "svg":
            w, h = max(1, round(source.width())), max(1, round(source.height()))
            generator = _svg_generator(path, w, h)
            painter = QPainter(generator)
            try:
                scene.render(painter, QRectF(0, 0, w, h), source)
            finally:
                painter.end()
            return
        w = png_width(round(source.width()), width)
        h = max(1, round(source.height() * w / source.width()))
        image = QImage(w, h, QImage.Format.Format_ARGB32)
        image.fill(scene.backgroundBrush().color() if scene.backgroundBrush().style() != Qt.BrushStyle.NoBrush
                   else QColor("white"))
        painter = QPainter(image)
        try:
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                                   | QPainter.RenderHint.SmoothPixmapTransform)
            scene.render(painter, QRectF(0, 0, w, h), source)
        finally:
            painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


def _svg_generator(path: Path, width: int, height: int) -> QSvgGenerator:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRect(0, 0, width, height))
    generator.setTitle("Backprop Playground")
    generator.setResolution(96)  # the logical DPI pyqtgraph lays out text for; 72 (the default) shifts curves against axes
    return generator


def _scene_svg(target: Any, path: Path) -> None:
    """Vector SVG of a pyqtgraph item (or whole scene) painted through QSvgGenerator."""
    scene = target if isinstance(target, QGraphicsScene) else target.scene()
    source = scene.sceneRect() if isinstance(target, QGraphicsScene) else target.sceneBoundingRect()
    width, height = max(1, round(source.width())), max(1, round(source.height()))
    generator = _svg_generator(path, width, height)  # kept referenced until the painter ends
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, width, height), source)
    finally:
        painter.end()


__all__ = ["export_plot", "FORMATS", "MIN_WIDTH", "png_width", "layout_size"]
