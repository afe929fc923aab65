"""The buffered network and the trainer's paths give the reference network's numbers.

The reference (engine/core/network.py) is the oracle: the buffered path
(engine/fast/buffered.py) must agree with it to 1e-12 per step, on stacks and DAGs, every
loss, mini-batches and full batches. The numba path is compared in test_fastpath.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import InputGroup, LayerSpec, NetworkSpec
from engine.data import datasets
from engine.fast import fastchunk
from engine.fast.buffered import BufferedNetwork
from engine.training.paths import PATHS
from engine.training.trainer import Trainer, TrainSettings

TOL = 1e-12

SPECS = [
    NetworkSpec.stack(3, [5, 4], 2, ["tanh", "sigmoid"], "sigmoid", loss="bce", seed=1),
    NetworkSpec.stack(3, [4], 3, "relu", "softmax", loss="softmax_ce", reduction="sum", seed=2),
    NetworkSpec.stack(3, [3, 3], 1, ["softplus", "leaky_relu"], "linear", seed=3),
    NetworkSpec.stack(3, [], 1, output_activation="tanh", seed=5),
    NetworkSpec.stack(3, [4, 1, 3], 2, "linear", "tanh", seed=6),
    NetworkSpec(
        inputs=(InputGroup("a", 2), InputGroup("b", 1)),
        layers=(LayerSpec(3, "tanh", "h1", ("a",)), LayerSpec(2, "sigmoid", "h2", ("h1", "b")),
                LayerSpec(2, "relu", "unused", ("h1",)), LayerSpec(1, "tanh", "out", ("h2", "h1", "a"))),
        seed=4,
    ),
]


def patterns(spec: NetworkSpec, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, spec.n_inputs))
    if spec.loss == "softmax_ce":
        return x, np.eye(spec.n_outputs)[rng.integers(0, spec.n_outputs, n)]
    low = -1.0 if spec.output_activation == "tanh" else 0.0
    return x, rng.uniform(low, 1.0, (n, spec.n_outputs))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: "-".join(l.activation for l in s.layers))
def test_buffered_gradient_equals_the_reference_call_after_call(spec):
    rng = np.random.default_rng(0)
    net = Network(spec)
    buffered = BufferedNetwork(net)
    grad = np.empty(net.size)
    for n in (5, 1, 5, 12, 5):  # new and reused workspaces
        x, y = patterns(spec, n, rng)
        fp = net.forward(x)
        bp = net.backward(fp, y)
        loss = buffered.train_gradient(x, y, grad)
        assert loss == pytest.approx(bp.loss, rel=TOL, abs=TOL)
        np.testing.assert_allclose(grad, bp.gradient, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(buffered.output, fp.output, rtol=TOL, atol=TOL)
        assert not np.shares_memory(bp.gradient, grad)
    other = np.empty(net.size)  # a second gradient vector: written, the first left alone
    kept = grad.copy()
    buffered.train_gradient(x, y, other)
    np.testing.assert_allclose(other, bp.gradient, rtol=TOL, atol=TOL)
    assert np.array_equal(grad, kept)


def test_buffered_network_follows_weights_changed_in_place():
    spec = SPECS[0]
    net = Network(spec)
    buffered = BufferedNetwork(net)
    x, y = patterns(spec, 6, np.random.default_rng(1))
    grad = np.empty(net.size)
    buffered.train_gradient(x, y, grad)
    net.weights[1][0][2, 1] += 0.5  # as the window's weight edit does
    net.set_params(net.params * 0.9)
    buffered.train_gradient(x, y, grad)
    np.testing.assert_allclose(grad, net.backward(net.forward(x), y).gradient, rtol=TOL, atol=TOL)


def trainer(spec: NetworkSpec, data: datasets.Dataset, path: str, batch: int | None, **opt) -> Trainer:
    t = Trainer(spec, data, TrainSettings(OptimizerSettings(**opt), batch_size=batch))
    t.path = path
    return t


@pytest.mark.parametrize("opt", [dict(lr=0.1, momentum=0.9), dict(name="adam", lr=0.01, l1=0.001, l2=0.01)])
@pytest.mark.parametrize("batch", [None, 7, 1])
@pytest.mark.parametrize("spec", [SPECS[0], SPECS[2], SPECS[5]], ids=["bce", "linear", "dag"])
def test_buffered_training_equals_the_reference_every_step(spec, batch, opt):
    rng = np.random.default_rng(2)
    x, y = patterns(spec, 30, rng)
    task = "multiclass" if spec.loss == "softmax_ce" else "regression"
    data = datasets.Dataset("random", x, y, x[:0], y[:0], task)
    fast, ref = trainer(spec, data, "buffered", batch, **opt), trainer(spec, data, "reference", batch, **opt)
    assert fast.path_in_use() == "buffered" and ref.path_in_use() == "reference"
    for _ in range(5):
        assert fast.step(1) == ref.step(1) == 1
        assert fast.last_epoch_loss == pytest.approx(ref.last_epoch_loss, rel=TOL, abs=TOL)
        np.testing.assert_allclose(fast.network.params, ref.network.params, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(fast.optimizer.velocity, ref.optimizer.velocity, rtol=1e-10, atol=TOL)


@pytest.fixture(scope="module")
def circle() -> datasets.Dataset:
    return datasets.planar("circle", 80, noise=0.1, test_ratio=0.25, seed=1)


@pytest.mark.parametrize("path", ["reference", "buffered", "numba"])
def test_recorded_passes_hold_the_loss_and_accuracy_of_the_weights_each_epoch_started_from(circle, path):
    """Full batch: epoch k's pass measures the weights after k - 1 epochs, as evaluate() would."""
    if path == "numba" and not fastchunk.available():
        pytest.skip("numba is not installed")
    spec = NetworkSpec.stack(2, [4], 1, "tanh", "tanh", features=("x", "y"), seed=3)
    t = trainer(spec, circle, path, None, lr=0.3)
    t.record_passes = True
    for epoch in range(1, 6):
        before = t.evaluate()
        assert t.step(1) == 1
        row = t.history.last()
        assert row["epoch"] == epoch == t.epoch
        assert row["train_loss"] == pytest.approx(before.train_loss, rel=TOL) == t.last_epoch_loss
        assert row["train_acc"] == before.train_acc == t.last_epoch_accuracy
        assert np.isnan(row["test_loss"]) and np.isnan(row["test_acc"])
    assert len(t.history) == 5
    assert t.step(7) == 7 and len(t.history) == 12  # one row per epoch also when stepping several


