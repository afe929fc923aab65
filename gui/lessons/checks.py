"""Named task checks: does the learner's window show that the lesson's task is done?

A lesson file names a check and gives its parameters ({"check": "accuracy_at_least",
"value": 0.95}); this registry says which parameters each check takes and which values it
reports (for the {fields} of the lesson's "done" sentence). A check only READS an
`Observation`: plain values the window gathered from the latest snapshot and the document
(gui/lessons/observe.py). No Qt and no engine maths here, so checks are cheap enough to run
on every frame and easy to test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from engine.explain.stepthrough import unit_name

from ..numbering import pattern_number

if TYPE_CHECKING:
    from engine.core.spec import NetworkSpec
    from engine.training.snapshot import Snapshot
    from engine.training.trainer import TrainSettings


class CheckError(ValueError):
    """A check name or parameter a lesson file cannot use (one line)."""


@dataclass(frozen=True)
class StepState:
    """The step-through panel as the learner left it (values it already computed)."""

    active: bool
    phase_kind: str | None  # input, forward, error, backward, update
    phase_layer: str | None
    deltas: Mapping[str, np.ndarray]  # layer -> dE/dz of the followed pattern, revealed so far
    selected: tuple[str, int] | None  # the unit the learner clicked
    pattern: int | None


@dataclass(frozen=True)
class RaceState:
    """The backprop-vs-perturbation race as shown (a rule is missing until it has trained a step)."""

    weights: int  # parameters of the raced network
    passes_per_step: Mapping[str, float]  # rule -> forward/backward passes per training step
    steps: Mapping[str, int]  # rule -> training steps done


@dataclass(frozen=True)
class Observation:
    spec: "NetworkSpec"
    settings: "TrainSettings"
    snapshot: "Snapshot | None"  # latest; may describe an older spec for a frame or two
    epochs_with_spec: int = 0  # epochs trained since the network last changed shape
    passes_with_spec: int = 0  # forward + backward passes over a batch in those epochs
    step: StepState | None = None
    race: RaceState | None = None

    @property
    def current(self) -> "Snapshot | None":
        """The latest snapshot if it is of the document's network, else None."""
        snap = self.snapshot
        return snap if snap is not None and snap.spec == self.spec else None


@dataclass(frozen=True)
class Result:
    done: bool
    status: str = ""  # what the learner has done so far / what is missing (plain words)
    values: Mapping[str, Any] = field(default_factory=dict)  # fills the done sentence


@dataclass(frozen=True)
class Param:
    kind: type | tuple[type, ...]
    default: Any = None  # None = required
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckDef:
    name: str
    run: Callable[[Observation, Mapping[str, Any]], Result]
    params: Mapping[str, Param]
    values: tuple[str, ...]  # names the done sentence may use
    doc: str


CHECKS: dict[str, CheckDef] = {}


def check(name: str, values: tuple[str, ...] = (), **params: Param):
    def register(fn: Callable[[Observation, Mapping[str, Any]], Result]):
        CHECKS[name] = CheckDef(name, fn, params, values, (fn.__doc__ or "").strip())
        return fn

    return register


