"""A theme's colours on a pyqtgraph plot: background, axes, tick numbers, axis titles, legend.

One place for what every themed plot does, so a view's `set_theme` stays a line or two and
its words stay readable on both the light and the dark theme.
"""
from __future__ import annotations

import pyqtgraph as pg

from .themes import Theme


def style_plot(plot: pg.PlotWidget, theme: Theme, axes: tuple[str, ...] = ("left", "bottom")) -> None:
    """Colour `plot` (a PlotWidget) with `theme`; its legend too, if it has one."""
    plot.setBackground(theme.plot_background)
    style_plot_item(plot.getPlotItem(), theme, axes)


def style_plot_item(item: pg.PlotItem, theme: Theme, axes: tuple[str, ...] = ("left", "bottom")) -> None:
    """Axes and legend of a PlotItem (one of several in a GraphicsLayoutWidget)."""
    for name in axes:
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(theme.plot_foreground))
        axis.setTextPen(pg.mkPen(theme.plot_foreground))  # also the axis title's colour
    legend = item.legend
    if legend is not None:
        legend.setBrush(pg.mkBrush(theme.plot_background))
        legend.setLabelTextColor(theme.plot_foreground)
        for _, label in legend.items:  # labels made before keep their colour otherwise
            label.setText(label.text, color=theme.plot_foreground)
