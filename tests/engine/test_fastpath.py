"""The optional numba epoch kernel agrees with the NumPy reference loop to 1e-12.

Each comparison trains two identical trainers a few epochs, one with the fast path and
one with `use_fast_path = False`, and compares parameters, optimiser state and losses.
The buffered NumPy path itself must give bit-for-bit the public backward pass's numbers.
"""
from __future__ import annotations

from dataclasses import replace
import sys
import warnings

import numpy as np

from engine.limits import MAX_WEIGHT
import pytest

from engine.data import datasets

from engine.fast import fastpath
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import InputGroup, LayerSpec, NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

TOL = 1e-12


def make_trainer(spec: NetworkSpec, data: datasets.Dataset, batch: int | None, fast: bool, **opt) -> Trainer:
    settings = TrainSettings(OptimizerSettings(**opt), batch_size=batch)
    t = Trainer(spec, data, settings)
    t.use_fast_path = fast
    return t


def assert_same_training(spec, data, batch, epochs=3, **opt) -> tuple[Trainer, Trainer]:
    fast, ref = make_trainer(spec, data, batch, True, **opt), make_trainer(spec, data, batch, False, **opt)
    assert fastpath.applicable(fast, fast.batch_size), "the fast path must be the one under test"
    for _ in range(epochs):
        assert fast.step(1) == ref.step(1) == 1
        assert abs(fast.last_epoch_loss - ref.last_epoch_loss) <= TOL * max(1.0, abs(ref.last_epoch_loss))
    np.testing.assert_allclose(fast.network.params, ref.network.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fast.optimizer.velocity, ref.optimizer.velocity, rtol=1e-10, atol=TOL)
    np.testing.assert_allclose(fast.optimizer.state.m, ref.optimizer.state.m, rtol=1e-10, atol=TOL)
    np.testing.assert_allclose(fast.optimizer.state.v, ref.optimizer.state.v, rtol=1e-10, atol=TOL)
    assert fast.optimizer.state.t == ref.optimizer.state.t
    assert not np.array_equal(fast.network.params, Network(spec).params), "training must have changed the weights"
    return fast, ref


@pytest.fixture(scope="module")
def xor_small() -> datasets.Dataset:
    return datasets.planar("xor", 60, noise=0.1, test_ratio=0.5, seed=3)


needs_numba = pytest.mark.skipif(not fastpath.available(), reason="numba is not installed")


@needs_numba
@pytest.mark.parametrize("hidden, act, out_act, loss", [
    ([4, 2], "tanh", "tanh", "squared"),
    ([8, 8], "relu", "sigmoid", "bce"),
    ([3], "sigmoid", "sigmoid", "squared"),
    ([5, 3, 2], "leaky_relu", "linear", "squared"),
    ([4], "softplus", "sigmoid", "bce"),
    ([], "tanh", "tanh", "squared"),
    ([6, 4], ["tanh", "relu"], "softplus", "squared"),
])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("batch", [1, 7, 10])
def test_kernel_matches_numpy_loop(xor_small, hidden, act, out_act, loss, reduction, batch):
    spec = NetworkSpec.stack(2, hidden, 1, act, out_act, loss=loss, reduction=reduction, seed=5,
                             features=("x", "y", "xy"))
    lr = 0.01 if reduction == "sum" else 0.1
    assert_same_training(spec, xor_small, batch, lr=lr)


@needs_numba
@pytest.mark.parametrize("opt", [
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.5, l2=0.01),
    dict(lr=0.05, l1=0.003, l2=0.001),
    dict(name="adam", lr=0.01),
    dict(name="adam", lr=0.01, l1=0.001, l2=0.01),
])
@pytest.mark.parametrize("batch", [1, 10, None])
def test_kernel_matches_numpy_optimisers(opt, batch):
    # several outputs, a boolean set small enough for the full batch to go through the kernel
    data = datasets.encoder(8)
    spec = NetworkSpec.stack(8, [3], 8, "sigmoid", "sigmoid", seed=2)
    assert_same_training(spec, data, batch, epochs=5, **opt)


