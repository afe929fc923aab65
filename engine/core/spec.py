"""The immutable description of a network: the only thing that describes topology.

A network is a layered directed acyclic graph. Nodes are *input groups* (slices of the
input vector) and *layers*; each layer takes input from one or more earlier nodes
(default: the node just before it). The last layer is the output. A plain stack is the
common case and needs no explicit sources.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable

from engine.core import checks
from engine.core.activations import ACTIVATIONS, get_activation
from engine.core.features import normalise_feature
from engine.core.losses import check_loss

MAX_UNITS = 4096
MAX_LAYERS = 64
INIT_SCHEMES = ("uniform", "normal", "xavier", "he")


class SpecError(ValueError):
    """A network description that cannot be built; the message says why."""


@dataclass(frozen=True)
class InputGroup:
    name: str
    size: int


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str = "tanh"
    name: str = ""
    # names of earlier nodes feeding this layer; empty = the node just before it
    sources: tuple[str, ...] = ()
    # False = a frozen layer: it keeps its weights and bias (blame still flows through it)
    learns: bool = True


@dataclass(frozen=True)
class InitSpec:
    scheme: str = "uniform"  # uniform in ±range (the paper), normal(0, range), xavier, he
    range: float = 0.5


@dataclass(frozen=True)
class NetworkSpec:
    inputs: tuple[InputGroup, ...]
    layers: tuple[LayerSpec, ...]
    loss: str = "squared"
    reduction: str = "mean"
    init: InitSpec = field(default_factory=InitSpec)
    seed: int = 0
    # 2-D playground features (x, y, xy, ...); None when inputs are raw columns
    features: tuple[str, ...] | None = None
    # squared error only: outputs beyond this margin of their target count as right and get
    # no error (the 1986 paper's 0.2/0.8 rule is 0.2); see engine/core/losses.py
    margin: float = 0.0

    def __post_init__(self) -> None:
        _validate(self)

    # ----- convenience -------------------------------------------------------------
    @staticmethod
    def stack(
        n_inputs: int,
        hidden: Iterable[int],
        outputs: int = 1,
        activation: str | Iterable[str] = "tanh",
        output_activation: str = "tanh",
        loss: str = "squared",
        reduction: str = "mean",
        init: InitSpec | None = None,
        seed: int = 0,
        features: Iterable[str] | None = None,
    ) -> "NetworkSpec":
        """A plain feed-forward stack: n_inputs -> hidden... -> outputs."""
        hidden = list(hidden)
        acts = [activation] * len(hidden) if isinstance(activation, str) else list(activation)
        if len(acts) != len(hidden):
            raise SpecError("give one activation per hidden layer")
        feats = None if features is None else tuple(normalise_feature(f) for f in features)
        if feats is not None:
            n_inputs = len(feats)
        layers = [LayerSpec(u, a, f"h{i + 1}") for i, (u, a) in enumerate(zip(hidden, acts))]
        layers.append(LayerSpec(outputs, output_activation, "out"))
        return NetworkSpec(
            inputs=(InputGroup("input", n_inputs),),
            layers=tuple(layers),
            loss=loss,
            reduction=reduction,
            init=init or InitSpec(),
            seed=seed,
            features=feats,
        )

    @property
    def n_inputs(self) -> int:
        return sum(g.size for g in self.inputs)

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].units

    @property
    def output_activation(self) -> str:
        return self.layers[-1].activation

    @property
    def hidden(self) -> tuple[LayerSpec, ...]:
        return self.layers[:-1]

    def node_names(self) -> list[str]:
        return [g.name for g in self.inputs] + [l.name for l in self.layers]

    def node_sizes(self) -> dict[str, int]:
        return {**{g.name: g.size for g in self.inputs}, **{l.name: l.units for l in self.layers}}

    def sources_of(self, index: int) -> tuple[str, ...]:
        """Resolved sources of layer `index` (defaults filled in)."""
        layer = self.layers[index]
        if layer.sources:
            return layer.sources
        if index == 0:
            return tuple(g.name for g in self.inputs)
        return (self.layers[index - 1].name,)

    def is_plain_stack(self) -> bool:
        return len(self.inputs) == 1 and all(
            self.sources_of(i) == ((self.inputs[0].name,) if i == 0 else (self.layers[i - 1].name,))
            for i in range(len(self.layers))
        )

    def n_parameters(self) -> int:
        sizes = self.node_sizes()
        return sum(
            sum(sizes[s] for s in self.sources_of(i)) * l.units + l.units for i, l in enumerate(self.layers)
        )

    def with_changes(self, **changes: Any) -> "NetworkSpec":
        return replace(self, **changes)

    def fresh_layer_name(self) -> str:
        taken = set(self.node_names())
        i = 1
        while f"h{i}" in taken:
            i += 1
        return f"h{i}"

    # ----- JSON -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["inputs"] = [asdict(g) for g in self.inputs]
        d["layers"] = [{**asdict(l), "sources": list(l.sources)} for l in self.layers]
        for layer in d["layers"]:  # "learns" is written only for frozen layers: old files stay the same
            if layer.pop("learns"):
                continue
            layer["learns"] = False
        d["features"] = None if self.features is None else list(self.features)
        if not self.margin:
            del d["margin"]  # files without a margin stay exactly as before
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "NetworkSpec":
        if not isinstance(d, dict):
            raise SpecError("network spec must be a JSON object")
        try:
            inputs = tuple(InputGroup(str(g["name"]), _int(g["size"], "input size")) for g in d["inputs"])
            layers = tuple(
                LayerSpec(
                    _int(l["units"], "layer units"),
                    str(l.get("activation", "tanh")),
                    str(l.get("name", "")),
                    tuple(str(s) for s in l.get("sources", ())),
                    _bool(l.get("learns", True), "layer learns"),
                )
                for l in d["layers"]
            )
            init_d = d.get("init", {}) or {}
            init = InitSpec(str(init_d.get("scheme", "uniform")), float(init_d.get("range", 0.5)))
            feats = d.get("features")
            return NetworkSpec(
                inputs=inputs,
                layers=layers,
                loss=str(d.get("loss", "squared")),
                reduction=str(d.get("reduction", "mean")),
                init=init,
                seed=_int(d.get("seed", 0), "seed"),
                features=None if feats is None else tuple(str(f) for f in feats),
                margin=_margin(d.get("margin", 0.0)),
            )
        except SpecError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SpecError(f"malformed network spec: {exc!r}") from None


def _margin(value: Any) -> float:
    if not checks.is_number(value):
        raise SpecError(f"the error margin must be a number, not {checks.show(value)}")
    return float(value)


def _int(value: Any, what: str) -> int:
    return checks.whole(value, what, SpecError)


def _bool(value: Any, what: str) -> bool:
    return checks.of_type(value, what, bool, "true or false", SpecError)


def _validate(spec: NetworkSpec) -> None:
    if not spec.inputs:
        raise SpecError("a network needs at least one input group")
    if not spec.layers:
        raise SpecError("a network needs an output layer")
    if len(spec.layers) > MAX_LAYERS:
        raise SpecError(f"at most {MAX_LAYERS} layers")
    seen: set[str] = set()
    for g in spec.inputs:
        if not g.name or g.name in seen:
            raise SpecError(f"input group names must be unique and non-empty ({g.name!r})")
        if not isinstance(g.size, int) or not 1 <= g.size <= MAX_UNITS:
            raise SpecError(f"input group {g.name!r} must have 1..{MAX_UNITS} inputs, not {g.size}")
        seen.add(g.name)
    if spec.features is not None:
        for f in spec.features:
            normalise_feature(f)
        if len(spec.features) != spec.n_inputs:
            raise SpecError("the number of enabled features must equal the number of inputs")
        if len(spec.features) == 0:
            raise SpecError("enable at least one input feature")
    for i, layer in enumerate(spec.layers):
        where = "the output layer" if i == len(spec.layers) - 1 else f"hidden layer {i + 1}"
        if not isinstance(layer.units, int) or isinstance(layer.units, bool) or layer.units < 1:
            raise SpecError(f"{where} must have at least 1 unit, not {layer.units!r}")
        if layer.units > MAX_UNITS:
            raise SpecError(f"{where} has {layer.units} units; at most {MAX_UNITS}")
        if layer.activation not in ACTIVATIONS:
            get_activation(layer.activation)  # raises with the list of choices
        if layer.activation == "softmax" and i != len(spec.layers) - 1:
            raise SpecError("softmax is only available on the output layer")
        if not layer.name or layer.name in seen:
            raise SpecError(f"layer names must be unique and non-empty ({layer.name!r} in {where})")
        for s in layer.sources:
            if s not in seen:
                raise SpecError(f"{where} ({layer.name}) takes input from {s!r}, which is not an earlier layer or input")
        if not isinstance(layer.learns, bool):
            raise SpecError(f"{where} ({layer.name}): learns must be true or false, not {layer.learns!r}")
        if len(set(layer.sources)) != len(layer.sources):
            raise SpecError(f"{where} ({layer.name}) lists a source twice")
        seen.add(layer.name)
    if isinstance(spec.seed, bool) or not isinstance(spec.seed, int) or spec.seed < 0:
        raise SpecError(f"the seed must be a whole number >= 0, not {spec.seed!r}")
    if spec.init.scheme not in INIT_SCHEMES:
        raise SpecError(f"unknown initialisation {spec.init.scheme!r}; choose one of {', '.join(INIT_SCHEMES)}")
    if not (spec.init.range > 0) or spec.init.range > 1e6:
        raise SpecError(f"initial weight range must be positive, not {spec.init.range}")
    try:
        check_loss(spec.loss, spec.output_activation, spec.reduction, spec.margin)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
