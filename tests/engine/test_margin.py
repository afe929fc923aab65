"""The error margin (1986 paper, figure-4 caption): no error beyond 0.8 / below 0.2.

Checked: the rule itself on hand-picked outputs (logistic and tanh ranges), that margin 0
is the plain squared error, that the network's backward pass and the gradient check
agree with finite differences when some outputs are inside the margin and some outside
(no output near the edge, where the error has its kink), the spec's validation and JSON,
the NumPy-only training path, the step-through's explanation and the CLI option.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import main as entry
from engine.core.activations import get_activation
from engine.core.losses import loss_value, margin_mask, output_delta, per_pattern_loss
from engine.core.network import Network
from engine.core.spec import InitSpec, InputGroup, LayerSpec, NetworkSpec, SpecError
from engine.data.datasets import Dataset
from engine.explain.gradcheck import check_gradients
from engine.explain.stepthrough import StepThrough
from engine.training.trainer import Trainer, TrainSettings
from engine.core.optimizers import OptimizerSettings


def test_paper_rule_on_a_logistic_output():
    y = np.array([[1.0, 1.0, 0.0, 0.0]])
    a = np.array([[0.85, 0.75, 0.15, 0.3]])
    mask = margin_mask(a, y, 0.2, (0.0, 1.0))
    assert mask.tolist() == [[0.0, 1.0, 0.0, 1.0]]
    loss = per_pattern_loss("squared", a, y, margin=0.2)
    assert loss[0] == pytest.approx(0.5 * (0.25**2 + 0.3**2))
    act = get_activation("sigmoid")
    z = np.log(a / (1 - a))
    delta = output_delta("squared", "sum", act, z, a, y, margin=0.2)
    assert delta[0, 0] == 0.0 and delta[0, 2] == 0.0
    assert delta[0, 1] == pytest.approx((0.75 - 1.0) * 0.75 * 0.25)
    assert delta[0, 3] == pytest.approx(0.3 * 0.3 * 0.7)


def test_tanh_targets_use_the_activation_range():
    """With tanh (range -1..1) margin 0.2 means above 0.6 / below -0.6."""
    y = np.array([[1.0, 1.0, -1.0, -1.0]])
    a = np.array([[0.65, 0.55, -0.65, -0.55]])
    assert margin_mask(a, y, 0.2, (-1.0, 1.0)).tolist() == [[0.0, 1.0, 0.0, 1.0]]
    # squashed targets (0.9 / 0.1 on a logistic output) are still on / off targets
    assert margin_mask(np.array([[0.85, 0.15]]), np.array([[0.9, 0.1]]), 0.2, (0.0, 1.0)).tolist() == [[0.0, 0.0]]


def test_margin_zero_is_the_plain_squared_error_bit_for_bit():
    rng = np.random.default_rng(3)
    a, y = rng.uniform(0, 1, (7, 3)), (rng.uniform(0, 1, (7, 3)) > 0.5).astype(float)
    d = a - y
    assert np.array_equal(per_pattern_loss("squared", a, y, margin=0.0), 0.5 * np.einsum("ij,ij->i", d, d))
    assert loss_value("squared", "mean", a, y, margin=0.0) == loss_value("squared", "mean", a, y)
    spec = _spec("sigmoid")
    x, y = _data(spec)
    plain = Network(spec).backward(Network(spec).forward(x), y)
    zero = Network(spec.with_changes(margin=0.0)).backward(Network(spec).forward(x), y)
    assert np.array_equal(plain.gradient, zero.gradient) and plain.loss == zero.loss


def _spec(out_act: str, margin: float = 0.0, reduction: str = "sum") -> NetworkSpec:
    return NetworkSpec(
        inputs=(InputGroup("a", 3), InputGroup("b", 2)),
        layers=(LayerSpec(4, "tanh", "h1", ("a",)), LayerSpec(3, "sigmoid", "h2", ("a", "b")),
                LayerSpec(5, out_act, "out", ("h1", "h2"))),
        reduction=reduction, init=InitSpec("uniform", 2.0), seed=11, margin=margin,
    )


def _data(spec: NetworkSpec, n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    act = get_activation(spec.output_activation)
    x = rng.uniform(-1, 1, (n, spec.n_inputs))
    y = np.where(rng.uniform(0, 1, (n, spec.n_outputs)) > 0.5, act.high, act.low)
    return x, y


@pytest.mark.parametrize("out_act", ["sigmoid", "tanh"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("margin", [0.2, 0.35])
def test_gradient_check_with_outputs_inside_and_outside_the_margin(out_act, reduction, margin):
    spec = _spec(out_act, margin, reduction)
    x, y = _data(spec, 60)
    net = Network(spec)
    act = get_activation(out_act)
    width = act.high - act.low
    edges = np.where(y > 0.5 * (act.low + act.high), act.high - margin * width, act.low + margin * width)
    far = (np.abs(net.predict(x) - edges) > 1e-3).all(axis=1)  # finite differences stay away from the kink
    x, y = x[far], y[far]
    assert len(x) >= 10
    mask = margin_mask(net.predict(x), y, margin, (act.low, act.high))
    assert 0.2 < mask.mean() < 0.8, "the case must have outputs on both sides of the margin"
    result = check_gradients(net, x, y, precision="extended")
    assert result.max_relative_error < 1e-6
    # and the margin really removes error: the plain loss is larger and its gradient differs
    plain = Network(spec.with_changes(margin=0.0), net.params)
    assert plain.loss(x, y) > net.loss(x, y) > 0
    assert not np.allclose(plain.gradient(x, y)[1], result.backprop)


def test_backward_deltas_equal_losses_output_delta():
    spec = _spec("sigmoid", 0.2)
    x, y = _data(spec)
    net = Network(spec)
    fp = net.forward(x)
    bp = net.backward(fp, y)
    expect = output_delta("squared", "sum", get_activation("sigmoid"), fp.pre_activations["out"], fp.output, y, margin=0.2)
    assert np.array_equal(bp.deltas["out"], expect)
    assert bp.loss == pytest.approx(loss_value("squared", "sum", fp.output, y, margin=0.2), rel=1e-12)


@pytest.mark.parametrize("bad", [0.5, -0.1, float("nan"), 1.0])
def test_spec_refuses_margins_outside_the_range(bad):
    with pytest.raises(SpecError, match="margin"):
        NetworkSpec.stack(2, [2], 1, output_activation="sigmoid").with_changes(margin=bad)


def test_spec_refuses_margin_with_other_losses_and_unbounded_outputs():
    with pytest.raises(SpecError, match="squared error only"):
        NetworkSpec.stack(2, [2], 1, output_activation="sigmoid", loss="bce").with_changes(margin=0.2)
    with pytest.raises(SpecError, match="bounded range"):
        NetworkSpec.stack(2, [2], 1, output_activation="linear").with_changes(margin=0.2)


def test_json_keeps_old_files_unchanged_and_round_trips_the_margin():
    spec = NetworkSpec.stack(2, [2], 1, output_activation="sigmoid")
    assert "margin" not in spec.to_dict()
    with_margin = spec.with_changes(margin=0.2)
    d = json.loads(json.dumps(with_margin.to_dict()))
    assert d["margin"] == 0.2
    assert NetworkSpec.from_dict(d) == with_margin
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    for bad in ("0.2", True, None):
        with pytest.raises(SpecError, match="margin"):
            NetworkSpec.from_dict({**d, "margin": bad})


def _xor_trainer(margin: float) -> Trainer:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    data = Dataset("xor4", x, y, x[:0], y[:0], "binary", planar=False)
    spec = NetworkSpec.stack(2, [2], 1, "sigmoid", "sigmoid", reduction="sum", seed=2).with_changes(margin=margin)
    return Trainer(spec, data, TrainSettings(OptimizerSettings("sgd", lr=0.5, momentum=0.9), None, False))


def test_fast_path_refuses_a_margin_and_training_uses_the_margin_loss():
    plain, margin = _xor_trainer(0.0), _xor_trainer(0.2)
    assert margin.path_in_use() == "buffered" and plain.path_in_use() in ("numba", "buffered")
    margin.step(300)
    out = margin.network.predict(margin.x_train)
    assert margin.evaluate().train_loss == pytest.approx(
        loss_value("squared", "sum", out, margin.y_train, margin=0.2), rel=1e-12)
    # the step the trainer takes is the NumPy one: -lr * gradient + momentum, from the margin loss
    before = margin.network.params.copy()
    velocity = margin.optimizer.velocity.copy()
    grad = margin.network.gradient(margin.x_train, margin.y_train)[1]
    margin.step(1)
    assert np.allclose(margin.network.params, before + 0.9 * velocity - 0.5 * grad, rtol=0, atol=1e-12)
    assert plain.spec.margin == 0.0


def test_step_through_explains_an_output_beyond_the_margin():
    spec = _spec("sigmoid", 0.2)
    x, y = _data(spec)
    net = Network(spec)
    a = net.predict(x)
    mask = margin_mask(a, y, 0.2, (0.0, 1.0))
    row, unit = map(int, np.argwhere(mask == 0)[0])
    st = StepThrough(spec, net.params, x, y, row)
    rule = st.explain("out", unit)
    assert rule.dE_da == 0.0 and rule.delta == 0.0
    assert "error margin 0.2" in rule.text() and "counts as zero" in rule.text()
    row2, unit2 = map(int, np.argwhere(mask == 1)[0])
    rule2 = StepThrough(spec, net.params, x, y, row2).explain("out", unit2)
    assert rule2.delta != 0.0 and rule2.delta == pytest.approx(rule2.dE_da * rule2.derivative)
    assert any("error margin 0.2" in p.detail for p in st.phases if p.kind == "error")


def test_cli_margin_option(tmp_path, capsys):
    code = entry.main(["train", "--preset", "xor-2-2-1", "--margin", "0.2", "--epochs", "5", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "error margin 0.2" in out
    saved = json.loads((tmp_path / "network.json").read_text())
    assert saved["spec"]["margin"] == 0.2
    for bad in ("0.5", "-0.1", "x"):
        assert entry.main(["gradcheck", "--margin", bad]) == 2
        assert "margin" in capsys.readouterr().err
    assert entry.main(["gradcheck", "--margin", "0.2", "--loss", "bce"]) == 2
    assert "squared error only" in capsys.readouterr().err


def test_project_file_keeps_the_margin_and_continues_exactly(tmp_path):
    from engine.files.serialize import load_project, project_from_trainer, save_project, trainer_from_project
    from engine.presets import get_preset

    t = get_preset("family-trees").make_trainer(seed=3)
    t.step(30)
    save_project(tmp_path / "p.json", project_from_trainer(t))
    assert json.loads((tmp_path / "p.json").read_text())["spec"]["margin"] == 0.2
    again = trainer_from_project(load_project(tmp_path / "p.json"))
    assert again.spec.margin == 0.2 and again.spec == t.spec
    assert again.evaluate().train_loss == t.evaluate().train_loss
