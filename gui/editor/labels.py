"""Short activation names for headers and palette tiles (engine labels are too long here)."""
from __future__ import annotations

HEADER_NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "LReLU",
                "linear": "linear", "softplus": "softplus", "softmax": "softmax"}


def header_name(activation: str) -> str:
    return HEADER_NAMES.get(activation, activation)


TILE_NAMES = {"leaky_relu": "Leaky ReLU"}


def tile_name(activation: str) -> str:
    name = TILE_NAMES.get(activation, header_name(activation))
    return name[0].upper() + name[1:]


def unit_label(spec, node: str, index: int) -> str:
    """How a unit is named in read-outs: a 2-D feature by its formula, else node[n] (1-based)."""
    from engine.core.features import feature_label

    if spec is not None and spec.features is not None and len(spec.inputs) == 1 and node == spec.inputs[0].name:
        if 0 <= index < len(spec.features):
            return feature_label(spec.features[index])
    return f"{node}[{index + 1}]"