@needs_numba
def test_epoch_hook_changes_reach_the_kernel(xor_small):
    spec = NetworkSpec.stack(2, [4, 2], 1, features=("x", "y"), seed=1)
    runs = []
    for fast in (True, False):
        t = make_trainer(spec, xor_small, 5, fast, lr=0.1, momentum=0.5)

        def hook(tr: Trainer) -> None:  # a schedule: lr and momentum change every epoch
            opt = replace(tr.settings.optimizer, lr=0.1 / (1 + tr.epoch), momentum=0.9 if tr.epoch >= 2 else 0.5)
            tr.set_settings(replace(tr.settings, optimizer=opt))

        t.epoch_hook = hook
        t.step(4)
        runs.append(t.network.params.copy())
    np.testing.assert_allclose(runs[0], runs[1], rtol=TOL, atol=TOL)
    # and the schedule mattered: without it the weights differ
    plain = make_trainer(spec, xor_small, 5, True, lr=0.1, momentum=0.5)
    plain.step(4)
    assert np.abs(plain.network.params - runs[0]).max() > 1e-6


@needs_numba
def test_warm_up_prepares_the_kernel_for_real_calls():
    assert fastpath.warm_up() is True
    assert len(fastpath._get_kernel().signatures) == 1  # the one signature training uses


@needs_numba
def test_fast_path_is_deterministic(xor_small):
    spec = NetworkSpec.stack(2, [8, 8], 1, features=("x", "y"), seed=9)
    a, b = (make_trainer(spec, xor_small, 3, True, lr=0.05, momentum=0.9) for _ in range(2))
    a.step(5)
    b.step(5)
    assert np.array_equal(a.network.params, b.network.params)
    assert a.last_epoch_loss == b.last_epoch_loss


@needs_numba
def test_divergence_in_the_kernel_keeps_the_last_finite_weights(xor_small):
    spec = NetworkSpec.stack(2, [4], 1, "relu", "linear", seed=4, features=("x", "y", "x2", "y2", "xy"))
    t = make_trainer(spec, xor_small, 1, True, lr=50.0, momentum=0.9)
    assert fastpath.applicable(t, t.batch_size)
    before = None
    for _ in range(50):
        before = t.network.params.copy()
        if t.step(1) == 0:
            break
    assert t.diverged is not None
    assert np.isfinite(t.network.params).all()
    assert np.array_equal(t.network.params, before)


@needs_numba
def test_kernel_is_not_used_where_it_cannot_or_should_not_run(xor_small):
    stack = NetworkSpec.stack(2, [4], 1, features=("x", "y"))
    assert fastpath.applicable(make_trainer(stack, xor_small, 10, True), 10)
    softmax = NetworkSpec.stack(2, [4], 2, output_activation="softmax", loss="softmax_ce", features=("x", "y"))
    two_class = datasets.Dataset("two", xor_small.x_train, np.c_[xor_small.y_train, 1 - xor_small.y_train],
                                 xor_small.x_test, np.c_[xor_small.y_test, 1 - xor_small.y_test], "multiclass",
                                 planar=True)
    assert not fastpath.applicable(make_trainer(softmax, two_class, 10, True), 10)
    skip = NetworkSpec(
        inputs=(InputGroup("input", 2),),
        layers=(LayerSpec(4, "tanh", "h1"), LayerSpec(1, "tanh", "out", ("h1", "input"))),
        features=("x", "y"),
    )
    assert not skip.is_plain_stack()
    assert not fastpath.applicable(make_trainer(skip, xor_small, 10, True), 10)
    big = NetworkSpec.stack(2, [64, 64], 1, features=("x", "y"))
    assert not fastpath.applicable(make_trainer(big, xor_small, 10, True), 10)  # BLAS wins there


def test_without_numba_training_falls_back_to_numpy(monkeypatch, xor_small):
    monkeypatch.setattr(fastpath, "_kernel", None)
    monkeypatch.setitem(sys.modules, "numba", None)  # "import numba" now raises ImportError
    spec = NetworkSpec.stack(2, [4, 2], 1, features=("x", "y"), seed=7)
    t = make_trainer(spec, xor_small, 10, True, lr=0.1)
    assert not fastpath.available()
    assert fastpath.warm_up() is False
    assert not fastpath.applicable(t, 10)
    ref = make_trainer(spec, xor_small, 10, False, lr=0.1)
    assert t.step(3) == ref.step(3) == 3
    assert np.array_equal(t.network.params, ref.network.params)


