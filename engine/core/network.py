"""The reference network: weights, the forward pass and the backward pass (backprop).

This file is the one to read to see how backpropagation works. It follows Rumelhart,
Hinton & Williams, "Learning representations by back-propagating errors" (Nature, 1986),
with these names (the paper's own letters in brackets):

    z    a unit's total input, z_j = sum_i a_i w_ij + b_j          (the paper's x_j)
    a    a unit's output, a_j = f(z_j)                             (the paper's y_j)
    y    the target: the output we want                            (the paper's d_j)
    w_ij the weight from unit i to unit j                          (the paper's w_ji)
    E    the error (loss) over a batch of patterns, e.g. 1/2 sum (a - y)^2
    dE_dz, dE_da, dE_dw    derivatives of E ("blame"); dE_dz is also called delta

A network is a layered directed acyclic graph: each layer reads one or more earlier nodes
(input groups or layers), with one weight matrix per source, shaped (fan_in, units), plus
one bias per unit. All parameters live in one flat vector, `params`; each matrix and bias
is a view into it, so an optimiser updates everything with a few whole-vector operations.

Every fast path (engine/fast) is tested to give these numbers. The backward pass returns
the gradient and every unit's delta, and never changes the weights: the optimiser does
(engine/core/optimizers.py, the paper's dw(t) = -lr dE/dw + momentum dw(t-1)).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.activations import get_activation
from engine.core.losses import loss_value, output_error
from engine.core.spec import NetworkSpec

Array = np.ndarray


@dataclass(frozen=True)
class LayerLayout:
    """Where one layer's parameters sit in the flat vector."""

    name: str
    sources: tuple[str, ...]  # the nodes this layer reads, in order
    fan_ins: tuple[int, ...]  # units in each source
    units: int
    weight_slices: tuple[slice, ...]  # one per source, (fan_in * units) long, row by row
    bias_slice: slice

    def weight_views(self, flat: Array) -> tuple[Array, ...]:
        """This layer's (fan_in, units) matrices as views into a flat vector (params or a gradient)."""
        return tuple(flat[s].reshape(f, self.units) for s, f in zip(self.weight_slices, self.fan_ins))


@dataclass(frozen=True)
class ForwardPass:
    """Every node's output and every layer's total input, for a batch of patterns (rows)."""

    x: Array
    activations: dict[str, Array]  # node name -> a, (n, units); input groups included
    pre_activations: dict[str, Array]  # layer name -> z, (n, units)
    output_name: str

    @property
    def output(self) -> Array:
        return self.activations[self.output_name]


@dataclass(frozen=True)
class BackwardPass:
    gradient: Array  # dE/dparams, flat, same layout as Network.params
    deltas: dict[str, Array]  # layer name -> dE/dz, (n, units): each unit's share of the blame
    loss: float


