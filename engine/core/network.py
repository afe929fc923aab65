"""Weights, forward pass and backward pass.

All parameters live in one flat float64 vector; each weight matrix and bias is a view into
it. The optimiser then updates every parameter with a handful of whole-vector operations,
which is what keeps small networks fast in NumPy.

The backward pass returns the gradient (same layout, also one flat vector) *and* every
unit's error signal dE/dz per pattern: the "blame" that the 1986 paper propagates.
It never changes the weights; the optimiser does that.

Speed (small networks spend their time in NumPy's per-call overhead, not in arithmetic):
layer arrays are stored unit by unit (Fortran order); a hidden layer feeding a single
later layer carries a column of ones so that layer's bias rides in its matrix product;
the trainer reuses buffers per batch size (`train_gradient`). None of this changes what
callers see: shapes, values and fresh arrays from `forward`/`backward`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.core.activations import Activation, get_activation
from engine.core.losses import loss_value, margin_mask, per_pattern_loss
from engine.core.spec import NetworkSpec

Array = np.ndarray


@dataclass(frozen=True)
class LayerLayout:
    """Where one layer's parameters sit in the flat vector."""

    name: str
    sources: tuple[str, ...]
    fan_ins: tuple[int, ...]
    units: int
    weight_slices: tuple[slice, ...]  # one per source, each (fan_in * units) long
    bias_slice: slice


@dataclass
class ForwardPass:
    """Everything the backward pass and the views need from one forward pass."""

    x: Array
    activations: dict[str, Array]  # node name -> (n, units); input groups included
    pre_activations: dict[str, Array]  # layer name -> z

    @property
    def output(self) -> Array:
        return self.activations[self._out]

    _out: str = ""
    # the layer output buffers the activations are views of (see Network._forward_into);
    # lets backward take the one-product route for gradients when nothing was swapped
    _bufs: list | None = None
    _outs: list | None = None


@dataclass
class BackwardPass:
    gradient: Array  # flat, same layout as Network.params
    deltas: dict[str, Array]  # layer name -> dE/dz, (n, units)
    loss: float