@pytest.mark.parametrize("path", ["buffered", "numba"])
def test_recorded_mini_batch_passes_count_every_pattern_once(circle, path):
    if path == "numba" and not fastchunk.available():
        pytest.skip("numba is not installed")
    spec = NetworkSpec.stack(2, [4], 1, "tanh", "tanh", features=("x", "y"), seed=3)
    t, plain = trainer(spec, circle, path, 7, lr=0.0), trainer(spec, circle, path, 7, lr=0.0)
    t.record_passes = True
    t.step(3)
    plain.step(3)
    assert np.array_equal(t.network.params, plain.network.params)  # recording changes nothing
    m = t.evaluate()  # lr 0: the weights never move, so every pass sees them
    assert t.history.last()["train_loss"] == pytest.approx(m.train_loss, rel=TOL)
    assert t.history.last()["train_acc"] == m.train_acc


def test_paths_are_chosen_by_name(circle):
    spec = NetworkSpec.stack(2, [4], 1, features=("x", "y"))
    t = trainer(spec, circle, "auto", None)
    assert t.path_in_use() in ("numba", "buffered")
    for name in ("reference", "buffered"):
        t.path = name
        assert t.path_in_use() == name
    t.path = "fastest"
    with pytest.raises(ValueError, match="unknown training path"):
        t.step(1)
    assert "auto" in PATHS


@pytest.mark.parametrize("path", ["reference", "buffered"])
def test_epochs_recorded_in_blocks_match_the_weights_each_epoch_started_from(circle, path, monkeypatch):
    """Several epochs in one call: their outputs are scored in blocks (here of 3 epochs, so
    blocks end mid-call and the last one is partial); every row still equals evaluate() of the
    weights its epoch started from."""
    import engine.training.trainer as trainer_module

    monkeypatch.setattr(trainer_module, "OUTPUT_BLOCK_VALUES", 3 * len(circle.y_train))
    spec = NetworkSpec.stack(2, [4], 1, "tanh", "tanh", features=("x", "y"), seed=3)
    t, oracle = trainer(spec, circle, path, None, lr=0.3), trainer(spec, circle, path, None, lr=0.3)
    t.record_passes = True
    expected = []
    for _ in range(8):
        m = oracle.evaluate()
        expected.append((m.train_loss, m.train_acc))
        oracle.step(1)
    assert t.step(8) == 8 and len(t.history) == 8
    rows = t.history.array()
    np.testing.assert_allclose(rows[:, 1], [e[0] for e in expected], rtol=TOL)
    assert list(rows[:, 3]) == [e[1] for e in expected]
    assert list(rows[:, 0]) == list(range(1, 9)) and t.last_epoch_accuracy == expected[-1][1]


def test_a_run_that_diverges_mid_block_keeps_the_rows_before_it(circle, monkeypatch):
    import engine.training.trainer as trainer_module

    monkeypatch.setattr(trainer_module, "OUTPUT_BLOCK_VALUES", 3 * len(circle.y_train))
    spec = NetworkSpec.stack(2, [4], 1, "relu", "linear", features=("x", "y"), seed=3)
    t = trainer(spec, circle, "buffered", None, lr=2.0)  # grows until a weight passes the sane limit
    t.record_passes = True
    done = t.step(50)
    assert t.diverged is not None and done == t.epoch and 3 < t.epoch < 6  # mid-way through the second block
    rows = t.history.array()
    assert list(rows[:, 0]) == list(range(1, t.epoch + 1))  # one row per epoch kept, none after
    assert np.all(np.isfinite(rows[:, 1])) and np.all(np.isfinite(rows[:, 3]))
    assert t.last_epoch_accuracy == rows[-1, 3]
