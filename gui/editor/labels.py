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
