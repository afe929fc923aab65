"""The loss along one or two parameters, with everything else held fixed.

All the parameter settings of a curve or surface go through one batched forward pass
(a stack of weight matrices, broadcast by np.matmul), chunked so memory stays bounded.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.losses import per_pattern_loss
from engine.core.network import Network
from engine.core.spec import NetworkSpec
from engine.explain.stepthrough import unit_name

Array = np.ndarray
_CHUNK_FLOATS = 4_000_000  # ~32 MB of activations per chunk


@dataclass(frozen=True)
class LossSlice:
    indices: tuple[int, ...]  # 1 or 2 parameter indices
    axes: tuple[Array, ...]  # values tried along each parameter
    loss: Array  # (len(axes[0]),) for a curve; (len(axes[1]), len(axes[0])) for a surface (row = 2nd)
    current: tuple[float, ...]  # the parameters' present values
    current_loss: float


def parameter_names(spec: NetworkSpec) -> list[str]:
    """A short name for every entry of the flat parameter vector, e.g. 'w input[1]→h1[0]', 'b out[0]'."""
    net = Network(spec, np.zeros(spec.n_parameters()))
    names = [""] * net.size
    for lo in net.layouts:
        for s, f, sl in zip(lo.sources, lo.fan_ins, lo.weight_slices):
            for k in range(f * lo.units):
                i, j = divmod(k, lo.units)
                names[sl.start + k] = f"w {unit_name(s, i)}→{unit_name(lo.name, j)}"
        for j in range(lo.units):
            names[lo.bias_slice.start + j] = f"b {unit_name(lo.name, j)}"
    return names


def batched_losses(spec: NetworkSpec, param_sets: Array, x: Array, y: Array) -> Array:
    """Loss of each row of `param_sets` (P, n_params) on (x, y), as Network.loss computes it.

    One forward pass of the network (Network.forward) runs a whole chunk of settings: its
    weights stacked along a first axis, which NumPy's matrix product broadcasts over.
    """
    net = Network(spec, np.zeros(spec.n_parameters()))
    param_sets = np.atleast_2d(np.asarray(param_sets, dtype=np.float64))
    n, k = len(x), y.shape[1]
    widest = max([g.size for g in spec.inputs] + [l.units for l in spec.layers])
    chunk = max(1, _CHUNK_FLOATS // max(1, n * widest * 2))
    out = np.empty(len(param_sets))
    out_act = net.activations[-1]
    for start in range(0, len(param_sets), chunk):
        p = param_sets[start : start + chunk]
        weights = [tuple(p[:, s].reshape(len(p), f, lo.units) for s, f in zip(lo.weight_slices, lo.fan_ins))
                   for lo in net.layouts]  # per layer, per source: (P, fan_in, units)
        biases = [p[:, None, lo.bias_slice] for lo in net.layouts]  # (P, 1, units)
        a = np.broadcast_to(net.forward(x, weights, biases).output, (len(p), n, k))
        per = per_pattern_loss(
            spec.loss, a.reshape(-1, k), np.tile(y, (len(p), 1)),
            margin=spec.margin, span=(out_act.low, out_act.high),
        ).reshape(len(p), n)
        total = per.sum(axis=1)
        out[start : start + len(p)] = total / n if spec.reduction == "mean" and n else total
    return out


def default_axis(value: float, points: int = 61, span: float | None = None) -> Array:
    """Values around a parameter: ±max(3, 1.5|w|) unless a span is given."""
    half = span if span is not None else max(3.0, 1.5 * abs(value))
    return np.linspace(value - half, value + half, points)


def loss_curve(spec: NetworkSpec, params: Array, x: Array, y: Array, index: int, values: Array | None = None) -> LossSlice:
    params = np.asarray(params, dtype=np.float64)
    values = default_axis(params[index]) if values is None else np.asarray(values, dtype=np.float64)
    sets = np.repeat(params[None], len(values), axis=0)
    sets[:, index] = values
    loss = batched_losses(spec, sets, x, y)
    now = batched_losses(spec, params[None], x, y)[0]
    return LossSlice((index,), (values,), loss, (float(params[index]),), float(now))


def loss_surface(
    spec: NetworkSpec, params: Array, x: Array, y: Array, i: int, j: int,
    values_i: Array | None = None, values_j: Array | None = None, points: int = 41,
) -> LossSlice:
    if i == j:
        raise ValueError("pick two different parameters for a surface")
    params = np.asarray(params, dtype=np.float64)
    vi = default_axis(params[i], points) if values_i is None else np.asarray(values_i, dtype=np.float64)
    vj = default_axis(params[j], points) if values_j is None else np.asarray(values_j, dtype=np.float64)
    gi, gj = np.meshgrid(vi, vj)  # row = j
    sets = np.repeat(params[None], gi.size, axis=0)
    sets[:, i] = gi.ravel()
    sets[:, j] = gj.ravel()
    loss = batched_losses(spec, sets, x, y).reshape(len(vj), len(vi))
    now = batched_losses(spec, params[None], x, y)[0]
    return LossSlice((i, j), (vi, vj), loss, (float(params[i]), float(params[j])), float(now))