def validate_check(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The full parameter set (defaults filled in) or CheckError naming what is wrong."""
    if name not in CHECKS:
        raise CheckError(f"unknown check {name!r}; choose one of {', '.join(CHECKS)}")
    d = CHECKS[name]
    unknown = [str(k) for k in params if k not in d.params]
    if unknown:
        allowed = ", ".join(d.params) or "none"
        raise CheckError(f"the check {name} takes no parameter {', '.join(unknown)} (it takes: {allowed})")
    out: dict[str, Any] = {}
    for key, p in d.params.items():
        if key not in params:
            if p.default is None:
                raise CheckError(f"the check {name} needs the parameter {key!r}")
            out[key] = p.default
            continue
        v = params[key]
        ok = isinstance(v, p.kind) and not isinstance(v, bool) if p.kind is not bool else isinstance(v, bool)
        if not ok:
            raise CheckError(f"the check {name}: {key!r} must be {_kind_name(p.kind)}, not {v!r}")
        if p.choices and v not in p.choices:
            raise CheckError(f"the check {name}: {key!r} must be one of {', '.join(p.choices)}, not {v!r}")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if v != v or (p.low is not None and v < p.low) or (p.high is not None and v > p.high):
                raise CheckError(f"the check {name}: {key!r} must be between {p.low:g} and {p.high:g}, not {v!r}")
        out[key] = v
    return out


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if set(kinds) == {int, float}:
        return "a number"
    names = {int: "a whole number", float: "a number", str: "a text", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def run_check(name: str, obs: Observation, params: Mapping[str, Any]) -> Result:
    return CHECKS[name].run(obs, params)


def format_done(text: str, values: Mapping[str, Any]) -> str:
    """The lesson's done sentence with the check's values filled in (fields checked at load)."""
    shown = {k: _show(v) for k, v in values.items()}
    try:
        return text.format_map(shown)
    except (KeyError, ValueError, IndexError):  # a field the check did not report this time
        return text


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def pct(x: float) -> str:
    return "–" if x != x else f"{x:.0%}"


# ----- helpers ------------------------------------------------------------------------------
def layer_learns(spec: "NetworkSpec", index: int) -> bool:
    """Frozen layers (LayerSpec.learns, the perturbation/frozen-layer work) keep their weights."""
    return bool(getattr(spec.layers[index], "learns", True))


def patterns_right(snap: "Snapshot") -> tuple[int, int] | None:
    """(right, total) on the training set, from the snapshot's accuracy."""
    acts = snap.pattern_activations
    if not acts or snap.spec is None:
        return None
    n = len(next(iter(acts.values())))
    return int(round(snap.train_acc * n)), n


# ----- the checks -----------------------------------------------------------------------------
NUMBER = (int, float)


@check("accuracy_at_least", values=("accuracy", "epoch", "hidden_layers"),
       value=Param(NUMBER, low=0.0, high=1.0), on=Param(str, "train", choices=("train", "test")),
       hidden_layers=Param(int, 0, low=0, high=64))
def accuracy_at_least(obs: Observation, p: Mapping[str, Any]) -> Result:
    """Accuracy on the training (or test) set reaches `value`, with at least `hidden_layers` hidden layers."""
    snap = obs.current
    if len(obs.spec.hidden) < p["hidden_layers"]:
        return Result(False, f"The network needs at least {p['hidden_layers']} hidden layer(s).")
    if snap is None:
        return Result(False, "Waiting for the network to be drawn…")
    acc = snap.train_acc if p["on"] == "train" else snap.test_acc
    values = {"accuracy": pct(acc), "epoch": snap.epoch, "hidden_layers": len(obs.spec.hidden)}
    if acc >= p["value"]:
        return Result(True, f"{p['on'].capitalize()} accuracy {pct(acc)} at epoch {snap.epoch:,}.", values)
    return Result(False, f"{p['on'].capitalize()} accuracy now {pct(acc)} (goal: {pct(p['value'])}).", values)


@check("loss_at_most", values=("loss", "epoch"), value=Param(NUMBER, low=0.0, high=1e9))
def loss_at_most(obs: Observation, p: Mapping[str, Any]) -> Result:
    """Training loss falls to `value` or below."""
    snap = obs.current
    if snap is None:
        return Result(False, "Waiting for the network to be drawn…")
    values = {"loss": snap.train_loss, "epoch": snap.epoch}
    if snap.train_loss <= p["value"]:
        return Result(True, f"Loss {snap.train_loss:.3g} at epoch {snap.epoch:,}.", values)
    return Result(False, f"Loss now {snap.train_loss:.3g} (goal: at most {p['value']:g}).", values)


@check("hidden_layer_removed_and_trained", values=("accuracy", "epochs", "right", "total"),
       epochs=Param(int, 300, low=1, high=10_000_000))
def hidden_layer_removed_and_trained(obs: Observation, p: Mapping[str, Any]) -> Result:
    """No hidden layer left, and the network trained `epochs` epochs since it became so."""
    if obs.spec.hidden:
        n = len(obs.spec.hidden)
        return Result(False, f"The network still has {n} hidden layer{'s' if n > 1 else ''}. Remove {'them' if n > 1 else 'it'} in the editor.")
    return _trained_so(obs, p["epochs"], "without a hidden layer", "No hidden layer now.")


def _trained_so(obs: Observation, epochs: int, how: str, so_far: str) -> Result:
    """Done once the network, as it is now, has trained `epochs` epochs; says how far it is."""
    snap = obs.current
    if snap is None:
        return Result(False, "Waiting for the network to be drawn…")
    trained = obs.epochs_with_spec
    right = patterns_right(snap)
    values = {"accuracy": pct(snap.train_acc), "epochs": trained,
              "right": right[0] if right else "?", "total": right[1] if right else "?"}
    if trained >= epochs:
        return Result(True, f"{trained:,} epochs {how}: accuracy {pct(snap.train_acc)}.", values)
    return Result(False, f"{so_far} Trained {trained:,} of {epochs:,} epochs: press Play.", values)


@check("frozen_hidden_layer_trained", values=("accuracy", "epochs", "right", "total"),
       epochs=Param(int, 500, low=1, high=10_000_000))
def frozen_hidden_layer_trained(obs: Observation, p: Mapping[str, Any]) -> Result:
    """Every hidden layer is frozen (does not learn) and the network trained `epochs` epochs so."""
    spec = obs.spec
    if not spec.hidden:
        return Result(False, "This task needs a hidden layer whose weights stay fixed.")
    learning = [l.name for i, l in enumerate(spec.hidden) if layer_learns(spec, i)]
    if learning:
        return Result(False, f"Hidden layer {', '.join(learning)} still learns; switch its learning off.")
    return _trained_so(obs, p["epochs"], "with a fixed hidden layer", "Hidden layer fixed.")


@check("stepped_backward_pass", values=("layer",))
def stepped_backward_pass(obs: Observation, p: Mapping[str, Any]) -> Result:
    """The step-through has reached the backward pass into a hidden layer."""
    st = obs.step
    if st is None or not st.active:
        return Result(False, "Turn on “Step through” in the Backward pass panel.")
    hidden = [l.name for l in obs.spec.hidden]
    reached = [name for name in hidden if name in st.deltas]
    if not reached:
        return Result(False, "Press Next ▶ until the error flows back into the hidden layer.")
    return Result(True, f"The error signal reached {reached[-1]}.", {"layer": reached[-1]})


@check("found_largest_blame_unit", values=("unit", "blame", "layer", "pattern"))
def found_largest_blame_unit(obs: Observation, p: Mapping[str, Any]) -> Result:
    """In the backward pass, the learner selected the hidden unit with the largest |error signal|."""
    first = stepped_backward_pass(obs, p)
    if not first.done:
        return first
    st = obs.step
    hidden = [l.name for l in obs.spec.hidden if l.name in st.deltas]
    blame = [(abs(float(v)), name, i) for name in hidden for i, v in enumerate(np.asarray(st.deltas[name]).ravel())]
    top, top_layer, top_unit = max(blame)
    sel = st.selected
    if sel is None or sel[0] not in hidden:
        return Result(False, "Now click the hidden unit with the largest error signal δ (the biggest number).")
    mine = abs(float(np.asarray(st.deltas[sel[0]]).ravel()[sel[1]]))
    if mine < top:  # ties count: any unit with the largest blame is right
        return Result(False, f"{unit_name(*sel)} has |δ| = {mine:.3g}; another hidden unit has more blame.")
    # the pattern as the student reads it on screen (from 1, like the unit's h1[1]); st.pattern is the index
    values = {"unit": f"{unit_name(*sel)}", "blame": mine, "layer": sel[0],
              "pattern": None if st.pattern is None else pattern_number(st.pattern)}
    return Result(True, f"{unit_name(*sel)} has the largest blame: |δ| = {mine:.3g}.", values)


def _whole(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 1)


@check("perturbation_passes_at_least", values=("weights", "passes_per_step", "backprop_passes_per_step"),
       weights=Param(int, low=1, high=10_000_000), where=Param(str, "race", choices=("race", "window")))
def perturbation_passes_at_least(obs: Observation, p: Mapping[str, Any]) -> Result:
    """Weight perturbation has trained a network of at least `weights` parameters, in the race
    view (`where`: "race") or as the window's own learning rule ("window"); reports the passes
    one training step cost."""
    if p.get("where", "race") == "race":  # (a direct call may leave the default out)
        race = obs.race
        if race is None:
            return Result(False, "Open the race: Training menu › Race.")
        if race.weights < p["weights"]:
            return Result(False, f"The race network has {race.weights:,} weights; give it more hidden units "
                                 f"(goal: {p['weights']:,}).")
        if "perturbation" not in race.passes_per_step or "backprop" not in race.passes_per_step:
            return Result(False, f"{race.weights:,} weights now. Press “Start race”.")
        values = {"weights": race.weights, "passes_per_step": _whole(race.passes_per_step["perturbation"]),
                  "backprop_passes_per_step": _whole(race.passes_per_step["backprop"])}
        return Result(True, f"{race.weights:,} weights: {_show(values['passes_per_step'])} passes per perturbation step.", values)
    rule = getattr(obs.settings, "rule", "backprop")
    n = obs.spec.n_parameters()
    if rule != "perturbation":
        return Result(False, "Choose “Weight perturbation” as the learning rule in the Training panel.")
    if n < p["weights"]:
        return Result(False, f"The network has {n:,} weights; add units to a hidden layer (goal: {p['weights']:,}).")
    snap = obs.current
    if snap is None or obs.epochs_with_spec < 1 or obs.passes_with_spec < 1:
        return Result(False, f"{n:,} weights now. Press Step (→) to train one step.")
    per = obs.passes_with_spec / obs.epochs_with_spec  # one epoch is one step with full-batch training
    batched = obs.settings.batch_size is not None
    values = {"weights": n, "passes_per_step": _whole(per), "backprop_passes_per_step": "2 per batch" if batched else 2}
    return Result(True, f"{n:,} weights: {per:,.0f} passes per {'epoch' if batched else 'step'}.", values)


@check("hidden_code_found", values=("codes", "layer", "patterns"),
       layer=Param(str, ""), accuracy=Param(NUMBER, 1.0, low=0.0, high=1.0))
def hidden_code_found(obs: Observation, p: Mapping[str, Any]) -> Result:
    """Training reached `accuracy` and the hidden layer gives every training pattern its own
    on/off code (each unit read as on above the middle of its range): a learned representation."""
    snap = obs.current
    if snap is None or not snap.pattern_activations:
        return Result(False, "Waiting for the network to be drawn…")
    hidden = [l for l in obs.spec.hidden]
    names = [l.name for l in hidden]
    if not names:
        return Result(False, "This task needs a hidden layer.")
    name = p["layer"] or names[0]
    if name not in names:
        return Result(False, f"The network has no hidden layer called {name}.")
    if snap.train_acc < p["accuracy"]:
        return Result(False, f"Train until every pattern is right (now {pct(snap.train_acc)}).")
    acts = np.asarray(snap.pattern_activations[name])
    act = hidden[names.index(name)].activation
    middle = 0.0 if act in ("tanh", "linear") else 0.5
    codes = ["".join("1" if v > middle else "0" for v in row) for row in acts]
    if len(set(codes)) < len(codes):
        return Result(False, "Some patterns still share a hidden code; keep training.")
    values = {"codes": ", ".join(codes), "layer": name, "patterns": len(codes)}
    return Result(True, f"{len(codes)} patterns, {len(codes)} different codes in {name}: {', '.join(codes)}.", values)
