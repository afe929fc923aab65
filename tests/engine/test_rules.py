"""Learning rules (backprop, weight perturbation) and frozen layers (LayerSpec.learns)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import InputGroup, LayerSpec, NetworkSpec, SpecError
from engine.data.datasets import xor_table
from engine.fast import fastchunk
from engine.presets import get_preset
from engine.training import rules
from engine.training.trainer import TrainSettings, Trainer


def _random_specs() -> list[NetworkSpec]:
    skip = NetworkSpec(
        inputs=(InputGroup("a", 2), InputGroup("b", 1)),
        layers=(
            LayerSpec(3, "tanh", "h1", ("a",)),
            LayerSpec(2, "sigmoid", "h2", ("h1", "b")),
            LayerSpec(2, "sigmoid", "out", ("h2", "a")),
        ),
        loss="bce",
        seed=5,
    )
    return [
        NetworkSpec.stack(2, [2], 1, activation="sigmoid", output_activation="sigmoid", seed=1),
        NetworkSpec.stack(3, [4, 3], 2, activation="tanh", output_activation="linear", seed=2, reduction="sum"),
        NetworkSpec.stack(4, [5], 3, activation="relu", output_activation="softmax", loss="softmax_ce", seed=3),
        skip,
        # the 1986 error margin: outputs beyond it of a 0/1 target have no error
        NetworkSpec.stack(3, [3], 2, activation="sigmoid", output_activation="sigmoid", seed=6).with_changes(margin=0.2),
    ]


def _frozen(spec: NetworkSpec, *names: str) -> NetworkSpec:
    return spec.with_changes(layers=tuple(replace(l, learns=l.name not in names) for l in spec.layers))


def _batch(net: Network, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, net.spec.n_inputs))
    if net.spec.output_activation == "softmax":
        y = np.eye(net.spec.n_outputs)[rng.integers(0, net.spec.n_outputs, n)]
    elif net.spec.margin:
        y = rng.integers(0, 2, (n, net.spec.n_outputs)).astype(float)
    elif net.spec.output_activation == "sigmoid":
        y = rng.uniform(0.05, 0.95, (n, net.spec.n_outputs))
    else:
        y = rng.normal(size=(n, net.spec.n_outputs))
    return x, y


@pytest.mark.parametrize("spec", _random_specs(), ids=lambda s: "-".join(str(l.units) for l in s.layers))
def test_perturbation_slopes_equal_backprop_gradient(spec: NetworkSpec) -> None:
    net = Network(spec)
    net.params[:] = np.random.default_rng(7).uniform(-1.0, 1.0, net.size)
    x, y = _batch(net, 9, seed=11)
    before = net.params.copy()
    loss_b, grad_b, passes_b = rules.slopes("backprop", net, x, y)
    loss_p, grad_p, passes_p = rules.slopes("perturbation", net, x, y)
    assert loss_p == pytest.approx(loss_b, rel=1e-12) and loss_p == net.loss(x, y)
    # forward differences with h = 1e-6 err by about h * E'' / 2: a few 1e-7 here
    np.testing.assert_allclose(grad_p, grad_b, rtol=1e-4, atol=1e-5)
    assert np.abs(grad_b).max() > 1e-3  # the comparison is not between two zero vectors
    assert np.array_equal(net.params, before)  # every nudge undone bit-for-bit
    assert (passes_b, passes_p) == (2, 1 + net.size)


def test_perturbation_skips_frozen_layers_and_counts_only_learning_parameters() -> None:
    spec = _frozen(NetworkSpec.stack(3, [4], 2, seed=4), "h1")
    net = Network(spec)
    x, y = _batch(net, 6, seed=1)
    mask = rules.learning_mask(net)
    assert mask is not None and mask.sum() == 4 * 2 + 2  # the output layer's weights and biases
    _, grad_b, _ = rules.slopes("backprop", net, x, y, mask)
    _, grad_p, passes = rules.slopes("perturbation", net, x, y, mask)
    assert passes == 1 + 10
    assert np.all(grad_p[mask == 0] == 0.0) and np.all(grad_b[mask == 0] == 0.0)
    np.testing.assert_allclose(grad_p, grad_b, rtol=1e-4, atol=1e-5)


def test_passes_per_step_for_both_rules() -> None:
    """Full batch: backprop 2 per step, perturbation 1 + the number of (learning) parameters;
    mini-batches count per batch."""
    spec = NetworkSpec.stack(2, [3], 1, seed=0)
    data = xor_table()
    for rule, per_step in (("backprop", 2), ("perturbation", 1 + spec.n_parameters())):
        t = Trainer(spec, data, TrainSettings(batch_size=None, rule=rule))
        t.step(1)
        assert t.passes == per_step
        t.step(3)
        assert t.passes == 4 * per_step
        assert t.seconds > 0.0
        snap = t.snapshot()
        assert (snap.passes, snap.seconds) == (t.passes, t.seconds)
        t.reset()
        assert (t.passes, t.seconds) == (0, 0.0)
    mini = Trainer(spec, data, TrainSettings(batch_size=3, rule="backprop"))  # batches of 3 and 1
    mini.step(2)
    assert mini.passes == 2 * 2 * 2
    pert = Trainer(_frozen(spec, "h1"), data, TrainSettings(batch_size=None, rule="perturbation"))
    pert.step(1)
    assert pert.passes == 1 + (3 + 1)  # the output layer: 3 weights and a bias


def test_fast_paths_count_passes_and_never_run_other_rules() -> None:
    spec = NetworkSpec.stack(2, [3], 1, seed=0)
    t = Trainer(spec, xor_table(), TrainSettings(batch_size=None))
    assert t.path_in_use() == ("numba" if fastchunk.available() else "buffered")
    t.step(5)  # compiled when numba is there, else buffered NumPy: same count
    assert t.passes == 10
    for changed in (Trainer(_frozen(spec, "h1"), xor_table(), TrainSettings(batch_size=None)),
                    Trainer(spec, xor_table(), TrainSettings(batch_size=None, rule="perturbation"))):
        assert not changed.plain_backprop and changed.path_in_use() == "buffered"
        changed.path = "numba"
        with pytest.raises(ValueError, match="numba path cannot run"):
            changed.step(1)


def test_training_by_perturbation_solves_xor_2_2_1_on_most_seeds() -> None:
    """The paper's XOR 2-2-1 (eps 0.5, alpha 0.9, tss < 0.04) by weight perturbation: it
    learns like backprop (forward differences are that close) but pays 10 forward passes
    per step instead of 2. Measured: 28/30 seeds (0..29) for both rules."""
    preset = get_preset("xor-2-2-1")
    solved = 0
    seeds = range(12)
    for seed in seeds:
        settings = replace(preset.train_settings(), rule="perturbation")
        t = Trainer(preset.spec.with_changes(seed=seed), preset.make_dataset(), settings)
        while t.epoch < preset.epochs and not preset.criterion.met(t):
            t.step(50)
        if preset.criterion.met(t):
            solved += 1
            assert t.passes == t.epoch * (1 + 9)
    assert solved >= 9, solved


@pytest.mark.parametrize(
    "optimizer",
    [OptimizerSettings("sgd", lr=0.5, momentum=0.9, l2=0.01, l1=0.001), OptimizerSettings("adam", lr=0.05, l2=0.01)],
    ids=["sgd-momentum-l1-l2", "adam-l2"],
)
@pytest.mark.parametrize("rule", rules.RULES)
@pytest.mark.parametrize("batch", [None, 2])
def test_frozen_layers_keep_their_weights_bit_for_bit_while_others_learn(optimizer, rule, batch) -> None:
    spec = _frozen(NetworkSpec.stack(2, [3, 2], 1, activation="tanh", seed=3), "h1")
    t = Trainer(spec, xor_table(), TrainSettings(optimizer, batch_size=batch, rule=rule))
    start = t.network.params.copy()
    mask = rules.learning_mask(t.network)
    frozen, learning = mask == 0.0, mask == 1.0
    t.step(30)
    after = t.network.params
    assert t.diverged is None
    assert after[frozen].tobytes() == start[frozen].tobytes()
    assert np.all(t.optimizer.velocity[frozen] == 0.0)
    assert np.all(t.optimizer.state.m[frozen] == 0.0)
    assert np.abs(after[learning] - start[learning]).min() > 0.0  # every learning parameter moved
    # the frozen layer's blame is still computed: the backward pass runs through it
    snap = t.snapshot()
    assert np.abs(snap.pattern_deltas["h1"]).max() > 0.0


def test_frozen_hidden_layer_fails_xor_where_the_same_net_learns() -> None:
    """Step 4 of the credit-assignment story: train only the output layer of the paper's
    2-2-1 XOR net (eps 0.5, alpha 0.9, tss < 0.04 within 2,000 sweeps) and XOR stays out of
    reach. Measured over seeds 0..29: hidden layer frozen 0/30 solved (backprop and
    perturbation alike), the same nets unfrozen 28/30."""
    preset = get_preset("xor-2-2-1")
    counts = {}
    for frozen in (False, True):
        solved = 0
        for seed in range(10):
            spec = preset.spec.with_changes(seed=seed)
            if frozen:
                spec = _frozen(spec, spec.layers[0].name)
            t = Trainer(spec, preset.make_dataset(), preset.train_settings())
            while t.epoch < preset.epochs and not preset.criterion.met(t):
                t.step(100)
            solved += preset.criterion.met(t)
        counts[frozen] = solved
    assert counts[False] >= 8 and counts[True] <= 2, counts


def test_learns_is_written_only_for_frozen_layers() -> None:
    spec = NetworkSpec.stack(2, [2], 1)
    d = spec.to_dict()
    assert all("learns" not in layer for layer in d["layers"])  # old files unchanged
    frozen = _frozen(spec, "h1")
    fd = frozen.to_dict()
    assert fd["layers"][0]["learns"] is False and "learns" not in fd["layers"][1]
    assert NetworkSpec.from_dict(fd) == frozen
    assert NetworkSpec.from_dict(d) == spec
    fd["layers"][0]["learns"] = "no"
    with pytest.raises(SpecError, match="true or false"):
        NetworkSpec.from_dict(fd)
    with pytest.raises(SpecError, match="true or false"):
        NetworkSpec.stack(2, [2], 1).with_changes(layers=(LayerSpec(2, "tanh", "h1", (), 0), LayerSpec(1, "tanh", "out")))


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="backprop or perturbation"):
        Trainer(NetworkSpec.stack(2, [2], 1), xor_table(), TrainSettings(rule="hebb"))


def test_project_file_keeps_rule_and_frozen_layers_and_old_files_are_unchanged() -> None:
    from engine.files.serialize import (
        ProjectError, project_from_dict, project_from_trainer, project_to_dict, trainer_from_project,
    )

    plain = Trainer(NetworkSpec.stack(2, [2], 1), xor_table(), TrainSettings(batch_size=None))
    d = project_to_dict(project_from_trainer(plain))
    assert "rule" not in d["settings"] and all("learns" not in l for l in d["spec"]["layers"])
    assert project_from_dict(d).settings.rule == "backprop"

    spec = _frozen(NetworkSpec.stack(2, [2], 1), "h1")
    t = Trainer(spec, xor_table(), TrainSettings(batch_size=None, rule="perturbation"))
    t.step(5)
    d = project_to_dict(project_from_trainer(t))
    assert d["settings"]["rule"] == "perturbation" and d["spec"]["layers"][0]["learns"] is False
    again = trainer_from_project(project_from_dict(d))
    assert again.settings.rule == "perturbation" and not again.spec.layers[0].learns
    frozen = rules.learning_mask(again.network) == 0.0
    kept = again.network.params[frozen].copy()
    again.step(5)
    assert again.network.params[frozen].tobytes() == kept.tobytes()
    assert again.passes == 5 * (1 + 3)
    d["settings"]["rule"] = "hebb"
    with pytest.raises(ProjectError, match="settings.rule must be one of backprop, perturbation, not 'hebb'"):
        project_from_dict(d)


def test_step_through_update_leaves_frozen_layers_alone() -> None:
    """The Backward-pass tab's one-pattern step obeys the same rule as training."""
    from engine.explain.stepthrough import StepThrough

    spec = _frozen(NetworkSpec.stack(2, [3], 1, seed=2), "h1")
    t = Trainer(spec, xor_table(), TrainSettings(OptimizerSettings("sgd", lr=0.5, momentum=0.9, l2=0.01)))
    t.step(2)
    walk = StepThrough.from_trainer(t, 1)
    frozen = rules.learning_mask(t.network) == 0.0
    assert np.abs(walk.gradient[frozen]).max() > 0.0  # blame reaches h1's weights...
    assert walk.params_after[frozen].tobytes() == walk.params_before[frozen].tobytes()  # ...but they stay
    assert not np.array_equal(walk.params_after[~frozen], walk.params_before[~frozen])
    walk.apply(t)
    assert np.array_equal(t.network.params, walk.params_after)
