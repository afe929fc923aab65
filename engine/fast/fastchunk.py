"""Several epochs in one compiled call: how the trainer runs the numba path.

Why: `fastpath` compiles one epoch and releases the GIL inside it. A worker thread that
calls it epoch by epoch must take the GIL back after every epoch (~0.1 ms of work), and
while the GUI thread is painting it waits up to a whole switch interval each time, so
training in a window ran at a fraction of its headless speed. Here a chunk of epochs runs
in one `nogil` call: the GIL is taken once per chunk, not once per epoch.

The trainer (engine/training/paths.py, `NumbaPath`) draws the pattern orders and keeps the
epoch count; this loop applies the trainer's divergence rule inside the compiled code
(stop at the first epoch whose loss or weights are not finite, restoring the weights from
before it), so `Trainer.step(n)` gives the same numbers whichever path runs it.
"""
from __future__ import annotations

import math
import threading
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.fast import fastpath

if TYPE_CHECKING:  # pragma: no cover
    from engine.core.optimizers import Optimizer

Array = np.ndarray

_kernel: Any = None
_lock = threading.Lock()

OK, LOSS_NOT_FINITE, WEIGHT_NOT_SANE = 0, 1, 2  # as Trainer names them


def _chunk_py(params, velocity, m1, m2, t, mask, x, y, orders, batch_size, ints, scalars, acts, zs, ds, grad, backup,
              losses, outputs, max_weight):
    """Epochs orders.shape[0] times: one fastpath epoch each, stopping at the first whose loss is
    not finite or which leaves a weight NaN, infinite or beyond ±max_weight."""
    for e in range(orders.shape[0]):
        backup[:] = params
        loss, t = _epoch(params, velocity, m1, m2, t, mask, x[orders[e]], y[orders[e]], batch_size,
                         ints, scalars, acts, zs, ds, grad, outputs)
        losses[e] = loss
        if not math.isfinite(loss):
            params[:] = backup
            return e, t, 1  # LOSS_NOT_FINITE
        for v in params:
            if not abs(v) <= max_weight:  # (False for NaN too)
                params[:] = backup
                return e, t, 2  # WEIGHT_NOT_SANE
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
    _epoch = fastpath.kernel()
    if _epoch is False:
        return False
    import numba

    _drop_stale_cache()
    error: Exception | None = None
    for cache in (True, False):  # without a writable cache directory: compile in memory
        try:
            chunk = numba.njit(cache=cache, nogil=True)(_chunk_py)
            _smoke_test(chunk)
            return chunk
        except fastpath.build_errors() as exc:  # reported below, when the in-memory build fails too
            error = exc
    warnings.warn(f"numba could not build the chunk loop; training runs on NumPy ({error})", RuntimeWarning)
    return False


def _smoke_test(chunk: Any) -> None:
    """Two epochs of a 1-1 linear network on one pattern, with the argument types of every
    real call: compiles (or loads) that signature and proves the loop runs."""
    ints = np.array([1, 0, 1, 0, 1, 1, fastpath.ACTIVATION_CODES["linear"], 0, 1], dtype=np.int64)
    p, v, m, w, mask, backup = (np.zeros(2) for _ in range(6))
    x = np.ones((1, 1))
    losses, outputs = np.zeros(2), np.zeros((0, 1))
    done, _, status = chunk(p, v, m, w, 0, mask, x, x * 0.5, np.zeros((2, 1), dtype=np.int64), 1, ints,
                            np.array([0.1, 0, 0, 0, 0.9, 0.999, 1e-8]), np.zeros(2), np.zeros(1), np.zeros(1),
                            np.zeros(2), backup, losses, outputs, 1e6)
    if not (done == 2 and status == OK and losses[0] == 0.125 and np.allclose(p, [0.09, 0.09])):
        raise RuntimeError(f"chunk self-test gave {done} epochs, status {status}, losses {losses}, weights {p}")


def _get() -> Any:
    global _kernel
    if _kernel is None:
        with _lock:
            if _kernel is None:
                _kernel = _build()
    return _kernel


def available() -> bool:
    """True when numba is installed and both kernels are ready (compiles them on first call)."""
    return fastpath.available() and _get() is not False


def warm_up() -> bool:
    """Compile now (call from the worker thread at start); True when chunks are available."""
    from engine.core.spec import NetworkSpec
    from engine.data.datasets import xor_table
    from engine.training.trainer import Trainer, TrainSettings

    if not available():
        return False
    t = Trainer(NetworkSpec.stack(2, [2], 1), xor_table(), TrainSettings(batch_size=2))
    t.path = "numba"
    return t.step(1) == 1


def run_epochs(plan: fastpath.Plan, params: Array, optimizer: "Optimizer", x: Array, y: Array, orders: Array,
               batch_size: int, backup: Array, losses: Array, outputs: Array, max_weight: float) -> tuple[int, int]:
    """Train len(orders) epochs, epoch e over the patterns x[orders[e]], y[orders[e]].

    Updates params and the optimiser state in place; writes each epoch's loss to `losses`
    and, when `outputs` has rows, every pattern's output of the last epoch run (in that
    epoch's order). Returns (epochs done, OK | LOSS_NOT_FINITE | WEIGHT_NOT_SANE); after
    a failure `params` holds the weights from before the failed epoch.
    """
    acts, zs, ds, grad = plan.workspace(batch_size)
    state = optimizer.state
    done, t, status = _get()(
        params, state.velocity, state.m, state.v, state.t, optimizer.weight_mask, x, y, orders, batch_size,
        plan.ints, plan.set_scalars(optimizer.settings), acts, zs, ds, grad, backup, losses, outputs,
        float(max_weight),
    )
    state.t = int(t)
    return int(done), int(status)
