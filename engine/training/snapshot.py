"""Immutable copies of what the views draw, made in the worker thread.

Every array is freshly allocated and read-only, so the GUI can hold a snapshot while the
worker keeps training: no shared buffers, no data races.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.core.features import transform

if TYPE_CHECKING:
    from engine.data.datasets import Dataset
    from engine.core.spec import NetworkSpec
    from engine.training.trainer import Trainer

PATTERN_LIMIT = 512
GRADIENT_LIMIT = 20_000  # training sets up to this size get dE/dw in every snapshot


def frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    params: np.ndarray  # flat parameter vector
    weights: tuple[tuple[np.ndarray, ...], ...]  # per layer, per source: (fan_in, units)
    biases: tuple[np.ndarray, ...]
    history: np.ndarray  # (n, 5): epoch, train_loss, test_loss, train_acc, test_acc
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float
    diverged: str | None
    # boundary maps over the input plane: node name -> (units, res, res) float32, row = y
    grids: dict[str, np.ndarray] | None = None
    grid_domain: tuple[float, float] = (-6.0, 6.0)
    spec: "NetworkSpec | None" = None  # the (immutable) spec the snapshot was made with
    # on the training set, when it is small (<= PATTERN_LIMIT patterns): node -> (n, units)
    pattern_activations: dict[str, np.ndarray] | None = None
    pattern_deltas: dict[str, np.ndarray] | None = None  # layer -> dE/dz per pattern
    # optimiser state (read-only copies): "velocity" = the last weight change dw(t-1),
    # "m"/"v" Adam moments, "t" Adam step count; lets views show the last change and
    # predict one more update without touching the worker's trainer
    optimizer_state: dict[str, np.ndarray | int] | None = None
    # the data set the run trains on (the same read-only object the document holds): a view
    # fed a snapshot of another data set (made before an import reached the worker) skips it
    dataset: "Dataset | None" = None
    # dE/dw over the whole training set (flat, like params) at these weights, from the
    # backward pass the snapshot runs anyway (training sets up to GRADIENT_LIMIT patterns):
    # the views' gradient overlays read it instead of running their own backward pass
    gradient: np.ndarray | None = None
    # cost so far (Trainer.passes / .seconds): forward + backward passes over a batch, time
    passes: int = 0
    seconds: float = 0.0


def grid_points(resolution: int, domain: tuple[float, float]) -> np.ndarray:
    """Points of a resolution x resolution grid, row-major with row index = y."""
    xs = np.linspace(domain[0], domain[1], resolution)
    gx, gy = np.meshgrid(xs, xs)
    return np.c_[gx.ravel(), gy.ravel()]


def grid_activations(trainer: "Trainer", resolution: int, domain: tuple[float, float]) -> dict[str, np.ndarray]:
    """Every unit's output over the plane, from one vectorised forward pass.

    The pass runs in float32 (weights, biases and points): the maps are drawn as 256-colour
    images, and single precision makes the pass several times cheaper than float64 (it runs
    in every frame the worker publishes, about 60 a second while training)."""
    net = trainer.network
    pts = trainer.inputs(grid_points(resolution, domain)).astype(np.float32)
    weights = [[w.astype(np.float32) for w in ws] for ws in net.weights]
    biases = [b.astype(np.float32) for b in net.biases]
    fp = net.forward(pts, weights, biases)
    out: dict[str, np.ndarray] = {}
    for name, a in fp.activations.items():
        img = np.ascontiguousarray(a.T.reshape(a.shape[1], resolution, resolution), dtype=np.float32)
        img.flags.writeable = False
        out[name] = img
    return out


def make_snapshot(trainer: "Trainer", grid_resolution: int | None, domain: tuple[float, float]) -> Snapshot:
    net = trainer.network
    n = len(trainer.x_train)
    pattern_acts = pattern_deltas = gradient = None
    if n <= GRADIENT_LIMIT:
        # one forward and one backward pass over the training set serve the metrics, the
        # pattern table, the blame views and the gradient overlay
        fp = net.forward(trainer.x_train)
        m = trainer.evaluate(train_out=fp.output)
        bp = net.backward(fp, trainer.y_train)
        gradient = frozen(bp.gradient)
        if n <= PATTERN_LIMIT:
            pattern_acts = {k: frozen(v) for k, v in fp.activations.items()}
            pattern_deltas = {k: frozen(v) for k, v in bp.deltas.items()}
    else:
        m = trainer.evaluate()
    grids = None
    if grid_resolution and trainer.data.planar:
        grids = grid_activations(trainer, grid_resolution, domain)
    params = frozen(net.params)
    weights = tuple(
        tuple(frozen(params[s].reshape(f, lo.units)) for s, f in zip(lo.weight_slices, lo.fan_ins)) for lo in net.layouts
    )
    biases = tuple(frozen(params[lo.bias_slice]) for lo in net.layouts)
    return Snapshot(
        epoch=trainer.epoch,
        params=params,
        weights=weights,
        biases=biases,
        history=frozen(trainer.history.array()),
        train_loss=m.train_loss,
        test_loss=m.test_loss,
        train_acc=m.train_acc,
        test_acc=m.test_acc,
        diverged=None if trainer.diverged is None else trainer.diverged.message(),
        grids=grids,
        grid_domain=domain,
        spec=trainer.spec,
        pattern_activations=pattern_acts,
        pattern_deltas=pattern_deltas,
        optimizer_state=optimizer_state(trainer),
        dataset=trainer.data,
        gradient=gradient,
        passes=trainer.passes,
        seconds=trainer.seconds,
    )


def optimizer_state(trainer: "Trainer") -> dict[str, np.ndarray | int]:
    state = trainer.optimizer.state
    return {"velocity": frozen(state.velocity), "m": frozen(state.m), "v": frozen(state.v), "t": int(state.t)}
