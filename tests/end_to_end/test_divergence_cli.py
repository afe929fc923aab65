"""`train` after a divergence keeps a state worth resuming from (issue 13 item 7)."""
from __future__ import annotations

import csv
import math

from engine.files.serialize import load_project, trainer_from_project
from engine.limits import MAX_WEIGHT

from test_cli import cli


def test_a_huge_learning_rate_ends_on_a_sane_state_that_resumes(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    r = cli("train", "--lr", "1e6", "--activation", "relu", "--dataset", "regression", "--epochs", "50",
            "--out", str(first))
    assert r.returncode == 0 and "diverged" in r.stderr and "Traceback" not in r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert "train_loss=nan" not in last and "inf" not in last
    with open(first / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(math.isfinite(float(row["train_loss"])) and math.isfinite(float(row["test_loss"])) for row in rows)
    trainer = trainer_from_project(load_project(first / "network.json"))
    assert abs(trainer.network.params).max() <= MAX_WEIGHT
    assert int(float(rows[-1]["epoch"])) == trainer.epoch  # the history ends where the weights are
    r = cli("train", "--load", str(first / "network.json"), "--lr", "0.01", "--epochs", "30", "--out", str(second))
    assert r.returncode == 0 and "diverged" not in r.stderr
    assert "train_loss=nan" not in r.stdout
