"""The reference network's gradient, computed into buffers reused call after call.

Why: small networks spend their time in NumPy's per-call overhead, not in arithmetic, so
what makes them fast is fewer calls and no allocations. The maths is the core's
(engine/core/network.py: forward, output error, backward) with the same activation
functions (written once, in activations.py) and the same output error (losses.py); only
where the numbers are stored differs, so the results agree with the core to rounding
(tests/engine/test_buffered.py: 1e-12 per step).

The tricks, none of which changes what is computed:
- one workspace per batch size (a few kept), holding every z, a, dE/dz and dE/da;
- arrays stored unit by unit (Fortran order): adding a bias, summing columns and BLAS
  products on tall, narrow layers run 1.5-2x faster that way;
- a layer that is the only source of a later layer keeps its output in an (n, units + 1)
  buffer whose last column is 1; that later layer then gets z = [a, 1] @ [W; b] and its
  weight and bias gradients [a, 1].T @ dE/dz in one BLAS call each (W and b are adjacent
  in `params`). (Not the input: the bias would then be summed in another order than
  before, and saved runs are promised to continue bit for bit.)
- the bias gradient of other layers as a product with a row of ones (faster than a sum
  over axis 0 for narrow layers);
- for a layer of one unit, dE/da of its source is a broadcast product, not a matmul.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from engine.core.losses import output_delta
from engine.core.network import Network

Array = np.ndarray
MAX_WORKSPACES = 4  # batch sizes kept at once (full batch, mini-batch, the last short batch)


def _buffer(n: int, units: int) -> Array:
    """An (n, units) array stored unit by unit; values and shapes as in C order."""
    return np.empty((n, units), order="F")


def _ones_column_buffer(n: int, units: int) -> tuple[Array, Array]:
    """An (n, units + 1) buffer whose last column is 1, and its (n, units) view."""
    buf = np.ones((n, units + 1), order="F")
    return buf, buf[:, :units]


class BufferedNetwork:
    """`Network.train_gradient` for one network, into buffers kept per batch size."""

    def __init__(self, network: Network) -> None:
        self.network = network
        spec = network.spec
        names = spec.node_names()
        self._groups = len(spec.inputs)
        self._input_cols = []
        col = 0
        for g in spec.inputs:
            self._input_cols.append(slice(col, col + g.size))
            col += g.size
        self._sources = tuple(tuple(names.index(s) for s in lo.sources) for lo in network.layouts)
        g0 = self._groups
        acts = network.activations
        # which nodes get a column of ones: layers that are the only source of some layer and
        # write their output in place (node index: input groups first, then layers)
        single = [src[0] for src in self._sources if len(src) == 1]
        self._augmented = tuple(i >= g0 and i in single and acts[i - g0].writes_out for i in range(len(names)))
        self._fused = tuple(len(src) == 1 and self._augmented[src[0]] for src in self._sources)
        p = network.params
        self._wb = [
            p[lo.weight_slices[0].start : lo.bias_slice.stop].reshape(lo.fan_ins[0] + 1, lo.units) if fused else None
            for lo, fused in zip(network.layouts, self._fused)
        ]
        self._workspaces: dict[int, _Workspace] = {}
        self.output: Array | None = None  # output activations of the last call (a buffer: copy to keep)

    def train_gradient(self, x: Array, y: Array, grad: Array) -> float:
        """Loss of (x, y); writes dE/dparams into `grad` (a flat vector kept by the caller).

        The same numbers as `Network.train_gradient(x, y, grad)`; nothing returned aliases
        a buffer except `self.output`.
        """
        ws = self._workspace(len(x), grad)
        acts = ws.acts
        if self._groups == 1:
            acts[0] = x
        else:
            acts[: self._groups] = [x[:, cols] for cols in self._input_cols]
        self._forward(acts, ws.layers)
        self.output = acts[-1]
        ws.blame[:] = ws.no_blame
        return self._backward(acts, y, ws)

    # ----- the passes ---------------------------------------------------------------------
    @staticmethod
    def _forward(acts: list, layers: list[_Layer]) -> None:
        for r in layers:
            z = r.z
            if r.wb is not None:  # z = [a, 1] @ [W; b]
                np.matmul(r.src_aug, r.wb, out=z)
            else:
                np.matmul(acts[r.src[0]], r.weights[0], out=z)
                for s, w in zip(r.src[1:], r.weights[1:]):
                    z += acts[s] @ w
                z += r.bias
            acts[r.node] = r.forward(z, r.out)

    def _backward(self, acts: list, y: Array, ws: _Workspace) -> float:
        spec, layers, blame = self.network.spec, ws.layers, ws.blame
        last = layers[-1]
        a_out = acts[last.node]
        output_delta(spec.loss, spec.reduction, self.network.activations[-1], last.z, a_out, y,
                     margin=spec.margin, out=last.delta, scratch=last.tmp)
        loss = self.network.loss_of(a_out, y)
        for r in reversed(layers):
            if r is last:
                delta = r.delta
            else:
                delta = r.delta
                d_a = blame[r.index]
                if d_a is None:  # a layer nothing reads from: no blame reaches it
                    delta.fill(0.0)
                else:  # dE/dz = dE/da * f'(z)
                    np.multiply(d_a, r.derivative(r.z, acts[r.node], r.tmp), out=delta)
            if r.grad_wb is not None:  # [a, 1].T @ dE/dz: weight and bias gradients at once
                np.matmul(r.src_aug_t, delta, out=r.grad_wb)
            else:
                for s, gw in zip(r.src, r.grad_w):
                    np.matmul(acts[s].T, delta, out=gw)
                np.matmul(ws.ones, delta, out=r.grad_b)
            for j, w_t, product in r.blame:  # dE/da of source layer j: dE/dz @ W.T
                if blame[j] is None:
                    blame[j] = product(delta, w_t, out=layers[j].blame_buf)
                else:
                    blame[j] += delta @ w_t
        return loss

    # ----- buffers ---------------------------------------------------------------------------
    def _workspace(self, n: int, grad: Array) -> _Workspace:
        ws = self._workspaces.get(n)
        if ws is None:
            if len(self._workspaces) >= MAX_WORKSPACES:
                self._workspaces.clear()
            ws = self._workspaces[n] = _Workspace(n, self)
        if ws.grad is not grad:
            ws.grad = grad
            ws.layers = self._layers(ws, grad)
        return ws

    def _layers(self, ws: _Workspace, grad: Array) -> list[_Layer]:
        """Resolve, once per workspace and gradient vector, what each layer reads and writes."""
        net, g0 = self.network, self._groups
        layers = []
        for i, lo in enumerate(net.layouts):
            r = _Layer()
            r.index, r.node, r.src = i, g0 + i, self._sources[i]
            f = net.activations[i]
            r.forward, r.derivative = f.forward, f.derivative
            r.weights, r.bias = net.weights[i], net.biases[i]
            # a one-unit layer: the outer product dE/dz @ W.T is cheaper by broadcasting
            product: Callable = np.multiply if lo.units == 1 else np.matmul
            r.blame = tuple((s - g0, w.T, product) for s, w in zip(r.src, r.weights) if s >= g0)
            r.z, r.out = ws.z[i], ws.outs[g0 + i]
            r.delta, r.tmp, r.blame_buf = ws.deltas[i], ws.temps[i], ws.blame_bufs[i]
            r.wb = self._wb[i] if self._fused[i] else None
            r.src_aug = ws.aug[r.src[0]] if self._fused[i] else None
            r.src_aug_t = None if r.src_aug is None else r.src_aug.T
            r.grad_w = lo.weight_views(grad)
            r.grad_b = grad[lo.bias_slice]
            r.grad_wb = (grad[lo.weight_slices[0].start : lo.bias_slice.stop].reshape(lo.fan_ins[0] + 1, lo.units)
                         if self._fused[i] else None)
            layers.append(r)
        return layers


class _Workspace:
    """Buffers for one batch size."""

    def __init__(self, n: int, net: BufferedNetwork) -> None:
        layouts = net.network.layouts
        g0 = net._groups

        def per_layer() -> list[Array]:
            return [_buffer(n, lo.units) for lo in layouts]

        self.z, self.deltas, self.temps, self.blame_bufs = per_layer(), per_layer(), per_layer(), per_layer()
        sizes = [g.size for g in net.network.spec.inputs] + [lo.units for lo in layouts]
        self.aug: list[Array | None] = [None] * len(sizes)  # [a, 1] buffers of augmented nodes
        self.outs: list[Array | None] = [None] * len(sizes)  # where each layer writes its a
        for node, units in enumerate(sizes):
            if net._augmented[node]:
                self.aug[node], self.outs[node] = _ones_column_buffer(n, units)
            elif node >= g0:
                self.outs[node] = _buffer(n, units)
        self.acts: list = list(self.outs)
        self.blame: list[Array | None] = [None] * len(layouts)  # dE/da per layer, this pass
        self.no_blame: list[None] = [None] * len(layouts)
        self.ones = np.ones(n)
        self.grad: Array | None = None
        self.layers: list[_Layer] = []


class _Layer:
    """One layer's arrays and functions for a pass, looked up once instead of every call."""

    __slots__ = ("index", "node", "src", "forward", "derivative", "weights", "bias", "blame", "z", "out", "delta",
                 "tmp", "blame_buf", "wb", "src_aug", "src_aug_t", "grad_w", "grad_b", "grad_wb")
