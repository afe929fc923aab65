"""The command line as a user runs it: real subprocesses, files, exit codes, stderr lines."""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^epochs=(\d+) train_loss=(\S+) test_loss=(\S+) train_acc=(\S+) test_acc=(\S+) seconds=(\d+\.\d+) passes=(\d+)$"
)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=cwd or ROOT, timeout=120
    )


def test_train_defaults_write_every_file(tmp_path):
    r = cli("train", "--epochs", "40", "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    m = LAST_LINE.match(r.stdout.strip().splitlines()[-1])
    assert m, r.stdout
    assert int(m.group(1)) == 40 and float(m.group(2)) < 0.45  # it learned something
    assert int(m.group(7)) == 40 * 25 * 2  # 250 training patterns in batches of 10: forward + backward each
    run = tmp_path / "run"
    project = json.loads((run / "network.json").read_text())
    assert project["format"] == "backprop-playground-project" and project["epoch"] == 40
    assert [l["units"] for l in project["spec"]["layers"]] == [4, 2, 1]
    assert project["settings"]["batch_size"] == 10 and project["settings"]["optimizer"]["lr"] == 0.03
    with open(run / "history.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "train_loss", "test_loss", "train_acc", "test_acc"]
    assert [int(r[0]) for r in rows[1:]] == list(range(41))
    assert float(rows[-1][1]) == pytest.approx(float(m.group(2)), rel=1e-5)
    assert (run / "boundaries.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def flat_weights(project: dict) -> list[float]:
    """Every weight and bias of a project file (stored by layer, by source, as matrices)."""
    return [v for layer in project["weights"] for m in layer["from"].values() for row in m for v in row] + [
        b for layer in project["weights"] for b in layer["bias"]]


def test_default_out_dir_and_determinism(tmp_path):
    a = cli("train", "--epochs", "15", "--batch", "1", "--seed", "4", cwd=tmp_path)
    assert a.returncode == 0, a.stderr
    first = json.loads((tmp_path / "out" / "network.json").read_text())["weights"]
    b = cli("train", "--epochs", "15", "--batch", "1", "--seed", "4", cwd=tmp_path)
    assert json.loads((tmp_path / "out" / "network.json").read_text())["weights"] == first
    strip = lambda s: s.strip().splitlines()[-1].rsplit(" seconds=", 1)[0]  # noqa: E731
    assert strip(a.stdout) == strip(b.stdout)


def test_options_reach_the_network(tmp_path):
    r = cli("train", "--dataset", "spiral", "--hidden", "", "--features", "x,y,x2,y2", "--output-activation", "sigmoid",
            "--loss", "bce", "--reduction", "sum", "--optimizer", "adam", "--lr", "0.01", "--l2", "0.001",
            "--batch", "full", "--epochs", "3", "--noise", "0.2", "--test-ratio", "0.2", "--init-range", "0.1",
            "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    p = json.loads((tmp_path / "network.json").read_text())
    assert [(l["units"], l["activation"]) for l in p["spec"]["layers"]] == [(1, "sigmoid")]
    assert p["spec"]["features"] == ["x", "y", "x2", "y2"] and p["spec"]["loss"] == "bce"
    assert p["settings"]["batch_size"] is None and p["settings"]["optimizer"]["name"] == "adam"
    assert p["data_source"]["noise"] == 0.2 and p["data_source"]["test_ratio"] == 0.2
    assert max(abs(v) for v in flat_weights(p)) < 0.2


def test_preset_and_target_loss(tmp_path):
    r = cli("train", "--preset", "xor-2-2-1", "--target-loss", "0.01", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    m = LAST_LINE.match(r.stdout.strip().splitlines()[-1])
    assert float(m.group(2)) <= 0.01 and int(m.group(1)) < 2000  # stopped early
    assert "criterion" in r.stdout and not (tmp_path / "boundaries.png").exists()  # 4 boolean patterns: not 2-D


def test_csv_training_multiclass(tmp_path):
    lines = ["a,b,colour"] + [f"{x},{y},{['red', 'green', 'blue'][(x + y) % 3]}" for x in range(6) for y in range(6)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    r = cli("train", "--data", str(tmp_path / "d.csv"), "--loss", "softmax_ce", "--epochs", "5", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    p = json.loads((tmp_path / "o" / "network.json").read_text())
    assert p["spec"]["layers"][-1]["units"] == 3 and p["spec"]["layers"][-1]["activation"] == "softmax"
    assert (tmp_path / "o" / "boundaries.png").exists()


def test_gradcheck_prints_the_comparison():
    r = cli("gradcheck", "--hidden", "3,2", "--dataset", "circle")
    assert r.returncode == 0, r.stderr
    assert "max relative error" in r.stdout and "1 forward + 1 backward" in r.stdout
    assert "40 forward passes (2 per weight)" in r.stdout  # 2*3+3 + 3*2+2 + 2*1+1 = 20 parameters
    err = float(re.search(r"max relative error: (\S+)", r.stdout).group(1))
    assert err < 1e-5


def test_main_with_a_missing_gui_module_says_so_and_fails(capsys):
    import main as entry

    assert entry._run_gui("gui.no_such_module_xyz", []) == 1
    err = capsys.readouterr().err
    assert "cannot start the window" in err and "no_such_module_xyz" in err and "not available" not in err


@pytest.fixture(scope="module")
def bad_csv(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "bad.csv").write_text("x,y,t\n1,2,1\n3,,0\n5,6,7,8\n")
    (d / "junk.json").write_text("{junk")
    (d / "other.json").write_text(json.dumps({"format": "someone-else", "version": 1}))
    (d / "file").write_text("")
    return d


BAD = [
    (["train", "--hidden", "4,0"], "at least 1 unit"),
    (["train", "--hidden", "4,x"], "whole numbers"),
    (["train", "--lr", "-0.1"], "learning rate"),
    (["train", "--momentum", "1.5"], "momentum"),
    (["train", "--l1", "-1"], "L1"),
    (["train", "--l2", "abc"], "L2"),
    (["train", "--batch", "0"], "batch size"),
    (["train", "--batch", "some"], "batch size"),
    (["train", "--epochs", "-1"], "epochs"),
    (["train", "--epochs", "1.5"], "epochs"),
    (["train", "--seed", "-2"], "seed"),
    (["train", "--init-range", "0"], "initial weight range"),
    (["train", "--noise", "1.5"], "noise"),
    (["train", "--test-ratio", "1"], "test ratio"),
    (["train", "--target-loss", "-1"], "target loss"),
    (["train", "--dataset", "donut"], "dataset"),
    (["train", "--activation", "swish"], "activation"),
    (["train", "--activation", "tanh,relu,tanh"], "one per layer"),
    (["train", "--output-activation", "cube"], "output activation"),
    (["train", "--loss", "hinge"], "loss"),
    (["train", "--loss", "bce", "--output-activation", "tanh"], "sigmoid"),
    (["train", "--loss", "softmax_ce"], "two or more classes"),
    (["train", "--reduction", "median"], "reduction"),
    (["train", "--optimizer", "rmsprop"], "optimizer"),
    (["train", "--features", "x,z"], "feature"),
    (["train", "--hidden", "4096,4096,4096"], "parameters"),
    (["train", "--preset", "no-such-preset"], "unknown preset"),
    (["train", "--preset", "xor-2-2-1", "--hidden", "3"], "--hidden"),
    (["train", "--preset", "family-trees", "--lr", "0.1"], "schedule"),
    (["train", "--preset", "xor-2-2-1", "--data", "x.csv"], "not allowed"),
    (["train", "--data", "{d}/missing.csv"], "missing.csv"),
    (["train", "--data", "{d}/bad.csv"], "line 3"),
    (["train", "--data", "{d}/bad.csv", "--dataset", "xor"], "--dataset"),
    (["train", "--load", "{d}/missing.json"], "missing.json"),
    (["train", "--load", "{d}/junk.json"], "invalid JSON"),
    (["train", "--load", "{d}/other.json"], "not a project file"),
    (["train", "--load", "{d}"], "directory"),
    (["train", "--out", "{d}/file/sub"], "output directory"),
    (["train", "--bogus"], "unrecognized arguments"),
    (["train", "--lr"], "expected one argument"),
    (["frobnicate"], "unknown command"),
    (["gradcheck", "--hidden", "0"], "at least 1 unit"),
    (["gradcheck", "--precision", "quad"], "precision"),
]


@pytest.mark.parametrize("args,words", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_gives_one_line_and_exit_2(args, words, bad_csv, tmp_path):
    args = [a.replace("{d}", str(bad_csv)) for a in args]
    r = cli(*args, "--out", str(tmp_path / "o")) if "--out" not in args and args[0] != "frobnicate" else cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and lines[0].startswith("error: ")
    assert words in lines[0], lines[0]
    assert not (tmp_path / "o" / "network.json").exists()


def test_load_of_a_saved_network_with_wrong_layer_options_is_refused(tmp_path):
    assert cli("train", "--epochs", "1", "--out", str(tmp_path)).returncode == 0
    r = cli("train", "--load", str(tmp_path / "network.json"), "--hidden", "3", "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "--hidden cannot be combined with --load" in r.stderr


def test_divergence_is_reported_and_the_last_finite_weights_are_saved(tmp_path):
    r = cli("train", "--lr", "1e6", "--activation", "relu", "--dataset", "regression", "--epochs", "20",
            "--out", str(tmp_path))
    assert r.returncode == 0
    assert "diverged at epoch 1" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith("epochs=0 ")
    params = flat_weights(json.loads((tmp_path / "network.json").read_text()))
    assert all(abs(v) <= 0.5 for v in params)  # the initial (last finite) weights


def test_no_arguments_without_a_display_explains_and_exits_0():
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, str(ROOT / "main.py")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0
    assert "No display found" in r.stderr and "Traceback" not in r.stderr


def test_rule_and_freeze_are_stored_and_honoured_by_load(tmp_path):
    first = tmp_path / "first"
    r = cli("train", "--hidden", "3", "--batch", "full", "--epochs", "4", "--rule", "perturbation",
            "--freeze", "h1", "--out", str(first))
    assert r.returncode == 0, r.stderr
    m = LAST_LINE.match(r.stdout.strip().splitlines()[-1])
    assert m and int(m.group(7)) == 4 * (1 + 4)  # full batch: 1 + the output layer's 3 weights and bias
    assert "rule perturbation, frozen h1" in r.stdout
    saved = json.loads((first / "network.json").read_text())
    assert saved["settings"]["rule"] == "perturbation"
    assert [l.get("learns", True) for l in saved["spec"]["layers"]] == [False, True]
    again = tmp_path / "again"
    r = cli("train", "--load", str(first / "network.json"), "--epochs", "3", "--out", str(again))
    assert r.returncode == 0, r.stderr
    assert int(LAST_LINE.match(r.stdout.strip().splitlines()[-1]).group(7)) == 3 * 5
    loaded = json.loads((again / "network.json").read_text())
    assert loaded["settings"]["rule"] == "perturbation" and loaded["spec"]["layers"][0]["learns"] is False
    assert loaded["weights"][0] == saved["weights"][0]  # h1 frozen: kept exactly
    assert loaded["weights"][1] != saved["weights"][1]
    r = cli("train", "--load", str(again / "network.json"), "--rule", "backprop", "--freeze", "out",
            "--epochs", "2", "--out", str(tmp_path / "third"))
    assert r.returncode == 0, r.stderr
    assert int(LAST_LINE.match(r.stdout.strip().splitlines()[-1]).group(7)) == 2 * 2
    third = json.loads((tmp_path / "third" / "network.json").read_text())
    assert "rule" not in third["settings"] and third["weights"] == loaded["weights"]  # every layer frozen now


@pytest.mark.parametrize(
    "args, message",
    [
        (("--freeze", "h7"), "error: --freeze: no layer named 'h7'; the layers are h1, h2, out"),
        (("--rule", "hebb"), "error: argument --rule: unknown learning rule 'hebb'; choose from backprop, perturbation"),
        (("--freeze", ""), "error: argument --freeze: give layer names separated by commas"),
    ],
)
def test_bad_rule_or_freeze_is_one_line_and_exit_2(tmp_path, args, message):
    r = cli("train", "--epochs", "1", *args, "--out", str(tmp_path))
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith(message), r.stderr
    assert not (tmp_path / "network.json").exists()
