"""One training pattern through one full learning step, as a list of immutable phases.

The phases are computed once, up front, from a private copy of the network, so moving
forward and back through them always shows the same records and nothing live changes
until `apply` is called (by whoever owns the trainer: the worker thread). The numbers
are the engine's own: the forward pass, `Network.backward` and `Optimizer.step` on a
batch of one pattern, so what the user reads is exactly what training does.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

import numpy as np

from engine.core.activations import get_activation
from engine.core.losses import margin_mask
from engine.data.datasets import Dataset, targets_for
from engine.core.features import transform
from engine.core.network import Network
from engine.core.optimizers import Optimizer, OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.training.rules import learning_mask

if TYPE_CHECKING:
    from engine.training.snapshot import Snapshot
    from engine.training.trainer import Trainer

Array = np.ndarray
PHASE_KINDS = ("input", "forward", "error", "backward", "update")

DERIVATIVE_FORMULA = {
    "tanh": "1 − a²",
    "sigmoid": "a(1 − a)",
    "relu": "1 if z > 0 else 0",
    "leaky_relu": "1 if z > 0 else 0.01",
    "linear": "1",
    "softplus": "σ(z)",
    "softmax": "a(1 − a)",
}


class StaleStepThrough(ValueError):
    """The network changed since the step-through was computed; applying it would be wrong."""


def unit_name(layer: str, index: int) -> str:
    """How a unit is named to the student: 1-based, h1[1] is the first unit (indices stay 0-based)."""
    return f"{layer}[{index + 1}]"


def fmt(value: float) -> str:
    """How every number appears in explanations (tests look for exactly this text); plain words
    instead of "nan"/"inf" for a net that has blown up (a student should never read those)."""
    v = float(value)
    if v != v:
        return "not a number"
    if v == float("inf"):
        return "too large"
    if v == float("-inf"):
        return "too large (negative)"
    return f"{v:.5g}"


def _ro(a: Array) -> Array:
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


def pattern_arrays(spec: NetworkSpec, data: Dataset) -> tuple[Array, Array]:
    """Training inputs and targets exactly as `Trainer` feeds them to the network."""
    if data.planar and spec.features is not None:
        x = transform(data.x_train, spec.features)
    else:
        x = np.ascontiguousarray(data.x_train, dtype=np.float64)
    act = get_activation(spec.output_activation)
    return x, targets_for(data.y_train, data.task, act.low, act.high)


@dataclass(frozen=True)
class Phase:
    """What is known after one phase; values are cumulative so a view draws one record."""

    index: int
    kind: str  # one of PHASE_KINDS
    layer: str | None  # the node this phase computes (None for the update)
    title: str
    detail: str
    node_mode: str  # "activation" (forward phases) or "delta" (error, backward, update)
    activations: Mapping[str, Array]  # node -> (units,) revealed so far
    deltas: Mapping[str, Array]  # layer -> dE/dz (units,) revealed so far
    gradients: Mapping[str, tuple[Array, ...]]  # layer -> per source dE/dw (fan_in, units)
    bias_gradients: Mapping[str, Array]  # layer -> dE/db (units,)
    params: Array  # parameters in effect after this phase
    change: Array | None  # update phase only: new params - old params
    loss: float | None  # known from the error phase on

    def node_values(self) -> Mapping[str, Array]:
        """What the node colours show in this phase."""
        return self.activations if self.node_mode == "activation" else self.deltas


@dataclass(frozen=True)
class WeightChange:
    """The biggest single weight change of a step: which weight, and by how much."""

    layer: str
    source: str
    row: int  # unit of `source`, 0-based
    col: int  # unit of `layer`, 0-based
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    def text(self) -> str:
        return (f"largest Δw = {fmt(self.delta)} on {unit_name(self.source, self.row)} → {unit_name(self.layer, self.col)} "
                f"({fmt(self.before)} → {fmt(self.after)})")


@dataclass(frozen=True)
class ChainTerm:
    """One downstream unit that a hidden unit's blame is summed from."""

    layer: str
    unit: int
    weight: float
    delta: float

    @property
    def product(self) -> float:
        return self.weight * self.delta


