"""Hand-drawn 2-D data: add and remove single points of a two-class planar data set.

The result is always an inline PointsSource (see engine/data/sources.py), so a generated
set becomes editable the first time the user clicks, and the edit can be undone simply by
going back to the previous source.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.data.datasets import Dataset
from engine.data.sources import PointsSource

SPLITS = ("train", "test")


def editable(data: Dataset) -> bool:
    """Only 2-D two-class data: a click's position is the input, its class the target."""
    return bool(data.planar) and data.task == "binary" and data.n_inputs == 2 and data.n_outputs == 1


def inline_source(data: Dataset) -> PointsSource:
    """The data set's points written out, so single points can be added and removed."""
    if isinstance(data.source, PointsSource):
        return data.source
    return replace(PointsSource.of(data), name=f"custom ({data.name})", planar=True)


def _require_editable(data: Dataset) -> None:
    if not editable(data):
        raise ValueError("points can only be added to or removed from 2-D two-class data")


def with_point(data: Dataset, x: float, y: float, positive: bool) -> PointsSource:
    """A source with one more training point at (x, y) of the given class."""
    _require_editable(data)
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ValueError("a point needs finite coordinates")
    src = inline_source(data)
    return replace(src, x_train=np.vstack([src.x_train, [[float(x), float(y)]]]),
                   y_train=np.vstack([src.y_train, [[1.0 if positive else 0.0]]]))


def without_point(data: Dataset, split: str, index: int) -> PointsSource:
    """A source without point `index` of `split` ('train' or 'test')."""
    _require_editable(data)
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    src = inline_source(data)
    xs, ys = getattr(src, f"x_{split}"), getattr(src, f"y_{split}")
    if not 0 <= index < len(xs):
        raise ValueError(f"there is no {split} point {index}")
    if split == "train" and len(xs) == 1:
        raise ValueError("the last training point cannot be removed")
    return replace(src, **{f"x_{split}": np.delete(xs, index, axis=0), f"y_{split}": np.delete(ys, index, axis=0)})


def nearest_point(data: Dataset, x: float, y: float, max_distance: float,
                  splits: tuple[str, ...] = SPLITS) -> tuple[str, int] | None:
    """(split, index) of the point nearest (x, y) within max_distance, or None."""
    best: tuple[float, str, int] | None = None
    for split in splits:
        pts = data.x_train if split == "train" else data.x_test
        if len(pts) == 0:
            continue
        d = np.hypot(pts[:, 0] - x, pts[:, 1] - y)
        i = int(np.argmin(d))
        if d[i] <= max_distance and (best is None or d[i] < best[0]):
            best = (float(d[i]), split, i)
    return None if best is None else (best[1], best[2])
