"""Optional JIT path for small batches (numba). The NumPy loop in trainer.py is the reference."""
from __future__ import annotations


def applicable(trainer, batch_size: int) -> bool:
    return False


def run_epoch(trainer, x, y, batch_size: int) -> float:  # pragma: no cover - placeholder
    raise NotImplementedError
