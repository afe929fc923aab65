"""Optional JIT path (numba) for whole epochs of small networks.

Why: at small batch sizes NumPy spends its time in per-call overhead (about 25 calls per
mini-batch, each a microsecond or more, for a dozen multiply-adds each), which is where
the browser playground's per-example JavaScript wins. One compiled function that runs a
whole epoch (every mini-batch, forward, backward and optimiser update) removes it.

The reference network (engine/core/network.py) stays the oracle: this kernel does the
same arithmetic in the same order wherever that is cheap, and is tested to agree with it
to 1e-12 (tests/engine/test_fastpath.py). It covers plain stacks with elementwise
activations, squared error (no margin) or binary cross-entropy, SGD (momentum, L1, L2) or
Adam (`Plan.supported`); the trainer uses it only where it is faster (`Plan.worth_it`),
through fastchunk.run_epochs (engine/training/paths.py chooses the path). Without numba
everything runs on NumPy and nothing else changes.
"""
from __future__ import annotations

import math
import threading
import warnings
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from engine.core.network import LayerLayout
    from engine.core.optimizers import OptimizerSettings
    from engine.core.spec import NetworkSpec

Array = np.ndarray

ACTIVATION_CODES = {"sigmoid": 0, "tanh": 1, "relu": 2, "leaky_relu": 3, "linear": 4, "softplus": 5}
LOSS_CODES = {"squared": 0, "bce": 1}
OPTIMIZER_CODES = {"sgd": 0, "adam": 1}
# When to prefer the kernel (measured on this project's 2-core machines): NumPy
# pays ~30 us of call overhead per mini-batch whatever its size, the kernel ~ns per
# multiply-add per pattern. So the kernel wins while (multiply-adds of one forward pass)
# x (batch size) stays small. A full batch is one NumPy call sequence with vectorised
# rows (tanh included), so there the kernel only wins on tiny sets such as the paper's.
MAX_WORK_PER_BATCH = 8192
MAX_WORK_FULL_BATCH = 2048

_kernel: Any = None  # the compiled epoch function, or False when numba is missing
_lock = threading.Lock()


def available() -> bool:
    """True when numba is installed and the kernel is compiled (or loaded from numba's
    cache). The first call pays for that: about 0.3 s from the cache, seconds without."""
    return kernel() is not False


def warm_up() -> bool:
    """Get the kernel ready now (e.g. from the worker thread at start) so that the first
    training epoch does not pause. Returns whether the kernel is available."""
    return available()


class Plan:
    """What the kernel needs to know about a network, built once per spec and optimiser."""

    def __init__(self, spec: "NetworkSpec", layouts: Sequence["LayerLayout"], optimizer_name: str) -> None:
        self.spec = spec
        self.optimizer_name = optimizer_name  # what Optimizer.step would run
        acts = [layer.activation for layer in spec.layers]
        self.supported = (
            spec.is_plain_stack()
            and all(a in ACTIVATION_CODES for a in acts)
            and spec.loss in LOSS_CODES
            and optimizer_name in OPTIMIZER_CODES
            and not spec.margin  # the kernel has no error margin: NumPy does it
        )
        self.scalars = np.zeros(7)
        self.sizes = [spec.n_inputs] + [layer.units for layer in spec.layers]
        self.macs = sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        self.ints = np.zeros(0, dtype=np.int64)
        self._workspaces: dict[int, tuple[Array, Array, Array, Array]] = {}
        if self.supported:
            offsets = [(lo.weight_slices[0].start, lo.bias_slice.start) for lo in layouts]
            header = [len(spec.layers), LOSS_CODES[spec.loss], int(spec.reduction == "mean"),
                      OPTIMIZER_CODES[optimizer_name]]
            self.ints = np.array(
                header + self.sizes + [ACTIVATION_CODES[a] for a in acts]
                + [o[0] for o in offsets] + [o[1] for o in offsets],
                dtype=np.int64,
            )

    def worth_it(self, batch_size: int, n_patterns: int) -> bool:
        """Is the kernel faster than NumPy here (see MAX_WORK_*)? Says nothing about numba."""
        limit = MAX_WORK_FULL_BATCH if batch_size >= n_patterns else MAX_WORK_PER_BATCH
        return self.supported and self.macs * batch_size <= limit

    def set_scalars(self, s: "OptimizerSettings") -> Array:
        self.scalars[:] = (s.lr, s.momentum, s.l1, s.l2, s.beta1, s.beta2, s.eps)
        return self.scalars

    def workspace(self, batch_size: int) -> tuple[Array, Array, Array, Array]:
        ws = self._workspaces.get(batch_size)
        if ws is None:
            units = sum(self.sizes[1:])
            ws = (
                np.empty(batch_size * sum(self.sizes)),  # activations, inputs first
                np.empty(batch_size * units),  # z
                np.empty(batch_size * units),  # delta
                np.empty(self.spec.n_parameters()),  # gradient
            )
            self._workspaces = {batch_size: ws}
        return ws


