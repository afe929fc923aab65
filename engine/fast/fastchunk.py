"""Several epochs in one compiled call: the GUI worker's training chunks.

Why: `fastpath` compiles one epoch and releases the GIL inside it. A worker thread that
calls it epoch by epoch must take the GIL back after every epoch (~0.1 ms of work), and
while the GUI thread is painting it waits up to a whole switch interval each time, so
training in a window ran at a fraction of its headless speed. Here a chunk of epochs runs
in one `nogil` call: the GIL is taken once per chunk, not once per epoch.

Results are bit-identical to `Trainer.step(n)` (same kernel, same pattern orders drawn
from the trainer's own generator, same divergence rule: the last finite weights are kept
and the optimiser state is cleared). Where the fast path does not apply (no numba, an
epoch hook, a network or optimiser the kernel does not cover) it simply calls `step`.
"""
from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.fast import fastpath

from engine.limits import MAX_WEIGHT

if TYPE_CHECKING:  # pragma: no cover
    from engine.training.trainer import Trainer

_kernel: Any = None
_lock = threading.Lock()

OK, LOSS_NOT_FINITE, PARAMS_NOT_FINITE = 0, 1, 2


def _chunk_py(params, velocity, m1, m2, t, mask, x, y, orders, batch_size, ints, scalars, acts, zs, ds, grad, backup, losses):
    """Epochs orders.shape[0] times: one fastpath epoch each, stopping at the first non-finite one."""
    for e in range(orders.shape[0]):
        backup[:] = params
        loss, t = _epoch(params, velocity, m1, m2, t, mask, x[orders[e]], y[orders[e]], batch_size,
                         ints, scalars, acts, zs, ds, grad)
        losses[e] = loss
        if not math.isfinite(loss):
            params[:] = backup
            return e, t, 1  # LOSS_NOT_FINITE
        for v in params:
            if not abs(v) <= MAX_WEIGHT:  # NaN, inf or beyond what a project file accepts (as Trainer)
                params[:] = backup
                return e, t, 2  # PARAMS_NOT_FINITE
    return orders.shape[0], t, 0  # OK


_epoch: Any = None  # fastpath's compiled epoch kernel; _chunk_py calls it by name


def _drop_stale_cache() -> None:
    """numba's on-disk cache only notices changes to this file; the epoch kernel it calls
    lives in fastpath.py, so forget compiled chunks whenever either source changes."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve()
    stamp_text = hashlib.sha1(here.read_bytes() + Path(fastpath.__file__).read_bytes()).hexdigest()
    cache = here.parent / "__pycache__"
    stamp = cache / "fastchunk.stamp"
    try:
        if stamp.exists() and stamp.read_text() == stamp_text:
            return
        for f in cache.glob("fastchunk._chunk_py-*"):
            f.unlink()
        cache.mkdir(exist_ok=True)
        stamp.write_text(stamp_text)
    except OSError:
        pass  # read-only install: numba then compiles in memory


def _build() -> Any:
    """Compile the chunk loop around fastpath's epoch kernel; False without numba."""
    global _epoch
    _epoch = fastpath._get_kernel()
    if _epoch is False:
        return False
    import numba

    _drop_stale_cache()
    try:
        return numba.njit(cache=True, nogil=True)(_chunk_py)
    except Exception:  # no writable cache directory
        return numba.njit(nogil=True)(_chunk_py)


def _get() -> Any:
    global _kernel
    if _kernel is None:
        with _lock:
            if _kernel is None:
                try:
                    _kernel = _build()
                except Exception:  # numba refused: train epoch by epoch instead
                    _kernel = False
    return _kernel


def warm_up() -> bool:
    """Compile now (call from the worker thread at start); True when chunks are available."""
    from engine.data.datasets import xor_table
    from engine.core.spec import NetworkSpec
    from engine.training.trainer import Trainer, TrainSettings

    if _get() is False:
        return False
    t = Trainer(NetworkSpec.stack(2, [2], 1), xor_table(), TrainSettings(batch_size=2))
    return step(t, 1) == 1


def applicable(trainer: "Trainer") -> bool:
    return (
        trainer.epoch_hook is None
        and trainer.use_fast_path
        and trainer.plain_backprop
        and trainer.diverged is None
        and fastpath.applicable(trainer, trainer.batch_size)
        and _get() is not False
    )


def step(trainer: "Trainer", n_epochs: int) -> int:
    """Train n epochs like `trainer.step(n_epochs)`, holding the GIL once per call."""
    if n_epochs <= 0 or not applicable(trainer):
        return trainer.step(n_epochs)
    from engine.training.trainer import Divergence

    n = len(trainer.x_train)
    bs = trainer.batch_size
    rng = trainer._order_rng
    state = rng.bit_generator.state
    shuffle = bs < n and trainer.settings.shuffle
    orders = np.empty((n_epochs, n), dtype=np.int64)
    for e in range(n_epochs):
        orders[e] = rng.permutation(n) if shuffle else np.arange(n)
    plan = trainer._fast
    opt = trainer.optimizer
    s = opt.settings
    plan.scalars[:] = (s.lr, s.momentum, s.l1, s.l2, s.beta1, s.beta2, s.eps)
    acts, zs, ds, grad = plan.workspace(bs)
    losses = np.empty(n_epochs)
    x = np.ascontiguousarray(trainer.x_train, dtype=np.float64)
    y = np.ascontiguousarray(trainer.y_train, dtype=np.float64)
    started = time.perf_counter()
    done, t, status = _get()(
        trainer.network.params, opt.state.velocity, opt.state.m, opt.state.v, opt.state.t, opt.weight_mask, x, y, orders, bs,
        plan.ints, plan.scalars, acts, zs, ds, grad, trainer._backup, losses,
    )
    done = int(done)
    trainer.seconds += time.perf_counter() - started
    trainer.passes += 2 * -(-n // bs) * (done + (status != OK))  # forward + backward per batch
    opt.state.t = int(t)
    trainer.epoch += done
    if done:
        trainer.last_epoch_loss = float(losses[done - 1])
    if status != OK:
        opt.reset_state()
        what = "the loss became NaN or infinite" if status == LOSS_NOT_FINITE else f"a weight became NaN, infinite or beyond ±{MAX_WEIGHT:g}"
        trainer.diverged = Divergence(trainer.epoch + 1, what)
        if shuffle:  # draw no more orders than step() would have: same generator state after
            rng.bit_generator.state = state
            for _ in range(done + 1):
                rng.permutation(n)
    return done
