"""Weights, forward pass and backward pass.

All parameters live in one flat float64 vector; each weight matrix and bias is a view into
it. The optimiser then updates every parameter with a handful of whole-vector operations,
which is what keeps small networks fast in NumPy.

The backward pass returns the gradient (same layout, also one flat vector) *and* every
unit's error signal dE/dz per pattern: the "blame" that the 1986 paper propagates.
It never changes the weights; the optimiser does that.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation, get_activation
from .losses import loss_value, output_delta
from .spec import NetworkSpec

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
    def forward(self, x: Array) -> ForwardPass:
        acts: dict[str, Array] = {name: x[:, cols] for name, cols in self._input_cols.items()}
        pre: dict[str, Array] = {}
        for lo, ws, b, act in zip(self.layouts, self.weights, self.biases, self._acts):
            z = acts[lo.sources[0]] @ ws[0]
            for s, w in zip(lo.sources[1:], ws[1:]):
                z += acts[s] @ w
            z += b
            pre[lo.name] = z
            acts[lo.name] = act.forward(z)
        fp = ForwardPass(x, acts, pre)
        fp._out = self.layouts[-1].name
        return fp

    def predict(self, x: Array) -> Array:
        return self.forward(x).output

    def loss(self, x: Array, y: Array) -> float:
        return loss_value(self.spec.loss, self.spec.reduction, self.predict(x), y)

    def backward(self, fp: ForwardPass, y: Array, gradient: Array | None = None) -> BackwardPass:
        """Gradient of the loss and every unit's error signal. Does not change weights."""
        spec = self.spec
        grad = np.empty(self.size) if gradient is None else gradient
        out = self.layouts[-1]
        a_out, z_out = fp.activations[out.name], fp.pre_activations[out.name]
        loss = loss_value(spec.loss, spec.reduction, a_out, y)
        deltas: dict[str, Array] = {out.name: output_delta(spec.loss, spec.reduction, self._acts[-1], z_out, a_out, y)}
        # dE/da accumulated for layers that feed several later layers
        upstream: dict[str, Array] = {}
        for idx in range(len(self.layouts) - 1, -1, -1):
            lo = self.layouts[idx]
            if idx != len(self.layouts) - 1:
                dA = upstream.pop(lo.name, None)
                if dA is None:  # a layer nothing reads from: no blame reaches it
                    dA = np.zeros_like(fp.activations[lo.name])
                act = self._acts[idx]
                deltas[lo.name] = dA * act.derivative(fp.pre_activations[lo.name], fp.activations[lo.name])
            delta = deltas[lo.name]
            for s, wsl, w in zip(lo.sources, lo.weight_slices, self.weights[idx]):
                a_src = fp.activations[s]
                np.matmul(a_src.T, delta, out=grad[wsl].reshape(w.shape))
                if s in self._input_cols:
                    continue
                back = delta @ w.T
                if s in upstream:
                    upstream[s] += back
                else:
                    upstream[s] = back
            np.sum(delta, axis=0, out=grad[lo.bias_slice])
        return BackwardPass(grad, deltas, loss)

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
