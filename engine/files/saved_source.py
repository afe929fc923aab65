"""Which data source a project file stores for the data a run holds.

A CSV is stored by its path only while the file still gives back exactly that data: a file
that is gone, no longer parses, or now holds other points would make the project open later
with broken or different data. Then the points themselves go in the project (the `points`
source), with one line for the user saying why. Any other source is stored as it is.

Autosave asks every minute: the verdict for one file (path, size, modification time) and one
data set is kept, so an unchanged CSV is not read again.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from engine.data.datasets import Dataset
from engine.data.sources import CsvSource, DataSource, PointsSource, source_of
from engine.validate import ProjectError

MAX_REASON = 160  # characters of the CSV reader's message kept in the one-line note


@dataclass(frozen=True)
class SavedSource:
    source: DataSource  # the data source to write
    note: str | None = None  # one line for the user when a CSV path was replaced by the points


_last: tuple[tuple, Dataset, SavedSource] | None = None  # (file key, data, verdict) of the last check


def source_to_save(data: Dataset) -> SavedSource:
    """The data source to write for `data`: its recipe, except a CSV that no longer gives this data."""
    global _last
    source = source_of(data)
    if not isinstance(source, CsvSource) or not source.path:
        return SavedSource(source)
    key = _file_key(source)
    if _last is not None and key is not None and _last[0] == key and _last[1] is data:
        return _last[2]
    verdict = _check_csv(source, data)
    _last = None if key is None else (key, data, verdict)
    return verdict


def remember_read(data: Dataset, before: tuple | None) -> None:
    """`data` has just been read from its CSV file, whose `stat_key` was `before` when reading
    began: if the file is unchanged since, the next save trusts it without reading it again
    (a big file read on every first autosave would freeze the window for a moment)."""
    global _last
    source = source_of(data)
    if not isinstance(source, CsvSource) or not source.path or before is None:
        return
    key = _file_key(source)
    if key is not None and key[-len(before):] == before:  # the file as it was when reading began
        _last = (key, data, SavedSource(source))


def stat_key(path: str | os.PathLike) -> tuple | None:
    """The file's identity and version (inode, size, modification time); None when it cannot be read."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # gone, unreadable, or a path the OS refuses
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _file_key(source: CsvSource) -> tuple | None:
    """What identifies the file's contents cheaply; None when it cannot be read (not cached)."""
    key = stat_key(source.path)
    return None if key is None else (source.path, source.test_ratio, source.seed, *key)


def _check_csv(source: CsvSource, data: Dataset) -> SavedSource:
    name = os.path.basename(source.path) or source.path
    points = PointsSource.of(data)
    n = len(data.x_train) + len(data.x_test)
    kept = f"the project keeps the {n:,} points in use inside itself instead of a link to the file"
    if not os.path.isfile(source.path):
        return SavedSource(points, f"{name} is no longer there: {kept}.")
    try:
        again = source.build()
    except (ProjectError, ValueError, OSError) as exc:  # CsvError is a ValueError: every reading failure
        reason = " ".join(str(exc).split())
        reason = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
        return SavedSource(points, f"{name} can no longer be read ({reason}): {kept}.")
    if not same_data(again, data):
        return SavedSource(points, f"{name} has changed since it was loaded: {kept}.")
    return SavedSource(source)


def same_data(a: Dataset, b: Dataset) -> bool:
    """The same points, targets, split and names (what a project that links the file would get back)."""
    arrays = ("x_train", "y_train", "x_test", "y_test")
    if any(getattr(a, k).shape != getattr(b, k).shape for k in arrays):
        return False
    if (a.task, tuple(a.class_names), tuple(a.input_names), tuple(a.output_names)) != (
        b.task, tuple(b.class_names), tuple(b.input_names), tuple(b.output_names)
    ):
        return False
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in arrays)


__all__ = ["SavedSource", "source_to_save", "same_data"]
