"""gradcheck with frozen layers: their rows say "frozen" (not learned, not perturbed) and the
learnable weights below them are checked against finite differences, which is the check that
blame flows through a frozen layer; --rule takes backprop only."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from engine import cli
from engine.core.network import Network
from engine.core.spec import NetworkSpec
from engine.data.datasets import planar
from engine.explain.gradcheck import check_gradients, layers_below
from engine.training.rules import learning_mask, slopes


def frozen(spec: NetworkSpec, *names: str) -> NetworkSpec:
    return spec.with_changes(layers=tuple(replace(l, learns=False) if l.name in names else l for l in spec.layers))


@pytest.fixture
def net_and_data():
    spec = frozen(NetworkSpec.stack(2, [4, 3], 1, seed=5), "h2")
    data = planar("circle", 40, seed=1)
    return Network(spec), data.x_train, data.y_train


def test_frozen_rows_are_marked_and_not_perturbed(net_and_data):
    net, x, y = net_and_data
    r = check_gradients(net, x, y, precision="extended", skip_frozen=True)
    rows = {p.label: p for p in r.parameters}
    assert rows["h2 weights from h1"].frozen and rows["h2 bias"].frozen
    assert not any(p.frozen for p in r.parameters if p.layer != "h2")
    assert np.isnan(rows["h2 weights from h1"].numeric).all()  # not perturbed
    n_learning = int(learning_mask(net).sum())
    assert len(r.checked) == n_learning < r.n_parameters
    assert r.numeric_forward_passes == 2 * n_learning
    assert r.frozen_layers == ("h2",) and r.below_frozen == ("h1",)


def test_blame_through_a_frozen_layer_is_checked_against_finite_differences(net_and_data):
    net, x, y = net_and_data
    r = check_gradients(net, x, y, precision="extended", skip_frozen=True)
    h1 = [p for p in r.parameters if p.layer == "h1"]
    assert all(p.max_relative_error < 1e-6 for p in h1)
    assert all(np.abs(p.numeric).max() > 1e-6 for p in h1)  # blame really reaches h1 (not 0 == 0)
    # the slopes checked are the ones training uses with h2 frozen
    _, used, _ = slopes("backprop", net, x, y, learning_mask(net))
    assert np.array_equal(r.backprop[r.checked], used[r.checked])
    assert "blame through them checked on h1: max relative error" in r.summary().splitlines()[-1]


def test_a_backward_pass_that_stops_at_the_frozen_layer_is_caught(net_and_data, monkeypatch):
    net, x, y = net_and_data
    backward = net.backward
    h1 = net.layouts[0]

    def stops_at_frozen(fp, y_, *a, **kw):
        bp = backward(fp, y_, *a, **kw)
        for sl in (*h1.weight_slices, h1.bias_slice):
            bp.gradient[sl] = 0.0  # no blame below h2
        return bp

    monkeypatch.setattr(net, "backward", stops_at_frozen)
    r = check_gradients(net, x, y, precision="extended", skip_frozen=True)
    assert r.max_relative_error > 0.9 and r.worst.layer == "h1"
    assert float(r.summary().splitlines()[-1].rsplit(" ", 1)[1]) > 0.9


def test_without_skip_frozen_every_parameter_is_checked_as_before(net_and_data):
    net, x, y = net_and_data
    r = check_gradients(net, x, y, precision="extended")
    assert len(r.checked) == r.n_parameters and not any(p.frozen for p in r.parameters)
    assert r.frozen_layers == () and len(r.summary().splitlines()) == 4


def test_layers_below_follow_the_connections_back():
    spec = NetworkSpec.stack(2, [3, 3, 3], 1)
    assert layers_below(spec, ("h3",)) == ("h1", "h2")
    assert layers_below(spec, ("h1",)) == ()
    assert layers_below(frozen(spec, "h1", "h3"), ("h1", "h3")) == ("h2",)  # frozen layers are not "learnable below"


def test_max_params_draws_only_learnable_parameters(net_and_data):
    net, x, y = net_and_data
    r = check_gradients(net, x, y, max_parameters=5, seed=2, skip_frozen=True)
    assert len(r.checked) == 5 and learning_mask(net)[r.checked].all()


# ----- the command line -----------------------------------------------------------------------
ROW = re.compile(r"^  (?P<label>.{40}) (?:max relative error (?P<err>\S+)|frozen \(not learned, not checked\))$")


def test_cli_freeze_shows_frozen_rows_and_checks_the_layers_below(capsys):
    code = cli.main(["gradcheck", "--hidden", "4,3", "--freeze", "h2", "--precision", "extended", "--seed", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(rows) == 6 and all(ROW.match(r) for r in rows)
    frozen_rows = [r for r in rows if r.endswith("frozen (not learned, not checked)")]
    assert [r.split()[0] for r in frozen_rows] == ["h2", "h2"]
    lines = out.splitlines()
    assert lines[-5].startswith("gradient check: ") and "(16 of them perturbed)" in lines[-5]
    assert lines[-4].startswith("max relative error: ")
    last = re.fullmatch(r"frozen: h2 \(15 parameters not learned, not perturbed\); "
                        r"blame through them checked on h1: max relative error (\S+)", lines[-1])  # fmt: skip
    assert last is not None and float(last.group(1)) < 1e-6


def test_cli_without_freeze_prints_no_frozen_line(capsys):
    assert cli.main(["gradcheck", "--hidden", "3", "--rule", "backprop"]) == 0
    out, _ = capsys.readouterr()
    assert "frozen" not in out and out.splitlines()[-1].startswith("perturbation: ")


@pytest.mark.parametrize("argv, words", [
    (["--rule", "perturbation"], "no backprop gradient to check"),
    (["--rule", "nudge"], "unknown learning rule 'nudge'"),
    (["--freeze", "h9"], "no layer named 'h9'"),
    (["--freeze", "h1,,h2"], "give layer names separated by commas"),
])  # fmt: skip
def test_cli_refuses_with_one_line_and_exit_2(capsys, argv, words):
    assert cli.main(["gradcheck", "--hidden", "3", *argv]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
