"""Pure NetworkSpec -> NetworkSpec edits behind every editor gesture (no Qt here).

Each function returns a NEW valid spec or raises SpecError with one sentence a user can
read in the editor's status line. Sources are resolved to explicit names before an edit
and collapsed back to the default (empty) afterwards wherever they equal it, so a plain
stack stays a plain stack whatever the user does to it.
"""
from __future__ import annotations

from dataclasses import replace

from engine.core.activations import HIDDEN_ACTIVATIONS
from engine.core.features import FEATURES
from engine.core.spec import MAX_LAYERS, MAX_UNITS, InputGroup, LayerSpec, NetworkSpec, SpecError

DEFAULT_NEW_UNITS = 4


def _resolved(spec: NetworkSpec) -> list[LayerSpec]:
    return [replace(l, sources=spec.sources_of(i)) for i, l in enumerate(spec.layers)]


def _default_sources(inputs: tuple[InputGroup, ...], layers: list[LayerSpec], index: int) -> tuple[str, ...]:
    return tuple(g.name for g in inputs) if index == 0 else (layers[index - 1].name,)


def _rebuild(spec: NetworkSpec, layers: list[LayerSpec], **changes) -> NetworkSpec:
    """Collapse sources equal to the default and build (validating) the new spec."""
    inputs = changes.get("inputs", spec.inputs)
    plain = []
    for i, layer in enumerate(layers):
        default = _default_sources(inputs, layers, i)
        plain.append(replace(layer, sources=() if layer.sources == default else layer.sources))
    return spec.with_changes(layers=tuple(plain), **changes)


