"""Does a snapshot's network fit the dataset the window holds?

Data and snapshots arrive separately (a new dataset first, the network trained on it a
frame later), so every view checks before computing and waits for a matching pair.
"""
from __future__ import annotations

from engine.data.datasets import Dataset
from engine.training.snapshot import Snapshot
from engine.training.trainer import check_compatible


def mismatch(snapshot: Snapshot | None, data: Dataset | None) -> str | None:
    """None when the pair can be used, else a one-line reason to show."""
    if snapshot is None or snapshot.spec is None:
        return "no network yet"
    if data is None:
        return "no data yet"
    try:
        check_compatible(snapshot.spec, data)
    except ValueError as exc:
        return f"waiting for the network to match the data ({exc})"
    return None
