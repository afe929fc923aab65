"""Activation functions f(z) and their derivatives f'(z): each written once, here.

Each derivative is computed from whichever of z (pre-activation) or a = f(z) is cheaper,
so the backward pass never re-evaluates an exponential the forward pass already paid for
(the 1986 paper's logistic unit: f'(z) = a (1 - a)).

Every function takes an optional `out`: an array of z's shape to write the result into.
The reference network (network.py) never passes it and gets a fresh array; the buffered
network (engine/fast/buffered.py) passes its reused buffers. Same operations either way,
so both get the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[..., Array]  # forward(z, out=None) -> a = f(z)
    derivative: Callable[..., Array]  # derivative(z, a, out=None) -> da/dz, elementwise
    # range of outputs, used to map class labels to targets (e.g. -1/1 for tanh)
    low: float
    high: float
    label: str
    # False when forward returns z itself (linear): then `out` is left untouched
    writes_out: bool = True


def _new(out: Array | None, like: Array) -> Array:
    return np.empty_like(like) if out is None else out


def _sigmoid(z: Array, out: Array | None = None) -> Array:
    """1 / (1 + e^-z), exact on both tails: exp of a non-positive number never overflows."""
    e = np.abs(z, out=out)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|z|)
    den = e + 1.0
    pos = np.divide(1.0, den)  # z >= 0: 1 / (1 + e^-z)
    np.divide(e, den, out=e)  # z < 0:  e^z / (1 + e^z), the same number without overflow
    np.copyto(e, pos, where=z >= 0)
    return e


def _sigmoid_d(z: Array, a: Array, out: Array | None = None) -> Array:
    d = np.subtract(1.0, a, out=out)
    return np.multiply(a, d, out=d)  # a (1 - a)


def _tanh(z: Array, out: Array | None = None) -> Array:
    return np.tanh(z, out=out)


def _tanh_d(z: Array, a: Array, out: Array | None = None) -> Array:
    d = np.multiply(a, a, out=out)
    return np.subtract(1.0, d, out=d)  # 1 - a²


def _relu(z: Array, out: Array | None = None) -> Array:
    return np.maximum(z, 0.0, out=out)


def _relu_d(z: Array, a: Array, out: Array | None = None) -> Array:
    d = _new(out, z)
    np.greater(z, 0.0, out=d)  # 1 where z > 0, else 0 (no derivative at 0: 0 is used)
    return d


LEAKY_SLOPE = 0.01


def _leaky_relu(z: Array, out: Array | None = None) -> Array:
    a = np.multiply(z, LEAKY_SLOPE, out=out)
    np.copyto(a, z, where=z > 0)
    return a


def _leaky_relu_d(z: Array, a: Array, out: Array | None = None) -> Array:
    d = _new(out, z)
    d.fill(LEAKY_SLOPE)
    np.copyto(d, 1.0, where=z > 0)
    return d


def _linear(z: Array, out: Array | None = None) -> Array:
    return z  # the output is z itself (see Activation.writes_out)


def _linear_d(z: Array, a: Array, out: Array | None = None) -> Array:
    d = _new(out, z)
    d.fill(1.0)
    return d


def _softplus(z: Array, out: Array | None = None) -> Array:
    return np.logaddexp(0.0, z, out=out)  # log(1 + e^z) without overflow


def _softplus_d(z: Array, a: Array, out: Array | None = None) -> Array:
    return _sigmoid(z, out)


def _softmax(z: Array, out: Array | None = None) -> Array:
    e = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)  # shifted: exp cannot overflow
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, _sigmoid_d, 0.0, 1.0, "Logistic sigmoid"),
        Activation("tanh", _tanh, _tanh_d, -1.0, 1.0, "Tanh"),
        Activation("relu", _relu, _relu_d, 0.0, 1.0, "ReLU"),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_d, 0.0, 1.0, "Leaky ReLU"),
        Activation("linear", _linear, _linear_d, 0.0, 1.0, "Linear", writes_out=False),
        Activation("softplus", _softplus, _softplus_d, 0.0, 1.0, "Softplus"),
        # softmax couples units; its Jacobian is only used fused with cross-entropy (see losses)
        Activation("softmax", _softmax, _sigmoid_d, 0.0, 1.0, "Softmax"),
    )
}

HIDDEN_ACTIVATIONS = tuple(n for n in ACTIVATIONS if n != "softmax")


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
