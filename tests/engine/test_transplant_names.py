"""Layer names by position: renumbering, and transplant keeping weights across renames."""
import numpy as np

from engine.core.network import Network
from engine.core.spec import LayerSpec, NetworkSpec
from engine.files.transplant import renumbered, restore_layers, transplant


def test_renumbered_names_hidden_layers_by_position_and_maps_sources():
    spec = NetworkSpec.stack(2, [4, 3, 2], 1)  # h1 h2 h3 out
    layers = list(spec.layers)
    layers.insert(1, LayerSpec(5, "relu", "h4"))  # dropped between h1 and h2, named by the editor's counter
    raw = spec.with_changes(layers=tuple(layers))
    spec2, renames = renumbered(raw)
    assert [l.name for l in spec2.layers] == ["h1", "h2", "h3", "h4", "out"]
    assert renames == {"h4": "h2", "h2": "h3", "h3": "h4"}
    assert spec2.layers[1].units == 5 and spec2.layers[2].units == 3
    skip = NetworkSpec(inputs=spec.inputs, layers=(LayerSpec(2, "tanh", "h7"), LayerSpec(1, "tanh", "out", ("input", "h7"))))
    fixed, ren = renumbered(skip)
    assert ren == {"h7": "h1"} and fixed.layers[1].sources == ("input", "h1")
    named = NetworkSpec(inputs=spec.inputs, layers=(LayerSpec(2, "tanh", "person_code"), LayerSpec(1, "tanh", "out")))
    assert renumbered(named) == (named, {})  # the user's own names stay


def test_transplant_follows_renames_and_restore_fills_the_returning_layer():
    spec = NetworkSpec.stack(2, [4, 3], 1, seed=5)
    old = Network(spec)
    old.params[:] = np.random.default_rng(1).normal(size=old.size)
    layers = list(spec.layers)
    layers.insert(1, LayerSpec(2, "tanh", "h9"))
    new_spec, renames = renumbered(spec.with_changes(layers=tuple(layers)))
    net, report = transplant(old, new_spec, renames)
    # h1 as it was; the new h2 is new; the old h2 (now h3) reads a new layer, so it starts afresh
    # as it always did; out reads the old h2 under its new name and keeps its weights
    assert report.kept == ("h1", "out") and report.fresh == ("h2", "h3")
    np.testing.assert_array_equal(net.weights[3][0], old.weights[2][0])
    without, plain = transplant(old, new_spec)  # without the renames, out would start afresh
    assert "out" in plain.fresh
    # undo: back to the old spec; the old h2 comes back from h3 under its old name
    undo = {b: a for a, b in renames.items()}
    back, _ = transplant(net, spec, undo)
    np.testing.assert_array_equal(back.weights[2][0], old.weights[2][0])  # out, kept through both renames
    assert restore_layers(back, old, new_spec, undo) == ("h2",)  # the one layer that came back fresh
    np.testing.assert_array_equal(back.params, old.params)
