"""Loss functions. Each gives the loss and dE/dz at the output layer.

dE/dz is fused with the output activation where that is both simpler and more exact
(sigmoid + binary cross-entropy, softmax + cross-entropy: delta = a - y).

The error margin (Rumelhart, Hinton & Williams 1986, figure-4 caption: "the error was
considered to be zero if output units that should be on had activities above 0.8 and
output units that should be off had activities below 0.2") is an option of the squared
error. With margin m and an output activation whose range is [low, high]:
- a target above the middle of the range is an *on* target; its error is zero when the
  output is above high - m * (high - low);
- a target below the middle is an *off* target; its error is zero when the output is below
  low + m * (high - low);
- everywhere else the error is the plain ½(y − d)², measured to the target itself.
So m = 0.2 with a logistic output is the paper's 0.8/0.2 rule, and with tanh (range
[-1, 1]) the same m gives 0.6/-0.6. A zero error gives a zero gradient. The error drops
to zero at the margin's edge (a logistic output with target 1 and m = 0.2: from ½·0.2² =
0.02 just below 0.8 to 0 above it), a kink the paper's rule has too. m = 0 leaves the
loss exactly as it is without a margin (the same code runs).
"""
from __future__ import annotations

import numpy as np

from engine.core.activations import Activation

Array = np.ndarray
_EPS = 1e-12

LOSSES = ("squared", "bce", "softmax_ce")
MARGIN_MAX = 0.5  # a margin of half the range or more would call every output right
MARGIN_ACTIVATIONS = ("sigmoid", "tanh")  # output activations with a bounded range
REDUCTIONS = ("mean", "sum")
LOSS_LABELS = {
    "squared": "Squared error (½Σ(y−d)²)",
    "bce": "Binary cross-entropy",
    "softmax_ce": "Softmax cross-entropy",
}


def check_loss(loss: str, output_activation: str, reduction: str, margin: float = 0.0) -> None:
    """Raise ValueError when a loss (and margin) cannot be used with an output activation."""
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
    check_margin(margin, loss, output_activation)


def check_margin(margin: float, loss: str, output_activation: str) -> None:
    """Raise ValueError for a margin outside [0, 0.5) or one the loss cannot use."""
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0.0 <= margin < MARGIN_MAX:
        raise ValueError(f"the error margin must be a number from 0 up to (not including) {MARGIN_MAX}, not {margin!r}")
    if margin and loss != "squared":
        raise ValueError("the error margin works with the squared error only")
    if margin and output_activation not in MARGIN_ACTIVATIONS:
        raise ValueError("the error margin needs an output layer with a bounded range (sigmoid or tanh)")


def margin_mask(a: Array, y: Array, margin: float, span: tuple[float, float]) -> Array:
    """1.0 where an output's error counts, 0.0 where it lies beyond the margin (see top)."""
    low, high = span
    width = high - low
    middle = low + 0.5 * width
    on_done = (y > middle) & (a > high - margin * width)
    off_done = (y < middle) & (a < low + margin * width)
    return (~(on_done | off_done)).astype(a.dtype)


def per_pattern_loss(
    loss: str, a: Array, y: Array, *, margin: float = 0.0, span: tuple[float, float] = (0.0, 1.0)
) -> Array:
    """Loss of each pattern (row), summed over output units.

    `span` is the output activation's (low, high) range; only the margin uses it.
    """
    if loss == "squared":
        d = _errors(a, y, margin, span)
        return 0.5 * np.einsum("ij,ij->i", d, d)
    if loss == "bce":
        p = np.clip(a, _EPS, 1.0 - _EPS)
        return -(y * np.log(p) + (1.0 - y) * np.log1p(-p)).sum(axis=1)
    if loss == "softmax_ce":
        return -(y * np.log(np.clip(a, _EPS, None))).sum(axis=1)
    raise ValueError(f"unknown loss {loss!r}")


def loss_value(
    loss: str, reduction: str, a: Array, y: Array, *, margin: float = 0.0, span: tuple[float, float] = (0.0, 1.0)
) -> float:
    """The loss of a batch: summed over patterns and outputs, divided by n for "mean"."""
    if loss == "squared":
        total = _half_sum_of_squares(_errors(a, y, margin, span))
    else:
        total = float(per_pattern_loss(loss, a, y, margin=margin, span=span).sum())
    return total / len(a) if reduction == "mean" and len(a) else total


def _errors(a: Array, y: Array, margin: float, span: tuple[float, float]) -> Array:
    """a - y of the squared error, zero where an output lies beyond the margin."""
    d = a - y
    if margin:
        d *= margin_mask(a, y, margin, span)
    return d


def _half_sum_of_squares(d: Array) -> float:
    return 0.5 * float(np.vdot(d, d))  # over the whole batch, as one dot product


def output_error(
    loss: str, reduction: str, act: Activation, z: Array, a: Array, y: Array, *, margin: float = 0.0,
    out: Array | None = None, scratch: Array | None = None,
) -> tuple[float, Array]:
    """The loss E of a batch and dE/dz of the output layer, already scaled by the reduction.

    The chain rule at the output: dE/dz = dE/da * f'(z), with dE/da = a - y for the squared
    error (zero beyond the margin). For cross-entropy after a sigmoid or softmax the two
    factors cancel to a - y. E is exactly what `loss_value` gives for the same outputs.
    `out` and `scratch` (arrays of a's shape) are worked in when given (the buffered network
    passes its buffers); otherwise new arrays are made. The same numbers either way.
    """
    delta = np.subtract(a, y, out=out)  # dE/da
    if loss == "squared":
        if margin:
            delta *= margin_mask(a, y, margin, (act.low, act.high))
        total = _half_sum_of_squares(delta)
        delta *= act.derivative(z, a) if scratch is None else act.derivative(z, a, scratch)  # f'(z)
    else:
        total = float(per_pattern_loss(loss, a, y).sum())
    if reduction == "mean" and len(a):
        delta /= len(a)
        total /= len(a)
    return total, delta


def output_delta(
    loss: str, reduction: str, act: Activation, z: Array, a: Array, y: Array, *, margin: float = 0.0
) -> Array:
    """dE/dz for the output layer, already scaled by the reduction (see output_error)."""
    return output_error(loss, reduction, act, z, a, y, margin=margin)[1]


NEEDED_OUTPUT = {"bce": "sigmoid", "softmax_ce": "softmax"}  # losses that fix the output activation


def output_for_loss(loss: str, old_loss: str, output_activation: str) -> str:
    """The output activation to use after switching from `old_loss` to `loss`: the one a
    loss needs (cross-entropy: sigmoid), or tanh when leaving such a loss for squared error."""
    if loss in NEEDED_OUTPUT:
        return NEEDED_OUTPUT[loss]
    if NEEDED_OUTPUT.get(old_loss) == output_activation:
        return "tanh"
    return output_activation