def kernel() -> Any:
    """The compiled epoch function (fastchunk calls it from its own compiled loop), or
    False when numba is missing or cannot build it."""
    global _kernel
    if _kernel is None:
        with _lock:
            if _kernel is None:
                _kernel = _compile()
    return _kernel


def build_errors() -> tuple[type[Exception], ...]:
    """What a failed numba build raises, the cases that send training to NumPy: a function
    numba cannot compile (NumbaError), a cache it cannot use (no locator: RuntimeError; a
    read-only folder: OSError), a self-test that gives the wrong numbers (RuntimeError).
    Anything else is a bug in our code and is raised."""
    from numba.core.errors import NumbaError

    return (NumbaError, OSError, RuntimeError)


def _compile() -> Any:
    """The jitted epoch function, compiled for the one signature training uses; False when
    numba is missing or cannot build it (training then stays on NumPy)."""
    try:
        import numba
    except ImportError:
        return False
    global _act, _deriv
    error: Exception | None = None
    for cache in (True, False):  # without a writable cache directory: compile in memory
        try:
            jit = numba.njit(cache=cache, nogil=True)
            _act, _deriv = jit(_act_py), jit(_deriv_py)  # the kernel calls these by name
            kernel = jit(_epoch_kernel)
            _smoke_test(kernel)
            return kernel
        except build_errors() as exc:  # reported below, when the in-memory build fails too
            error = exc
    warnings.warn(f"numba could not build the training kernel; training runs on NumPy ({error})", RuntimeWarning)
    return False


def _smoke_test(kernel: Any) -> None:
    """One call on a 1-1 linear network and one pattern, with the argument types of every
    real call: compiles (or loads) that signature and proves the kernel runs."""
    ints = np.array([1, 0, 1, 0, 1, 1, ACTIVATION_CODES["linear"], 0, 1], dtype=np.int64)
    p, v, m, w, mask = (np.zeros(2) for _ in range(5))
    x = np.ones((1, 1))
    outputs = np.full((1, 1), np.nan)
    loss, t = kernel(p, v, m, w, 0, mask, x, x * 0.5, 1, ints, np.array([0.1, 0, 0, 0, 0.9, 0.999, 1e-8]),
                     np.zeros(2), np.zeros(1), np.zeros(1), np.zeros(2), outputs)
    # 1/2 (0 - 0.5)^2; one SGD step; the output before it was 0
    if not (loss == 0.125 and t == 0 and np.allclose(p, [0.05, 0.05]) and outputs[0, 0] == 0.0):
        raise RuntimeError(f"kernel self-test gave loss {loss}, weights {p}, output {outputs[0, 0]}")


# ----- the kernel (plain Python; numba compiles it) --------------------------------------
def _act_py(code: int, z: float) -> float:
    if code == 0:  # sigmoid, same form as activations._sigmoid
        e = math.exp(-abs(z))
        return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
    if code == 1:
        return math.tanh(z)
    if code == 2:
        return z if z > 0 or z != z else 0.0
    if code == 3:
        return z if z > 0 else 0.01 * z
    if code == 4:
        return z
    # softplus = logaddexp(0, z), as NumPy computes it
    if z == 0.0:
        return math.log(2.0)
    if z < 0:
        return math.log1p(math.exp(z))
    return z + math.log1p(math.exp(-z))


def _deriv_py(code: int, z: float, a: float) -> float:
    if code == 0:
        return a * (1.0 - a)
    if code == 1:
        return 1.0 - a * a
    if code == 2:
        return 1.0 if z > 0 else 0.0
    if code == 3:
        return 1.0 if z > 0 else 0.01
    if code == 4:
        return 1.0
    e = math.exp(-abs(z))  # softplus' = sigmoid
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


