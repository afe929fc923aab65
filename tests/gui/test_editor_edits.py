"""The spec edits behind editor gestures: valid specs out, plain stacks stay plain, DAGs keep
their meaning, impossible edits raise SpecError with a readable message."""
from __future__ import annotations

import numpy as np
import pytest

from engine.core.network import Network
from engine.core.spec import MAX_UNITS, InputGroup, LayerSpec, NetworkSpec, SpecError
from gui.editor import spec_edits as ed


def stack(*hidden: int) -> NetworkSpec:
    return NetworkSpec.stack(2, hidden, features=["x", "y"])


def family_like() -> NetworkSpec:
    """Two input groups, each with its own encoder, feeding a shared layer (as family trees)."""
    return NetworkSpec(
        inputs=(InputGroup("person", 5), InputGroup("relation", 3)),
        layers=(
            LayerSpec(3, "sigmoid", "enc_p", ("person",)),
            LayerSpec(2, "sigmoid", "enc_r", ("relation",)),
            LayerSpec(4, "sigmoid", "shared", ("enc_p", "enc_r")),
            LayerSpec(5, "sigmoid", "out"),
        ),
    )


def test_insert_into_plain_stack_stays_plain_at_every_gap():
    spec = stack(4, 3)
    for index in range(3):
        new = ed.insert_layer(spec, index, 5, "relu")
        assert new.is_plain_stack()
        assert [l.units for l in new.layers] == [4, 3, 1][:index] + [5] + [4, 3, 1][index:]
        assert new.layers[index].activation == "relu"
        assert new.layers[index].name == spec.fresh_layer_name()
        assert all(l.sources == () for l in new.layers)


def test_insert_after_output_goes_before_it():
    new = ed.insert_layer(stack(4), 99, 2, "tanh")
    assert [l.units for l in new.layers] == [4, 2, 1]
    assert new.layers[-1].name == "out"


def test_insert_rewires_explicit_sources_of_the_following_layer():
    spec = family_like()
    new = ed.insert_layer(spec, 2, 6, "tanh")  # between enc_r and shared
    names = [l.name for l in new.layers]
    assert names[2] == "h1" and new.sources_of(2) == ("enc_r",)
    # shared read enc_r (the gap's left side): it now reads the new layer instead
    assert new.sources_of(3) == ("enc_p", "h1")
    Network(new)  # buildable


def test_remove_bypasses_the_removed_layer():
    spec = family_like()
    new = ed.remove_layer(spec, 0)  # enc_p
    assert [l.name for l in new.layers] == ["enc_r", "shared", "out"]
    assert new.sources_of(1) == ("person", "enc_r")
    plain = ed.remove_layer(stack(4, 3), 0)
    assert plain.is_plain_stack() and [l.units for l in plain.layers] == [3, 1]


def test_output_cannot_be_removed_moved_or_resized():
    spec = stack(4)
    with pytest.raises(SpecError, match="output"):
        ed.remove_layer(spec, 1)
    with pytest.raises(SpecError, match="output"):
        ed.move_layer(spec, 1, 0)
    with pytest.raises(SpecError, match="output"):
        ed.resize_layer(spec, 1, 3)


def test_move_reorders_a_plain_stack_and_keeps_it_plain():
    spec = NetworkSpec.stack(2, [4, 3, 2], activation=["tanh", "relu", "sigmoid"], features=["x", "y"])
    new = ed.move_layer(spec, 0, 2)
    assert [(l.name, l.units, l.activation) for l in new.layers] == [
        ("h2", 3, "relu"), ("h3", 2, "sigmoid"), ("h1", 4, "tanh"), ("out", 1, "tanh")]
    assert new.is_plain_stack()
    assert ed.move_layer(spec, 1, 1) == spec


def test_resize_limits():
    spec = stack(4)
    assert ed.resize_layer(spec, 0, 7).layers[0].units == 7
    with pytest.raises(SpecError, match="at least one unit"):
        ed.resize_layer(spec, 0, 0)
    with pytest.raises(SpecError, match=str(MAX_UNITS)):
        ed.resize_layer(spec, 0, MAX_UNITS + 1)


def test_activation_change_and_softmax_refused_on_hidden():
    spec = stack(4)
    assert ed.set_activation(spec, 0, "leaky_relu").layers[0].activation == "leaky_relu"
    with pytest.raises(SpecError, match="softmax"):
        ed.set_activation(spec, 0, "softmax")


def test_toggle_feature_changes_input_size_in_canonical_order():
    spec = stack(4)
    on = ed.toggle_feature(spec, "sinx")
    on = ed.toggle_feature(on, "x2")
    assert on.features == ("x", "y", "x2", "sinx") and on.n_inputs == 4
    off = ed.toggle_feature(on, "x")
    assert off.features == ("y", "x2", "sinx") and off.inputs[0].size == 3
    single = NetworkSpec.stack(1, [2], features=["y"])
    with pytest.raises(SpecError, match="at least one input feature"):
        ed.toggle_feature(single, "y")


def test_connections_add_and_remove():
    spec = stack(4)
    skip = ed.add_connection(spec, "input", "out")
    assert skip.sources_of(1) == ("h1", "input") and not skip.is_plain_stack()
    assert Network(skip).params.size == skip.n_parameters() == spec.n_parameters() + 2
    with pytest.raises(SpecError, match="already"):
        ed.add_connection(skip, "input", "out")
    with pytest.raises(SpecError, match="left to right"):
        ed.add_connection(spec, "out", "h1")
    back = ed.remove_connection(skip, "input", "out")
    assert back == spec and back.is_plain_stack()
    with pytest.raises(SpecError, match="only input"):
        ed.remove_connection(spec, "h1", "out")


def test_every_edit_of_a_dag_builds_a_network_with_the_right_parameter_count():
    spec = family_like()
    edits = [
        ed.insert_layer(spec, 0, 2, "tanh"),
        ed.remove_layer(spec, 2),
        ed.move_layer(spec, 0, 1),
        ed.add_connection(spec, "person", "out"),
        ed.resize_layer(spec, 2, 7),
    ]
    for new in edits:
        net = Network(new)
        assert net.params.size == new.n_parameters()
        assert np.isfinite(net.forward(np.zeros((1, new.n_inputs))).output).all()