class Network:
    """Parameters for a NetworkSpec plus forward/backward passes."""

    def __init__(self, spec: NetworkSpec, params: Array | None = None) -> None:
        self.spec = spec
        sizes = spec.node_sizes()
        layouts: list[LayerLayout] = []
        offset = 0
        for i, layer in enumerate(spec.layers):
            sources = spec.sources_of(i)
            fan_ins = tuple(sizes[s] for s in sources)
            wsl = []
            for f in fan_ins:
                wsl.append(slice(offset, offset + f * layer.units))
                offset += f * layer.units
            bsl = slice(offset, offset + layer.units)
            offset += layer.units
            layouts.append(LayerLayout(layer.name, sources, fan_ins, layer.units, tuple(wsl), bsl))
        self.layouts: tuple[LayerLayout, ...] = tuple(layouts)
        self.size = offset
        self._acts: tuple[Activation, ...] = tuple(get_activation(l.activation) for l in spec.layers)
        # input group column ranges
        self._input_cols: dict[str, slice] = {}
        col = 0
        for g in spec.inputs:
            self._input_cols[g.name] = slice(col, col + g.size)
            col += g.size
        names = spec.node_names()
        self._node_names: tuple[str, ...] = tuple(names)
        self._n_groups = len(spec.inputs)
        self._src_idx: tuple[tuple[int, ...], ...] = tuple(tuple(names.index(s) for s in lo.sources) for lo in self.layouts)
        self._whole_input = len(spec.inputs) == 1
        self._fwd = tuple(_forward_kernel(a) for a in self._acts)
        self._dfn = tuple(_delta_kernel(a) for a in self._acts)
        self._out_deriv = _derivative_kernel(self._acts[-1])
        self._workspaces: dict[int, _Workspace] = {}
        self._squared, self._mean = spec.loss == "squared", spec.reduction == "mean"
        self._margin, self._span = spec.margin, (self._acts[-1].low, self._acts[-1].high)
        # A layer whose activation is computed in place and which is the only source of a
        # later layer keeps its output in an (n, units + 1) buffer whose last column is 1.
        # The later layer then gets z = [a, 1] @ [W; b] and its weight and bias gradients
        # [a, 1].T @ delta in one BLAS call each (W and b are adjacent in the flat vector).
        g0 = self._n_groups
        single = [len(src) == 1 and src[0] >= g0 for src in self._src_idx]
        feeds = {src[0] - g0 for src, ok in zip(self._src_idx, single) if ok}
        self._aug: tuple[bool, ...] = tuple(
            i in feeds and a.name in _IN_PLACE for i, a in enumerate(self._acts)
        )
        self._fuse_in: tuple[bool, ...] = tuple(ok and self._aug[src[0] - g0] for src, ok in zip(self._src_idx, single))
        self.params = np.zeros(self.size)
        if params is None:
            self.initialise(spec.seed)
        else:
            params = np.asarray(params, dtype=np.float64)
            if params.shape != (self.size,):
                raise ValueError(f"parameter vector has shape {params.shape}, expected ({self.size},)")
            self.params[:] = params
        self._bind_views()

    # ----- parameter access ----------------------------------------------------------
    def _bind_views(self) -> None:
        p = self.params
        self.weights: list[tuple[Array, ...]] = [
            tuple(p[s].reshape(f, lo.units) for s, f in zip(lo.weight_slices, lo.fan_ins)) for lo in self.layouts
        ]
        self.biases: list[Array] = [p[lo.bias_slice] for lo in self.layouts]
        self._w_t: list[tuple[Array, ...]] = [tuple(w.T for w in ws) for ws in self.weights]
        self._wb: list[Array | None] = [
            p[lo.weight_slices[0].start : lo.bias_slice.stop].reshape(lo.fan_ins[0] + 1, lo.units) if fuse else None
            for lo, fuse in zip(self.layouts, self._fuse_in)
        ]

    def set_params(self, values: Array) -> None:
        """Copy values in; views stay bound to the same buffer."""
        self.params[:] = values

    def initialise(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        init = self.spec.init
        for lo in self.layouts:
            fan_in = sum(lo.fan_ins)
            for s in lo.weight_slices:
                n = s.stop - s.start
                if init.scheme == "uniform":
                    self.params[s] = rng.uniform(-init.range, init.range, n)
                elif init.scheme == "normal":
                    self.params[s] = rng.normal(0.0, init.range, n)
                elif init.scheme == "xavier":
                    lim = np.sqrt(6.0 / (fan_in + lo.units))
                    self.params[s] = rng.uniform(-lim, lim, n)
                else:  # he
                    self.params[s] = rng.normal(0.0, np.sqrt(2.0 / fan_in), n)
            # biases: the paper treats them as weights from an always-on unit
            if init.scheme == "uniform":
                self.params[lo.bias_slice] = rng.uniform(-init.range, init.range, lo.units)
            else:
                self.params[lo.bias_slice] = 0.0

    def weight_mask(self) -> Array:
        """1.0 where a parameter is a weight, 0.0 where it is a bias (biases are not regularised)."""
        m = np.ones(self.size)
        for lo in self.layouts:
            m[lo.bias_slice] = 0.0
        return m

    # ----- passes ----------------------------------------------------------------------
    # The public forward/backward return fresh arrays (callers keep them). The trainer's
    # inner loop calls `train_gradient`, which runs the very same kernels into buffers
    # reused per batch size, so its gradient is bit-identical to `backward(forward(x), y)`.
    def forward(self, x: Array) -> ForwardPass:
        n = len(x)
        acts = self._input_views(x)
        zs = [_buffer(n, lo.units) for lo in self.layouts]
        bufs, outs = self._output_buffers(n)
        self._forward_into(acts, self._runs(zs, bufs, outs))
        names = self._node_names
        fp = ForwardPass(
            x,
            {names[i]: a for i, a in enumerate(acts)},
            {lo.name: z for lo, z in zip(self.layouts, zs)},
        )
        fp._out = self.layouts[-1].name
        fp._bufs, fp._outs = bufs, outs
        return fp

    def _output_buffers(self, n: int) -> tuple[list[Array], list[Array]]:
        """Per layer: the buffer its activation lives in, and the (n, units) view of it."""
        bufs, outs = [], []
        for lo, aug in zip(self.layouts, self._aug):
            if aug:
                buf = np.ones((n, lo.units + 1), order="F")
                bufs.append(buf)
                outs.append(buf[:, : lo.units])
            else:
                bufs.append(_buffer(n, lo.units))
                outs.append(bufs[-1])
        return bufs, outs

    def predict(self, x: Array) -> Array:
        return self.forward(x).output

    def loss(self, x: Array, y: Array) -> float:
        return loss_value(self.spec.loss, self.spec.reduction, self.predict(x), y, margin=self._margin, span=self._span)

    def backward(self, fp: ForwardPass, y: Array, gradient: Array | None = None) -> BackwardPass:
        """Gradient of the loss and every unit's error signal. Does not change weights."""
        grad = np.empty(self.size) if gradient is None else gradient
        acts = [fp.activations[name] for name in self._node_names]
        zs = [fp.pre_activations[lo.name] for lo in self.layouts]
        n = len(acts[-1])
        deltas = [_buffer(n, lo.units) for lo in self.layouts]
        temps = [_buffer(n, lo.units) for lo in self.layouts]
        backs: list[Array | None] = [None] * len(self.layouts)
        back_bufs = [_buffer(n, lo.units) for lo in self.layouts]
        g0 = self._n_groups
        bufs = fp._bufs
        if bufs is not None and not all(
            acts[g0 + i] is fp._outs[i] for i, aug in enumerate(self._aug) if aug
        ):  # someone swapped an activation: take the plain route, from the arrays given
            bufs = None
        runs = self._runs(zs, bufs, None, deltas, temps, back_bufs, self._grad_views(grad))
        loss = self._backward_into(acts, y, runs, backs, np.ones(n))
        return BackwardPass(grad, {lo.name: d for lo, d in zip(self.layouts, deltas)}, loss)

    def train_gradient(self, x: Array, y: Array, grad: Array) -> float:
        """Loss of (x, y); writes the gradient into `grad` (a flat vector kept by the caller).

        Same arithmetic as `backward(forward(x), y)` but into buffers kept per batch size,
        which is what makes small full-batch networks fast. Nothing returned aliases them.
        """
        ws = self._workspaces.get(len(x))
        if ws is None:
            if len(self._workspaces) >= 4:  # bounded: at most a few batch sizes in use
                self._workspaces.clear()
            ws = self._workspaces[len(x)] = _Workspace(len(x), self)
        if ws.grad is not grad:
            ws.grad = grad
            ws.runs = self._runs(ws.z, ws.bufs, ws.outs, ws.deltas, ws.temps, ws.back_bufs, self._grad_views(grad))
        acts = ws.acts
        if self._whole_input:
            acts[0] = x
        else:
            acts[: self._n_groups] = [x[:, cols] for cols in self._input_cols.values()]
        self._forward_into(acts, ws.runs)
        backs = ws.backs
        backs[:] = ws.no_blame
        return self._backward_into(acts, y, ws.runs, backs, ws.ones)

    def _input_views(self, x: Array) -> list[Array]:
        acts: list[Array] = [x[:, cols] for cols in self._input_cols.values()]
        acts.extend([x] * len(self.layouts))  # placeholders, overwritten layer by layer
        return acts

    def _grad_views(self, grad: Array) -> list[tuple[tuple[Array, ...], Array, Array | None]]:
        """Per layer: weight gradient views per source, bias view, and [W; b] view if fused."""
        return [
            (
                tuple(grad[s].reshape(f, lo.units) for s, f in zip(lo.weight_slices, lo.fan_ins)),
                grad[lo.bias_slice],
                grad[lo.weight_slices[0].start : lo.bias_slice.stop].reshape(lo.fan_ins[0] + 1, lo.units)
                if fuse else None,
            )
            for lo, fuse in zip(self.layouts, self._fuse_in)
        ]

    def _runs(self, zs, bufs, outs, deltas=None, temps=None, back_bufs=None, grad_views=None) -> list[_LayerRun]:
        """Resolve, once per set of buffers, what each layer's passes read and write."""
        g0 = self._n_groups
        runs = []
        for i, lo in enumerate(self.layouts):
            r = _LayerRun()
            r.index, r.node, r.src, r.fwd, r.dfn = i, g0 + i, self._src_idx[i], self._fwd[i], self._dfn[i]
            # one unit: the outer product delta @ W.T is cheaper by broadcasting than by BLAS
            product = np.multiply if lo.units == 1 else np.matmul
            r.blame = tuple((s - g0, w_t, product) for s, w_t in zip(r.src, self._w_t[i]) if s >= g0)
            r.weights, r.w_t, r.bias = self.weights[i], self._w_t[i], self.biases[i]
            r.z, r.out = zs[i], None if outs is None else outs[i]
            r.delta, r.tmp, r.back_buf = (None, None, None) if deltas is None else (deltas[i], temps[i], back_bufs[i])
            fused = self._fuse_in[i] and bufs is not None
            r.wb = self._wb[i] if fused else None
            r.src_buf = bufs[r.src[0] - g0] if fused else None
            r.src_buf_t = None if r.src_buf is None else r.src_buf.T
            r.grad_w, r.grad_b, gwb = grad_views[i] if grad_views is not None else ((), None, None)
            r.grad_wb = gwb if fused else None
            runs.append(r)
        return runs

    def _forward_into(self, acts: list[Array], runs: list[_LayerRun]) -> None:
        """acts[:groups] hold the inputs; fills z and the activation of every layer."""
        for r in runs:
            z = r.z
            if r.wb is not None:  # [a, 1] @ [W; b]
                np.matmul(r.src_buf, r.wb, out=z)
            else:
                src, ws = r.src, r.weights
                np.matmul(acts[src[0]], ws[0], out=z)
                for s, w in zip(src[1:], ws[1:]):
                    z += acts[s] @ w
                z += r.bias
            acts[r.node] = r.fwd(z, r.out)

    def _backward_into(self, acts: list[Array], y: Array, runs: list[_LayerRun], backs: list, ones: Array) -> float:
        """Fills each run's delta (dE/dz) and gradient views; returns the loss."""
        out = runs[-1]
        loss = self._output_delta(acts[out.node], out.z, y, out.delta, out.tmp)
        for r in reversed(runs):
            delta = r.delta
            if r is not out:
                d_a = backs[r.index]
                if d_a is None:  # a layer nothing reads from: no blame reaches it
                    d_a = np.zeros_like(r.z)
                r.dfn(d_a, r.z, acts[r.node], delta, r.tmp)
            if r.grad_wb is not None:  # [a, 1].T @ delta: weight and bias gradients in one product
                np.matmul(r.src_buf_t, delta, out=r.grad_wb)
            else:
                for s, gw in zip(r.src, r.grad_w):
                    np.matmul(acts[s].T, delta, out=gw)
                # bias gradient = column sums of delta; as a BLAS product with a row of ones
                # it is several times faster than a reduction over axis 0 for narrow layers
                np.matmul(ones, delta, out=r.grad_b)
            for j, w_t, product in r.blame:  # dE/da of each source layer j: delta @ W.T
                if backs[j] is None:
                    backs[j] = product(delta, w_t, out=runs[j].back_buf)
                else:
                    backs[j] += delta @ w_t
        return loss

    def _output_delta(self, a: Array, z: Array, y: Array, delta: Array, tmp: Array) -> float:
        """dE/dz of the output layer into `delta` (as losses.output_delta); returns the loss."""
        np.subtract(a, y, out=delta)
        if self._squared:
            if self._margin:  # outputs beyond the error margin have no error (losses.py)
                delta *= margin_mask(a, y, self._margin, self._span)
            # 1/2 sum of squares as one BLAS dot (delta.T: contiguous in our unit-major buffers)
            total = 0.5 * float(np.vdot(delta.T, delta.T))
            self._out_deriv(z, a, tmp)
            delta *= tmp
        else:
            total = float(per_pattern_loss(self.spec.loss, a, y).sum())
        n = len(a)
        if self._mean:
            delta /= n
            return total / n if n else total
        return total

    def gradient(self, x: Array, y: Array) -> tuple[float, Array]:
        bp = self.backward(self.forward(x), y)
        return bp.loss, bp.gradient

    # ----- helpers for views -----------------------------------------------------------
    def layer_weights(self, index: int) -> dict[str, Array]:
        """Weight matrices of layer `index`, keyed by source name (copies)."""
        lo = self.layouts[index]
        return {s: w.copy() for s, w in zip(lo.sources, self.weights[index])}

    def copy(self) -> "Network":
        return Network(self.spec, self.params.copy())


def _buffer(n: int, units: int) -> Array:
    """An (n, units) array stored unit by unit (Fortran order): adding a bias, summing
    columns and most BLAS products on tall, narrow layers run 1.5-2x faster that way.
    Values and shapes are what C order would give; only the memory layout differs."""
    return np.empty((n, units), order="F")


# ----- in-place kernels --------------------------------------------------------------------
# Each computes exactly what activations.py computes (same operations in the same order),
# writing into buffers instead of allocating; unknown activations fall back to the table.
def _tanh(z: Array, out: Array) -> Array:
    return np.tanh(z, out=out)


def _relu(z: Array, out: Array) -> Array:
    return np.maximum(z, 0.0, out=out)


def _linear(z: Array, out: Array) -> Array:
    return z


def _sigmoid(z: Array, out: Array) -> Array:
    e = np.abs(z, out=out)
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(-|z|): never overflows
    den = e + 1.0
    pos = np.divide(1.0, den)
    np.divide(e, den, out=e)
    np.copyto(e, pos, where=z >= 0)
    return e


_IN_PLACE = ("tanh", "relu", "sigmoid")  # kernels that write the activation into `out`


def _forward_kernel(act: Activation) -> Callable[[Array, Array], Array]:
    kernels = {"tanh": _tanh, "relu": _relu, "linear": _linear, "sigmoid": _sigmoid}
    return kernels.get(act.name, lambda z, out: act.forward(z))


def _derivative_kernel(act: Activation) -> Callable[[Array, Array, Array], None]:
    """(z, a, out): out = da/dz."""
    if act.name == "tanh":
        def tanh_d(z: Array, a: Array, out: Array) -> None:
            np.multiply(a, a, out=out)
            np.subtract(1.0, out, out=out)
        return tanh_d
    if act.name == "sigmoid":
        def sigmoid_d(z: Array, a: Array, out: Array) -> None:
            np.subtract(1.0, a, out=out)
            np.multiply(a, out, out=out)
        return sigmoid_d

    def generic_d(z: Array, a: Array, out: Array) -> None:
        np.copyto(out, act.derivative(z, a))
    return generic_d


def _delta_kernel(act: Activation) -> Callable[[Array, Array, Array, Array, Array], None]:
    """(dE/da, z, a, out, tmp): out = dE/da * da/dz."""
    if act.name == "relu":
        def relu_delta(d_a: Array, z: Array, a: Array, out: Array, tmp: Array) -> None:
            np.multiply(d_a, z > 0, out=out)
        return relu_delta
    if act.name == "tanh":
        def tanh_delta(d_a: Array, z: Array, a: Array, out: Array, tmp: Array) -> None:
            np.multiply(a, a, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            np.multiply(d_a, tmp, out=out)
        return tanh_delta
    if act.name == "sigmoid":
        deriv = _derivative_kernel(act)

        def fused_delta(d_a: Array, z: Array, a: Array, out: Array, tmp: Array) -> None:
            deriv(z, a, tmp)
            np.multiply(d_a, tmp, out=out)
        return fused_delta

    def generic_delta(d_a: Array, z: Array, a: Array, out: Array, tmp: Array) -> None:
        np.multiply(d_a, act.derivative(z, a), out=out)
    return generic_delta


class _Workspace:
    """Buffers for one batch size, reused by `Network.train_gradient` call after call."""

    def __init__(self, n: int, net: Network) -> None:
        def bufs() -> list[Array]:
            return [_buffer(n, lo.units) for lo in net.layouts]

        self.z, self.deltas, self.temps, self.back_bufs = bufs(), bufs(), bufs(), bufs()
        self.bufs, self.outs = net._output_buffers(n)
        self.acts: list = [None] * len(net._node_names)
        self.backs: list[Array | None] = [None] * len(net.layouts)
        self.no_blame: list[None] = [None] * len(net.layouts)
        self.ones = np.ones(n)
        self.grad: Array | None = None
        self.runs: list[_LayerRun] = []


class _LayerRun:
    """One layer's arrays and kernels for a pass, looked up once instead of every call."""

    __slots__ = ("index", "blame", "node", "src", "fwd", "dfn", "weights", "w_t", "bias", "z", "out", "delta", "tmp", "back_buf",
                 "wb", "src_buf", "src_buf_t", "grad_w", "grad_b", "grad_wb")
