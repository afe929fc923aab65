"""Where the network is being blamed: error-signal maps, saturation, edge overlays.

Error-signal map of a unit: its dE/dz at every point of the boundary grid, i.e. the blame
that unit would receive if a training pattern sat there. A grid point needs a target; we
use the label of the *nearest training point*. Why not the dataset's true function: it
is only known for a few generators (not for noisy Gaussians, spirals, drawn or CSV
points), while nearest-training-label works for every 2-D set and is what the network is
actually being fitted to, so the map shows the blame training itself produces.
Per-point blame uses a batch of one (the "sum" reduction), so the map's scale does not
shrink with the grid size.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.core.activations import get_activation
from engine.data.datasets import Dataset
from engine.core.features import transform
from engine.core.network import Network
from engine.training.snapshot import grid_points
from engine.core.spec import NetworkSpec
from engine.explain.stepthrough import pattern_arrays

if TYPE_CHECKING:
    from engine.training.snapshot import Snapshot

Array = np.ndarray
OVERLAY_MODES = ("weights", "gradients", "last change")
SATURATION_FRACTION = 0.05  # derivative below 5% of its largest value = saturated
MAX_DERIVATIVE = {"sigmoid": 0.25, "softmax": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0,
                  "linear": 1.0, "softplus": 1.0}
_CHUNK = 4096


def nearest_labels(points: Array, x_train: Array, y_train: Array) -> Array:
    """Each point's nearest training point's target (ties: the first), chunked to bound memory."""
    out = np.empty((len(points), y_train.shape[1]))
    sq_train = np.einsum("ij,ij->i", x_train, x_train)
    for start in range(0, len(points), _CHUNK):
        p = points[start : start + _CHUNK]
        d = sq_train[None, :] - 2.0 * p @ x_train.T  # |p|² is the same for the whole row
        out[start : start + len(p)] = y_train[np.argmin(d, axis=1)]
    return out


def grid_targets(spec: NetworkSpec, data: Dataset, resolution: int = 40,
                 domain: tuple[float, float] = (-6.0, 6.0)) -> Array:
    """Target of every grid point: its nearest training point's (mapped) target.

    Depends only on the data, the output activation and the grid, so views compute it once.
    """
    if not data.planar:
        raise ValueError("error-signal maps need a 2-D dataset")
    _, y_train = pattern_arrays(spec, data)
    return nearest_labels(grid_points(resolution, domain), np.asarray(data.x_train, dtype=np.float64), y_train)


def error_signal_maps(
    spec: NetworkSpec, params: Array, data: Dataset, resolution: int = 40, domain: tuple[float, float] = (-6.0, 6.0),
    targets: Array | None = None,
) -> dict[str, Array]:
    """layer -> (units, res, res) float32 dE/dz over the plane (row index = y), one pass.

    `targets` (from grid_targets) may be passed in to skip the nearest-neighbour search.
    """
    if not data.planar:
        raise ValueError("error-signal maps need a 2-D dataset")
    pts = grid_points(resolution, domain)
    if targets is None:
        targets = grid_targets(spec, data, resolution, domain)
    per_point = Network(spec.with_changes(reduction="sum"), params)
    x = pts if spec.features is None else transform(pts, spec.features)
    bp = per_point.backward(per_point.forward(x), targets)
    return {name: np.ascontiguousarray(d.T.reshape(d.shape[1], resolution, resolution), dtype=np.float32)
            for name, d in bp.deltas.items()}


def pattern_error_signals(spec: NetworkSpec, params: Array, data: Dataset) -> dict[str, Array]:
    """layer -> (n_patterns, units) dE/dz of every training pattern, each as a batch of one.

    The error-signal "map" of non-planar data (bits, family trees): rows are patterns.
    """
    x, y = pattern_arrays(spec, data)
    net = Network(spec.with_changes(reduction="sum"), params)
    return net.backward(net.forward(x), y).deltas


def saturation(spec: NetworkSpec, params: Array, x: Array) -> dict[str, Array]:
    """layer -> (units,) fraction of patterns whose activation derivative is near zero.

    Near zero = below 5% of the derivative's largest value (tanh 1, sigmoid 1/4); for ReLU
    that is exactly the patterns where the unit is off. Linear units never saturate.
    """
    net = Network(spec, params)
    fp = net.forward(np.asarray(x, dtype=np.float64))
    out: dict[str, Array] = {}
    for layer in spec.layers:
        act = get_activation(layer.activation)
        d = act.derivative(fp.pre_activations[layer.name], fp.activations[layer.name])
        limit = SATURATION_FRACTION * MAX_DERIVATIVE.get(layer.activation, 1.0)
        out[layer.name] = (d < limit).mean(axis=0) if len(d) else np.zeros(layer.units)
    return out


def training_gradient(spec: NetworkSpec, params: Array, data: Dataset) -> Array:
    """Full-batch gradient on the training set (flat), from one backward pass on a copy."""
    x, y = pattern_arrays(spec, data)
    net = Network(spec, params)
    return net.backward(net.forward(x), y).gradient


def split_weights(spec: NetworkSpec, flat: Array) -> tuple[tuple[Array, ...], ...]:
    """A flat parameter-shaped vector -> per layer, per source (fan_in, units), like Snapshot.weights."""
    net = Network(spec, flat)
    return tuple(tuple(w.copy() for w in ws) for ws in net.weights)


def edge_values(mode: str, snapshot: "Snapshot", data: Dataset | None = None) -> tuple[tuple[Array, ...], ...]:
    """What the editor's edges show in each overlay mode, shaped like `snapshot.weights`.

    "weights": the weights; "gradients": dE/dw over the training set (needs `data`);
    "last change": the optimiser's last step Δw (zeros before the first step).
    """
    if mode == "weights":
        return snapshot.weights
    if mode == "gradients":
        if getattr(snapshot, "gradient", None) is not None:  # computed with the snapshot, on the worker
            return split_weights(snapshot.spec, snapshot.gradient)
        if data is None:
            raise ValueError("the gradient overlay needs the dataset")
        return split_weights(snapshot.spec, training_gradient(snapshot.spec, snapshot.params, data))
    if mode == "last change":
        state = snapshot.optimizer_state
        flat = np.zeros_like(snapshot.params) if not state else state["velocity"]
        return split_weights(snapshot.spec, flat)
    raise ValueError(f"unknown edge overlay {mode!r}; choose one of {', '.join(OVERLAY_MODES)}")
