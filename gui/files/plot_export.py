"""Any view to PNG or SVG: pyqtgraph's exporters for plots, a grab or QSvgGenerator for widgets."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QWidget

FORMATS = ("png", "svg")


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


def export_plot(view: Any, path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write `view` to `path` as PNG or SVG (from the suffix when fmt is None); returns the path."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot export to {fmt!r}; choose PNG or SVG")
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}")
    target = _pyqtgraph_target(view)
    if target is not None and fmt == "png":
        exporter = pg_exporters.ImageExporter(target)
        if exporter.parameters()["width"] < 1:
            raise ValueError("the plot has no size yet (is it visible?)")
        exporter.export(str(path))
    elif target is not None:
        try:
            pg_exporters.SVGExporter(target).export(str(path))
        except ValueError:
            # pyqtgraph 0.14's SVGExporter cannot parse the path data Qt 6.11's QSvgGenerator
            # writes (pyqtgraph issue #3485); paint the same scene region with QSvgGenerator.
            _scene_svg(target, path)
    elif isinstance(view, QWidget):
        _export_widget(view, path, fmt)
    else:
        raise TypeError(f"cannot export a {type(view).__name__}")
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"nothing was written to {path}")
    return path


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


def _export_widget(widget: QWidget, path: Path, fmt: str) -> None:
    if fmt == "png":
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")
        return
    generator = _svg_generator(path, widget.width(), widget.height())  # kept referenced until the painter ends
    painter = QPainter(generator)
    try:
        widget.render(painter, QPoint(0, 0))
    finally:
        painter.end()


__all__ = ["export_plot", "FORMATS"]
