"""Datasets, generated deterministically from a seed.

2-D ("planar") sets live on the plane [-6, 6]² like the browser playground's; their raw
inputs are points, and the network sees features computed from them (features.py).
Targets are stored in a canonical 0/1 form (one-hot for several classes) and mapped to the
output activation's range only when training (`targets_for`).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.data.sources import DataSource

Array = np.ndarray
TASKS = ("binary", "multiclass", "vector", "regression")
DOMAIN = (-6.0, 6.0)


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: Array
    y_train: Array  # (n, k) canonical targets
    x_test: Array
    y_test: Array
    task: str
    planar: bool = False
    class_names: tuple[str, ...] = ()
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    # input groups (name, size) for networks with several input groups (family trees)
    input_groups: tuple[tuple[str, int], ...] = ()
    source: DataSource | None = None  # how to get it again (engine/data/sources.py), None: no recipe

    def __post_init__(self) -> None:
        """The arrays are shared by the document, the views and the worker: read-only views
        (no copy), so no part can change another's data."""
        for name in ("x_train", "y_train", "x_test", "y_test"):
            a = np.asarray(getattr(self, name))
            if a.flags.writeable:
                a = a.view()
                a.flags.writeable = False
            object.__setattr__(self, name, a)

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_outputs(self) -> int:
        return self.y_train.shape[1]

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"


def targets_for(y: Array, task: str, low: float, high: float) -> Array:
    """Map canonical 0/1 targets onto an activation's range (e.g. -1/1 for tanh)."""
    if task == "regression" or (low == 0.0 and high == 1.0):
        return y
    return low + (high - low) * y


def accuracy(output: Array, y: Array, task: str, low: float, high: float) -> float:
    """Fraction of patterns classified right; NaN for regression."""
    return float(accuracies(output[None], y, task, low, high)[0])


def accuracies(outputs: Array, y: Array, task: str, low: float, high: float) -> Array:
    """`accuracy` of several passes over the same patterns at once: outputs (passes, n, k)."""
    if task == "regression" or len(y) == 0:
        return np.full(len(outputs), np.nan)
    if task == "multiclass" and y.shape[1] > 1:
        return np.count_nonzero(outputs.argmax(axis=2) == y.argmax(axis=1), axis=1) / len(y)
    mid = 0.5 * (low + high)
    right = (outputs > mid) == (y > 0.5)  # per output: on the target's side of the middle
    right = right.all(axis=2) if right.shape[2] > 1 else right[..., 0]
    return np.count_nonzero(right, axis=1) / len(y)  # (a count: several times faster than a mean here)


def _split(name: str, x: Array, y: Array, task: str, rng: np.random.Generator, test_ratio: float, **kw) -> Dataset:
    if not 0.0 <= test_ratio < 1.0:
        raise ValueError(f"test ratio must be in [0, 1), not {test_ratio}")
    order = rng.permutation(len(x))
    n_test = int(round(len(x) * test_ratio))
    if len(x) - n_test < 1:
        raise ValueError("no training points left after the train/test split")
    te, tr = order[:n_test], order[n_test:]
    return Dataset(name, x[tr], y[tr], x[te], y[te], task, **kw)


# ----- 2-D sets ------------------------------------------------------------------------
def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    pts = rng.uniform(-5, 5, (n, 2))
    pts += np.where(pts > 0, 0.3, -0.3)  # keep points off the axes, as the playground does
    label = (pts[:, 0] * pts[:, 1] > 0).astype(float)
    pts += rng.uniform(-5, 5, (n, 2)) * noise
    return pts, label


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    half = n // 2
    r = np.concatenate([rng.uniform(0, 2.5, half), rng.uniform(3.5, 5.0, n - half)])
    ang = rng.uniform(0, 2 * np.pi, n)
    pts = np.c_[r * np.sin(ang), r * np.cos(ang)]
    pts += rng.uniform(-5, 5, (n, 2)) * noise
    label = (np.hypot(pts[:, 0], pts[:, 1]) < 5 * 0.5).astype(float)
    return pts, label


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    half = n // 2
    sd = 0.5 + 3.5 * noise
    a = rng.normal((2, 2), sd, (half, 2))
    b = rng.normal((-2, -2), sd, (n - half, 2))
    return np.r_[a, b], np.r_[np.ones(half), np.zeros(n - half)]


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    half = n // 2
    out, lab = [], []
    for k, delta in ((half, 0.0), (n - half, np.pi)):
        i = np.arange(k)
        r = i / k * 5
        t = 1.75 * i / k * 2 * np.pi + delta
        pts = np.c_[r * np.sin(t), r * np.cos(t)] + rng.uniform(-1, 1, (k, 2)) * noise * 5
        out.append(pts)
        lab.append(np.full(k, 1.0 if delta == 0 else 0.0))
    return np.r_[out[0], out[1]], np.r_[lab[0], lab[1]]


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    half = n // 2
    t1 = rng.uniform(0, np.pi, half)
    t2 = rng.uniform(0, np.pi, n - half)
    a = np.c_[np.cos(t1), np.sin(t1)]
    b = np.c_[1 - np.cos(t2), 0.5 - np.sin(t2)]
    pts = (np.r_[a, b] - (0.5, 0.25)) * 3.2
    pts += rng.normal(0, 0.1 + 2.0 * noise, (n, 2))
    return pts, np.r_[np.ones(half), np.zeros(n - half)]


