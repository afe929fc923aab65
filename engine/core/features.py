"""Input features computed from a 2-D point, as in the browser playground."""
from __future__ import annotations

from typing import Callable

import numpy as np

FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x": ("x₁", lambda x, y: x),
    "y": ("x₂", lambda x, y: y),
    "x2": ("x₁²", lambda x, y: x * x),
    "y2": ("x₂²", lambda x, y: y * y),
    "xy": ("x₁x₂", lambda x, y: x * y),
    "sinx": ("sin(x₁)", lambda x, y: np.sin(x)),
    "siny": ("sin(x₂)", lambda x, y: np.sin(y)),
}
FEATURE_ALIASES = {"x^2": "x2", "y^2": "y2", "x*y": "xy", "sin(x)": "sinx", "sin(y)": "siny", "sin x": "sinx", "sin y": "siny"}


def normalise_feature(name: str) -> str:
    key = FEATURE_ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in FEATURES:
        raise ValueError(f"unknown input feature {name!r}; choose from {', '.join(FEATURES)}")
    return key


def feature_label(name: str) -> str:
    return FEATURES[name][0]


def transform(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """Map (n, 2) points to (n, len(features)) network inputs."""
    x, y = points[:, 0], points[:, 1]
    out = np.empty((len(points), len(features)), dtype=np.float64)
    for i, f in enumerate(features):
        out[:, i] = FEATURES[f][1](x, y)
    return out
