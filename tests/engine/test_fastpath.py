"""The optional numba epoch kernel agrees with the reference network to 1e-12 per step.

Each comparison trains two identical trainers, one on the numba path and one on the
reference path (engine/core/network.py), and compares losses and parameters after every
epoch, and the optimiser state at the end.
"""
from __future__ import annotations

from dataclasses import replace
import sys
import warnings

import numpy as np
import pytest

from engine.limits import MAX_WEIGHT

from engine.data import datasets

from engine.fast import fastchunk, fastpath
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import InputGroup, LayerSpec, NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

TOL = 1e-12


def make_trainer(spec: NetworkSpec, data: datasets.Dataset, batch: int | None, path: str = "auto", **opt) -> Trainer:
    settings = TrainSettings(OptimizerSettings(**opt), batch_size=batch)
    t = Trainer(spec, data, settings)
    t.path = path
    return t


def assert_same_training(spec, data, batch, epochs=3, **opt) -> tuple[Trainer, Trainer]:
    fast, ref = make_trainer(spec, data, batch, "auto", **opt), make_trainer(spec, data, batch, "reference", **opt)
    assert fast.path_in_use() == "numba", "the fast path must be the one under test"
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


needs_numba = pytest.mark.skipif(not fastchunk.available(), reason="numba is not installed")


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
def test_kernel_matches_the_reference(xor_small, hidden, act, out_act, loss, reduction, batch):
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
def test_kernel_matches_the_reference_optimisers(opt, batch):
    # several outputs, a boolean set small enough for the full batch to go through the kernel
    data = datasets.encoder(8)
    spec = NetworkSpec.stack(8, [3], 8, "sigmoid", "sigmoid", seed=2)
    assert_same_training(spec, data, batch, epochs=5, **opt)


@needs_numba
def test_epoch_hook_changes_reach_the_kernel(xor_small):
    spec = NetworkSpec.stack(2, [4, 2], 1, features=("x", "y"), seed=1)
    runs = []
    for path in ("auto", "reference"):
        t = make_trainer(spec, xor_small, 5, path, lr=0.1, momentum=0.5)

        def hook(tr: Trainer) -> None:  # a schedule: lr and momentum change every epoch
            opt = replace(tr.settings.optimizer, lr=0.1 / (1 + tr.epoch), momentum=0.9 if tr.epoch >= 2 else 0.5)
            tr.set_settings(replace(tr.settings, optimizer=opt))

        t.epoch_hook = hook
        assert t.path_in_use() == ("numba" if path == "auto" else "reference")
        t.step(4)
        runs.append(t.network.params.copy())
    np.testing.assert_allclose(runs[0], runs[1], rtol=TOL, atol=TOL)
    # and the schedule mattered: without it the weights differ
    plain = make_trainer(spec, xor_small, 5, "auto", lr=0.1, momentum=0.5)
    plain.step(4)
    assert np.abs(plain.network.params - runs[0]).max() > 1e-6


@needs_numba
def test_warm_up_prepares_the_kernels_for_real_calls(xor_small):
    assert fastpath.warm_up() is True and fastchunk.warm_up() is True
    for batch in (None, 3):  # full batch and shuffled mini-batches: the same argument types
        make_trainer(NetworkSpec.stack(2, [3], 1, features=("x", "y")), xor_small, batch, "numba").step(2)
    assert len(fastpath.kernel().signatures) == 1  # the one signature training uses
    assert len(fastchunk._get().signatures) == 1


@needs_numba
def test_fast_path_is_deterministic(xor_small):
    spec = NetworkSpec.stack(2, [8, 8], 1, features=("x", "y"), seed=9)
    a, b = (make_trainer(spec, xor_small, 3, "numba", lr=0.05, momentum=0.9) for _ in range(2))
    a.step(5)
    b.step(5)
    assert np.array_equal(a.network.params, b.network.params)
    assert a.last_epoch_loss == b.last_epoch_loss


@needs_numba
def test_divergence_in_the_kernel_keeps_the_last_finite_weights(xor_small):
    spec = NetworkSpec.stack(2, [4], 1, "relu", "linear", seed=4, features=("x", "y", "x2", "y2", "xy"))
    t = make_trainer(spec, xor_small, 1, "auto", lr=50.0, momentum=0.9)
    assert t.path_in_use() == "numba"
    before = None
    for _ in range(50):
        before = t.network.params.copy()
        if t.step(1) == 0:
            break
    assert t.diverged is not None and t.diverged.epoch == t.epoch + 1
    assert np.isfinite(t.network.params).all()
    assert np.array_equal(t.network.params, before)
    assert not t.optimizer.velocity.any()


