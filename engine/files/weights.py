"""Weights as a project file stores them: by layer, by source, as matrices a person can read.

    "weights": [{"layer": "h1", "from": {"input": [[w, ...], ...]}, "bias": [b, ...]}, ...]

`from[source]` is a (fan_in x units) nested list: row i holds the weights from unit i of
that source to every unit of the layer; `bias` has one value per unit. Any tool that reads
JSON can use them without our code. The engine keeps one flat vector (layer by layer, each
source's matrix row-major, then the bias); this module converts between the two, using the
spec alone, so the layout here is the file format's, whatever the engine does inside.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.core.spec import NetworkSpec
from engine.validate import ProjectError, matrix, obj, show, vector


def blocks(spec: NetworkSpec) -> list[tuple[str, list[tuple[str, int]], int]]:
    """(layer name, [(source, fan_in)], units) in the flat vector's order."""
    sizes = spec.node_sizes()
    return [(l.name, [(s, sizes[s]) for s in spec.sources_of(i)], l.units) for i, l in enumerate(spec.layers)]


def to_layers(spec: NetworkSpec, flat: np.ndarray) -> list[dict[str, Any]]:
    """The flat vector as the file's per-layer records (plain lists of floats)."""
    out, at = [], 0
    for name, sources, units in blocks(spec):
        by_source = {}
        for src, fan_in in sources:
            by_source[src] = np.asarray(flat[at : at + fan_in * units]).reshape(fan_in, units).tolist()
            at += fan_in * units
        out.append({"layer": name, "from": by_source, "bias": np.asarray(flat[at : at + units]).tolist()})
        at += units
    return out


def from_layers(spec: NetworkSpec, value: Any, field: str, bound: float = math.inf) -> np.ndarray:
    """The flat vector from the file's per-layer records; every shape and value checked."""
    layout = blocks(spec)
    if not isinstance(value, list) or len(value) != len(layout):
        raise ProjectError(f"{field} must be a list with one record per layer ({len(layout)}), not {show(value)[:40]}")
    parts: list[np.ndarray] = []
    for i, (record, (name, sources, units)) in enumerate(zip(value, layout)):
        where = f"{field}[{i}]"
        obj(record, where)
        if record.get("layer") != name:
            raise ProjectError(f"{where}.layer is {show(record.get('layer'))}; the network's layer {i + 1} is {name!r}")
        unknown = [str(k) for k in record if k not in ("layer", "from", "bias")]
        if unknown:
            raise ProjectError(f"{where}: unknown field(s) {', '.join(unknown)}")
        by_source = obj(record.get("from"), f"{where}.from")
        if sorted(map(str, by_source)) != sorted(s for s, _ in sources):
            raise ProjectError(f"{where}.from must have the sources {', '.join(s for s, _ in sources)}, not {', '.join(map(str, by_source))}")
        for src, fan_in in sources:
            m = matrix(by_source[src], f"{where}.from.{src}", fan_in, bound, width=units)
            if m.shape != (fan_in, units):
                raise ProjectError(f"{where}.from.{src} must be {fan_in} rows of {units} values")
            parts.append(m.ravel())
        parts.append(vector(record.get("bias"), f"{where}.bias", units, bound))
    return np.concatenate(parts) if parts else np.zeros(0)
