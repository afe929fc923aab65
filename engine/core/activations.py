"""Activation functions and their derivatives.

Each derivative is computed from whichever of z (pre-activation) or a (output) is cheaper,
so the backward pass never re-evaluates an exponential the forward pass already paid for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[Array], Array]
    # derivative(z, a) -> da/dz, elementwise
    derivative: Callable[[Array, Array], Array]
    # range of outputs, used to map class labels to targets (e.g. -1/1 for tanh)
    low: float
    high: float
    label: str


def _sigmoid(z: Array) -> Array:
    # exp of a non-positive number never overflows; this form is exact on both tails.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(z: Array) -> Array:
    return np.logaddexp(0.0, z)


def _softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


LEAKY_SLOPE = 0.01

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), 0.0, 1.0, "Logistic sigmoid"),
        Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, -1.0, 1.0, "Tanh"),
        Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype), 0.0, 1.0, "ReLU"),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
            0.0,
            1.0,
            "Leaky ReLU",
        ),
        Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), 0.0, 1.0, "Linear"),
        Activation("softplus", _softplus, lambda z, a: _sigmoid(z), 0.0, 1.0, "Softplus"),
        # softmax couples units; its Jacobian is only used fused with cross-entropy (see losses)
        Activation("softmax", _softmax, lambda z, a: a * (1.0 - a), 0.0, 1.0, "Softmax"),
    )
}

HIDDEN_ACTIVATIONS = tuple(n for n in ACTIVATIONS if n != "softmax")


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
