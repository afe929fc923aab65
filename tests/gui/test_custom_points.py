"""Drawing data by hand on the output plot: left click adds, right click removes, Ctrl+Z undoes."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.data import custom_points

from engine.data import datasets
from engine.data.sources import PlanarSource, PointsSource
from gui.main_window import MainWindow


def drawn_train_points(w: MainWindow) -> np.ndarray:
    x, y = w.output_plot.train_points.getData()
    return np.column_stack([x, y])


def near(points: np.ndarray, xy: tuple[float, float], tol: float) -> np.ndarray:
    return np.flatnonzero(np.hypot(points[:, 0] - xy[0], points[:, 1] - xy[1]) <= tol)


def emptiest_spots(data, k: int = 3) -> list[tuple[float, float]]:
    """Spots on the plane farthest from every data point (picked, not hard-coded)."""
    g = np.linspace(-5.5, 5.5, 45)
    grid = np.array([(a, b) for a in g for b in g])
    pts = np.vstack([data.x_train, data.x_test])
    gap = np.hypot(grid[:, None, 0] - pts[None, :, 0], grid[:, None, 1] - pts[None, :, 1]).min(axis=1)
    spots: list[tuple[float, float]] = []
    for i in np.argsort(-gap):
        if all(np.hypot(*(grid[i] - sp)) > 2.0 for sp in spots):
            spots.append((float(grid[i, 0]), float(grid[i, 1])))
        if len(spots) == k:
            return spots
    return spots


def click(qtbot, w: MainWindow, xy: tuple[float, float], button=Qt.MouseButton.LeftButton) -> None:
    plot = w.output_plot
    qtbot.mouseClick(plot.plot.viewport(), button, pos=plot.pixel_of(*xy))


def test_click_adds_right_click_removes_and_undo_redo(qtbot, window):
    s, plot = window.session, window.output_plot
    assert plot.add_positive.isEnabled() and plot.add_positive.isChecked()
    before = s.dataset
    n0 = len(before.x_train)
    tol = 1.5 * plot.data_per_pixel()
    xy, xy2, empty = emptiest_spots(before)
    gap = np.hypot(*(before.x_train - xy).T).min()
    assert gap > 10 * plot.data_per_pixel(), "the chosen spot must be empty"

    plot.add_negative.click()
    click(qtbot, window, xy)
    qtbot.waitUntil(lambda: len(s.dataset.x_train) == n0 + 1, timeout=3000)
    data = s.dataset
    assert isinstance(data.source, PointsSource) and s.source is data.source
    assert np.allclose(data.x_train[-1], xy, atol=tol)
    assert data.y_train[-1, 0] == 0.0  # negative
    assert np.array_equal(data.x_train[:-1], before.x_train)  # nothing else changed
    assert len(near(drawn_train_points(window), xy, tol)) == 1
    assert window.session.undo_stack.count() == 1

    # the worker trains on the new data too
    qtbot.waitUntil(lambda: len(s.worker._trainer.data.x_train) == n0 + 1, timeout=3000)

    # a positive point next to it
    plot.add_positive.click()
    click(qtbot, window, xy2)
    qtbot.waitUntil(lambda: len(s.dataset.x_train) == n0 + 2, timeout=3000)
    assert s.dataset.y_train[-1, 0] == 1.0
    assert np.allclose(s.dataset.x_train[-1], xy2, atol=tol)

    # right click a couple of pixels off the first point removes exactly it
    click(qtbot, window, (xy[0] + 2 * plot.data_per_pixel(), xy[1]), Qt.MouseButton.RightButton)
    qtbot.waitUntil(lambda: len(s.dataset.x_train) == n0 + 1, timeout=3000)
    assert len(near(s.dataset.x_train, xy, tol)) == 0
    assert len(near(s.dataset.x_train, xy2, tol)) == 1
    assert len(near(drawn_train_points(window), xy, tol)) == 0

    # a right click on empty plane removes nothing
    click(qtbot, window, empty, Qt.MouseButton.RightButton)
    qtbot.wait(50)
    assert len(s.dataset.x_train) == n0 + 1 and s.undo_stack.count() == 3

    # Ctrl+Z brings the removed point back (and draws it)
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(s.dataset.x_train) == n0 + 2, timeout=3000)
    assert len(near(s.dataset.x_train, xy, tol)) == 1
    assert len(near(drawn_train_points(window), xy, tol)) == 1
    # redo removes it again
    s.undo_stack.redo()
    assert len(near(s.dataset.x_train, xy, tol)) == 0
    assert len(near(drawn_train_points(window), xy, tol)) == 0
    # undoing everything gives back the generated set itself
    while s.undo_stack.canUndo():
        s.undo_stack.undo()
    assert s.source == before.source and isinstance(s.source, PlanarSource)
    assert np.array_equal(drawn_train_points(window), before.x_train)


def test_only_two_class_2d_data_is_editable(qtbot, window):
    s, plot = window.session, window.output_plot
    src = replace(s.source, name="regression")
    assert s.edit_source(src, adapt_network=True)
    assert not plot.add_positive.isEnabled() and not plot.add_negative.isEnabled()
    n = len(s.dataset.x_train)
    count = s.undo_stack.count()
    click(qtbot, window, (5.3, -5.1))
    qtbot.wait(50)
    assert len(s.dataset.x_train) == n and s.undo_stack.count() == count


def test_engine_helpers_keep_the_set_valid():
    data = datasets.planar("circle", n_points=20, seed=3)
    src = custom_points.with_point(data, 1.0, 2.0, True)
    from engine.files.serialize import dataset_from_source

    grown = dataset_from_source(src)
    assert grown.planar and grown.task == "binary" and len(grown.x_train) == len(data.x_train) + 1
    assert custom_points.nearest_point(grown, 1.01, 2.0, 0.05) == ("train", len(data.x_train))
    everything = np.r_[grown.x_train, grown.x_test]
    assert np.hypot(everything[:, 0] - 1.5, everything[:, 1] - 2.0).min() > 0.05  # nothing near (1.5, 2)
    assert custom_points.nearest_point(grown, 1.5, 2.0, 0.05) is None
    assert custom_points.nearest_point(grown, 1.5, 2.0, 0.6) == ("train", len(data.x_train))  # the new point
    shrunk = dataset_from_source(custom_points.without_point(grown, "train", 0))
    assert np.array_equal(shrunk.x_train, grown.x_train[1:])
    with pytest.raises(ValueError):
        custom_points.with_point(datasets.planar("regression", n_points=20), 0.0, 0.0, True)
    one = dataset_from_source(replace(src, x_train=np.array([[0.0, 0.0]]), y_train=np.array([[1.0]])))
    with pytest.raises(ValueError):
        custom_points.without_point(one, "train", 0)
