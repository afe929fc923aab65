"""Backprop against the perturbation method (central finite differences).

The check is the proof that the backward pass is right; the forward-pass counts are the
1986 argument for backprop: one forward and one backward pass give every derivative,
while perturbing weights costs two forward passes *per weight*.

Each weight's step is divided by the largest input it multiplies (see `_input_scales`), so
features like x·y (up to 36 on the playground's plane) do not inflate the truncation error.

Relative error per parameter: |bp - fd| / max(|bp|, |fd|, floor). The floor keeps a
derivative that is zero up to rounding (e.g. a unit nothing depends on) from dividing by
zero; finite differences cannot resolve derivatives much below it anyway.

Frozen layers (`LayerSpec.learns` False, `skip_frozen=True`): their weights are not learned, so
they are not perturbed and their rows say "frozen"; the backward pass still runs through them,
and the learnable weights below them are checked as usual: that is the check that blame flows
through a frozen layer.

Precision: "float64" perturbs the very network that trains (its own forward pass), so the
timings compare like with like. "extended" recomputes the perturbed losses in
np.longdouble (80-bit on x86), through the same Network.forward given longdouble weights: rounding in the loss
difference drops by ~10^3, which is what lets a test demand 1e-6 on any architecture. The
backprop side is float64 in both. Where longdouble is just float64 the two agree.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from engine.core.activations import get_activation
from engine.core.losses import loss_value, per_pattern_loss
from engine.core.network import Network
from engine.training.rules import learning_mask

Array = np.ndarray
DEFAULT_STEP = 1e-5
DEFAULT_FLOOR = 1e-7
# longdouble losses round at ~1e-19: a step of 3e-6 balances the O(h²) truncation error of central
# differences (1.3e-6 relative at 1e-5 on a tanh output) against rounding on tiny slopes (1e-6 at 1e-6)
EXTENDED_STEP = 3e-6
PRECISIONS = ("float64", "extended")


@dataclass(frozen=True)
class ParameterCheck:
    """One weight matrix (one source of one layer) or one bias vector."""

    layer: str
    kind: str  # "weights" or "bias"
    source: str  # the source node for weights, "" for a bias
    backprop: Array  # (fan_in, units) or (units,)
    numeric: Array
    relative_error: Array
    frozen: bool = False  # in a frozen layer and not checked (not learned: nothing to check)

    @property
    def label(self) -> str:
        return f"{self.layer} bias" if self.kind == "bias" else f"{self.layer} weights from {self.source}"

    @property
    def max_relative_error(self) -> float:
        return float(self.relative_error.max()) if self.relative_error.size else 0.0


@dataclass(frozen=True)
class GradCheckResult:
    parameters: tuple[ParameterCheck, ...]
    backprop: Array  # flat gradient, same layout as Network.params
    numeric: Array  # flat; NaN where a parameter was not perturbed (see `checked`)
    checked: Array  # flat indices of the parameters compared
    loss: float
    n_patterns: int
    step: float
    floor: float
    precision: str
    backprop_forward_passes: int
    backprop_backward_passes: int
    numeric_forward_passes: int
    backprop_seconds: float
    numeric_seconds: float
    frozen_layers: tuple[str, ...] = ()  # skipped (not perturbed); empty unless skip_frozen
    below_frozen: tuple[str, ...] = ()  # learnable layers whose blame passes through a frozen one

    @property
    def n_parameters(self) -> int:
        return len(self.backprop)

    @property
    def relative_error(self) -> Array:
        """Flat, over the checked parameters only."""
        return relative_error(self.backprop[self.checked], self.numeric[self.checked], self.floor)

    @property
    def max_relative_error(self) -> float:
        r = self.relative_error
        return float(r.max()) if r.size else 0.0

    @property
    def worst(self) -> ParameterCheck | None:
        if not self.parameters:
            return None
        return max(self.parameters, key=lambda p: p.max_relative_error)

    def summary(self) -> str:
        """A few lines for a terminal or a tooltip."""
        worst = self.worst
        where = f" ({worst.label})" if worst is not None else ""
        partial = "" if len(self.checked) == self.n_parameters else f" ({len(self.checked)} of them perturbed)"
        ratio = self.numeric_seconds / self.backprop_seconds if self.backprop_seconds > 0 else float("inf")
        lines = [
            f"gradient check: {self.n_parameters} parameters{partial}, {self.n_patterns} patterns, "
            f"central differences with step {self.step:g} ({self.precision} perturbed losses, float64 backprop)",
            f"max relative error: {self.max_relative_error:.3g}{where}",
            f"backprop:     {self.backprop_forward_passes} forward + {self.backprop_backward_passes} backward pass, "
            f"{self.backprop_seconds * 1e3:.3f} ms",
            f"perturbation: {self.numeric_forward_passes} forward passes (2 per weight), "
            f"{self.numeric_seconds * 1e3:.3f} ms ({ratio:.0f}x the time of backprop)",
        ]
        if self.frozen_layers:
            lines.append(self.frozen_line())
        return "\n".join(lines)

    @property
    def n_frozen(self) -> int:
        """Parameters in frozen layers (not learned, not perturbed)."""
        return sum(p.backprop.size for p in self.parameters if p.frozen)

    @property
    def below_frozen_error(self) -> float | None:
        """The largest relative error of the learnable layers below the frozen ones (their
        gradients pass through them); None when there are none."""
        below = [p.max_relative_error for p in self.parameters if p.layer in self.below_frozen]
        return max(below) if below else None

    def frozen_line(self) -> str:
        """What was skipped, and how well blame through the frozen layers checked out."""
        head = f"frozen: {', '.join(self.frozen_layers)} ({self.n_frozen} parameters not learned, not perturbed)"
        worst = self.below_frozen_error
        if worst is None:
            return head + "; no learnable layer below them"
        return (f"{head}; blame through them checked on {', '.join(self.below_frozen)}: "
                f"max relative error {worst:.3g}")  # fmt: skip


def relative_error(a: Array, b: Array, floor: float = DEFAULT_FLOOR) -> Array:
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


def check_gradients(
    network: Network,
    x: Array,
    y: Array,
    step: float | None = None,
    floor: float = DEFAULT_FLOOR,
    max_parameters: int | None = None,
    seed: int = 0,
    precision: str = "float64",
    skip_frozen: bool = False,
) -> GradCheckResult:
    """Compare backprop's gradient of the data loss with central differences.

    Targets `y` must already be in the output activation's range. With `max_parameters`
    a deterministic random subset is perturbed (the rest are reported as not checked).
    The network's parameters are restored exactly afterwards. With `skip_frozen`, parameters of
    frozen layers are not perturbed and their rows are marked frozen (see the module's note).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose float64 or extended")
    if step is None:
        step = DEFAULT_STEP if precision == "float64" else EXTENDED_STEP
    if not step > 0:
        raise ValueError(f"the finite-difference step must be positive, not {step}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    network.backward(network.forward(x), y)  # warm-up (allocation, caches); not timed or counted
    t0 = time.perf_counter()
    fp = network.forward(x)
    bp = network.backward(fp, y)
    t_bp = time.perf_counter() - t0
    grad = bp.gradient.copy()

    n = network.size
    learns = learning_mask(network) if skip_frozen else None
    candidates = np.arange(n) if learns is None else np.flatnonzero(learns)
    if max_parameters is not None and len(candidates) > max_parameters:
        if learns is None:  # the same subset as before frozen layers were known
            checked = np.sort(np.random.default_rng(seed).choice(n, max_parameters, replace=False))
        else:
            checked = np.sort(np.random.default_rng(seed).choice(candidates, max_parameters, replace=False))
    else:
        checked = candidates
    numeric = np.full(n, np.nan)
    spec = network.spec
    t0 = time.perf_counter()
    if precision == "float64":
        params = network.params
        margin, span = spec.margin, _span(spec)

        def loss() -> float:
            return loss_value(spec.loss, spec.reduction, network.predict(x), y, margin=margin, span=span)

    else:
        ld = np.longdouble
        params = network.params.astype(ld)
        xl, yl = x.astype(ld), y.astype(ld)

        def loss() -> float:
            return _extended_loss(network, params, xl, yl)

    steps = (step / _input_scales(network, fp)).astype(params.dtype)
    for i in checked:
        original, h = params[i], steps[i]
        params[i] = original + h
        up = loss()
        params[i] = original - h
        down = loss()
        params[i] = original  # exactly restored: the same float is written back
        numeric[i] = float((up - down) / ((original + h) - (original - h)))
    t_fd = time.perf_counter() - t0

    parts: list[ParameterCheck] = []
    mask = np.zeros(n, dtype=bool)
    mask[checked] = True
    frozen = tuple(l.name for l in spec.layers if not l.learns) if learns is not None else ()
    for lo in network.layouts:
        pieces = [(s, "weights", src, (f, lo.units)) for s, src, f in zip(lo.weight_slices, lo.sources, lo.fan_ins)]
        pieces.append((lo.bias_slice, "bias", "", (lo.units,)))
        for sl, kind, src, shape in pieces:
            g, num = grad[sl], numeric[sl]
            rel = np.where(mask[sl], relative_error(g, np.nan_to_num(num), floor), 0.0)
            parts.append(ParameterCheck(lo.name, kind, src, g.reshape(shape), num.reshape(shape), rel.reshape(shape),
                                        frozen=lo.name in frozen))  # fmt: skip
    return GradCheckResult(
        parameters=tuple(parts),
        backprop=grad,
        numeric=numeric,
        checked=checked,
        loss=bp.loss,
        n_patterns=len(x),
        step=step,
        floor=floor,
        precision=precision,
        backprop_forward_passes=1,
        backprop_backward_passes=1,
        numeric_forward_passes=2 * len(checked),
        backprop_seconds=t_bp,
        numeric_seconds=t_fd,
        frozen_layers=frozen,
        below_frozen=layers_below(spec, frozen),
    )


def check_trainer(trainer, max_patterns: int | None = None, **kw) -> GradCheckResult:
    """Gradient check on a trainer's network and (the first `max_patterns` of) its training set."""
    x, y = trainer.x_train, trainer.y_train
    if max_patterns is not None:
        x, y = x[:max_patterns], y[:max_patterns]
    return check_gradients(trainer.network, x, y, **kw)


def layers_below(spec, names: tuple[str, ...]) -> tuple[str, ...]:
    """The learnable layers whose output reaches one of the layers `names` (following every
    connection back): the backward pass carries their blame through those layers."""
    index = {l.name: i for i, l in enumerate(spec.layers)}
    found: set[str] = set()
    todo = [index[n] for n in names if n in index]
    while todo:
        for source in spec.sources_of(todo.pop()):
            if source in index and source not in found:
                found.add(source)
                todo.append(index[source])
    return tuple(l.name for l in spec.layers if l.name in found and l.learns)


def _input_scales(network: Network, fp) -> Array:
    """Per parameter: the largest |input| its weight multiplies (at least 1; 1 for biases).

    A weight on an input of size 30 moves z 30 times as far as one on an input of size 1,
    and the truncation error of a central difference grows with the cube of that; dividing
    the step by it keeps every perturbation's effect on z (and the error) alike.
    """
    scales = np.ones(network.size)
    for lo in network.layouts:
        for src, sl, fan_in in zip(lo.sources, lo.weight_slices, lo.fan_ins):
            a = fp.activations[src]
            col = np.maximum(np.abs(a).max(axis=0), 1.0) if len(a) else np.ones(fan_in)
            scales[sl] = np.repeat(col, lo.units)
    return scales


def _span(spec) -> tuple[float, float]:
    """The output activation's range: the error margin is measured in it."""
    act = get_activation(spec.output_activation)
    return act.low, act.high


def _extended_loss(network: Network, params: Array, x: Array, y: Array):
    """The data loss recomputed in the dtype of `params`: the network's own forward pass,
    given weights and biases of that dtype (views into `params`).

    Cross-entropies are computed from the output's z (softplus(z) - y z; logsumexp(z) - y.z):
    the same functions, but without the cancellation in log(1 - p) when a unit saturates,
    which otherwise swamps the difference quotient (and without the engine's 1e-12 clip,
    which its delta a - y does not follow either).
    """
    spec = network.spec
    weights = [lo.weight_views(params) for lo in network.layouts]
    biases = [params[lo.bias_slice] for lo in network.layouts]
    fp = network.forward(x, weights, biases)
    z = fp.pre_activations[fp.output_name]
    if spec.loss == "bce":
        total = (np.logaddexp(0, z) - y * z).sum()
    elif spec.loss == "softmax_ce":
        top = z.max(axis=1, keepdims=True)
        lse = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))
        total = (lse[:, 0] * y.sum(axis=1)).sum() - (y * z).sum()
    else:
        total = per_pattern_loss(spec.loss, fp.output, y, margin=spec.margin, span=_span(spec)).sum()
    return total / len(x) if spec.reduction == "mean" and len(x) else total
