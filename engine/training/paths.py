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

The learning rule (engine/training/rules.py) decides how each batch's slopes are found:
backprop through the path's network (frozen layers' slopes then zeroed), or weight
perturbation, which measures losses with the reference forward pass on either NumPy path.
Only plain backprop (every layer learning) runs compiled.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.core.network import Network
from engine.core.optimizers import Optimizer
from engine.fast import fastchunk, fastpath
from engine.fast.buffered import BufferedNetwork
from engine.limits import MAX_WEIGHT
from engine.training import rules

Array = np.ndarray
PATHS = ("auto", "reference", "buffered", "numba")


class EpochPath(Protocol):
    """One way of running training epochs on a network with its optimiser."""

    name: str
    chunks: bool  # True: runs several epochs per call (`run_epochs`); False: `run_epoch`

    def run_epoch(self, x: Array, y: Array, batch_size: int, outputs: Array | None) -> tuple[float, int]:
        """One epoch over (x, y) in the given order: every mini-batch's slopes and update.

        Returns the epoch's loss (mean or sum over patterns, each measured by the forward pass
        of its batch) and the passes it took (Trainer.passes); fills `outputs` (n, n_out), if
        given, with those forward passes' outputs.
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

    def __init__(self, network: Network, optimizer: Optimizer, rule: str, frozen: Array | None,
                 learning: Array) -> None:
        self.network, self.optimizer = network, optimizer
        self.rule, self._frozen, self._learning = rule, frozen, learning
        self._grad = np.empty(network.size)
        self._mean = network.spec.reduction == "mean"

    def _gradient(self, x: Array, y: Array, grad: Array) -> tuple[float, Array]:
        """Loss and outputs of (x, y); writes dE/dparams (backprop) into grad."""
        raise NotImplementedError

    def _slopes(self, x: Array, y: Array, grad: Array, want_outputs: bool) -> tuple[float, Array | None, int]:
        """(loss, outputs or None, passes) of one batch; its slopes into grad, by the rule."""
        if self.rule == "perturbation":
            loss, passes = rules.perturbation_gradient(self.network, x, y, grad, self._learning)
            # (recording only: one more forward pass, for the outputs; not a training pass)
            return loss, self.network.predict(x) if want_outputs else None, passes
        loss, out = self._gradient(x, y, grad)
        if self._frozen is not None:
            grad[self._frozen] = 0.0
        return loss, out, 2  # a forward and a backward pass

    def run_epoch(self, x: Array, y: Array, batch_size: int, outputs: Array | None = None) -> tuple[float, int]:
        params, step, grad, n = self.network.params, self.optimizer.step, self._grad, len(x)
        want = outputs is not None
        if batch_size >= n:
            loss, out, passes = self._slopes(x, y, grad, want)
            step(params, grad)
            if want:
                outputs[...] = out
            return loss, passes
        total, passes = 0.0, 0
        for start in range(0, n, batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            loss, out, p = self._slopes(xb, yb, grad, want)
            step(params, grad)
            if want:
                outputs[start : start + len(xb)] = out
            total += loss * len(xb) if self._mean else loss
            passes += p
        return (total / n if self._mean else total), passes

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

    def __init__(self, network: Network, optimizer: Optimizer, rule: str, frozen: Array | None,
                 learning: Array) -> None:
        super().__init__(network, optimizer, rule, frozen, learning)
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

    def run_epoch(self, x: Array, y: Array, batch_size: int, outputs: Array | None) -> tuple[float, int]:
        raise NotImplementedError("the numba path runs epochs in chunks (run_epochs)")

    def run_epochs(self, x: Array, y: Array, orders: Array, batch_size: int, backup: Array, losses: Array,
                   outputs: Array) -> tuple[int, int]:
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        return fastchunk.run_epochs(self.plan, self.network.params, self.optimizer, x, y, orders, batch_size,
                                    backup, losses, outputs, MAX_WEIGHT)


class PathChoice:
    """The paths one trainer may use, built on first use and kept.

    `frozen`: indices of parameters in frozen layers (None: every layer learns);
    `learning`: the others (what weight perturbation nudges).
    """

    def __init__(self, network: Network, optimizer: Optimizer, frozen: Array | None = None,
                 learning: Array | None = None) -> None:
        self.network, self.optimizer = network, optimizer
        self._frozen = frozen
        self._learning = np.arange(network.size) if learning is None else learning
        self._built: dict[tuple[str, str], EpochPath] = {}
        self._numba: NumbaPath | None = None

    def optimizer_changed(self) -> None:
        """The optimiser's kind (SGD/Adam) changed: the compiled plan must be rebuilt."""
        self._numba = None

    def numba_covers(self) -> bool:
        """Can the numba path run this network and optimiser here (numba installed)?"""
        return self._numba_path().plan.supported and fastchunk.available()

    def get(self, requested: str, rule: str, batch_size: int, n_patterns: int) -> EpochPath:
        """The path for the next epoch: `requested` is one of PATHS, `rule` one of rules.RULES."""
        plain_backprop = rule == "backprop" and self._frozen is None
        if requested == "auto":
            numba = self._numba_path()
            if plain_backprop and numba.plan.worth_it(batch_size, n_patterns) and fastchunk.available():
                return numba
            requested = "buffered"
        if requested == "numba":
            if not (plain_backprop and self.numba_covers()):
                raise ValueError("the numba path cannot run this network, rule or optimiser here "
                                 "(numba missing, frozen layers, weight perturbation, or not a plain stack "
                                 "with a loss and optimiser it covers)")
            return self._numba_path()
        path = self._built.get((requested, rule))
        if path is None:
            if requested not in ("reference", "buffered"):
                raise ValueError(f"unknown training path {requested!r}; choose one of {', '.join(PATHS)}")
            kind = ReferencePath if requested == "reference" else BufferedPath
            path = self._built[(requested, rule)] = kind(self.network, self.optimizer, rule, self._frozen,
                                                         self._learning)
        return path

    def _numba_path(self) -> NumbaPath:
        if self._numba is None:
            self._numba = NumbaPath(self.network, self.optimizer)
        return self._numba
