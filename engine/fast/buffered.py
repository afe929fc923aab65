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
- for a layer of one unit, dE/da of its source is a broadcast product, not a matmul;
- per workspace, the whole pass is resolved once into a flat list of NumPy calls with
  their buffers (`_Plan`), so a call runs that list and nothing else.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np

from engine.core.losses import output_error
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
        self._plans: dict[int, _Plan] = {}
        self.output: Array | None = None  # output activations of the last call (a buffer: copy to keep)

    def train_gradient(self, x: Array, y: Array, grad: Array) -> float:
        """Loss of (x, y); writes dE/dparams into `grad` (a flat vector kept by the caller).

        The same numbers as `Network.train_gradient(x, y, grad)`; nothing returned aliases
        a buffer except `self.output`.
        """
        plan = self._plan(len(x), grad)
        if plan.reads_x:
            xs = (x,) if self._groups == 1 else tuple(x[:, cols] for cols in self._input_cols)
            for args, position, group, transposed in plan.reads_x:
                args[position] = xs[group].T if transposed else xs[group]
        for call, args in plan.forward:
            call(*args)
        loss, _ = plan.output_error(y=y)
        for call, args in plan.backward:
            call(*args)
        self.output = plan.output
        return loss

    def _plan(self, n: int, grad: Array) -> _Plan:
        plan = self._plans.get(n)
        if plan is None or plan.grad is not grad:
            if len(self._plans) >= MAX_WORKSPACES:
                self._plans.clear()
            plan = self._plans[n] = _Plan(self, n, grad)
        return plan


class _Plan:
    """One pass of one network for n patterns, as a list of NumPy calls on kept buffers.

    Built once per batch size and gradient vector. The calls are those of the core's
    forward and backward passes in the same order (see network.py for what they mean).
    """

    def __init__(self, net: BufferedNetwork, n: int, grad: Array) -> None:
        network, g0 = net.network, net._groups
        layouts, acts = network.layouts, network.activations
        self.grad = grad
        sizes = [g.size for g in network.spec.inputs] + [lo.units for lo in layouts]

        def per_layer() -> list[Array]:
            return [_buffer(n, lo.units) for lo in layouts]

        z, deltas, temps, blame = per_layer(), per_layer(), per_layer(), per_layer()
        aug: list[Array | None] = [None] * len(sizes)  # [a, 1] buffers of augmented nodes
        a: list[Any] = [None] * len(sizes)  # each node's output (input groups: set per call)
        for node in range(g0, len(sizes)):
            i = node - g0
            if net._augmented[node]:
                aug[node], a[node] = _ones_column_buffer(n, sizes[node])
            elif acts[i].writes_out:
                a[node] = _buffer(n, sizes[node])
            else:
                a[node] = z[i]  # linear: the output is z itself
        ones = np.ones(n)
        self.reads_x: list[tuple[list, int, int, bool]] = []  # calls whose arguments hold the input

        def reading(args: list, position: int, node: int, transposed: bool = False) -> list:
            if node < g0:
                self.reads_x.append((args, position, node, transposed))
            else:
                args[position] = a[node].T if transposed else a[node]
            return args

        # forward: z = sum over sources of a_src @ W + b (or [a, 1] @ [W; b]), a = f(z)
        self.forward: list[tuple[Callable, Any]] = []
        fwd = self.forward
        for i, lo in enumerate(layouts):
            src, node = net._sources[i], g0 + i
            if net._fused[i]:
                fwd.append((np.matmul, (aug[src[0]], net._wb[i], z[i])))
            else:
                for k, (s, w) in enumerate(zip(src, network.weights[i])):
                    fwd.append((np.matmul, reading([None, w, z[i] if k == 0 else temps[i]], 0, s)))
                    if k:
                        fwd.append((np.add, (z[i], temps[i], z[i])))
                fwd.append((np.add, (z[i], network.biases[i], z[i])))
            if acts[i].writes_out:
                fwd.append((acts[i].forward, (z[i], a[node])))
        last = len(layouts) - 1
        spec = network.spec
        self.output = a[g0 + last]
        # the output error: E and dE/dz from the loss (losses.output_error, as the core)
        self.output_error = partial(output_error, spec.loss, spec.reduction, acts[last], z[last], self.output,
                                    margin=spec.margin, out=deltas[last], scratch=temps[last])
        # backward, last layer first: dE/dz = dE/da * f'(z), then dE/dW, dE/db and the
        # blame dE/da = dE/dz @ W.T passed to each source layer
        self.backward: list[tuple[Callable, Any]] = []
        bwd = self.backward
        blamed = [False] * len(layouts)  # has a later layer passed blame to this one yet?
        for i in range(last, -1, -1):
            lo, src, delta = layouts[i], net._sources[i], deltas[i]
            if i != last:
                if blamed[i]:
                    bwd.append((acts[i].derivative, (z[i], a[g0 + i], temps[i])))
                    bwd.append((np.multiply, (blame[i], temps[i], delta)))
                else:  # a layer nothing reads from: no blame reaches it
                    bwd.append((delta.fill, (0.0,)))
            if net._fused[i]:  # [a, 1].T @ dE/dz: weight and bias gradients at once
                gwb = grad[lo.weight_slices[0].start : lo.bias_slice.stop].reshape(lo.fan_ins[0] + 1, lo.units)
                bwd.append((np.matmul, (aug[src[0]].T, delta, gwb)))
            else:
                for s, gw in zip(src, lo.weight_views(grad)):
                    bwd.append((np.matmul, reading([None, delta, gw], 0, s, transposed=True)))
                bwd.append((np.matmul, (ones, delta, grad[lo.bias_slice])))  # bias: a row of ones
            # a one-unit layer: the outer product dE/dz @ W.T is cheaper by broadcasting
            product: Callable = np.multiply if lo.units == 1 else np.matmul
            for s, w in zip(src, network.weights[i]):
                if s < g0:
                    continue
                j = s - g0
                if not blamed[j]:
                    bwd.append((product, (delta, w.T, blame[j])))
                    blamed[j] = True
                else:
                    bwd.append((np.matmul, (delta, w.T, temps[j])))
                    bwd.append((np.add, (blame[j], temps[j], blame[j])))
