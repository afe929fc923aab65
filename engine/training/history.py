"""Training history with bounded memory.

When a history exceeds its limit it keeps every other point (the first and latest
always kept), so a 100,000-epoch run costs the same memory as a 20,000-epoch one and
the curve keeps its shape.
"""
from __future__ import annotations

import math

import numpy as np

COLUMNS = ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")


class History:
    def __init__(self, limit: int | None = 20_000) -> None:
        self.limit = limit
        self._data = np.empty((256, len(COLUMNS)))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0

    def append(self, epoch: int, train_loss: float, test_loss: float, train_acc: float, test_acc: float) -> None:
        if self._n and self._data[self._n - 1, 0] == epoch:
            self._n -= 1  # same epoch recorded twice: keep the latest values
        if self._n == len(self._data):
            self._data = np.concatenate([self._data, np.empty_like(self._data)])
        self._data[self._n] = (epoch, train_loss, test_loss, train_acc, test_acc)
        self._n += 1
        if self.limit is not None and self._n > self.limit:
            keep = np.r_[np.arange(0, self._n - 1, 2), self._n - 1]
            kept = self._data[keep]
            self._n = len(kept)
            self._data[: self._n] = kept

    def extend_training(self, epochs: np.ndarray, train_loss: np.ndarray, train_acc: np.ndarray) -> None:
        """Rows of consecutive training epochs (no test figures), added in one go: what a run
        of epochs recorded from their own passes gives. The same rows as appending each one."""
        m = len(epochs)
        if self.limit is not None and self._n + m > self.limit:  # thinning: row by row, as append does it
            for e, loss, acc in zip(epochs, train_loss, train_acc):
                self.append(int(e), float(loss), math.nan, float(acc), math.nan)
            return
        if m and self._n and self._data[self._n - 1, 0] == epochs[0]:
            self._n -= 1  # same epoch recorded twice: keep the latest values
        while self._n + m > len(self._data):
            self._data = np.concatenate([self._data, np.empty_like(self._data)])
        rows = self._data[self._n : self._n + m]
        rows[:, 0], rows[:, 1], rows[:, 3] = epochs, train_loss, train_acc
        rows[:, 2] = rows[:, 4] = math.nan
        self._n += m

    def drop_after(self, epoch: int) -> None:
        """Forget the points recorded after `epoch` (training went back to it)."""
        self._n = int(np.searchsorted(self._data[: self._n, 0], epoch, side="right"))

    def array(self) -> np.ndarray:
        """A fresh (n, 5) copy: epoch, train_loss, test_loss, train_acc, test_acc."""
        return self._data[: self._n].copy()

    def column(self, name: str) -> np.ndarray:
        return self._data[: self._n, COLUMNS.index(name)].copy()

    def last(self) -> dict[str, float] | None:
        if not self._n:
            return None
        return dict(zip(COLUMNS, map(float, self._data[self._n - 1])))

    def load(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, len(COLUMNS))
        self._data = np.concatenate([rows, np.empty((max(256, len(rows)), len(COLUMNS)))])
        self._n = len(rows)
