"""Ways out of the playground: the network's arrays (.npz), a PyTorch script, the history (.csv).

Every file is written atomically (temporary file beside the target, fsync, os.replace), so an
export interrupted half-way never leaves a half-written file under the user's chosen name.
The PyTorch script embeds every weight as a Python float literal (shortest repr, which
round-trips bit for bit), so the script computes what the engine computes.
"""
from __future__ import annotations

import json
import math
import os

import numpy as np

from engine.training.history import COLUMNS
from engine.core.network import Network
from engine.core.spec import NetworkSpec
from engine.files.atomic import write_atomic, write_atomic_with

SPEC_KEY = "spec.json"


# ----- atomic writes (engine/files/atomic.py) ----------------------------------------------
def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


# ----- .npz -------------------------------------------------------------------------------
def weight_key(layer: str, source: str) -> str:
    return f"{layer}/weight/{source}"


def bias_key(layer: str) -> str:
    return f"{layer}/bias"


def network_arrays(network: Network) -> dict[str, np.ndarray]:
    """Each weight matrix (fan_in, units) under 'layer/weight/source', each bias under 'layer/bias',
    and the spec as JSON text under 'spec.json' (a plain unicode array: no pickle needed)."""
    arrays: dict[str, np.ndarray] = {SPEC_KEY: np.array(json.dumps(network.spec.to_dict()))}
    for i, lo in enumerate(network.layouts):
        for source, w in zip(lo.sources, network.weights[i]):
            arrays[weight_key(lo.name, source)] = np.array(w)
        arrays[bias_key(lo.name)] = np.array(network.biases[i])
    return arrays


def save_network_npz(path: str | os.PathLike, network: Network) -> None:
    arrays = network_arrays(network)
    write_atomic_with(path, lambda f: np.savez(f, **arrays))


def load_network_npz(path: str | os.PathLike) -> Network:
    """The network saved by save_network_npz (spec and exact weights)."""
    with np.load(path, allow_pickle=False) as npz:
        spec = NetworkSpec.from_dict(json.loads(str(npz[SPEC_KEY])))
        network = Network(spec)
        for i, lo in enumerate(network.layouts):
            for source, w in zip(lo.sources, network.weights[i]):
                w[...] = npz[weight_key(lo.name, source)]
            network.biases[i][...] = npz[bias_key(lo.name)]
    return network


# ----- history .csv ----------------------------------------------------------------------
def history_csv(history: np.ndarray) -> str:
    """Header then one row per recorded epoch; a missing value (no test set) is left empty."""
    lines = [",".join(COLUMNS)]
    for row in np.asarray(history, dtype=np.float64).reshape(-1, len(COLUMNS)):
        cells = [str(int(row[0]))] + ["" if not math.isfinite(v) else repr(float(v)) for v in row[1:]]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def save_history_csv(path: str | os.PathLike, history: np.ndarray) -> None:
    atomic_write_text(path, history_csv(history))


# ----- PyTorch script ---------------------------------------------------------------------
_TORCH_ACTIVATIONS = {
    "sigmoid": "torch.sigmoid(z)",
    "tanh": "torch.tanh(z)",
    "relu": "torch.relu(z)",
    "leaky_relu": "F.leaky_relu(z, 0.01)",
    "linear": "z",
    "softplus": "torch.logaddexp(torch.zeros_like(z), z)",
    "softmax": "torch.softmax(z, dim=-1)",
}
_TORCH_FEATURES = {
    "x": "x",
    "y": "y",
    "x2": "x * x",
    "y2": "y * y",
    "xy": "x * y",
    "sinx": "torch.sin(x)",
    "siny": "torch.sin(y)",
}


def _literal(values: np.ndarray) -> str:
    """A nested list literal with each float's shortest round-tripping repr."""
    return repr(np.asarray(values, dtype=np.float64).tolist())


