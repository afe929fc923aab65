"""Backprop against finite differences on many random networks, DAGs included.

Perturbed losses are computed in extended precision (engine.explain.gradcheck, precision="extended")
so that 1e-6 relative error is a real bound on the float64 backward pass, not on rounding.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.core import activations
from engine.explain.gradcheck import check_gradients, check_trainer
from engine.core.network import Network
from engine.core.spec import InitSpec, InputGroup, LayerSpec, NetworkSpec

SMOOTH = ("sigmoid", "tanh", "linear", "softplus")
TOLERANCE = 1e-6
HYPOTHESIS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def dag_specs(draw, hidden_activations=SMOOTH):
    """Random layered DAGs: several input groups, skip connections, layers feeding many later ones."""
    n_groups = draw(st.integers(1, 3))
    inputs = tuple(InputGroup(f"in{i}", draw(st.integers(1, 3))) for i in range(n_groups))
    names = [g.name for g in inputs]
    layers = []
    n_hidden = draw(st.integers(0, 3))
    for i in range(n_hidden + 1):
        is_out = i == n_hidden
        explicit = draw(st.booleans())
        sources: tuple[str, ...] = ()
        if explicit:
            picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
            sources = tuple(picked)
        if is_out:
            loss = draw(st.sampled_from(("squared", "bce", "softmax_ce")))
            if loss == "bce":
                act, units = "sigmoid", draw(st.integers(1, 3))
            elif loss == "softmax_ce":
                act, units = "softmax", draw(st.integers(2, 4))
            else:
                act, units = draw(st.sampled_from(("sigmoid", "tanh", "linear"))), draw(st.integers(1, 3))
            layers.append(LayerSpec(units, act, "out", sources))
        else:
            layers.append(LayerSpec(draw(st.integers(1, 4)), draw(st.sampled_from(hidden_activations)), f"h{i + 1}", sources))
            names.append(f"h{i + 1}")
    spec = NetworkSpec(
        inputs=inputs,
        layers=tuple(layers),
        loss=loss,
        reduction=draw(st.sampled_from(("mean", "sum"))),
        init=InitSpec("uniform", draw(st.floats(0.2, 1.5))),
        seed=draw(st.integers(0, 2**16)),
    )
    return spec


def data_for(spec: NetworkSpec, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (n, spec.n_inputs))
    k, act = spec.n_outputs, spec.output_activation
    if spec.loss == "softmax_ce":
        y = np.eye(k)[rng.integers(0, k, n)]
    elif act == "tanh":
        y = rng.uniform(-1, 1, (n, k))
    elif act == "linear":
        y = rng.normal(0, 1, (n, k))
    else:
        y = rng.uniform(0, 1, (n, k))
    return x, y


@HYPOTHESIS
@given(spec=dag_specs(), n=st.integers(1, 8), data_seed=st.integers(0, 1000))
def test_backprop_matches_finite_differences_on_random_dags(spec, n, data_seed):
    net = Network(spec)
    x, y = data_for(spec, n, data_seed)
    result = check_gradients(net, x, y, precision="extended")
    assert result.numeric_forward_passes == 2 * net.size
    assert result.max_relative_error < TOLERANCE, result.summary()


@HYPOTHESIS
@given(spec=dag_specs(hidden_activations=("relu", "leaky_relu")), n=st.integers(1, 6), data_seed=st.integers(0, 1000))
def test_relu_gradients_away_from_the_kink(spec, n, data_seed):
    """ReLU has no derivative at 0: keep every pre-activation well away from it."""
    net = Network(spec)
    x, y = data_for(spec, n, data_seed)
    fp = net.forward(x)
    margins = [np.abs(fp.pre_activations[l.name]).min() for l in spec.layers if l.activation in ("relu", "leaky_relu")]
    assume(not margins or min(margins) > 1e-3)
    result = check_gradients(net, x, y, precision="extended")
    assert result.max_relative_error < TOLERANCE, result.summary()


@pytest.mark.parametrize("activation", SMOOTH + ("relu", "leaky_relu"))
@pytest.mark.parametrize("loss,output", [("squared", "tanh"), ("squared", "linear"), ("bce", "sigmoid"), ("softmax_ce", "softmax")])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_every_activation_loss_and_reduction(activation, loss, output, reduction):
    outputs = 3 if loss == "softmax_ce" else 2
    spec = NetworkSpec.stack(3, [4, 3], outputs, activation, output, loss, reduction, InitSpec("uniform", 1.0), seed=7)
    net = Network(spec)
    x, y = data_for(spec, 6, 3)
    if activation in ("relu", "leaky_relu"):
        fp = net.forward(x)
        assert min(np.abs(fp.pre_activations[n]).min() for n in ("h1", "h2")) > 1e-4  # this seed keeps off the kink
    result = check_gradients(net, x, y, precision="extended")
    assert result.max_relative_error < TOLERANCE, result.summary()


def test_float64_check_on_the_playground_network_and_what_it_reports():
    from engine.presets import get_preset

    trainer = get_preset("playground-xor").make_trainer()
    trainer.step(5)
    before = trainer.network.params.copy()
    result = check_trainer(trainer)
    assert np.array_equal(trainer.network.params, before)  # restored exactly
    assert result.n_parameters == trainer.network.size == 25
    assert result.backprop_forward_passes == 1 and result.backprop_backward_passes == 1
    assert result.numeric_forward_passes == 50
    assert result.backprop_seconds > 0 and result.numeric_seconds > 0
    assert result.max_relative_error < 1e-5
    shapes = [(p.label, p.backprop.shape) for p in result.parameters]
    assert shapes[0] == ("h1 weights from input", (2, 4)) and shapes[1] == ("h1 bias", (4,))
    flat = np.concatenate([p.backprop.ravel() for p in result.parameters])
    assert np.array_equal(flat, result.backprop)
    assert "max relative error" in result.summary()


def test_subset_of_parameters_is_deterministic_and_counted():
    spec = NetworkSpec.stack(4, [6], 2, seed=1)
    net = Network(spec)
    x, y = data_for(spec, 5, 0)
    a = check_gradients(net, x, y, max_parameters=7, seed=3)
    b = check_gradients(net, x, y, max_parameters=7, seed=3)
    assert np.array_equal(a.checked, b.checked) and len(a.checked) == 7
    assert a.numeric_forward_passes == 14
    assert np.isnan(a.numeric).sum() == net.size - 7


def test_the_check_catches_a_wrong_derivative(monkeypatch):
    """A gradient check that cannot fail proves nothing: break softplus' derivative on purpose."""
    wrong = dataclasses.replace(activations.ACTIVATIONS["softplus"], derivative=lambda z, a: 0.9 * activations._sigmoid(z))
    monkeypatch.setitem(activations.ACTIVATIONS, "softplus", wrong)
    spec = NetworkSpec.stack(2, [3], 1, "softplus", "tanh", seed=2)
    net = Network(spec)
    x, y = data_for(spec, 5, 1)
    result = check_gradients(net, x, y, precision="extended")
    assert result.max_relative_error > 1e-2
    assert result.worst.layer == "h1"