class Network:
    """Parameters for a NetworkSpec plus the forward and backward passes."""

    def __init__(self, spec: NetworkSpec, params: Array | None = None) -> None:
        self.spec = spec
        sizes = spec.node_sizes()
        layouts, offset = [], 0
        for i, layer in enumerate(spec.layers):  # per layer: W from each source, then b
            sources = spec.sources_of(i)
            fan_ins = tuple(sizes[s] for s in sources)
            w_slices = []
            for fan_in in fan_ins:
                w_slices.append(slice(offset, offset + fan_in * layer.units))
                offset += fan_in * layer.units
            layouts.append(LayerLayout(layer.name, sources, fan_ins, layer.units, tuple(w_slices),
                                       slice(offset, offset + layer.units)))
            offset += layer.units
        self.layouts: tuple[LayerLayout, ...] = tuple(layouts)
        self.size = offset
        self.activations = tuple(get_activation(layer.activation) for layer in spec.layers)
        self.params = np.zeros(self.size)
        if params is None:
            self.initialise(spec.seed)
        else:
            params = np.asarray(params, dtype=np.float64)
            if params.shape != (self.size,):
                raise ValueError(f"parameter vector has shape {params.shape}, expected ({self.size},)")
            self.params[:] = params
        # views into params: writing to a weight here changes params, and the reverse
        self.weights: list[tuple[Array, ...]] = [lo.weight_views(self.params) for lo in self.layouts]
        self.biases: list[Array] = [self.params[lo.bias_slice] for lo in self.layouts]

    # ----- parameters --------------------------------------------------------------------
    def set_params(self, values: Array) -> None:
        """Copy values in; the weight and bias views stay bound to the same vector."""
        self.params[:] = values

    def initialise(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        init = self.spec.init
        for lo in self.layouts:
            fan_in = sum(lo.fan_ins)
            for s in lo.weight_slices:
                n = s.stop - s.start
                if init.scheme == "uniform":  # the paper: small random weights break the symmetry
                    self.params[s] = rng.uniform(-init.range, init.range, n)
                elif init.scheme == "normal":
                    self.params[s] = rng.normal(0.0, init.range, n)
                elif init.scheme == "xavier":
                    lim = np.sqrt(6.0 / (fan_in + lo.units))
                    self.params[s] = rng.uniform(-lim, lim, n)
                else:  # he
                    self.params[s] = rng.normal(0.0, np.sqrt(2.0 / fan_in), n)
            # biases: the paper treats them as weights from a unit that is always on
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

    # ----- the forward pass ----------------------------------------------------------------
    def forward(self, x: Array, weights: list | None = None, biases: list | None = None) -> ForwardPass:
        """Outputs of every unit for a batch of patterns x, (n, n_inputs): layer by layer.

        `weights` and `biases`, shaped like self.weights and self.biases, replace the
        network's own when given: in another dtype (the gradient check's extended precision)
        or with a leading axis of P parameter settings, (P, fan_in, units) and (P, 1, units),
        to run P networks at once (the loss landscape); NumPy's broadcasting does the rest.
        """
        weights = self.weights if weights is None else weights
        biases = self.biases if biases is None else biases
        a: dict[str, Array] = {}  # node -> its output a, (n, units)
        col = 0
        for group in self.spec.inputs:  # an input group's output is its slice of x
            a[group.name] = x[:, col : col + group.size]
            col += group.size
        z: dict[str, Array] = {}
        for lo, W, b, f in zip(self.layouts, weights, biases, self.activations):
            # total input: every source's outputs times its weights, summed, plus the bias
            z[lo.name] = sum(a[src] @ W_src for src, W_src in zip(lo.sources, W)) + b
            a[lo.name] = f.forward(z[lo.name])
        return ForwardPass(x, a, z, self.layouts[-1].name)

    def predict(self, x: Array) -> Array:
        return self.forward(x).output

    def loss(self, x: Array, y: Array) -> float:
        return self.loss_of(self.predict(x), y)

    def loss_of(self, a: Array, y: Array) -> float:
        """E for outputs a and targets y: the spec's loss, reduction and error margin."""
        out = self.activations[-1]
        return loss_value(self.spec.loss, self.spec.reduction, a, y, margin=self.spec.margin, span=(out.low, out.high))

    # ----- the backward pass (backprop) -------------------------------------------------------
    def backward(self, fp: ForwardPass, y: Array, gradient: Array | None = None) -> BackwardPass:
        """dE/dparams and every unit's dE/dz, from the outputs back to the inputs.

        The chain rule, one layer at a time, last layer first:
          1. the output layer: the loss gives E and dE/dz directly (losses.output_error);
          2. a hidden layer: a = f(z), so dE/dz = dE/da * f'(z), where dE/da is the blame
             that step 4 of the layers it feeds has already summed up;
          3. the layer's weights: z_j = sum_i a_i w_ij + b_j, so dE/dw_ij = a_i dE/dz_j,
             summed over the patterns (a_src.T @ dE_dz), and dE/db_j = dE/dz_j summed;
          4. its sources: each a_i reaches E through every unit j it feeds, so
             dE/da_i = sum_j w_ij dE/dz_j (dE_dz @ W.T), added up over the layers it feeds.
        Reads only what `fp` holds, and leaves the weights alone. `gradient`, if given, is
        the flat vector to write the result into.
        """
        spec = self.spec
        grad = np.empty(self.size) if gradient is None else gradient
        dE_da: dict[str, Array] = {}  # node -> dE/da, summed over the layers that read it
        deltas: dict[str, Array] = {}  # layer -> dE/dz
        last = len(self.layouts) - 1
        for i in range(last, -1, -1):  # output layer first
            lo, f = self.layouts[i], self.activations[i]
            z, a = fp.pre_activations[lo.name], fp.activations[lo.name]
            if i == last:  # (1) the output error, from the loss
                loss, dE_dz = output_error(spec.loss, spec.reduction, f, z, a, y, margin=spec.margin)
            elif lo.name in dE_da:  # (2) blame arriving from the layers this one feeds
                dE_dz = dE_da[lo.name] * f.derivative(z, a)
            else:  # no later layer reads this one: it takes no part in E
                dE_dz = np.zeros_like(z)
            deltas[lo.name] = dE_dz
            for src, W_src, w_slice in zip(lo.sources, self.weights[i], lo.weight_slices):
                grad[w_slice] = (fp.activations[src].T @ dE_dz).ravel()  # (3) dE/dW
                if src in fp.pre_activations:  # (4) a layer (not an input): pass the blame back
                    back = dE_dz @ W_src.T
                    dE_da[src] = back if src not in dE_da else dE_da[src] + back
            grad[lo.bias_slice] = dE_dz.sum(axis=0)  # (3) dE/db: the bias's input is always 1
        return BackwardPass(grad, deltas, loss)

    def gradient(self, x: Array, y: Array) -> tuple[float, Array]:
        bp = self.backward(self.forward(x), y)
        return bp.loss, bp.gradient

    def train_gradient(self, x: Array, y: Array, grad: Array) -> float:
        """Loss of (x, y); writes dE/dparams into `grad` (a flat vector kept by the caller)."""
        return self.backward(self.forward(x), y, grad).loss

    # ----- helpers for views -----------------------------------------------------------
    def layer_weights(self, index: int) -> dict[str, Array]:
        """Weight matrices of layer `index`, keyed by source name (copies)."""
        lo = self.layouts[index]
        return {s: w.copy() for s, w in zip(lo.sources, self.weights[index])}

    def copy(self) -> "Network":
        return Network(self.spec, self.params.copy())
