"""Lesson files and named checks, without a window: loading, refusing, and what each check reads."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.core.optimizers import OptimizerSettings
from engine.core.spec import NetworkSpec
from engine.data.datasets import xor_table
from engine.presets import get_preset
from engine.training.trainer import Trainer, TrainSettings
from gui.lessons import CHECKS, LESSON_DIR, LessonError, load_lesson, load_lessons
from gui.lessons.checks import Observation, StepState, format_done, run_check, validate_check, CheckError
from gui.lessons.observe import SpecClock

SHIPPED = ["perceptron-xor", "hidden-layer", "perturbation-cost", "frozen-hidden", "backprop-blame", "representations"]


def good_lesson(**changes) -> dict:
    d = {
        "format": "backprop-playground-lesson", "id": "extra", "order": 9, "title": "Extra",
        "page": ["One.", "Two."], "setup": {"preset": "xor-2-2-1"}, "task": "Press Play.",
        "check": {"check": "accuracy_at_least", "value": 1.0}, "done": "Accuracy {accuracy} at epoch {epoch}.",
        "views": ["loss", "lossDock"],
    }
    d.update(changes)
    return d


def write(folder: Path, name: str, d: dict | str) -> Path:
    p = folder / name
    p.write_text(d if isinstance(d, str) else json.dumps(d), encoding="utf-8")
    return p


def test_the_six_lessons_load_in_order_with_their_checks():
    lessons, problems = load_lessons()
    assert problems == []
    assert [l.id for l in lessons] == SHIPPED
    assert [l.check for l in lessons] == ["hidden_layer_removed_and_trained", "accuracy_at_least",
                                         "perturbation_passes_at_least", "frozen_hidden_layer_trained",
                                         "found_largest_blame_unit", "hidden_code_found"]
    for l in lessons:
        assert l.page and l.task.endswith(("?", ".")) and l.done and l.views
        assert all(len(p) < 700 for p in l.page)  # a few short sentences per paragraph


@pytest.mark.parametrize("change, expected", [
    ("{ not json", "not valid JSON"),
    (good_lesson(check={"check": "no_such_check"}), "unknown check 'no_such_check'"),
    (good_lesson(check={"check": "accuracy_at_least", "value": 2}), "'value' must be between 0 and 1"),
    (good_lesson(check={"check": "accuracy_at_least"}), "needs the parameter 'value'"),
    (good_lesson(check={"check": "accuracy_at_least", "value": 1, "colour": 3}), "takes no parameter colour"),
    (good_lesson(setup={"preset": "nope"}), "unknown preset 'nope'"),
    (good_lesson(done="Codes {codes}"), "uses {codes}, which the check accuracy_at_least does not report"),
    (good_lesson(views=["outptu"]), "unknown view 'outptu'"),
    (good_lesson(titel="x"), "unknown field(s): titel"),
    (good_lesson(id="Bad Id"), '"id" must be'),
    ({k: v for k, v in good_lesson().items() if k != "task"}, "missing field(s): task"),
    (good_lesson(setup={"network": {"inputs": [{"name": "input", "size": 3}],
                                    "layers": [{"units": 1, "activation": "sigmoid", "name": "out"}]},
                        "data": {"kind": "boolean", "name": "xor-table"},
                        "settings": {"optimizer": {"name": "sgd", "lr": 0.5}}}),
     "setup: the saved network does not fit its data"),
    (good_lesson(setup={"preset": "xor-2-2-1", "speed": -3}), 'setup "speed" must be'),
    ([1, 2], "one JSON object"),
])
def test_a_broken_file_gets_one_line_naming_it_and_the_others_still_load(tmp_path, change, expected):
    for p in LESSON_DIR.glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    write(tmp_path, "07-broken.json", change if isinstance(change, str) else json.dumps(change))
    lessons, problems = load_lessons(tmp_path)
    assert [l.id for l in lessons] == SHIPPED
    assert len(problems) == 1
    line = str(problems[0])
    assert "\n" not in line and line.startswith("Lesson file 07-broken.json: ")
    assert expected in line, line


def test_a_good_extra_lesson_and_a_duplicate_id(tmp_path):
    write(tmp_path, "a.json", good_lesson(order=2))
    write(tmp_path, "b.json", good_lesson(order=1))
    write(tmp_path, "c.json", good_lesson(id="first", order=0.5, page="One paragraph."))
    lessons, problems = load_lessons(tmp_path)
    assert [l.id for l in lessons] == ["first", "extra"]
    assert lessons[0].page == ("One paragraph.",)
    assert len(problems) == 1 and "already used by a.json" in str(problems[0])


def test_unreadable_and_non_utf8_files(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b"\xff\xfe{")
    with pytest.raises(LessonError, match="not UTF-8"):
        load_lesson(p)
    with pytest.raises(LessonError, match="cannot read it"):
        load_lesson(tmp_path / "missing.json")


def test_check_parameters_are_validated_with_defaults():
    assert validate_check("hidden_layer_removed_and_trained", {}) == {"epochs": 300}
    with pytest.raises(CheckError, match="whole number"):
        validate_check("hidden_layer_removed_and_trained", {"epochs": 2.5})
    with pytest.raises(CheckError, match="whole number"):
        validate_check("hidden_layer_removed_and_trained", {"epochs": True})


def test_format_done_fills_the_values():
    assert format_done("{unit} blamed {blame}; {n} runs", {"unit": "h1[0]", "blame": 0.012345, "n": 1200}) == \
        "h1[0] blamed 0.0123; 1,200 runs"


# ----- checks on real snapshots -------------------------------------------------------------
def xor_trainer(hidden, seed=0):
    spec = NetworkSpec.stack(2, hidden, 1, "sigmoid", "sigmoid", "squared", "sum", seed=seed)
    return Trainer(spec, xor_table(), TrainSettings(OptimizerSettings(lr=0.5, momentum=0.9), batch_size=None))


def test_removed_hidden_layer_counts_only_epochs_after_the_edit():
    clock = SpecClock()
    with_hidden = xor_trainer([2])
    with_hidden.step(400)
    snap = with_hidden.snapshot()
    obs = Observation(with_hidden.spec, with_hidden.settings, snap, clock.epochs(snap))
    assert not run_check("hidden_layer_removed_and_trained", obs, {"epochs": 100}).done
    perceptron = xor_trainer([])
    perceptron.epoch = 400  # the worker keeps the epoch count when the layer goes
    first = perceptron.snapshot()
    obs = Observation(perceptron.spec, perceptron.settings, first, clock.epochs(first))
    r = run_check("hidden_layer_removed_and_trained", obs, {"epochs": 100})
    assert not r.done and "Trained 0 of 100" in r.status
    perceptron.step(100)
    later = perceptron.snapshot()
    r = run_check("hidden_layer_removed_and_trained",
                  Observation(perceptron.spec, perceptron.settings, later, clock.epochs(later)), {"epochs": 100})
    assert r.done and r.values["epochs"] == 100
    assert r.values["right"] <= 3 and r.values["total"] == 4  # a perceptron never gets XOR right


def test_accuracy_check_needs_the_documents_network():
    t = xor_trainer([2], seed=2)
    t.step(400)
    snap = t.snapshot()
    assert run_check("accuracy_at_least", Observation(t.spec, t.settings, snap), {"value": 1.0, "on": "train", "hidden_layers": 1}).done
    other = t.spec.with_changes(seed=5)  # the document moved on; this snapshot is stale
    r = run_check("accuracy_at_least", Observation(other, t.settings, snap), {"value": 1.0, "on": "train", "hidden_layers": 1})
    assert not r.done
    perceptron = xor_trainer([])
    r = run_check("accuracy_at_least", Observation(perceptron.spec, t.settings, perceptron.snapshot()),
                  {"value": 0.0, "on": "train", "hidden_layers": 1})
    assert not r.done and "hidden layer" in r.status


def test_largest_blame_is_the_largest_absolute_delta():
    t = xor_trainer([3])
    t.step(5)
    spec = t.spec
    deltas = {"out": np.array([0.3]), "h1": np.array([0.01, -0.05, 0.02])}
    def obs(selected, reached=True):
        d = deltas if reached else {"out": deltas["out"]}
        return Observation(spec, t.settings, t.snapshot(), step=StepState(True, "backward", "h1", d, selected, 2))
    assert "Next" in run_check("found_largest_blame_unit", obs(None, reached=False), {}).status
    assert not run_check("found_largest_blame_unit", obs(("h1", 0)), {}).done
    assert not run_check("found_largest_blame_unit", obs(("out", 0)), {}).done  # not a hidden unit
    r = run_check("found_largest_blame_unit", obs(("h1", 1)), {})
    assert r.done and r.values["unit"] == "h1[2]" and r.values["blame"] == pytest.approx(0.05) and r.values["pattern"] == 3  # index 2, shown as pattern 3
    off = Observation(spec, t.settings, t.snapshot(), step=StepState(False, None, None, {}, None, None))
    assert "Step through" in run_check("found_largest_blame_unit", off, {}).status


def test_hidden_code_found_on_a_trained_encoder():
    t = get_preset("encoder-4-2-4").make_trainer(seed=1)
    obs = Observation(t.spec, t.settings, t.snapshot())
    assert not run_check("hidden_code_found", obs, {"layer": "", "accuracy": 1.0}).done
    t.step(60)
    snap = t.snapshot()
    r = run_check("hidden_code_found", Observation(t.spec, t.settings, snap), {"layer": "", "accuracy": 1.0})
    assert r.done
    codes = r.values["codes"].split(", ")
    expected = ["".join("1" if v > 0.5 else "0" for v in row) for row in snap.pattern_activations["h1"]]
    assert codes == expected and len(set(codes)) == 4 and r.values["patterns"] == 4


def test_frozen_check_reads_the_learns_switch():
    t = xor_trainer([2])
    r = run_check("frozen_hidden_layer_trained", Observation(t.spec, t.settings, t.snapshot()), {"epochs": 10})
    assert not r.done and "h1 still learns" in r.status


def test_every_check_is_documented_in_the_readme():
    readme = (LESSON_DIR / "README.md").read_text(encoding="utf-8")
    for name, d in CHECKS.items():
        assert f"`{name}`" in readme
        for v in d.values:
            assert f"`{v}`" in readme, (name, v)


def test_perturbation_check_in_the_window_counts_passes_since_the_shape_changed():
    from dataclasses import replace

    spec = NetworkSpec.stack(2, [40], 1, "sigmoid", "sigmoid", "squared", "sum", seed=0)  # 161 weights
    t = Trainer(spec, xor_table(), TrainSettings(OptimizerSettings(lr=0.5), batch_size=None, rule="perturbation"))
    t.step(3)  # passes before the network grew must not count
    clock = SpecClock()
    params = {"weights": 200, "where": "window"}

    def obs(trainer):
        snap = trainer.snapshot()
        epochs, passes = clock.since(snap)
        return Observation(trainer.spec, trainer.settings, snap, epochs, passes)

    assert "161 weights; add units" in run_check("perturbation_passes_at_least", obs(t), params).status
    wide = Trainer(spec.with_changes(layers=(replace(spec.layers[0], units=50), spec.layers[1])), xor_table(), t.settings)
    wide.epoch, wide.passes = t.epoch, t.passes  # the worker keeps both when the shape changes
    r = run_check("perturbation_passes_at_least", obs(wide), params)
    assert not r.done and "201 weights now" in r.status
    wide.step(1)
    r = run_check("perturbation_passes_at_least", obs(wide), params)
    assert r.done and r.values == {"weights": 201, "passes_per_step": 202, "backprop_passes_per_step": 2}
    back = Trainer(wide.spec, xor_table(), replace(t.settings, rule="backprop"))
    assert "Weight perturbation" in run_check("perturbation_passes_at_least", obs(back), params).status
    assert "Open the race" in run_check("perturbation_passes_at_least", obs(wide), {"weights": 200, "where": "race"}).status


def test_progress_round_trips_through_an_ini_file(tmp_path):
    from PySide6.QtCore import QSettings

    from gui.lessons.controller import Progress

    path = str(tmp_path / "p.ini")
    Progress(QSettings(path, QSettings.Format.IniFormat)).mark_done("hidden-layer")
    Progress(QSettings(path, QSettings.Format.IniFormat)).mark_done("backprop-blame")
    again = Progress(QSettings(path, QSettings.Format.IniFormat))
    assert again.done() == {"hidden-layer", "backprop-blame"}  # an INI list (a,b) reads back as a list
    again.forget()
    assert Progress(QSettings(path, QSettings.Format.IniFormat)).done() == set()
