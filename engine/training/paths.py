"""How the trainer runs its epochs: three paths behind one interface, the same numbers.

- "reference": the core network's own forward and backward passes
  (engine/core/network.py), plain NumPy and fresh arrays: the oracle.
- "buffered": the same maths into buffers reused per batch size
  (engine/fast/buffered.py): what training runs on NumPy.
- "numba": whole epochs compiled (engine/fast/fastpath.py, fastchunk.py), for small
  plain stacks, where NumPy's per-call overhead would dominate.

"auto" (the default) takes numba where it is installed, covers the network and is faster,
else buffered. Every path is tested equal to the reference to 1e-12 per step
(tests/engine/test_paths.py, test_fastpath.py).
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.core.network import Network
from engine.core.optimizers import Optimizer
from engine.fast import fastchunk, fastpath
from engine.fast.buffered import BufferedNetwork

Array = np.ndarray
PATHS = ("auto", "reference", "buffered", "numba")


class EpochPath(Protocol):
    """One way of running training epochs on a network with its optimiser."""

    name: str
    chunks: bool  # True: runs several epochs per call (`run_epochs`); False: `run_epoch`

    def run_epoch(self, x: Array, y: Array, batch_size: int, outputs: Array | None) -> float:
        """One epoch over (x, y) in the given order: every mini-batch's gradient and update.

        Returns the epoch's loss (mean or sum over patterns, each measured by the forward pass
        of its batch); fills `outputs` (n, n_out), if given, with those forward passes' outputs.
        """
        ...

    def run_epochs(self, x: Array, y: Array, orders: Array, batch_size: int, backup: Array, losses: Array,
                   outputs: Array) -> tuple[int, int]:
        """Epochs over x[orders[e]] (see fastchunk.run_epochs): (epochs done, status)."""
        ...


class _NumpyPath:
    """The mini-batch loop the reference and buffered paths share; they differ in `_gradient`."""

    name = ""
    chunks = False

    def __init__(self, network: Network, optimizer: Optimizer) -> None:
        self.network, self.optimizer = network, optimizer
        self._grad = np.empty(network.size)
        self._mean = network.spec.reduction == "mean"

    def _gradient(self, x: Array, y: Array, grad: Array) -> tuple[float, Array]:
        """Loss and outputs of (x, y); writes dE/dparams into grad."""
        raise NotImplementedError

    def run_epoch(self, x: Array, y: Array, batch_size: int, outputs: Array | None = None) -> float:
        params, step, grad, n = self.network.params, self.optimizer.step, self._grad, len(x)
        if batch_size >= n:
            loss, out = self._gradient(x, y, grad)
            step(params, grad)
            if outputs is not None:
                outputs[...] = out
            return loss
        total = 0.0
        for start in range(0, n, batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            loss, out = self._gradient(xb, yb, grad)
            step(params, grad)
            if outputs is not None:
                outputs[start : start + len(xb)] = out
            total += loss * len(xb) if self._mean else loss
        return total / n if self._mean else total

    def run_epochs(self, x: Array, y: Array, orders: Array, batch_size: int, backup: Array, losses: Array,
                   outputs: Array) -> tuple[int, int]:
        raise NotImplementedError("NumPy paths run one epoch per call")


class ReferencePath(_NumpyPath):
    name = "reference"

    def _gradient(self, x: Array, y: Array, grad: Array) -> tuple[float, Array]:
        fp = self.network.forward(x)
        return self.network.backward(fp, y, grad).loss, fp.output


class BufferedPath(_NumpyPath):
    name = "buffered"

    def __init__(self, network: Network, optimizer: Optimizer) -> None:
        super().__init__(network, optimizer)
        self.buffered = BufferedNetwork(network)

    def _gradient(self, x: Array, y: Array, grad: Array) -> tuple[float, Array]:
        loss = self.buffered.train_gradient(x, y, grad)
        return loss, self.buffered.output


class NumbaPath:
    name = "numba"
    chunks = True

    def __init__(self, network: Network, optimizer: Optimizer) -> None:
        self.network, self.optimizer = network, optimizer
        self.plan = fastpath.Plan(network.spec, network.layouts, optimizer.settings.name)

    def run_epoch(self, x: Array, y: Array, batch_size: int, outputs: Array | None) -> float:
        raise NotImplementedError("the numba path runs epochs in chunks (run_epochs)")

    def run_epochs(self, x: Array, y: Array, orders: Array, batch_size: int, backup: Array, losses: Array,
                   outputs: Array) -> tuple[int, int]:
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        return fastchunk.run_epochs(self.plan, self.network.params, self.optimizer, x, y, orders, batch_size,
                                    backup, losses, outputs)


class PathChoice:
    """The paths one trainer may use, built on first use and kept."""

    def __init__(self, network: Network, optimizer: Optimizer) -> None:
        self.network, self.optimizer = network, optimizer
        self._built: dict[str, EpochPath] = {}
        self._numba: NumbaPath | None = None

    def optimizer_changed(self) -> None:
        """The optimiser's kind (SGD/Adam) changed: the compiled plan must be rebuilt."""
        self._numba = None

    def numba_covers(self) -> bool:
        """Can the numba path run this network and optimiser here (numba installed)?"""
        return self._numba_path().plan.supported and fastchunk.available()

    def get(self, requested: str, batch_size: int, n_patterns: int) -> EpochPath:
        if requested == "auto":
            numba = self._numba_path()
            if numba.plan.worth_it(batch_size, n_patterns) and fastchunk.available():
                return numba
            requested = "buffered"
        if requested == "numba":
            if not self.numba_covers():
                raise ValueError("the numba path cannot run this network or optimiser here "
                                 "(numba missing, or not a plain stack with a loss and optimiser it covers)")
            return self._numba_path()
        path = self._built.get(requested)
        if path is None:
            if requested not in ("reference", "buffered"):
                raise ValueError(f"unknown training path {requested!r}; choose one of {', '.join(PATHS)}")
            path = self._built[requested] = (ReferencePath if requested == "reference" else BufferedPath)(
                self.network, self.optimizer)
        return path

    def _numba_path(self) -> NumbaPath:
        if self._numba is None:
            self._numba = NumbaPath(self.network, self.optimizer)
        return self._numba