def torch_script(network: Network, raw_inputs: np.ndarray, features: tuple[str, ...] | None = None) -> str:
    """Python source that rebuilds `network` in PyTorch (float64) and prints its outputs for
    `raw_inputs`, one pattern per line. `features`: the 2-D playground features computed
    from (x, y) points before the first layer; None when the inputs are raw columns."""
    spec = network.spec
    unknown = [l.activation for l in spec.layers if l.activation not in _TORCH_ACTIVATIONS]
    if unknown:
        raise ValueError(f"no PyTorch equivalent for activation(s) {', '.join(unknown)}")
    groups = [(g.name, g.size) for g in spec.inputs]
    layers = []
    for i, lo in enumerate(network.layouts):
        weights = ", ".join(_literal(w.T) for w in network.weights[i])  # nn.Linear keeps (out, in)
        layers.append(
            f"    ({lo.name!r}, {list(lo.sources)!r}, {spec.layers[i].activation!r},\n"
            f"     [{weights}],\n"
            f"     {_literal(network.biases[i])}),"
        )
    if features is None:
        feature_fn = "def features(points):\n    return points  # the network reads the input columns as they are\n"
    else:
        cols = ", ".join(_TORCH_FEATURES[f] for f in features)
        feature_fn = (
            "def features(points):\n"
            f'    """(n, 2) points -> the network\'s inputs: {", ".join(features)}."""\n'
            "    x, y = points[:, 0], points[:, 1]\n"
            f"    return torch.stack([{cols}], dim=1)\n"
        )
    acts = "\n".join(f"    {name!r}: lambda z: {expr}," for name, expr in _TORCH_ACTIVATIONS.items())
    return _SCRIPT.format(
        summary=f"{' + '.join(f'{n}({s})' for n, s in groups)} -> "
        + " -> ".join(f"{l.name}({l.units} {l.activation})" for l in spec.layers),
        loss=spec.loss,
        reduction=spec.reduction,
        groups=repr(groups),
        layers="\n".join(layers),
        activations=acts,
        features=feature_fn,
        inputs=_literal(np.asarray(raw_inputs, dtype=np.float64).reshape(len(raw_inputs), -1)),
    )


def save_torch_script(path: str | os.PathLike, network: Network, raw_inputs: np.ndarray, features: tuple[str, ...] | None = None) -> None:
    atomic_write_text(path, torch_script(network, raw_inputs, features))


def trainer_inputs(trainer) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The raw training inputs and the features the trainer applies to them (for torch_script)."""
    features = trainer.spec.features if trainer.data.planar and trainer.spec.features is not None else None
    return trainer.data.x_train, features


_SCRIPT = '''#!/usr/bin/env python3
"""Exported from Backprop Playground: {summary}.

Rebuilds the trained network in PyTorch with the same weights (float64) and prints its
outputs for the training inputs, one pattern per line. Trained with loss={loss!r},
reduction={reduction!r}. Needs only torch.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

# (name, size) of each input group: consecutive slices of the input columns
INPUT_GROUPS = {groups}

# (layer name, source nodes, activation, [weight (units, fan_in) per source], bias)
LAYERS = [
{layers}
]

ACTIVATIONS = {{
{activations}
}}


{features}

class Layer(nn.Module):
    """z = sum over sources of Linear(source) + bias; then the activation."""

    def __init__(self, sources, activation, weights, bias):
        super().__init__()
        self.sources = list(sources)
        self.activation = activation
        self.links = nn.ModuleList(nn.Linear(len(w[0]), len(w), bias=False) for w in weights)
        self.bias = nn.Parameter(torch.tensor(bias))
        with torch.no_grad():
            for link, w in zip(self.links, weights):
                link.weight.copy_(torch.tensor(w))

    def forward(self, nodes):
        z = self.links[0](nodes[self.sources[0]])
        for link, source in zip(self.links[1:], self.sources[1:]):
            z = z + link(nodes[source])
        return ACTIVATIONS[self.activation](z + self.bias)


class Net(nn.Module):
    """A layered DAG: each layer reads one or more earlier nodes (input groups or layers)."""

    def __init__(self):
        super().__init__()
        self.names = [name for name, *_ in LAYERS]
        self.layers = nn.ModuleList(Layer(sources, act, w, b) for _, sources, act, w, b in LAYERS)

    def forward(self, inputs):
        nodes, col = {{}}, 0
        for name, size in INPUT_GROUPS:
            nodes[name] = inputs[:, col : col + size]
            col += size
        for name, layer in zip(self.names, self.layers):
            nodes[name] = layer(nodes)
        return nodes[self.names[-1]]


TRAINING_INPUTS = {inputs}


if __name__ == "__main__":
    net = Net()
    with torch.no_grad():
        out = net(features(torch.tensor(TRAINING_INPUTS)))
    for row in out.tolist():
        print(" ".join(repr(v) for v in row))
'''

__all__ = [
    "atomic_write_text",
    "network_arrays",
    "save_network_npz",
    "load_network_npz",
    "history_csv",
    "save_history_csv",
    "torch_script",
    "save_torch_script",
    "trainer_inputs",
]
