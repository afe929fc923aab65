"""Loss slices equal the network's own loss at every point; the path comes from the timeline."""
import numpy as np
import pytest

from engine.data.datasets import xor_table, encoder
from engine.explain.landscape import batched_losses, loss_curve, loss_surface, parameter_names
from engine.core.network import Network
from engine.core.spec import LayerSpec, NetworkSpec
from engine.explain.stepthrough import pattern_arrays
from engine.explain.timeline import Timeline
from engine.training.trainer import Trainer


def test_batched_losses_equal_network_loss_for_each_setting():
    specs = [
        (NetworkSpec.stack(2, [3, 2], 1, seed=1), xor_table()),
        (NetworkSpec.stack(4, [2], 4, activation="relu", output_activation="softmax", loss="softmax_ce", reduction="sum"),
         encoder(4)),
        (NetworkSpec(inputs=NetworkSpec.stack(2, [2], 1).inputs,
                     layers=(LayerSpec(2, "sigmoid", "h1"), LayerSpec(1, "sigmoid", "out", ("input", "h1"))), loss="bce"),
         xor_table()),
    ]
    rng = np.random.default_rng(0)
    for spec, data in specs:
        x, y = pattern_arrays(spec, data)
        sets = rng.normal(size=(7, spec.n_parameters()))
        got = batched_losses(spec, sets, x, y)
        want = [Network(spec, p).loss(x, y) for p in sets]
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14)


def test_curve_and_surface_pass_through_the_current_point():
    spec = NetworkSpec.stack(2, [2], 1, seed=2)
    x, y = pattern_arrays(spec, xor_table())
    net = Network(spec)
    curve = loss_curve(spec, net.params, x, y, 3, np.linspace(-2, 2, 9))
    assert curve.loss.shape == (9,) and curve.current_loss == pytest.approx(net.loss(x, y))
    p = net.params.copy()
    p[3] = 1.5
    assert curve.loss[-2] == pytest.approx(Network(spec, p).loss(x, y), rel=1e-12)
    surf = loss_surface(spec, net.params, x, y, 0, 6, np.linspace(-1, 1, 5), np.linspace(-3, 3, 4))
    assert surf.loss.shape == (4, 5)
    p = net.params.copy()
    p[0], p[6] = 0.5, 1.0  # column 3, row 2
    assert surf.loss[2, 3] == pytest.approx(Network(spec, p).loss(x, y), rel=1e-12)
    default = loss_curve(spec, net.params, x, y, 0)
    assert default.axes[0][0] < net.params[0] < default.axes[0][-1]
    with pytest.raises(ValueError):
        loss_surface(spec, net.params, x, y, 1, 1)


def test_parameter_names_and_path_from_timeline():
    spec = NetworkSpec.stack(2, [2], 1)
    names = parameter_names(spec)
    assert names[0] == "w input[1]→h1[1]" and names[4] == "b h1[1]" and names[-1] == "b out[1]"  # 1-based for the student
    assert len(set(names)) == spec.n_parameters()
    t = Trainer(spec, xor_table())
    tl = Timeline(8)
    for _ in range(30):
        t.step(1)
        tl.offer_snapshot(t.snapshot())
    epochs, values, losses = tl.path([0, 6])
    assert values.shape == (len(epochs), 2) and values[-1, 0] == t.network.params[0]