@dataclass(frozen=True)
class ChainRule:
    """The chain-rule arithmetic for one unit's error signal, with the actual numbers."""

    layer: str
    unit: int
    activation: str
    is_output: bool
    z: float
    a: float
    target: float | None  # output units only
    fused: bool  # output with cross-entropy: dE/dz = a - t directly
    terms: tuple[ChainTerm, ...]  # hidden units only
    dE_da: float  # blame on the unit's output: sum of terms, or a - t
    derivative: float  # f'(z)
    delta: float  # dE/dz, equal to the engine's backward pass
    # output units under an error margin: why this output's error counts or is zero
    margin_note: str = ""

    def lines(self) -> list[str]:
        name = unit_name(self.layer, self.unit)
        out = [f"{name}  ({'output' if self.is_output else 'hidden'} unit, {self.activation})",
               f"z = {fmt(self.z)}    a = f(z) = {fmt(self.a)}"]
        if self.is_output and self.fused:
            out += [f"target t = {fmt(self.target)}",
                    "cross-entropy with this output: dE/dz = a − t",
                    f"δ = {fmt(self.a)} − {fmt(self.target)} = {fmt(self.delta)}"]
            return out
        if self.is_output and self.margin_note and self.dE_da == 0.0:
            out += [f"target t = {fmt(self.target)}", self.margin_note, "dE/da = 0"]
        elif self.is_output:
            out += [f"target t = {fmt(self.target)}"] + ([self.margin_note] if self.margin_note else [])
            out += [f"dE/da = a − t = {fmt(self.dE_da)}"]
        elif not self.terms:
            out += ["no later unit reads this one: dE/da = 0"]
        else:
            out.append("dE/da = Σ w × δ over the units it feeds:")
            out += [f"  {unit_name(t.layer, t.unit)}: w={fmt(t.weight)} × δ={fmt(t.delta)} → {fmt(t.product)}" for t in self.terms]
            out.append(f"dE/da = {fmt(self.dE_da)}")
        out += [f"f'(z) = {DERIVATIVE_FORMULA.get(self.activation, 'df/dz')} = {fmt(self.derivative)}",
                "δ = dE/da × f'(z)", f"  = {fmt(self.dE_da)} × {fmt(self.derivative)} = {fmt(self.delta)}"]
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def _optimizer_with_state(settings: OptimizerSettings, net: Network, state: Mapping | None) -> Optimizer:
    learns = learning_mask(net)  # frozen layers: no L1/L2 pull either (as in the trainer)
    opt = Optimizer(settings, net.size, net.weight_mask() if learns is None else net.weight_mask() * learns)
    if state:
        opt.load_state(state)
    return opt


def _without_frozen(net: Network, grad: Array) -> Array:
    """The gradient the update uses: zero in frozen layers, which keep their weights (blame
    still flows through them, so the backward phases show their full gradient)."""
    learns = learning_mask(net)
    if learns is not None:
        grad[learns == 0.0] = 0.0
    return grad


