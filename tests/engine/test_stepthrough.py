"""Step-through phases: the engine's numbers, navigable both ways, and `apply` = one real step."""
import numpy as np
import pytest

from engine.data.datasets import planar, xor_table
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import LayerSpec, NetworkSpec
from engine.explain.stepthrough import StaleStepThrough, StepThrough, fmt, pattern_arrays
from engine.training.trainer import Trainer, TrainSettings


def xor_trainer(momentum=0.9, name="sgd", loss="squared", out_act="tanh", steps=5):
    spec = NetworkSpec.stack(2, [3, 2], 1, output_activation=out_act, loss=loss, seed=3)
    t = Trainer(spec, xor_table(), TrainSettings(OptimizerSettings(name=name, lr=0.3, momentum=momentum), batch_size=2))
    t.step(steps)  # non-zero velocity / Adam moments
    return t


def skip_spec():
    return NetworkSpec(
        inputs=NetworkSpec.stack(2, [2], 1).inputs,
        layers=(LayerSpec(2, "sigmoid", "h1"), LayerSpec(2, "relu", "h2"), LayerSpec(1, "sigmoid", "out", ("input", "h1", "h2"))),
        loss="bce",
        seed=4,
    )


def test_phases_hold_the_engines_forward_and_backward_numbers():
    t = xor_trainer()
    st = StepThrough.from_trainer(t, 2)
    net = Network(t.spec, t.network.params.copy())
    fp = net.forward(t.x_train[2:3])
    bp = net.backward(fp, t.y_train[2:3])
    kinds = [p.kind for p in st.phases]
    assert kinds == ["input", "forward", "forward", "forward", "error", "backward", "backward", "update"]
    last = st.phases[-2]
    for name in ("h1", "h2", "out"):
        assert np.array_equal(last.activations[name], fp.activations[name][0])
        assert np.array_equal(last.deltas[name], bp.deltas[name][0])
    for i, lo in enumerate(net.layouts):
        for s, g in zip(lo.weight_slices, last.gradients[lo.name]):
            assert np.array_equal(g.ravel(), bp.gradient[s])
    # forward phases reveal layers one at a time; backward phases reveal deltas from the output down
    assert list(st.phases[1].activations) == ["input", "h1"] and not st.phases[1].deltas
    assert list(st.phases[4].deltas) == ["out"] and list(st.phases[5].deltas) == ["out", "h2"]


def test_engine_gradient_of_one_pattern_matches_finite_differences():
    t = xor_trainer(steps=0)
    st = StepThrough.from_trainer(t, 1)
    net = Network(t.spec, t.network.params.copy())
    x, y = t.x_train[1:2], t.y_train[1:2]
    h = 1e-6
    numeric = np.empty(net.size)
    for k in range(net.size):
        p = net.params.copy()
        net.params[k] = p[k] + h
        up = net.loss(x, y)
        net.params[k] = p[k] - h
        down = net.loss(x, y)
        net.params[k] = p[k]
        numeric[k] = (up - down) / (2 * h)
    assert np.allclose(st.gradient, numeric, rtol=1e-6, atol=1e-9)


def test_walking_forward_and_back_gives_the_same_records():
    st = StepThrough.from_trainer(xor_trainer(), 0)
    forward = [st.current]
    while not st.at_end:
        forward.append(st.next())
    assert st.next() is forward[-1]  # clamped at the end
    backward = [st.current]
    while st.position:
        backward.append(st.previous())
    assert st.previous() is forward[0]
    assert backward[::-1] == forward and all(a is b for a, b in zip(backward[::-1], forward))
    phase = forward[3]
    with pytest.raises((TypeError, ValueError)):
        phase.activations["h1"][0] = 5.0  # records cannot be edited
    with pytest.raises(TypeError):
        phase.activations["new"] = np.zeros(1)


@pytest.mark.parametrize("name,momentum", [("sgd", 0.0), ("sgd", 0.9), ("adam", 0.0)])
def test_apply_is_exactly_one_optimiser_step_on_that_pattern(name, momentum):
    t = xor_trainer(momentum=momentum, name=name)
    before = t.network.params.copy()
    velocity = t.optimizer.velocity.copy()
    st = StepThrough.from_trainer(t, 3)
    assert np.array_equal(t.network.params, before)  # computing phases changes nothing live
    st.apply(t)
    assert np.array_equal(t.network.params, st.phases[-1].params)
    assert np.array_equal(st.phases[-1].change, st.params_after - before)
    if name == "sgd":  # the paper's rule, written out by hand
        expected = before - 0.3 * st.gradient + momentum * velocity
        assert np.allclose(t.network.params, expected, rtol=0, atol=1e-15)
    with pytest.raises(StaleStepThrough):
        st.apply(t)  # the trainer has moved on