def test_backward_differentiates_the_activations_it_is_given():
    """A ForwardPass whose activations were replaced is differentiated from what it holds."""
    spec = NetworkSpec.stack(2, [4, 3], 1, "tanh", "tanh", seed=6)
    net = Network(spec)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(9, 2)), rng.uniform(-1, 1, (9, 1))
    fp = net.forward(x)
    exact = net.backward(fp, y).gradient
    fp.activations["h1"] = fp.activations["h1"].copy()  # same values, another array
    np.testing.assert_allclose(net.backward(fp, y).gradient, exact, rtol=1e-13, atol=1e-15)
    fp.activations["h2"] = fp.activations["h2"] * 0.0  # what backward is given is what counts
    zeroed = net.backward(fp, y).gradient
    lo = net.layouts[2]
    assert np.all(zeroed[lo.weight_slices[0]] == 0.0)  # dE/dW of the output = h2.T @ delta = 0
    assert np.any(exact[lo.weight_slices[0]] != 0.0)


def test_backward_leaves_the_weights_alone_and_returns_fresh_arrays():
    spec = NetworkSpec.stack(3, [4], 2, "sigmoid", "sigmoid", loss="bce", seed=2)
    net = Network(spec)
    x, y = data_for(spec, 5, 0)
    before = net.params.copy()
    fp = net.forward(x)
    bp = net.backward(fp, y)
    assert np.array_equal(net.params, before)
    assert not np.shares_memory(bp.gradient, net.params)
    kept = {k: v.copy() for k, v in fp.activations.items()}
    net.params[:] += 1.0  # a later change of weights leaves an earlier pass as it was
    net.forward(x * 2.0)
    assert all(np.array_equal(kept[k], fp.activations[k]) for k in kept)
