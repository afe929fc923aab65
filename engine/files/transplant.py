"""Carry trained weights across a topology edit.

When the user edits the network while it trains, layers the edit did not touch should
keep what they learnt. A layer keeps its weights when it has the same name and the same
sources as before; rows are matched by input feature name (2-D playground features) or
by position, columns by unit index, so growing a layer by one unit keeps the others.
Everything else gets fresh weights from the new spec's initialisation, and the report
says which layers those were, so the window can tell the user.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping

from engine.core.network import Network
from engine.core.spec import NetworkSpec


@dataclass(frozen=True)
class TransplantReport:
    kept: tuple[str, ...]  # layers whose weights all carried over unchanged
    partial: tuple[str, ...]  # layers that kept the overlap (units or inputs changed)
    fresh: tuple[str, ...]  # layers initialised from scratch

    @property
    def reinitialised(self) -> bool:
        return bool(self.fresh)

    def message(self) -> str:
        parts = []
        if self.fresh:
            parts.append("new weights for " + ", ".join(self.fresh))
        if self.partial:
            parts.append("kept the overlapping weights of " + ", ".join(self.partial))
        if not parts:
            return "all trained weights kept"
        return "; ".join(parts) + (f"; kept {', '.join(self.kept)}" if self.kept else "")


def _row_map(old_spec: NetworkSpec, new_spec: NetworkSpec, source: str, old_fan: int, new_fan: int) -> list[tuple[int, int]]:
    """(new_row, old_row) pairs for one source node's weight rows."""
    is_input = source in {g.name for g in new_spec.inputs}
    if is_input and old_spec.features is not None and new_spec.features is not None and len(new_spec.inputs) == 1:
        old_idx = {f: i for i, f in enumerate(old_spec.features)}
        return [(i, old_idx[f]) for i, f in enumerate(new_spec.features) if f in old_idx]
    return [(i, i) for i in range(min(old_fan, new_fan))]


def transplant(old: Network, new_spec: NetworkSpec, renames: Mapping[str, str] | None = None) -> tuple[Network, TransplantReport]:
    """A Network for `new_spec`, initialised from its seed, with `old`'s weights carried over.

    `renames` (old name -> new name) says which layers of `old` now go by another name (layers
    renumbered by position): they keep their weights under the new name."""
    new = Network(new_spec)
    old_spec = old.spec
    back = {b: a for a, b in (renames or {}).items()}  # new name -> old name
    old_index = {lo.name: i for i, lo in enumerate(old.layouts)}
    kept, partial, fresh = [], [], []
    for j, lo in enumerate(new.layouts):
        i = old_index.get(back.get(lo.name, lo.name))
        if i is None:
            fresh.append(lo.name)
            continue
        olo = old.layouts[i]
        sources = tuple(back.get(s, s) for s in lo.sources)  # in old names
        if set(olo.sources) != set(sources) and not set(olo.sources) & set(sources):
            fresh.append(lo.name)
            continue
        units = min(olo.units, lo.units)
        whole = olo.units == lo.units and olo.sources == sources
        for s, (src, fan) in enumerate(zip(sources, lo.fan_ins)):
            if src not in olo.sources:
                whole = False
                continue
            os_ = olo.sources.index(src)
            ofan = olo.fan_ins[os_]
            pairs = _row_map(old_spec, new_spec, src, ofan, fan)
            if len(pairs) != fan or fan != ofan or any(a != b for a, b in pairs):
                whole = False
            if pairs:
                new_rows, old_rows = map(list, zip(*pairs))
                new.weights[j][s][new_rows, :units] = old.weights[i][os_][old_rows, :units]
        new.biases[j][:units] = old.biases[i][:units]
        (kept if whole else partial).append(lo.name)
    return new, TransplantReport(tuple(kept), tuple(partial), tuple(fresh))


def same_topology(a: NetworkSpec, b: NetworkSpec) -> bool:
    """True when two specs give parameter vectors with the same layout and meaning."""
    return (a.inputs, a.layers, a.features) == (b.inputs, b.layers, b.features)



AUTO_NAME = re.compile(r"h\d+")  # the editor's own layer names; other names are the user's


def renumbered(spec: NetworkSpec) -> tuple[NetworkSpec, dict[str, str]]:
    """Hidden layers with the editor's names (h1, h2, ...) renamed by position, left to right
    (a layer dropped between h1 and h2 becomes h2, the old h2 becomes h3). Returns the spec
    and the renames (old name -> new name) to hand to `transplant`. Names the user gave, and
    any renumbering that would collide with an input's name, are left alone."""
    hidden = spec.layers[:-1]
    want = {l.name: f"h{k + 1}" for k, l in enumerate(hidden) if AUTO_NAME.fullmatch(l.name)}
    renames = {a: b for a, b in want.items() if a != b}
    kept_names = {l.name for l in spec.layers if l.name not in want} | {g.name for g in spec.inputs}
    if not renames or set(want.values()) & kept_names:
        return spec, {}
    layers = tuple(replace(l, name=renames.get(l.name, l.name), sources=tuple(renames.get(s, s) for s in l.sources))
                   for l in spec.layers)
    return spec.with_changes(layers=layers), renames


def restore_layers(network: Network, donor: Network, previous: NetworkSpec,
                   renames: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Give back trained weights that an edit threw away (undoing a layer's removal).

    `network` was just built for its spec from a network of spec `previous` (by `transplant`):
    every layer that `previous` did not have as it is now (same name, sources and sizes) got
    fresh or partly fresh weights. Where `donor` (the run before the edit being undone) has
    that layer exactly as it is now, its weights and bias are copied in, in place. Layers
    `previous` already had keep the weights they learnt since. Returns the restored names."""
    def signature(layouts, i, names=None):
        lo, names = layouts[i], names or {}
        return names.get(lo.name, lo.name), tuple(names.get(s, s) for s in lo.sources), tuple(lo.fan_ins), lo.units

    before_layouts = Network(previous).layouts  # `renames`: previous names -> names in `network`
    before = {signature(before_layouts, i, dict(renames or {})) for i in range(len(previous.layers))}
    donors = {lo.name: i for i, lo in enumerate(donor.layouts)}
    restored = []
    for j, lo in enumerate(network.layouts):
        sig = signature(network.layouts, j)
        i = donors.get(lo.name)
        if sig in before or i is None or signature(donor.layouts, i) != sig:
            continue
        for k in range(len(lo.sources)):
            network.weights[j][k][...] = donor.weights[i][k]
        network.biases[j][...] = donor.biases[i]
        restored.append(lo.name)
    return tuple(restored)
