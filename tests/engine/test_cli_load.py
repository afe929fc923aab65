"""`train --load`: continuing from a project file is exact (one SGD step = -lr * gradient)."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import main as entry
from engine.files.serialize import load_project, trainer_from_project


def run(capsys, *argv: str) -> str:
    code = entry.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize(
    "first",
    [
        ("--epochs", "3"),  # the playground default: NumPy full-batch path for the loaded step
        ("--preset", "xor-2-2-1", "--epochs", "20"),  # 4 patterns: the small-network fast path
    ],
    ids=["playground", "paper-xor"],
)
def test_one_full_batch_sgd_epoch_from_a_loaded_file_is_exactly_minus_lr_times_gradient(tmp_path, capsys, first):
    a, b = tmp_path / "a", tmp_path / "b"
    run(capsys, "train", *first, "--out", str(a))
    project = load_project(a / "network.json")
    trainer = trainer_from_project(project)
    net = trainer.network
    gradient = net.backward(net.forward(trainer.x_train), trainer.y_train).gradient
    lr = 0.25
    run(capsys, "train", "--load", str(a / "network.json"), "--epochs", "1", "--batch", "full",
        "--optimizer", "sgd", "--momentum", "0", "--lr", str(lr), "--out", str(b))
    after = load_project(b / "network.json")
    assert after.epoch == project.epoch + 1
    change = after.params - project.params
    expected = project.params + gradient * -lr  # what the optimiser computes
    assert np.any(change != 0)
    assert np.array_equal(after.params, expected)
    assert np.allclose(change, -lr * gradient, rtol=0, atol=1e-15)


def test_history_continues_after_load(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    run(capsys, "train", "--epochs", "4", "--out", str(a))
    out = run(capsys, "train", "--load", str(a / "network.json"), "--epochs", "3", "--out", str(b))
    assert out.strip().splitlines()[-1].startswith("epochs=7 ")
    with open(b / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == list(range(8))
    with open(a / "history.csv", newline="") as f:
        first = list(csv.DictReader(f))
    assert rows[:5] == first  # the loaded part is unchanged, bit for bit (repr floats)


def test_stopping_and_continuing_equals_one_run(tmp_path, capsys):
    """Mini-batches, momentum: 3 + 3 epochs via a file give the same weights as 6 at once."""
    common = ("--dataset", "circle", "--momentum", "0.5", "--batch", "7")
    run(capsys, "train", *common, "--epochs", "6", "--out", str(tmp_path / "one"))
    run(capsys, "train", *common, "--epochs", "3", "--out", str(tmp_path / "half"))
    run(capsys, "train", "--load", str(tmp_path / "half" / "network.json"), "--epochs", "3", "--out", str(tmp_path / "two"))
    one = json.loads((tmp_path / "one" / "network.json").read_text())["weights"]
    two = json.loads((tmp_path / "two" / "network.json").read_text())["weights"]
    assert one == two