class StepThrough:
    """Phases of one pattern's learning step, and a cursor to walk them."""

    def __init__(
        self,
        spec: NetworkSpec,
        params: Array,
        x: Array,
        y: Array,
        pattern_index: int,
        settings: OptimizerSettings | None = None,
        optimizer_state: Mapping | None = None,
    ) -> None:
        if not 0 <= pattern_index < len(x):
            raise IndexError(f"pattern {pattern_index} is out of range (the training set has {len(x)})")
        self.spec = spec
        self.pattern_index = pattern_index
        self.settings = settings or OptimizerSettings()
        self.x = _ro(x[pattern_index : pattern_index + 1])
        self.y = _ro(y[pattern_index : pattern_index + 1])
        self.params_before = _ro(params)
        self.net = Network(spec, np.array(params, dtype=np.float64))
        self.forward = self.net.forward(self.x)
        self.backward = self.net.backward(self.forward, self.y)
        self.gradient = _ro(self.backward.gradient)
        opt = _optimizer_with_state(self.settings, self.net, optimizer_state)
        new = np.array(params, dtype=np.float64)
        opt.step(new, _without_frozen(self.net, self.backward.gradient.copy()))
        self.params_after = _ro(new)
        self.phases: tuple[Phase, ...] = self._build_phases()
        self.position = 0

    # ----- construction shortcuts --------------------------------------------------------
    @classmethod
    def from_trainer(cls, trainer: "Trainer", pattern_index: int) -> "StepThrough":
        """For the thread that owns the trainer (tests, scripts, the worker)."""
        state = trainer.optimizer.state.as_dict()
        return cls(trainer.spec, trainer.network.params, trainer.x_train, trainer.y_train, pattern_index,
                   trainer.settings.optimizer, state)

    @classmethod
    def from_snapshot(cls, snapshot: "Snapshot", data: Dataset, pattern_index: int,
                      settings: OptimizerSettings | None = None) -> "StepThrough":
        """For the GUI thread: everything comes from the immutable snapshot and the dataset."""
        x, y = pattern_arrays(snapshot.spec, data)
        return cls(snapshot.spec, snapshot.params, x, y, pattern_index, settings, snapshot.optimizer_state)

    # ----- phases ---------------------------------------------------------------------------
    def _build_phases(self) -> tuple[Phase, ...]:
        spec, net, fp, bp = self.spec, self.net, self.forward, self.backward
        acts: dict[str, Array] = {}
        deltas: dict[str, Array] = {}
        grads: dict[str, tuple[Array, ...]] = {}
        bgrads: dict[str, Array] = {}
        phases: list[Phase] = []
        before = self.params_before

        def add(kind: str, layer: str | None, title: str, detail: str, mode: str, params: Array = before,
                change: Array | None = None, loss: float | None = None) -> None:
            phases.append(Phase(len(phases), kind, layer, title, detail, mode, MappingProxyType(dict(acts)),
                                MappingProxyType(dict(deltas)), MappingProxyType(dict(grads)),
                                MappingProxyType(dict(bgrads)), params, change, loss))

        for g in spec.inputs:
            acts[g.name] = _ro(fp.activations[g.name][0])
        vals = ", ".join(fmt(v) for v in self.x[0][:8]) + (" …" if self.x.shape[1] > 8 else "")
        # the window names the pattern beside the title, counted from 1 (gui/numbering.py)
        add("input", spec.inputs[0].name, "Inputs", f"x = ({vals})", "activation")
        for i, layer in enumerate(spec.layers):
            acts[layer.name] = _ro(fp.activations[layer.name][0])
            src = " + ".join(f"{s}·W" for s in spec.sources_of(i))
            add("forward", layer.name, f"Forward: {layer.name}",
                f"z = {src} + b,  a = {layer.activation}(z)", "activation")
        out = spec.layers[-1].name
        loss = float(bp.loss)
        for i in range(len(spec.layers) - 1, -1, -1):
            name = spec.layers[i].name
            deltas[name] = _ro(bp.deltas[name][0])
            lo = net.layouts[i]
            grads[name] = tuple(_ro(bp.gradient[s].reshape(f, lo.units)) for s, f in zip(lo.weight_slices, lo.fan_ins))
            bgrads[name] = _ro(bp.gradient[lo.bias_slice])
            if name == out:
                t = ", ".join(fmt(v) for v in self.y[0][:8])
                edge = (f";  error margin {fmt(spec.margin)}: outputs beyond it count as right, with no error"
                        if spec.margin else "")
                add("error", name, "Output error",
                    f"target t = ({t}), loss E = {fmt(loss)};  δ = dE/dz at the output{edge}", "delta", loss=loss)
            else:
                add("backward", name, f"Backward: {name}",
                    "δ = (Σ w·δ of the units it feeds) × f'(z);  dE/dw = a_source × δ", "delta", loss=loss)
        s = self.settings
        rule = (f"w ← w − {fmt(s.lr)}·dE/dw" + (f" + {fmt(s.momentum)}·Δw(t−1)" if s.momentum else "")
                if s.name == "sgd" else f"Adam step, learning rate {fmt(s.lr)}")
        add("update", None, "Weight update", rule, "delta", params=self.params_after,
            change=_ro(self.params_after - before), loss=loss)
        return tuple(phases)

    # ----- cursor -------------------------------------------------------------------------
    @property
    def current(self) -> Phase:
        return self.phases[self.position]

    def go(self, index: int) -> Phase:
        self.position = max(0, min(len(self.phases) - 1, index))
        return self.current

    def next(self) -> Phase:
        return self.go(self.position + 1)

    def previous(self) -> Phase:
        return self.go(self.position - 1)

    @property
    def at_end(self) -> bool:
        return self.position == len(self.phases) - 1

    # ----- explanation --------------------------------------------------------------------
    def explain(self, layer: str, unit: int) -> ChainRule:
        """How `layer[unit]`'s delta came about, reproducing the engine's arithmetic."""
        spec, net, fp, bp = self.spec, self.net, self.forward, self.backward
        names = [l.name for l in spec.layers]
        if layer not in names:
            raise KeyError(f"{layer!r} is not a layer (input units have no error signal)")
        idx = names.index(layer)
        if not 0 <= unit < spec.layers[idx].units:
            raise IndexError(f"{layer} has no unit {unit}")
        act_name = spec.layers[idx].activation
        act = get_activation(act_name)
        z, a = fp.pre_activations[layer], fp.activations[layer]
        deriv = act.derivative(z, a)
        delta = float(bp.deltas[layer][0, unit])
        is_out = idx == len(names) - 1
        if is_out:
            fused = spec.loss in ("bce", "softmax_ce")
            target = float(self.y[0, unit])
            dE_da = float(a[0, unit] - target) / (len(self.x) if spec.reduction == "mean" else 1)
            note = ""
            if spec.margin:
                counts = margin_mask(a, self.y, spec.margin, (act.low, act.high))[0, unit]
                width = act.high - act.low
                on = target > act.low + 0.5 * width
                edge = act.high - spec.margin * width if on else act.low + spec.margin * width
                note = (f"error margin {fmt(spec.margin)}: the output should be "
                        f"{'above' if on else 'below'} {fmt(edge)}; "
                        + ("it is, so its error counts as zero" if not counts else "it is not, so its error counts"))
                dE_da *= float(counts)
            return ChainRule(layer, unit, act_name, True, float(z[0, unit]), float(a[0, unit]), target, fused, (),
                             dE_da, float(deriv[0, unit]), delta, note)
        # the same accumulation as Network.backward: consumers from the last layer down
        terms: list[ChainTerm] = []
        upstream: Array | None = None
        for c in range(len(names) - 1, idx, -1):
            lo = net.layouts[c]
            for s, w in zip(lo.sources, net.weights[c]):
                if s != layer:
                    continue
                back = bp.deltas[lo.name] @ w.T
                upstream = back if upstream is None else upstream + back
                terms += [ChainTerm(lo.name, j, float(w[unit, j]), float(bp.deltas[lo.name][0, j])) for j in range(lo.units)]
        dA = np.zeros_like(a) if upstream is None else upstream
        return ChainRule(layer, unit, act_name, False, float(z[0, unit]), float(a[0, unit]), None, False,
                         tuple(terms), float(dA[0, unit]), float(deriv[0, unit]), float((dA * deriv)[0, unit]))

    def largest_change(self) -> WeightChange | None:
        """The weight (not bias) this step changes most; None when nothing changes."""
        best: WeightChange | None = None
        for lo in self.net.layouts:
            for src, f, sl in zip(lo.sources, lo.fan_ins, lo.weight_slices):
                before = self.params_before[sl].reshape(f, lo.units)
                after = self.params_after[sl].reshape(f, lo.units)
                d = np.abs(after - before)
                if not d.size:
                    continue
                r, c = np.unravel_index(int(np.argmax(d)), d.shape)
                if d[r, c] > 0 and (best is None or d[r, c] > abs(best.delta)):
                    best = WeightChange(lo.name, src, int(r), int(c), float(before[r, c]), float(after[r, c]))
        return best

    # ----- applying -------------------------------------------------------------------------
    def apply(self, trainer: "Trainer") -> None:
        """Do this step on the live trainer (call from the thread that owns it).

        Runs the trainer's own optimiser on this pattern's gradient, so the result is
        exactly the update phase's parameters; refuses when the trainer has moved on.
        """
        if (trainer.spec != self.spec or len(trainer.x_train) <= self.pattern_index
                or not np.array_equal(trainer.network.params, self.params_before)):
            raise StaleStepThrough("the network changed since this step-through was computed; start it again")
        net = trainer.network
        x = trainer.x_train[self.pattern_index : self.pattern_index + 1]
        y = trainer.y_train[self.pattern_index : self.pattern_index + 1]
        if not (np.array_equal(x, self.x) and np.array_equal(y, self.y)):
            raise StaleStepThrough("the training data changed since this step-through was computed; start it again")
        bp = net.backward(net.forward(x), y)
        trainer.optimizer.step(net.params, _without_frozen(net, bp.gradient))