def _epoch_kernel(params, velocity, m1, m2, t, mask, x, y, batch_size, ints, scalars, acts, zs, ds, grad, outputs):
    """One epoch. acts, zs, ds are flat buffers: one block per node, row after row.

    `outputs`: (n, n_out) to receive every pattern's output (as the forward pass gave it),
    or (0, n_out) for none.

    Plain index arithmetic instead of array views: views cost reference counting per
    mini-batch, which is most of the time at batch size 1.
    """
    layers, loss_code, mean, opt_code = ints[0], ints[1], ints[2], ints[3]
    sizes = ints[4 : 5 + layers]
    codes = ints[5 + layers : 5 + 2 * layers]
    w_off = ints[5 + 2 * layers : 5 + 3 * layers]
    b_off = ints[5 + 3 * layers : 5 + 4 * layers]
    lr, momentum, l1, l2, beta1, beta2, eps = (
        scalars[0], scalars[1], scalars[2], scalars[3], scalars[4], scalars[5], scalars[6])
    n, n_in = x.shape[0], x.shape[1]
    n_params = params.shape[0]
    last = layers - 1
    n_out = sizes[layers]
    # block offsets: a_off[node] (node 0 = inputs) in acts; l_off[layer] in zs and ds
    a_off = np.zeros(layers + 1, dtype=np.int64)
    l_off = np.zeros(layers, dtype=np.int64)
    for l in range(layers):
        a_off[l + 1] = a_off[l] + batch_size * sizes[l]
        if l > 0:
            l_off[l] = l_off[l - 1] + batch_size * sizes[l]
    keep = outputs.shape[0] > 0
    total = 0.0
    for start in range(0, n, batch_size):
        nb = min(batch_size, n - start)
        for r in range(nb):
            for k in range(n_in):
                acts[r * n_in + k] = x[start + r, k]
        # forward: z = a @ W + b (summed over k in order), a = f(z)
        for l in range(layers):
            fan_in, units, code, wo, bo = sizes[l], sizes[l + 1], codes[l], w_off[l], b_off[l]
            po, ao, zo = a_off[l], a_off[l + 1], l_off[l]
            for r in range(nb):
                zr, pr, ar = zo + r * units, po + r * fan_in, ao + r * units
                for j in range(units):
                    acc = 0.0
                    for k in range(fan_in):
                        acc += acts[pr + k] * params[wo + k * units + j]
                    z = acc + params[bo + j]
                    zs[zr + j] = z
                    acts[ar + j] = _act(code, z)
        # loss and the output layer's error signal dE/dz
        out_code, ao, zo = codes[last], a_off[layers], l_off[last]
        batch_loss = 0.0
        for r in range(nb):
            row = 0.0
            for j in range(n_out):
                i = r * n_out + j
                a = acts[ao + i]
                if keep:
                    outputs[start + r, j] = a
                tgt = y[start + r, j]
                d = a - tgt
                if loss_code == 0:
                    row += 0.5 * (d * d)
                    d = d * _deriv(out_code, zs[zo + i], a)
                else:
                    p = min(max(a, 1e-12), 1.0 - 1e-12)
                    row += -(tgt * math.log(p) + (1.0 - tgt) * math.log1p(-p))
                ds[zo + i] = d / nb if mean else d
            batch_loss += row
        # backward: each layer's gradient (summed over patterns in order), then the
        # error signal of the layer below
        for l in range(last, -1, -1):
            fan_in, units, wo, bo = sizes[l], sizes[l + 1], w_off[l], b_off[l]
            po, do = a_off[l], l_off[l]
            for k in range(fan_in):
                for j in range(units):
                    acc = 0.0
                    for r in range(nb):
                        acc += acts[po + r * fan_in + k] * ds[do + r * units + j]
                    grad[wo + k * units + j] = acc
            for j in range(units):
                acc = 0.0
                for r in range(nb):
                    acc += ds[do + r * units + j]
                grad[bo + j] = acc
            if l > 0:
                below, bo2 = codes[l - 1], l_off[l - 1]
                for r in range(nb):
                    dr, pr = do + r * units, po + r * fan_in
                    for k in range(fan_in):
                        acc = 0.0
                        wk = wo + k * units
                        for j in range(units):
                            acc += ds[dr + j] * params[wk + j]
                        ds[bo2 + r * fan_in + k] = acc * _deriv(below, zs[bo2 + r * fan_in + k], acts[pr + k])
        # optimiser: penalties on weights only, then SGD+momentum (the paper's form) or Adam
        if l2 != 0.0 or l1 != 0.0:
            for i in range(n_params):
                if l2 != 0.0:
                    grad[i] += (l2 * mask[i]) * params[i]
                if l1 != 0.0:
                    p = params[i]
                    sign = 1.0 if p > 0 else (-1.0 if p < 0 else (0.0 if p == 0 else p))
                    grad[i] += (l1 * mask[i]) * sign
        if opt_code == 0:
            if momentum != 0.0:
                for i in range(n_params):
                    v = velocity[i] * momentum - lr * grad[i]
                    velocity[i] = v
                    params[i] += v
            else:
                for i in range(n_params):
                    v = grad[i] * -lr
                    velocity[i] = v
                    params[i] += v
        else:
            t += 1
            mhat_scale = lr / (1.0 - beta1 ** float(t))
            vhat_scale = 1.0 / (1.0 - beta2 ** float(t))
            for i in range(n_params):
                g = grad[i]
                m1[i] = m1[i] * beta1 + (1.0 - beta1) * g
                m2[i] = m2[i] * beta2 + (1.0 - beta2) * (g * g)
                step = m1[i] / (math.sqrt(m2[i] * vhat_scale) + eps) * -mhat_scale
                velocity[i] = step
                params[i] += step
        if nb == n:
            return (batch_loss / n if mean else batch_loss), t
        total += batch_loss if not mean else (batch_loss / nb) * nb
    return (total / n if mean else total), t


_act, _deriv = _act_py, _deriv_py  # compiled versions replace them in _compile