def test_apply_refuses_when_the_data_changed():
    t = xor_trainer()
    st = StepThrough.from_trainer(t, 1)
    other = Trainer(t.spec, xor_table(), t.settings, network=Network(t.spec, t.network.params.copy()))
    other.x_train = other.x_train[::-1].copy()
    with pytest.raises(StaleStepThrough):
        st.apply(other)
    assert np.array_equal(other.network.params, st.params_before)


def test_snapshot_route_equals_trainer_route():
    data = planar("xor", 40, seed=1)
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y", "xy"], seed=2)
    t = Trainer(spec, data, TrainSettings(OptimizerSettings(lr=0.1, momentum=0.5)))
    t.step(3)
    x, y = pattern_arrays(spec, data)
    assert np.array_equal(x, t.x_train) and np.array_equal(y, t.y_train)
    a = StepThrough.from_trainer(t, 7)
    b = StepThrough.from_snapshot(t.snapshot(), data, 7, t.settings.optimizer)
    assert np.array_equal(a.params_after, b.params_after)


def test_chain_rule_reproduces_every_delta_exactly():
    for t in (xor_trainer(), Trainer(skip_spec(), xor_table())):
        st = StepThrough.from_trainer(t, 1)
        for layer in t.spec.layers:
            for u in range(layer.units):
                rule = st.explain(layer.name, u)
                engine = st.backward.deltas[layer.name][0, u]
                assert rule.delta == engine
                if not rule.is_output:
                    assert rule.dE_da == pytest.approx(sum(term.product for term in rule.terms), rel=1e-12, abs=1e-300)
                    assert rule.dE_da * rule.derivative == engine
                text = rule.text()
                assert fmt(engine) in text and (rule.fused or fmt(rule.derivative) in text)
                assert all(fmt(term.weight) in text and fmt(term.delta) in text for term in rule.terms)


def test_chain_rule_lists_every_consumer_including_skip_connections():
    t = Trainer(skip_spec(), xor_table())
    st = StepThrough.from_trainer(t, 2)
    rule = st.explain("h1", 0)
    consumers = {(term.layer, term.unit) for term in rule.terms}
    assert consumers == {("h2", 0), ("h2", 1), ("out", 0)}
    w_out = t.network.layer_weights(2)["h1"]
    term = next(x for x in rule.terms if x.layer == "out")
    assert term.weight == w_out[0, 0] and term.delta == st.backward.deltas["out"][0, 0]
    out = st.explain("out", 0)
    assert out.fused and out.delta == pytest.approx(out.a - out.target)
    with pytest.raises(KeyError):
        st.explain("input", 0)


def test_out_of_range_pattern_is_refused():
    t = xor_trainer()
    with pytest.raises(IndexError):
        StepThrough.from_trainer(t, 4)


def test_largest_change_names_the_weight_the_update_moves_most():
    t = xor_trainer()
    st = StepThrough.from_trainer(t, 1)
    change = st.largest_change()
    diff = st.params_after - st.params_before
    net = Network(t.spec, st.params_before)
    weight_mask = net.weight_mask() if hasattr(net, "weight_mask") else None
    lo = next(l for l in net.layouts if l.name == change.layer)
    k = lo.sources.index(change.source)
    flat = lo.weight_slices[k].start + change.row * lo.units + change.col
    assert change.delta == pytest.approx(diff[flat])
    weights_only = np.concatenate([diff[s] for l in net.layouts for s in l.weight_slices])
    assert abs(change.delta) == pytest.approx(np.abs(weights_only).max())
    assert fmt(change.delta) in change.text() and f"{change.source}[{change.row + 1}]" in change.text()  # 1-based for the student
    assert weight_mask is None or weight_mask.shape == diff.shape


def test_fmt_names_blown_up_numbers_in_plain_words():
    assert fmt(1.5) == "1.5"
    assert fmt(float("nan")) == "not a number"
    assert fmt(float("inf")) == "too large"
    assert fmt(float("-inf")) == "too large (negative)"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_chain_rule_of_a_blown_up_network_never_prints_nan_or_inf():
    t = Trainer(NetworkSpec.stack(2, [3], 1, "relu", "linear", seed=3), xor_table())
    t.network.params[:] = 1e200  # squares overflow: a net that has blown up
    st = StepThrough.from_trainer(t, 1)
    texts = [st.explain(layer.name, u).text() for layer in t.spec.layers for u in range(layer.units)]
    assert any("too large" in s or "not a number" in s for s in texts)
    for s in texts:
        assert "nan" not in s.lower().replace("not a number", "") and "inf" not in s.lower()
