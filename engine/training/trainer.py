"""One training run: data, network, optimiser state, epoch counter and history.

`step(n)` advances n epochs and returns nothing heavy; `snapshot()` returns immutable
copies of what a view draws. Same spec, data and settings -> bit-identical results.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from engine.limits import MAX_WEIGHT
from engine.core.activations import get_activation
from engine.data.datasets import Dataset, accuracies, accuracy, targets_for
from engine.core.features import transform
from engine.training.history import History
from engine.core.network import Network
from engine.core.optimizers import Optimizer, OptimizerSettings
from engine.training import rules
from engine.training.paths import EpochPath, PathChoice
from engine.training.snapshot import Snapshot, make_snapshot
from engine.core.spec import NetworkSpec, SpecError

Array = np.ndarray
OK, LOSS_NOT_FINITE, WEIGHT_NOT_SANE = 0, 1, 2  # how a run of epochs ended (as fastchunk reports it)
MAX_ORDER_ENTRIES = 1 << 22  # pattern-order entries drawn per compiled chunk (32 MB): bounds memory
OUTPUT_BLOCK_VALUES = 1 << 16  # output values kept to score a block of recorded epochs at once (512 KB: stays in cache)


@dataclass(frozen=True)
class TrainSettings:
    """Immutable (edit with dataclasses.replace): shared freely, never copied."""

    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    batch_size: int | None = 10  # None = full batch (one update per sweep); 1 = per pattern
    shuffle: bool = True  # shuffle pattern order each epoch (mini-batch and online modes)
    rule: str = "backprop"  # how slopes are found: "backprop" | "perturbation" (see rules.py)

    def validate(self) -> None:
        self.optimizer.validate()
        rules.check_rule(self.rule)
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < 1):
            raise ValueError(f"batch size must be a whole number >= 1 or full, not {self.batch_size!r}")


@dataclass(frozen=True)
class Metrics:
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float


@dataclass(frozen=True)
class Divergence:
    """Training stopped because loss or parameters became NaN/inf."""

    epoch: int
    what: str

    def message(self) -> str:
        return (
            f"Training diverged at epoch {self.epoch}: {self.what}. "
            "The learning rate is probably too high; the last good weights (finite loss, every weight within 1e6) were kept."
        )


def _own(a: Array) -> Array:
    """A C-contiguous float64 array the trainer may hand to its kernels (a Dataset's arrays
    are read-only; numba compiles read-only arrays as another type)."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    return a if a.flags.writeable else a.copy()


def _all_sane(params: Array) -> bool:
    """Finite and within ±MAX_WEIGHT: what a project file accepts (engine/limits.py)."""
    return bool(np.isfinite(params).all()) and bool(np.abs(params).max(initial=0.0) <= MAX_WEIGHT)


def check_compatible(spec: NetworkSpec, data: Dataset) -> None:
    """Raise SpecError when a network cannot be trained on a dataset."""
    n_in = len(spec.features) if (data.planar and spec.features is not None) else data.n_inputs
    if spec.features is not None and not data.planar:
        raise SpecError("input features (x, y, xy, ...) only apply to 2-D datasets")
    if spec.n_inputs != n_in:
        raise SpecError(f"the network has {spec.n_inputs} inputs but the data has {n_in}")
    if spec.n_outputs != data.n_outputs:
        raise SpecError(f"the network has {spec.n_outputs} outputs but the data has {data.n_outputs} targets")