@needs_numba
def test_kernel_is_not_used_where_it_cannot_or_should_not_run(xor_small):
    stack = NetworkSpec.stack(2, [4], 1, features=("x", "y"))
    assert make_trainer(stack, xor_small, 10).path_in_use() == "numba"
    softmax = NetworkSpec.stack(2, [4], 2, output_activation="softmax", loss="softmax_ce", features=("x", "y"))
    two_class = datasets.Dataset("two", xor_small.x_train, np.c_[xor_small.y_train, 1 - xor_small.y_train],
                                 xor_small.x_test, np.c_[xor_small.y_test, 1 - xor_small.y_test], "multiclass",
                                 planar=True)
    assert make_trainer(softmax, two_class, 10).path_in_use() == "buffered"
    skip = NetworkSpec(
        inputs=(InputGroup("input", 2),),
        layers=(LayerSpec(4, "tanh", "h1"), LayerSpec(1, "tanh", "out", ("h1", "input"))),
        features=("x", "y"),
    )
    assert not skip.is_plain_stack()
    assert make_trainer(skip, xor_small, 10).path_in_use() == "buffered"
    with pytest.raises(ValueError, match="numba path cannot run"):
        make_trainer(skip, xor_small, 10, "numba").step(1)
    big = NetworkSpec.stack(2, [64, 64], 1, features=("x", "y"))
    assert make_trainer(big, xor_small, 10).path_in_use() == "buffered"  # BLAS wins there
    assert make_trainer(big, xor_small, 10, "numba").path_in_use() == "numba"  # unless asked for


def test_without_numba_training_falls_back_to_numpy(monkeypatch, xor_small):
    monkeypatch.setattr(fastpath, "_kernel", None)
    monkeypatch.setitem(sys.modules, "numba", None)  # "import numba" now raises ImportError
    spec = NetworkSpec.stack(2, [4, 2], 1, features=("x", "y"), seed=7)
    t = make_trainer(spec, xor_small, 10, "auto", lr=0.1)
    assert not fastpath.available() and not fastchunk.available()
    assert fastpath.warm_up() is False and fastchunk.warm_up() is False
    assert t.path_in_use() == "buffered"
    ref = make_trainer(spec, xor_small, 10, "buffered", lr=0.1)
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
    t = make_trainer(spec, xor_small, 10, "auto", lr=0.1)
    ref = make_trainer(spec, xor_small, 10, "buffered", lr=0.1)
    assert t.path_in_use() == "buffered"
    assert t.step(3) == ref.step(3) == 3
    assert np.array_equal(t.network.params, ref.network.params)


@pytest.mark.parametrize("path", ["reference", "buffered"])
def test_numpy_paths_detect_divergence_at_once_and_keep_the_last_finite_weights(xor_small, path):
    spec = NetworkSpec.stack(2, [4], 1, "relu", "linear", seed=4, features=("x", "y", "x2", "y2", "xy"))
    t = make_trainer(spec, xor_small, 1, path, lr=50.0, momentum=0.9)
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
    t = make_trainer(spec, xor_small, None, "buffered", lr=0.0)
    t.network.params[:3] = 0.9 * MAX_WEIGHT  # p.p > MAX_WEIGHT**2, yet every weight is within the limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning about the overflow either
        assert t.step(2) == 2
    assert t.diverged is None


@pytest.mark.parametrize("path", ["buffered", "numba"])
def test_a_weight_beyond_the_limit_is_divergence_on_every_path(xor_small, path):
    if path == "numba" and not fastchunk.available():
        pytest.skip("numba is not installed")
    spec = NetworkSpec.stack(2, [3], 1, "tanh", "tanh", seed=1, features=("x", "y"))
    t = make_trainer(spec, xor_small, None, path, lr=0.0)
    t.network.params[0] = 2 * MAX_WEIGHT  # finite, but no project file would accept it
    assert t.step(3) == 0
    assert t.diverged is not None and "beyond" in t.diverged.what
