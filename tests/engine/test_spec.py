"""NetworkSpec: JSON round trip, validation messages, parameter counts."""
from __future__ import annotations

import pytest

from engine.core.network import Network
from engine.core.spec import InitSpec, InputGroup, LayerSpec, NetworkSpec, SpecError


def skip_spec() -> NetworkSpec:
    return NetworkSpec(
        inputs=(InputGroup("a", 2), InputGroup("b", 3)),
        layers=(
            LayerSpec(4, "tanh", "h1", ("a",)),
            LayerSpec(3, "relu", "h2", ("b", "h1")),
            LayerSpec(2, "sigmoid", "out", ("h1", "h2", "a")),
        ),
        loss="bce",
        reduction="sum",
        init=InitSpec("normal", 0.3),
        seed=11,
    )


def test_round_trip_through_a_dict():
    spec = skip_spec()
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    plain = NetworkSpec.stack(2, [4, 2], features=("x", "y"))
    assert NetworkSpec.from_dict(plain.to_dict()) == plain


def test_parameter_count_matches_the_network():
    spec = skip_spec()
    # h1: 2*4+4, h2: (3+4)*3+3, out: (4+3+2)*2+2
    assert spec.n_parameters() == 12 + 24 + 20 == Network(spec).size
    assert not spec.is_plain_stack() and NetworkSpec.stack(3, [2]).is_plain_stack()


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda: NetworkSpec.stack(2, [0]), "at least 1 unit"),
        (lambda: NetworkSpec.stack(2, [3], activation="nope"), "unknown activation"),
        (lambda: NetworkSpec.stack(2, [3], loss="bce", output_activation="tanh"), "sigmoid"),
        (lambda: NetworkSpec.stack(2, [3], activation="softmax"), "only available on the output"),
        (lambda: NetworkSpec.stack(2, [3], init=InitSpec("uniform", -1.0)), "positive"),
        (lambda: NetworkSpec.stack(2, [3], features=("x", "zz")), "unknown input feature"),
        (lambda: NetworkSpec((InputGroup("i", 2),), (LayerSpec(1, "tanh", "out", ("ghost",)),)), "not an earlier"),
        (lambda: NetworkSpec((InputGroup("i", 2),), (LayerSpec(1, "tanh", "i"),)), "unique"),
    ],
)
def test_invalid_specs_say_why(make, words):
    with pytest.raises((SpecError, ValueError), match=words):
        make()


def test_from_dict_rejects_malformed_input():
    with pytest.raises(SpecError):
        NetworkSpec.from_dict({"inputs": [{"name": "i", "size": "two"}], "layers": []})
    with pytest.raises(SpecError):
        NetworkSpec.from_dict([1, 2])