class Trainer:
    def __init__(
        self,
        spec: NetworkSpec,
        data: Dataset,
        settings: TrainSettings | None = None,
        network: Network | None = None,
        history_limit: int | None = 20_000,
    ) -> None:
        check_compatible(spec, data)
        self.settings = settings or TrainSettings()
        self.settings.validate()
        self.spec = spec
        self.data = data
        self.network = network if network is not None else Network(spec)
        out_act = get_activation(spec.output_activation)
        self._range = (out_act.low, out_act.high)
        self.x_train = self.inputs(data.x_train)
        self.x_test = self.inputs(data.x_test)
        self.y_train = self.targets(data.y_train)
        self.y_test = self.targets(data.y_test)
        # frozen layers (LayerSpec.learns False): their slopes are zeroed and they are left out
        # of L1/L2, so the optimiser never moves them and their velocity stays 0
        self._learn_mask = rules.learning_mask(self.network)
        frozen = None if self._learn_mask is None else np.flatnonzero(self._learn_mask == 0.0)
        learning = rules.learning_indices(self.network, self._learn_mask)
        reg_mask = self.network.weight_mask() if self._learn_mask is None else self.network.weight_mask() * self._learn_mask
        self.optimizer = Optimizer(self.settings.optimizer, self.network.size, reg_mask)
        self.passes = 0  # forward passes over a batch + backward passes over a batch, each 1
        self.seconds = 0.0  # time spent in step()
        self.epoch = 0
        self.history = History(limit=history_limit)
        self.diverged: Divergence | None = None
        self.last_epoch_loss = float("nan")
        self._order_rng = np.random.default_rng([spec.seed, 1986])
        self._backup = self.network.params.copy()  # the weights before the epoch running now
        # the weights one epoch back while they are known good (their loss was finite): where
        # a divergence goes back to when the epoch's own starting state measured a NaN loss
        self._good = self.network.params.copy()
        self._good_epoch: int | None = None
        self._end_pp = math.nan  # p.p at the end of that good epoch: tells an edited state apart
        self._paths = PathChoice(self.network, self.optimizer, frozen, learning)
        # which code runs the epochs (engine/training/paths.py): "auto" (numba where it is
        # installed and faster, else buffered NumPy), "reference", "buffered" or "numba"
        self.path = "auto"
        # True: every epoch appends a history row from its own training pass (its loss and
        # accuracy; test columns NaN), as headless runs want. False: callers record when
        # they like (Trainer.record, a fresh evaluation).
        self.record_passes = False
        self.last_epoch_accuracy = float("nan")
        self._outputs: Array | None = None
        self._block: Array | None = None  # outputs of a block of recorded passes (_output_block)
        # Called as hook(trainer) before each epoch's update (trainer.epoch = epochs done so
        # far): lets a preset change settings on a schedule or decay weights after each
        # change, as the 1986 family-trees run does. None = plain training.
        self.epoch_hook: Callable[["Trainer"], None] | None = None

    # ----- data ----------------------------------------------------------------------------
    def inputs(self, raw: Array) -> Array:
        """Raw dataset inputs -> network inputs (2-D features applied where enabled)."""
        if self.data.planar and self.spec.features is not None:
            return transform(raw, self.spec.features)
        return _own(raw)

    def targets(self, y: Array) -> Array:
        return _own(targets_for(y, self.data.task, *self._range))

    @property
    def output_range(self) -> tuple[float, float]:
        """(low, high) of the output activation: class targets sit at these values."""
        return self._range

    @property
    def order_state(self) -> dict:
        """The pattern-order shuffle's generator state (a project file saves it to continue exactly)."""
        return self._order_rng.bit_generator.state

    @order_state.setter
    def order_state(self, state: dict) -> None:
        self._order_rng.bit_generator.state = state  # numpy checks it: ValueError/TypeError/KeyError

    @property
    def batch_size(self) -> int:
        n = len(self.x_train)
        bs = self.settings.batch_size
        return n if bs is None else min(bs, n)

    def set_settings(self, settings: TrainSettings) -> None:
        """Change hyper-parameters between steps; keeps momentum/Adam state when the optimiser is unchanged."""
        settings.validate()
        same_kind = settings.optimizer.name == self.settings.optimizer.name
        self.settings = settings
        self.optimizer.settings = settings.optimizer
        if not same_kind:
            self.optimizer.reset_state()
            self._paths.optimizer_changed()

    # ----- training ---------------------------------------------------------------------------
    def step(self, n_epochs: int = 1) -> int:
        """Train n epochs; returns how many ran (fewer when training diverges)."""
        # Overflow on the way to NaN/inf is reported once, as a Divergence, not as warnings.
        started = time.perf_counter()
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                return self._steps(n_epochs)
        finally:
            self.seconds += time.perf_counter() - started

    @property
    def plain_backprop(self) -> bool:
        """Backprop with every layer learning: what the compiled fast paths implement."""
        return self._learn_mask is None and self.settings.rule == "backprop"

    def path_in_use(self) -> str:
        """The path ("reference", "buffered" or "numba") that runs the next epoch."""
        return self._path(self.batch_size).name

    def _path(self, batch_size: int) -> EpochPath:
        return self._paths.get(self.path, self.settings.rule, batch_size, len(self.x_train))

    def _steps(self, n_epochs: int) -> int:
        done = 0
        n = len(self.x_train)
        while done < n_epochs and self.diverged is None:
            k = n_epochs - done
            if self.epoch_hook is not None:  # it may change settings: one epoch at a time
                self.epoch_hook(self)
                k = 1
            bs = self.batch_size
            path = self._path(bs)
            if path.chunks:  # compiled: several epochs per call, unless each must be recorded
                k = 1 if self.record_passes else min(k, max(1, MAX_ORDER_ENTRIES // max(n, 1)))
                done += self._run_chunk(path, k, bs)
            else:
                done += self._run_epochs(path, k, bs)
        return done

    def _orders(self, k: int, n: int, bs: int) -> Array | None:
        """Pattern orders for the next k epochs, (k, n); None when the order stays as it is."""
        if bs < n and self.settings.shuffle:
            return np.stack([self._order_rng.permutation(n) for _ in range(k)])
        return None

    def _run_epochs(self, path: EpochPath, k: int, bs: int) -> int:
        """k epochs on a NumPy path, one by one; stops (with `diverged` set) at one it had to undo."""
        x_all, y_all = self.x_train, self.y_train
        n = len(x_all)
        shuffle = bs < n and self.settings.shuffle
        params = self.network.params
        # record_passes: each epoch's row (loss, accuracy) comes from its own pass. The outputs
        # of a block of epochs are kept (each pass writes straight into its slot) and scored
        # in one go, and the rows reach the history together: the same rows, a fraction of
        # the per-epoch cost. Shuffled epochs see the patterns in another order each time:
        # scored one by one.
        rows = np.empty((2, k)) if self.record_passes else None  # loss, accuracy (epochs follow on from start)
        start = self.epoch
        block = self._output_block(k) if self.record_passes and not shuffle else None
        outputs = self._pass_outputs() if self.record_passes and shuffle else None
        scored = 0  # epochs of this call whose accuracy is in rows
        for done in range(k):
            x, y = x_all, y_all
            if shuffle:
                order = self._order_rng.permutation(n)
                x, y = x_all[order], y_all[order]
            if block is not None:
                outputs = block[done - scored]
            np.copyto(self._backup, params)  # not a local: _keep_good swaps the two buffers
            loss, passes = path.run_epoch(x, y, bs, outputs)
            self.passes += passes
            # p.p <= MAX_WEIGHT² means every |p| is sane; otherwise look closer (NaN/inf, or one huge weight)
            pp = params.dot(params)
            if not (math.isfinite(loss) and (pp <= MAX_WEIGHT * MAX_WEIGHT or _all_sane(params))):
                self._record_rows(rows, block, scored, start, done)
                self._diverge(LOSS_NOT_FINITE if not math.isfinite(loss) else WEIGHT_NOT_SANE)
                return done
            self._keep_good(pp)
            if rows is None:
                self._epoch_done(loss, None, y)
                continue
            self.epoch += 1
            self.last_epoch_loss = loss
            rows[0, done] = loss
            if block is None:
                rows[1, done] = accuracy(outputs, y, self.data.task, *self._range)
                scored = done + 1
            elif done + 1 - scored == len(block):
                scored = self._score(rows, block, scored, done + 1)
        self._record_rows(rows, block, scored, start, k)
        return k

    def _output_block(self, k: int) -> Array:
        """Room for the outputs of up to k passes over the training set (at most 512 KB),
        kept for the next call (fresh memory costs page faults on every call)."""
        passes = max(1, min(k, OUTPUT_BLOCK_VALUES // max(1, self.y_train.size)))
        block = self._block
        if block is None or block.shape[1:] != self.y_train.shape or len(block) < passes:
            block = self._block = np.empty((passes,) + self.y_train.shape)
        return block[:passes]

    def _score(self, rows: Array, block: Array, scored: int, done: int) -> int:
        """Accuracy of epochs scored..done-1 of this call, from their outputs in `block`."""
        rows[1, scored:done] = accuracies(block[: done - scored], self.y_train, self.data.task, *self._range)
        return done

    def _record_rows(self, rows: Array | None, block: Array | None, scored: int, start: int, done: int) -> None:
        """The history rows of epochs start+1 .. start+done, from their passes."""
        if rows is None or not done:
            return
        if block is not None and scored < done:
            self._score(rows, block, scored, done)
        self.last_epoch_accuracy = float(rows[1, done - 1])
        self.history.extend_training(np.arange(start + 1, start + done + 1), rows[0, :done], rows[1, :done])

    def _keep_good(self, pp: float) -> None:
        """The epoch that just ran (starting from `_backup`, at epoch `self.epoch`) measured a
        finite loss: its starting state becomes the one to go back to."""
        self._backup, self._good = self._good, self._backup
        self._good_epoch, self._end_pp = self.epoch, pp

    def _run_chunk(self, path: EpochPath, k: int, bs: int) -> int:
        """k epochs in one call (the numba path), with the same divergence rule."""
        n = len(self.x_train)
        rng_state = self._order_rng.bit_generator.state
        orders = self._orders(k, n, bs)
        shuffled = orders is not None
        if not shuffled:  # every epoch in the data's order
            orders = np.empty((k, n), dtype=np.int64)
            orders[:] = np.arange(n)
        outputs = self._pass_outputs() if self.record_passes else np.empty((0, self.y_train.shape[1]))
        losses = np.empty(k)
        done, status = path.run_epochs(self.x_train, self.y_train, orders, bs,
                                       self._backup, losses, outputs)
        self.passes += 2 * -(-n // bs) * (done + (status != OK))  # forward + backward per batch
        if status == OK and done:  # `_backup` holds the start of the chunk's last epoch: it measured a finite loss
            params = self.network.params
            self._backup, self._good = self._good, self._backup
            self._good_epoch, self._end_pp = self.epoch + done - 1, params.dot(params)
        elif done:  # the epoch before the failed one was not kept by the kernel
            self._good_epoch = None
        if done:  # (record_passes runs one epoch per chunk: `outputs` are that epoch's)
            self.epoch += done - 1
            y = self.y_train[orders[done - 1]] if shuffled else self.y_train
            self._epoch_done(float(losses[done - 1]), outputs if self.record_passes else None, y)
        if status != OK:
            self._diverge(status, restored=True)
            if shuffled:  # draw no more orders than epoch by epoch would have
                self._order_rng.bit_generator.state = rng_state
                for _ in range(done + 1):
                    self._order_rng.permutation(n)
        return done

    def _pass_outputs(self) -> Array:
        if self._outputs is None or self._outputs.shape != self.y_train.shape:
            self._outputs = np.empty(self.y_train.shape)
        return self._outputs

    def _epoch_done(self, loss: float, outputs: Array | None, y: Array) -> None:
        self.epoch += 1
        self.last_epoch_loss = loss
        if outputs is not None:  # record_passes: this epoch's row, from its own pass
            self.last_epoch_accuracy = accuracy(outputs, y, self.data.task, *self._range)
            self.history.append(self.epoch, loss, math.nan, self.last_epoch_accuracy, math.nan)

    def _diverge(self, status: int, restored: bool = False) -> None:
        """Go back to the last state whose loss was finite and whose weights are sane, clear
        the optimiser state, say why training stopped. That is the start of the failed epoch,
        unless its loss was not finite: then (the loss an epoch measures is its starting
        state's, in full batch) the good state one epoch back, with the history cut to it."""
        if not restored:
            self.network.set_params(self._backup)
        what = ("the loss became NaN or infinite" if status == LOSS_NOT_FINITE
                else f"a weight became NaN, infinite or beyond ±{MAX_WEIGHT:g}")
        self.diverged = Divergence(self.epoch + 1, what)
        start = self.network.params
        if (status == LOSS_NOT_FINITE and self._good_epoch == self.epoch - 1
                and start.dot(start) == self._end_pp):  # untouched since that good epoch
            self.network.set_params(self._good)
            self.epoch = self._good_epoch
            self.history.drop_after(self.epoch)
        self._good_epoch = None
        self.optimizer.reset_state()

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights (same spec), zero epochs, empty history."""
        self.network.initialise(self.spec.seed if seed is None else seed)
        self.optimizer.reset_state()
        self.epoch = 0
        self.passes = 0
        self.seconds = 0.0
        self.history.clear()
        self.diverged = None
        self._good_epoch = None
        self._order_rng = np.random.default_rng([self.spec.seed, 1986])

    def clear_divergence(self) -> None:
        self.diverged = None

    # ----- measuring --------------------------------------------------------------------------
    def evaluate(self, train_out: Array | None = None) -> Metrics:
        """Loss and accuracy of the current weights on the training and test sets. `train_out`:
        the training set's outputs when a forward pass over it was just run (the snapshot's),
        so it is not run twice."""
        train_loss, train_acc = self._measure(self.x_train, self.y_train, train_out)
        test_loss, test_acc = self.evaluate_test()
        return Metrics(train_loss, test_loss, train_acc, test_acc)

    def evaluate_test(self) -> tuple[float, float]:
        """(loss, accuracy) of the current weights on the test set; NaN without one."""
        return self._measure(self.x_test, self.y_test)

    def _measure(self, x: Array, y: Array, out: Array | None = None) -> tuple[float, float]:
        if not len(x):
            return float("nan"), float("nan")
        if out is None:
            out = self.network.predict(x)
        return self.network.loss_of(out, y), accuracy(out, y, self.data.task, *self._range)

    def record(self) -> Metrics:
        """Evaluate and append one history point at the current epoch."""
        m = self.evaluate()
        self.history.append(self.epoch, m.train_loss, m.test_loss, m.train_acc, m.test_acc)
        return m

    def train(self, epochs: int, record_every: int = 1, target_loss: float | None = None) -> Metrics:
        """Convenience loop for scripts: train, recording every `record_every` epochs."""
        if self.epoch == 0 and len(self.history) == 0:
            self.record()
        m = self.evaluate()
        remaining = epochs
        while remaining > 0 and self.diverged is None:
            k = min(record_every, remaining)
            self.step(k)
            remaining -= k
            m = self.record()
            if target_loss is not None and m.train_loss <= target_loss:
                break
        return m

    def snapshot(self, grid_resolution: int | None = None, domain: tuple[float, float] = (-6.0, 6.0)) -> Snapshot:
        return make_snapshot(self, grid_resolution, domain)
