"""Estimates of memory and work for a network and a data set, made before anything is allocated.

The counts are deliberately rough (within a factor of about two): they exist to refuse a
run that would exhaust the machine or take hours, with a message that says how big it is
and what to change, instead of a MemoryError or a silent wait.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine import limits
from engine.core.spec import NetworkSpec

# per point and unit: pre-activation, activation, delta and a scratch buffer (full batch),
# plus the evaluation's forward pass over the same points
BUFFERS_PER_UNIT = 6
# per parameter: the weights, the gradient, the optimiser's velocity/m/v, scratch and backups
COPIES_PER_PARAMETER = 9
LONG_WORK = 2e11  # multiply-adds: about a minute or more of training on one core


@dataclass(frozen=True)
class Estimate:
    memory_bytes: int
    work: float  # multiply-adds for the whole run (forward and backward, every epoch)

    @property
    def too_big(self) -> bool:
        return self.memory_bytes > limits.MAX_MEMORY_BYTES

    @property
    def long(self) -> bool:
        return self.work > LONG_WORK

    def memory_message(self) -> str:
        return (f"this run needs about {gb(self.memory_bytes)} of memory; the limit is "
                f"{gb(limits.MAX_MEMORY_BYTES)}: use fewer points, fewer or smaller layers, or a mini-batch")  # fmt: skip

    def work_message(self) -> str:
        return (f"this run needs about {self.work:.2g} multiply-adds (roughly {self.work / 2e9 / 60:.0f} minutes or more); "
                "use fewer epochs, points or units")  # fmt: skip


def gb(n: float) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 / 10 else f"{n / 1024**2:.0f} MB"


def estimate(spec: NetworkSpec, n_points: int, epochs: int = 1, batch_size: int | None = None) -> Estimate:
    """Memory and work of training `spec` on `n_points` points for `epochs` epochs."""
    n_params = spec.n_parameters()
    units = sum(l.units for l in spec.layers)
    width = spec.n_inputs + spec.n_outputs + 4  # raw inputs, features, targets, per-point scratch
    batch = n_points if batch_size is None else min(batch_size, n_points)
    memory = 8 * (
        n_points * width * 2  # the data and its features, train and test
        + max(batch, n_points) * units * BUFFERS_PER_UNIT // 2  # the batch's buffers and a full evaluation
        + n_params * COPIES_PER_PARAMETER
    )
    work = 3.0 * n_params * n_points * max(epochs, 1)  # forward (1) and backward (2) per point and weight
    return Estimate(int(memory), work)


def check_memory(spec: NetworkSpec, n_points: int, batch_size: int | None = None) -> None:
    """Raise ValueError with the estimate when the run would not fit in memory."""
    e = estimate(spec, n_points, 1, batch_size)
    if e.too_big:
        raise ValueError(e.memory_message())
