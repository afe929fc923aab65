"""Short activation names for headers and palette tiles (engine labels are too long here)."""
from __future__ import annotations

HEADER_NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU",
                "linear": "linear", "softplus": "softplus", "softmax": "softmax"}


def header_name(activation: str) -> str:
    return HEADER_NAMES.get(activation, activation)


def tile_name(activation: str) -> str:
    name = header_name(activation)
    return name[0].upper() + name[1:]
