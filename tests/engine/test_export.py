"""Exports: npz arrays round-trip exactly, the PyTorch script reproduces the engine's outputs,
the history CSV holds the recorded numbers, and a failed write leaves the old file alone."""
import csv
import importlib.util
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from engine.files import export
from engine.data.datasets import Dataset, planar
from engine.training.history import COLUMNS
from engine.core.network import Network
from engine.core.optimizers import OptimizerSettings
from engine.core.spec import InputGroup, LayerSpec, NetworkSpec
from engine.training.trainer import Trainer, TrainSettings


def dag_spec() -> NetworkSpec:
    """Two input groups, a skip connection from an input group to the output, mixed activations."""
    return NetworkSpec(
        inputs=(InputGroup("a", 2), InputGroup("b", 3)),
        layers=(
            LayerSpec(4, "softplus", "h1", ("a",)),
            LayerSpec(3, "leaky_relu", "h2", ("b", "h1")),
            LayerSpec(2, "sigmoid", "out", ("h1", "h2", "a")),
        ),
        seed=3,
    )


def trained_planar() -> Trainer:
    spec = NetworkSpec.stack(2, [5, 3], 1, ["tanh", "relu"], "tanh", features=["x", "y", "xy", "sinx", "y2"], seed=4)
    t = Trainer(spec, planar("xor", 60, seed=1), TrainSettings(OptimizerSettings("sgd", lr=0.05), batch_size=10))
    t.train(15)
    return t


def trained_dag() -> Trainer:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 5))
    y = (rng.uniform(size=(12, 2)) > 0.5).astype(float)
    data = Dataset("rand", x, y, x[:0], y[:0], "vector")
    t = Trainer(dag_spec(), data, TrainSettings(OptimizerSettings("adam", lr=0.01), batch_size=None))
    t.train(20)
    return t


def trained_softmax() -> Trainer:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(15, 3))
    y = np.eye(3)[rng.integers(0, 3, 15)]
    spec = NetworkSpec.stack(3, [4], 3, "sigmoid", "softmax", loss="softmax_ce", seed=2)
    data = Dataset("blobs", x, y, x[:0], y[:0], "multiclass", class_names=("a", "b", "c"))
    t = Trainer(spec, data, TrainSettings(OptimizerSettings("sgd", lr=0.1), batch_size=5))
    t.train(10)
    return t


# ----- npz ----------------------------------------------------------------------------------
def test_npz_round_trip_is_exact_and_named_per_layer_and_source(tmp_path):
    t = trained_dag()
    path = tmp_path / "net.npz"
    export.save_network_npz(path, t.network)
    with np.load(path, allow_pickle=False) as npz:
        names = set(npz.files)
        assert names == {
            "spec.json", "h1/weight/a", "h1/bias", "h2/weight/b", "h2/weight/h1", "h2/bias",
            "out/weight/h1", "out/weight/h2", "out/weight/a", "out/bias",
        }  # fmt: skip
        np.testing.assert_array_equal(npz["h2/weight/h1"], t.network.weights[1][1])
        assert npz["out/weight/h2"].shape == (3, 2)  # (fan_in, units)
    back = export.load_network_npz(path)
    assert back.spec == t.spec
    assert np.array_equal(back.params, t.network.params)  # bit for bit
    assert np.array_equal(back.predict(t.x_train), t.network.predict(t.x_train))


def test_npz_write_that_fails_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "net.npz"
    first = Network(dag_spec())
    export.save_network_npz(path, first)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.np, "savez", broken)
    with pytest.raises(OSError):
        export.save_network_npz(path, trained_dag().network)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.npz"]  # no temporary file left behind


# ----- history CSV --------------------------------------------------------------------------
def test_history_csv_holds_every_recorded_number(tmp_path):
    t = trained_dag()  # no test set: test columns are NaN -> empty cells
    hist = t.history.array()
    path = tmp_path / "history.csv"
    export.save_history_csv(path, hist)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == list(COLUMNS)
    assert len(rows) - 1 == len(hist) == 21
    for row, expected in zip(rows[1:], hist):
        assert int(row[0]) == expected[0]
        for cell, value in zip(row[1:], expected[1:]):
            if np.isnan(value):
                assert cell == ""
            else:
                assert float(cell) == value  # repr round-trips exactly


# ----- PyTorch script -----------------------------------------------------------------------
def torch_available() -> bool:
    """Checked without importing torch here (slow); the scripts import it in their own process."""
    return importlib.util.find_spec("torch") is not None


def test_torch_scripts_print_the_engines_outputs(tmp_path):
    if not torch_available():
        pytest.skip("torch is not installed")
    cases = {"features": trained_planar(), "dag": trained_dag(), "softmax": trained_softmax()}
    paths = []
    for name, t in cases.items():
        raw, features = export.trainer_inputs(t)
        path = tmp_path / f"{name}.py"
        export.save_torch_script(path, t.network, raw, features)
        text = path.read_text()
        assert "engine" not in text.split('"""', 2)[2]  # self-contained: no import of the playground
        assert repr(float(t.network.biases[-1][0])) in text  # exact weights, not rounded copies
        paths.append(str(path))
    # Each script runs as __main__ in one isolated interpreter (-I: nothing from this
    # repository importable), so torch is imported once for the three.
    driver = "import runpy, sys\nfor p in sys.argv[1:]:\n    print('#', p, flush=True)\n    runpy.run_path(p, run_name='__main__')\n"
    run = subprocess.run([sys.executable, "-I", "-c", driver, *paths], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    blocks = run.stdout.split("# ")[1:]
    assert len(blocks) == len(cases)
    for block, t in zip(blocks, cases.values()):
        lines = block.splitlines()[1:]
        printed = np.array([[float(v) for v in line.split()] for line in lines])
        expected = t.network.predict(t.x_train)
        assert printed.shape == expected.shape
        np.testing.assert_allclose(printed, expected, rtol=0, atol=1e-6)


def test_exported_script_runs_on_its_own(tmp_path):
    """One script started the way a user would: `python net.py`."""
    if not torch_available():
        pytest.skip("torch is not installed")
    t = trained_dag()
    path = tmp_path / "net.py"
    export.save_torch_script(path, t.network, *export.trainer_inputs(t))
    run = subprocess.run([sys.executable, "-I", str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    printed = np.array([[float(v) for v in line.split()] for line in run.stdout.splitlines()])
    np.testing.assert_allclose(printed, t.network.predict(t.x_train), rtol=0, atol=1e-6)


def test_torch_script_refuses_unknown_activation():
    net = Network(NetworkSpec.stack(2, [2], 1))
    object.__setattr__(net.spec.layers[0], "activation", "mystery")
    with pytest.raises(ValueError, match="mystery"):
        export.torch_script(net, np.zeros((1, 2)))
