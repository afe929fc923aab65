"""`train` records every epoch from its own training pass, the test set at intervals, and the
final weights afresh: history.csv holds what a second evaluation per epoch would have given."""
from __future__ import annotations

import csv
import math

import pytest

import main as entry
from engine import cli
from engine.files.serialize import load_project


def run_train(tmp_path, capsys, *argv: str) -> tuple[list[dict[str, str]], str]:
    code = entry.main(["train", *argv, "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    with open(tmp_path / "history.csv", newline="") as f:
        return list(csv.DictReader(f)), out.strip().splitlines()[-1]


def test_tested_epochs_are_about_nine_per_tenfold():
    assert [e for e in range(0, 1001) if cli.tested(e)] == (
        list(range(0, 11)) + list(range(20, 101, 10)) + list(range(200, 1001, 100)))
    for e in range(0, 5000):
        nxt = cli.next_tested(e)
        assert nxt > e and cli.tested(nxt) and not any(cli.tested(k) for k in range(e + 1, nxt))


def test_full_batch_rows_equal_a_fresh_evaluation_of_the_weights_each_epoch_started_from(tmp_path, capsys):
    args = ("--dataset", "circle", "--hidden", "3", "--batch", "full", "--epochs", "25", "--lr", "0.1")
    rows, last = run_train(tmp_path, capsys, *args)
    assert [int(r["epoch"]) for r in rows] == list(range(26))
    # the same run again, evaluating afresh before every epoch (what train used to do after each)
    t = cli.build_run(cli.build_parser().parse_args(["train", *args])).trainer
    fresh = [t.evaluate()]
    for _ in range(25):
        t.step(1)
        fresh.append(t.evaluate())
    for e, row in enumerate(rows):
        # row e: epoch e's own pass saw the weights after e - 1 epochs (row 0 and the last: afresh)
        seen = fresh[e] if e in (0, 25) else fresh[e - 1]
        assert float(row["train_loss"]) == pytest.approx(seen.train_loss, rel=1e-12)
        assert float(row["train_acc"]) == seen.train_acc
        if cli.tested(e) or e == 25:
            assert float(row["test_loss"]) == pytest.approx(fresh[e].test_loss, rel=1e-12)
            assert float(row["test_acc"]) == fresh[e].test_acc
        else:
            assert math.isnan(float(row["test_loss"])) and math.isnan(float(row["test_acc"]))
    assert load_project(tmp_path / "network.json").params.tolist() == t.network.params.tolist()
    assert f"train_loss={cli._fmt(fresh[25].train_loss)} test_loss={cli._fmt(fresh[25].test_loss)}" in last


def test_mini_batch_rows_hold_the_mean_loss_of_the_epochs_batches(tmp_path, capsys):
    args = ("--dataset", "xor", "--hidden", "4", "--batch", "7", "--epochs", "12", "--seed", "3")
    rows, _ = run_train(tmp_path, capsys, *args)
    t = cli.build_run(cli.build_parser().parse_args(["train", *args])).trainer
    for e in range(1, 12):
        t.step(1)
        assert float(rows[e]["train_loss"]) == pytest.approx(t.last_epoch_loss, rel=1e-12)
    t.step(1)
    assert float(rows[12]["train_loss"]) == pytest.approx(t.evaluate().train_loss, rel=1e-12)