def _checkerboard(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    pts = rng.uniform(-5, 5, (n, 2))
    label = ((np.floor(pts[:, 0] / 2.5) + np.floor(pts[:, 1] / 2.5)) % 2 == 0).astype(float)
    pts += rng.normal(0, 2.5 * noise + 1e-12, (n, 2)) * (noise > 0)
    return pts, label


def _regression(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    pts = rng.uniform(-5, 5, (n, 2))
    value = np.exp(-((pts[:, 0] - 2) ** 2 + (pts[:, 1] - 2) ** 2) / 8) - np.exp(
        -((pts[:, 0] + 2) ** 2 + (pts[:, 1] + 2) ** 2) / 8
    )
    value += rng.normal(0, noise + 1e-12, n) * (noise > 0)
    return pts, value


PLANAR = {
    "xor": _xor,
    "circle": _circle,
    "gauss": _gauss,
    "spiral": _spiral,
    "moons": _moons,
    "checkerboard": _checkerboard,
    "regression": _regression,
}
PLANAR_LABELS = {
    "xor": "XOR (quadrants)",
    "circle": "Circle",
    "gauss": "Two Gaussians",
    "spiral": "Spiral",
    "moons": "Moons",
    "checkerboard": "Checkerboard",
    "regression": "Regression (two bumps)",
}


def planar(name: str, n_points: int = 500, noise: float = 0.0, test_ratio: float = 0.5, seed: int = 0) -> Dataset:
    if name not in PLANAR:
        raise ValueError(f"unknown 2-D dataset {name!r}; choose one of {', '.join(PLANAR)}")
    if not 2 <= n_points <= 1_000_000:
        raise ValueError(f"number of points must be in 2..1000000, not {n_points}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], not {noise}")
    rng = np.random.default_rng(seed)
    pts, value = PLANAR[name](rng, n_points, noise)
    task = "regression" if name == "regression" else "binary"
    from engine.data.sources import PlanarSource  # the recipe's fields are defined there, once

    source = PlanarSource(name, n_points, noise, test_ratio, seed)
    return _split(
        name,
        pts,
        value.reshape(-1, 1),
        task,
        rng,
        test_ratio,
        planar=True,
        class_names=() if task == "regression" else ("negative", "positive"),
        input_names=("x", "y"),
        source=source,
    )


# ----- the paper's boolean sets ------------------------------------------------------------
def _bits(n: int) -> Array:
    return np.array(list(product((0.0, 1.0), repeat=n)))


def _boolean(name: str, x: Array, y: Array, task: str = "binary", **kw) -> Dataset:
    empty_x, empty_y = x[:0], y[:0]
    from engine.data.sources import BooleanSource

    source = BooleanSource(name, kw.pop("args", {}).get("n"))
    return Dataset(name, x, y, empty_x, empty_y, task, source=source, **kw)


def xor_table() -> Dataset:
    x = _bits(2)
    return _boolean("xor-table", x, (x[:, 0] != x[:, 1]).astype(float).reshape(-1, 1), input_names=("a", "b"))


def parity(n: int = 4) -> Dataset:
    if not 1 <= n <= 16:
        raise ValueError("parity needs 1..16 bits")
    x = _bits(n)
    return _boolean(f"parity-{n}", x, (x.sum(axis=1) % 2).reshape(-1, 1), args={"n": n})


def symmetry(n: int = 6) -> Dataset:
    if not 2 <= n <= 16 or n % 2:
        raise ValueError("symmetry needs an even number of bits in 2..16")
    x = _bits(n)
    y = np.all(x == x[:, ::-1], axis=1).astype(float).reshape(-1, 1)
    return _boolean(f"symmetry-{n}", x, y, args={"n": n})


def encoder(n: int = 8) -> Dataset:
    if not 2 <= n <= 256:
        raise ValueError("the encoder needs 2..256 patterns")
    x = np.eye(n)
    return _boolean(f"encoder-{n}", x, x.copy(), task="vector", args={"n": n})


def negation() -> Dataset:
    """A flag bit plus 3 bits in; out: the 3 bits, inverted when the flag is on."""
    x = _bits(4)
    flag, bits = x[:, :1], x[:, 1:]
    y = np.where(flag > 0.5, 1.0 - bits, bits)
    return _boolean("negation", x, y, task="vector", input_names=("flag", "b1", "b2", "b3"))


BOOLEAN = {"xor-table": xor_table, "parity": parity, "symmetry": symmetry, "encoder": encoder, "negation": negation}


def from_source(source: DataSource | dict) -> Dataset:
    """Regenerate a dataset from its source, typed or its JSON form (see engine/data/sources.py)."""
    from engine.data.sources import dataset_from_source

    return dataset_from_source(source)