def _unbuildable_kernel(*args):
    return object(), 0  # numba cannot compile a Python object


@needs_numba
def test_a_kernel_numba_cannot_build_leaves_training_on_numpy(monkeypatch, xor_small):
    monkeypatch.setattr(fastpath, "_kernel", None)
    monkeypatch.setattr(fastpath, "_epoch_kernel", _unbuildable_kernel)
    with pytest.warns(RuntimeWarning, match="training runs on NumPy"):
        assert fastpath.warm_up() is False
    spec = NetworkSpec.stack(2, [4, 2], 1, features=("x", "y"), seed=7)
    t = make_trainer(spec, xor_small, 10, True, lr=0.1)
    ref = make_trainer(spec, xor_small, 10, False, lr=0.1)
    assert not fastpath.applicable(t, 10)
    assert t.step(3) == ref.step(3) == 3
    assert np.array_equal(t.network.params, ref.network.params)


@pytest.mark.parametrize("spec", [
    NetworkSpec.stack(3, [5, 4], 2, ["tanh", "sigmoid"], "sigmoid", loss="bce", seed=1),
    NetworkSpec.stack(3, [4], 3, "relu", "softmax", loss="softmax_ce", reduction="sum", seed=2),
    NetworkSpec.stack(3, [3, 3], 1, ["softplus", "leaky_relu"], "linear", seed=3),
    NetworkSpec(
        inputs=(InputGroup("a", 2), InputGroup("b", 1)),
        layers=(LayerSpec(3, "tanh", "h1", ("a",)), LayerSpec(2, "sigmoid", "h2", ("h1", "b")),
                LayerSpec(2, "relu", "unused", ("h1",)), LayerSpec(1, "tanh", "out", ("h2", "h1", "a"))),
        seed=4,
    ),
])
def test_buffered_gradient_is_bit_identical_to_backward(spec):
    """The trainer's buffered NumPy pass is the public backward pass, bit for bit, call after call."""
    rng = np.random.default_rng(0)
    net = Network(spec)
    grad = np.empty(net.size)
    for n in (5, 1, 5, 12):
        x = rng.normal(size=(n, spec.n_inputs))
        y = np.eye(spec.n_outputs)[rng.integers(0, spec.n_outputs, n)] if spec.n_outputs > 1 else rng.uniform(size=(n, 1))
        fp = net.forward(x)
        bp = net.backward(fp, y)
        loss = net.train_gradient(x, y, grad)
        assert loss == bp.loss
        assert np.array_equal(grad, bp.gradient)
        assert bp.gradient is not grad and not np.shares_memory(fp.activations["out"], grad)
        # the public results are fresh arrays: a later buffered pass leaves them alone
        kept = {k: v.copy() for k, v in fp.activations.items()}
        net.train_gradient(x * 2.0, y, grad)
        assert all(np.array_equal(kept[k], fp.activations[k]) for k in kept)


def test_backward_from_swapped_activations_uses_the_arrays_given():
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


def test_numpy_path_detects_divergence_at_once_and_keeps_the_last_finite_weights(xor_small):
    spec = NetworkSpec.stack(2, [4], 1, "relu", "linear", seed=4, features=("x", "y", "x2", "y2", "xy"))
    t = make_trainer(spec, xor_small, 1, False, lr=50.0, momentum=0.9)
    before = None
    for _ in range(50):
        before = t.network.params.copy()
        if t.step(1) == 0:
            break
    assert t.diverged is not None and t.diverged.epoch == t.epoch + 1
    assert np.array_equal(t.network.params, before)


def test_large_but_allowed_weights_are_not_called_divergence(xor_small):
    """The cheap check (p.p <= MAX_WEIGHT**2) fails here; the exact check (each |w| <= MAX_WEIGHT) must then decide."""
    spec = NetworkSpec.stack(2, [3], 1, "tanh", "tanh", seed=1, features=("x", "y"))
    t = make_trainer(spec, xor_small, None, False, lr=0.0)
    t.network.params[:3] = 0.9 * MAX_WEIGHT  # p.p > MAX_WEIGHT**2, yet every weight is within the limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning about the overflow either
        assert t.step(2) == 2
    assert t.diverged is None
