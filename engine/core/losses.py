"""Loss functions. Each gives the loss and dE/dz at the output layer.

dE/dz is fused with the output activation where that is both simpler and more exact
(sigmoid + binary cross-entropy, softmax + cross-entropy: delta = a - y).
"""
from __future__ import annotations

import numpy as np

from engine.core.activations import Activation

Array = np.ndarray
_EPS = 1e-12

LOSSES = ("squared", "bce", "softmax_ce")
REDUCTIONS = ("mean", "sum")
LOSS_LABELS = {
    "squared": "Squared error (½Σ(y−d)²)",
    "bce": "Binary cross-entropy",
    "softmax_ce": "Softmax cross-entropy",
}


def check_loss(loss: str, output_activation: str, reduction: str) -> None:
    """Raise ValueError when a loss cannot be used with an output activation."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; choose mean or sum")
    if loss == "bce" and output_activation != "sigmoid":
        raise ValueError("binary cross-entropy needs a sigmoid output layer")
    if loss == "softmax_ce" and output_activation != "softmax":
        raise ValueError("softmax cross-entropy needs a softmax output layer")
    if output_activation == "softmax" and loss != "softmax_ce":
        raise ValueError("a softmax output layer needs the softmax cross-entropy loss")


def per_pattern_loss(loss: str, a: Array, y: Array) -> Array:
    """Loss of each pattern (row), summed over output units."""
    if loss == "squared":
        d = a - y
        return 0.5 * np.einsum("ij,ij->i", d, d)
    if loss == "bce":
        p = np.clip(a, _EPS, 1.0 - _EPS)
        return -(y * np.log(p) + (1.0 - y) * np.log1p(-p)).sum(axis=1)
    if loss == "softmax_ce":
        return -(y * np.log(np.clip(a, _EPS, None))).sum(axis=1)
    raise ValueError(f"unknown loss {loss!r}")


def loss_value(loss: str, reduction: str, a: Array, y: Array) -> float:
    total = float(per_pattern_loss(loss, a, y).sum())
    return total / len(a) if reduction == "mean" and len(a) else total


def output_delta(loss: str, reduction: str, act: Activation, z: Array, a: Array, y: Array) -> Array:
    """dE/dz for the output layer, already scaled by the reduction."""
    if loss in ("bce", "softmax_ce"):
        delta = a - y
    else:
        delta = (a - y) * act.derivative(z, a)
    if reduction == "mean":
        delta /= len(a)
    return delta


NEEDED_OUTPUT = {"bce": "sigmoid", "softmax_ce": "softmax"}  # losses that fix the output activation


def output_for_loss(loss: str, old_loss: str, output_activation: str) -> str:
    """The output activation to use after switching from `old_loss` to `loss`: the one a
    loss needs (cross-entropy: sigmoid), or tanh when leaving such a loss for squared error."""
    if loss in NEEDED_OUTPUT:
        return NEEDED_OUTPUT[loss]
    if NEEDED_OUTPUT.get(old_loss) == output_activation:
        return "tanh"
    return output_activation