def _dedupe(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _check_hidden(spec: NetworkSpec, index: int, verb: str) -> None:
    if not 0 <= index < len(spec.layers):
        raise SpecError(f"there is no layer {index}")
    if index == len(spec.layers) - 1:
        raise SpecError(f"the output layer cannot be {verb}")


def insert_layer(spec: NetworkSpec, index: int, units: int = DEFAULT_NEW_UNITS, activation: str = "tanh",
                 name: str | None = None) -> NetworkSpec:
    """Insert a dense layer before layer `index` (0 = right after the inputs).

    The new layer takes what came just before the gap; the layer after the gap takes the
    new layer instead (or in addition, when it did not read from the gap's left side).
    """
    if len(spec.layers) >= MAX_LAYERS:
        raise SpecError(f"a network has at most {MAX_LAYERS} layers")
    if activation not in HIDDEN_ACTIVATIONS:
        raise SpecError(f"{activation!r} cannot be used on a hidden layer")
    if not 1 <= units <= MAX_UNITS:
        raise SpecError(f"a layer needs 1..{MAX_UNITS} units")
    index = max(0, min(index, len(spec.layers) - 1))
    layers = _resolved(spec)
    left = _default_sources(spec.inputs, layers, index)
    new = LayerSpec(units, activation, name or spec.fresh_layer_name(), left)
    after = layers[index]
    if any(s in left for s in after.sources):
        srcs = [new.name if s in left else s for s in after.sources]
    else:
        srcs = list(after.sources) + [new.name]
    layers[index] = replace(after, sources=_dedupe(srcs))
    layers.insert(index, new)
    return _rebuild(spec, layers)


def remove_layer(spec: NetworkSpec, index: int) -> NetworkSpec:
    """Remove a hidden layer; whatever read from it reads from its sources instead."""
    _check_hidden(spec, index, "removed")
    layers = _resolved(spec)
    gone = layers.pop(index)
    for i, layer in enumerate(layers):
        if gone.name in layer.sources:
            srcs: list[str] = []
            for s in layer.sources:
                srcs.extend(gone.sources if s == gone.name else (s,))
            layers[i] = replace(layer, sources=_dedupe(srcs))
    return _rebuild(spec, layers)


def move_layer(spec: NetworkSpec, index: int, new_index: int) -> NetworkSpec:
    """Move a hidden layer to another gap: taken out (bypassed) and inserted again there."""
    _check_hidden(spec, index, "moved")
    new_index = max(0, min(new_index, len(spec.layers) - 2))
    if new_index == index:
        return spec
    layer = spec.layers[index]
    without = remove_layer(spec, index)
    return insert_layer(without, new_index, layer.units, layer.activation, layer.name)


def resize_layer(spec: NetworkSpec, index: int, units: int) -> NetworkSpec:
    if not 0 <= index < len(spec.layers):
        raise SpecError(f"there is no layer {index}")
    if index == len(spec.layers) - 1 and units != spec.layers[index].units:
        raise SpecError("the output layer's size follows the data's targets")
    if units < 1:
        raise SpecError("a layer needs at least one unit (remove the layer instead)")
    if units > MAX_UNITS:
        raise SpecError(f"a layer has at most {MAX_UNITS} units")
    layers = list(spec.layers)
    layers[index] = replace(layers[index], units=units)
    return spec.with_changes(layers=tuple(layers))


def set_activation(spec: NetworkSpec, index: int, activation: str) -> NetworkSpec:
    if not 0 <= index < len(spec.layers):
        raise SpecError(f"there is no layer {index}")
    layers = list(spec.layers)
    layers[index] = replace(layers[index], activation=activation)
    return spec.with_changes(layers=tuple(layers))


def toggle_feature(spec: NetworkSpec, feature: str) -> NetworkSpec:
    """Switch one 2-D input feature on or off (features stay in the canonical order)."""
    if spec.features is None:
        raise SpecError("input features apply only to 2-D datasets")
    if len(spec.inputs) != 1:
        raise SpecError("input features need a single input group")
    on = set(spec.features) ^ {feature}
    feats = tuple(f for f in FEATURES if f in on)
    if not feats:
        raise SpecError("keep at least one input feature switched on")
    group = replace(spec.inputs[0], size=len(feats))
    return spec.with_changes(inputs=(group,), features=feats)


def add_connection(spec: NetworkSpec, source: str, target: str) -> NetworkSpec:
    """Let layer `target` also read from the earlier node `source`."""
    names = spec.node_names()
    if source not in names or target not in names:
        raise SpecError("connect a layer or input to a layer")
    layer_names = [l.name for l in spec.layers]
    if target not in layer_names:
        raise SpecError("connections go into layers, not into inputs")
    if names.index(source) >= names.index(target):
        raise SpecError(f"{source} is not before {target}: connections run left to right")
    t = layer_names.index(target)
    layers = _resolved(spec)
    if source in layers[t].sources:
        raise SpecError(f"{target} already takes input from {source}")
    layers[t] = replace(layers[t], sources=layers[t].sources + (source,))
    return _rebuild(spec, layers)


def remove_connection(spec: NetworkSpec, source: str, target: str) -> NetworkSpec:
    layer_names = [l.name for l in spec.layers]
    if target not in layer_names:
        raise SpecError(f"there is no layer {target!r}")
    t = layer_names.index(target)
    layers = _resolved(spec)
    if source not in layers[t].sources:
        raise SpecError(f"{target} does not take input from {source}")
    if len(layers[t].sources) == 1:
        raise SpecError(f"{source} → {target} is {target}'s only input; add another before removing it")
    layers[t] = replace(layers[t], sources=tuple(s for s in layers[t].sources if s != source))
    return _rebuild(spec, layers)


def set_learns(spec: NetworkSpec, index: int, learns: bool) -> NetworkSpec:
    """Let layer `index` learn, or freeze it (it keeps its weights; blame still flows through it)."""
    if not 0 <= index < len(spec.layers):
        raise SpecError(f"there is no layer {index}")
    layers = list(spec.layers)
    layers[index] = replace(layers[index], learns=bool(learns))
    return spec.with_changes(layers=tuple(layers))
