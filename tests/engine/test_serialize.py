"""Project files: exact round trip, exact continuation, strict refusal of bad files."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from engine import limits
from engine.files import project_format
from engine.data.datasets import planar
from engine.data.sources import CsvSource, PlanarSource, parse_source
from engine.core.optimizers import OptimizerSettings
from engine.presets import get_preset
from engine.files.serialize import (
    FORMAT,
    VERSION,
    Project,
    ProjectError,
    dataset_from_source,
    load_project,
    project_from_trainer,
    project_to_dict,
    save_project,
    trainer_from_project,
)
from engine.core.spec import NetworkSpec
from engine.training.trainer import Trainer, TrainSettings


def trained(batch=10, optimizer="sgd", momentum=0.5) -> Trainer:
    spec = NetworkSpec.stack(2, [4, 3], 1, "tanh", "tanh", seed=2, features=("x", "y", "xy"))
    opt = OptimizerSettings(optimizer, lr=0.03, momentum=momentum if optimizer == "sgd" else 0.0, l2=0.001)
    t = Trainer(spec, planar("moons", 200, 0.1, 0.3, seed=5), TrainSettings(opt, batch_size=batch))
    t.train(7)
    return t


def saved(tmp_path, trainer: Trainer, **extra):
    path = tmp_path / "p.json"
    save_project(path, project_from_trainer(trainer, extra or None))
    return path


def test_round_trip_is_exact(tmp_path):
    t = trained()
    t.network.params[0] = 0.1 + 0.2  # a float whose short decimal form would not round-trip
    path = saved(tmp_path, t, view={"zoom": 2})
    p = load_project(path)
    assert p.spec == t.spec
    assert p.settings == t.settings
    assert p.epoch == 7 and p.extra == {"view": {"zoom": 2}}
    assert p.params.tobytes() == t.network.params.tobytes()
    assert np.array_equal(p.history, t.history.array(), equal_nan=True)
    assert p.data_source == t.data.source


@pytest.mark.parametrize("batch,optimizer", [(10, "sgd"), (1, "sgd"), (None, "sgd"), (10, "adam")])
def test_a_loaded_run_continues_bit_identically(tmp_path, batch, optimizer):
    """Momentum, Adam moments and the shuffle order are saved too, so stopping changes nothing."""
    a = trained(batch, optimizer)
    b = trainer_from_project(load_project(saved(tmp_path, a)))
    assert b.epoch == a.epoch and len(b.history) == len(a.history)
    a.train(5)
    b.train(5)
    assert a.network.params.tobytes() == b.network.params.tobytes()
    assert np.array_equal(a.history.array(), b.history.array(), equal_nan=True)


def test_preset_schedule_is_reattached(tmp_path):
    preset = get_preset("family-trees")
    t = preset.make_trainer()
    t.step(2)
    loaded = trainer_from_project(load_project(saved(tmp_path, t, preset="family-trees")))
    assert loaded.epoch_hook is preset.schedule


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    t = trained()
    path = saved(tmp_path, t)
    good = path.read_bytes()
    bad = project_from_trainer(t)
    bad.params = bad.params.copy()
    bad.params[3] = np.nan
    with pytest.raises(ProjectError, match="NaN"):
        save_project(path, bad)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["p.json"]
    with pytest.raises(ProjectError, match="cannot write"):
        save_project(tmp_path / "missing-dir" / "p.json", project_from_trainer(t))


def good_dict(tmp_path) -> dict:
    return json.loads(saved(tmp_path, trained()).read_text())


def write_json(tmp_path, d) -> str:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    return path


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda d: d.update(format="something-else"), "not a project file"),
        (lambda d: d.update(version=VERSION + 1), "newer version"),
        (lambda d: d.update(version="1"), "whole number"),
        (lambda d: d.pop("spec"), "missing key"),
        (lambda d: d.update(surprise=1), "unknown key"),
        (lambda d: d["weights"][0]["bias"].pop(), "the network needs"),
        (lambda d: d["weights"][0]["bias"].__setitem__(0, "0.5"), "only numbers"),
        (lambda d: d["weights"][0]["from"]["input"][0].__setitem__(0, True), "only numbers"),
        (lambda d: d["weights"][0]["from"]["input"][0].__setitem__(0, 10**400), "out-of-range"),
        (lambda d: d["weights"][0]["from"]["input"][0].__setitem__(0, 2e6), r"weights\[0\]\.from\.input holds 2e\+06; values must lie within ±1e\+06"),
        (lambda d: d["weights"][0]["from"]["input"].pop(), "must be 3 rows of 4 values"),
        (lambda d: d["weights"][0].update(layer="h9"), "layer 1 is 'h1'"),
        (lambda d: d["weights"].pop(), "one record per layer"),
        (lambda d: d["settings"]["optimizer"].update(beta1=1.0), r"settings\.optimizer\.beta1 is 1; it must be in \[0, 1\)"),
        (lambda d: d["settings"]["optimizer"].update(beta2=1), r"beta2 is 1; it must be in \[0, 1\)"),
        (lambda d: d["settings"].update(batch_size=2**31), r"settings\.batch_size is 2147483648; it must be in 1\.\.2147483647"),
        (lambda d: d["spec"].update(seed=2**31), r"spec\.seed is 2147483648; it must be in 0\.\.2147483647"),
        (lambda d: d["optimizer_state"].update(t=10**30), r"optimizer_state\.t is 1000000000000000000000000000000; it must be in 0\.\.9007199254740992"),
        (lambda d: d["extra"].update(speed=1e-9), r"extra\.speed \(epochs per second\) is 1e-09; it must be in \[0\.01, 1e\+06\]"),
        (lambda d: d["spec"]["layers"][0].update(name="h\ud800"), "not valid Unicode"),
        (lambda d: d["spec"]["layers"][0].update(units=0), "at least 1 unit"),
        (lambda d: d["spec"]["layers"][0].update(activation="wobble"), "unknown activation"),
        (lambda d: d["settings"]["optimizer"].update(lr=-1), r"settings\.optimizer\.lr is -1; it must be in \[0, 1e\+06\]"),
        (lambda d: d["settings"]["optimizer"].update(name="lbfgs"), "settings.optimizer.name must be one of sgd, adam"),
        (lambda d: d["settings"]["optimizer"].update(colour=1), "unknown setting"),
        (lambda d: d["settings"].update(batch_size=2.5), "batch_size"),
        (lambda d: d.update(epoch=-3), "epoch"),
        (lambda d: d.update(data_source=[]), "data_source"),
        (lambda d: d.update(history={"rows": [[1, 2, 3]]}), "history row 1"),
        (lambda d: d.update(optimizer_state={"velocity": [0.0], "t": 0}), "optimizer_state.velocity"),
        (lambda d: d.update(extra=[1]), "extra"),
    ],
)
def test_malformed_files_are_refused_with_one_clear_line(tmp_path, change, words):
    d = good_dict(tmp_path)
    change(d)
    with pytest.raises(ProjectError, match=words) as info:
        load_project(write_json(tmp_path, d))
    assert "\n" not in str(info.value)


def test_non_finite_numbers_are_refused(tmp_path):
    d = good_dict(tmp_path)
    text = json.dumps(d).replace(json.dumps(d["weights"][0]["bias"][0]), "NaN", 1)
    path = tmp_path / "nan.json"
    path.write_text(text)
    with pytest.raises(ProjectError, match="NaN"):
        load_project(path)
    d["weights"][0]["bias"][1] = 1e999  # json writes Infinity
    with pytest.raises(ProjectError, match="Infinity"):
        load_project(write_json(tmp_path, d))


def test_huge_networks_are_refused_before_allocation(tmp_path):
    d = good_dict(tmp_path)
    d["spec"]["layers"] = [{"units": 4000, "activation": "tanh", "name": f"h{i}"} for i in range(3)] + [
        {"units": 1, "activation": "tanh", "name": "out"}
    ]
    d["weights"] = d["optimizer_state"] = None
    with pytest.raises(ProjectError, match="parameters; at most 2,000,000"):
        load_project(write_json(tmp_path, d))


def test_huge_files_are_refused_before_parsing(tmp_path, monkeypatch):
    path = saved(tmp_path, trained())
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    with pytest.raises(ProjectError, match="MB"):
        load_project(path)


def test_deep_nesting_and_garbage(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ProjectError, match="nested too deeply"):
        load_project(deep)
    d = good_dict(tmp_path)
    nest: dict = {}
    for _ in range(40):
        nest = {"a": nest}
    d["extra"] = nest
    with pytest.raises(ProjectError, match="nested too deeply"):
        load_project(write_json(tmp_path, d))
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    with pytest.raises(ProjectError, match="invalid JSON at line 1"):
        load_project(junk)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectError, match="UTF-8"):
        load_project(binary)
    with pytest.raises(ProjectError, match="directory"):
        load_project(tmp_path)
    with pytest.raises(ProjectError, match="cannot read"):
        load_project(tmp_path / "nothing-here.json")


def test_data_sources_of_every_kind(tmp_path):
    assert dataset_from_source({"kind": "planar", "name": "spiral", "n_points": 60, "noise": 0.0, "test_ratio": 0.5, "seed": 1}).planar
    assert dataset_from_source({"kind": "boolean", "name": "parity-3", "n": 3}).x_train.shape == (8, 3)
    assert dataset_from_source({"kind": "preset", "name": "family-trees", "holdout_seed": 0}).n_inputs == 36
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,t\n1,2,0\n3,4,1\n5,6,1\n")
    assert dataset_from_source({"kind": "csv", "path": str(csv), "test_ratio": 0.0, "seed": 0}).task == "binary"
    pts = {"kind": "points", "name": "mine", "task": "binary", "planar": True, "x_train": [[0.5, 1.0], [-1.0, 2.0]],
           "y_train": [[1.0], [0.0]], "x_test": [], "y_test": []}
    data = dataset_from_source(pts)
    assert data.planar and data.x_train.shape == (2, 2) and data.x_test.shape == (0, 2)
    for bad, words in [
        ({"kind": "martian"}, "data_source.kind is 'martian'; expected one of planar"),
        ({"kind": "points", "task": "binary", "x_train": [[1, 2]], "y_train": []}, "differ in length"),
        ({"kind": "points", "task": "binary", "x_train": [[1, "a"]], "y_train": [[1]]}, "only numbers"),
        ({"kind": "points", "task": "fuzzy"}, "task"),
        ({"kind": "csv"}, "path"),
    ]:
        with pytest.raises(ProjectError, match=words):
            dataset_from_source(bad)


def test_inline_points_round_trip(tmp_path):
    data = dataset_from_source({"kind": "points", "task": "binary", "x_train": [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]],
                                "y_train": [[1.0], [0.0], [1.0]], "x_test": [[0.5, 0.5]], "y_test": [[0.0]]})
    t = Trainer(NetworkSpec.stack(2, [2], features=("x", "y")), data)
    t.step(3)
    back = trainer_from_project(load_project(saved(tmp_path, t)))
    assert np.array_equal(back.data.x_train, data.x_train) and np.array_equal(back.data.y_test, data.y_test)
    assert np.array_equal(back.network.params, t.network.params)


def test_a_missing_csv_makes_a_clear_error_when_rebuilding(tmp_path):
    t = trained()
    project = project_from_trainer(t)
    project.data_source = CsvSource(str(tmp_path / "gone.csv"))
    with pytest.raises(ProjectError, match="cannot rebuild the data set"):
        trainer_from_project(project)


def test_the_file_names_its_format(tmp_path):
    d = project_to_dict(project_from_trainer(trained()))
    assert d["format"] == FORMAT == "backprop-playground-project" and d["version"] == 2
    assert isinstance(Project(NetworkSpec.stack(2, [1]), TrainSettings(), PlanarSource()), Project)


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda d: d.update(format="x" * 5000), "not a project file"),
        (lambda d: d["spec"]["layers"][0].update(activation="y" * 5000), "unknown activation"),
        (lambda d: d["spec"]["init"].update(range=10**400), "out of range"),
        (lambda d: d.update(order_rng={"bit_generator": "PCG64", "state": {"state": 10**400, "inc": 1}}), "order_rng"),
    ],
)
def test_hostile_values_give_a_short_one_line_message(tmp_path, change, words):
    d = good_dict(tmp_path)
    change(d)
    path = write_json(tmp_path, d)
    with pytest.raises(ProjectError, match=words) as info:
        trainer_from_project(load_project(path))
    assert len(str(info.value)) < 400 and "\n" not in str(info.value)


def test_numbers_with_too_many_digits_are_refused(tmp_path):
    text = json.dumps(good_dict(tmp_path)).replace('"epoch": 7', '"epoch": 1' + "0" * 5000)
    path = tmp_path / "digits.json"
    path.write_text(text)
    with pytest.raises(ProjectError, match="too many digits"):
        load_project(path)


# ----- the file format: weights by layer, and files of the first version --------------------------
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


def test_a_version_1_file_written_by_the_old_code_opens_and_continues_exactly():
    """tests/fixtures/project_v1_flat.json was written by the code before the by-layer format
    (flat `params`, Adam, mini-batches, a skip connection); it continues bit for bit."""
    project = load_project(os.path.join(FIXTURES, "project_v1_flat.json"))
    with open(os.path.join(FIXTURES, "project_v1_flat.after3.json")) as f:
        expected = json.load(f)["params"]
    t = trainer_from_project(project, history_limit=None)
    assert t.epoch == 5 and t.settings.optimizer.name == "adam" and t.settings.batch_size == 8
    t.step(3)
    assert t.network.params.tolist() == expected


def test_saving_a_version_1_file_writes_weights_by_layer_that_continue_exactly(tmp_path):
    old = load_project(os.path.join(FIXTURES, "project_v1_flat.json"))
    path = tmp_path / "new.json"
    save_project(path, old)
    d = json.loads(path.read_text())
    assert d["version"] == VERSION == 2 and "params" not in d
    back = load_project(path)
    assert np.array_equal(back.params, old.params)
    for key in ("velocity", "m", "v"):
        assert np.array_equal(back.optimizer_state[key], old.optimizer_state[key])


def test_weights_are_stored_by_layer_and_source_as_fan_in_by_units_matrices(tmp_path):
    """Another tool reads layer `out`'s weights from `h2` without our code: z = a_h2 @ W + a_in @ W2 + b."""
    t = trained()
    d = json.loads(saved(tmp_path, t).read_text())
    net = t.network
    assert [r["layer"] for r in d["weights"]] == [l.name for l in t.spec.layers]
    for i, record in enumerate(d["weights"]):
        for source, w in record["from"].items():
            assert np.array_equal(np.array(w), net.layer_weights(i)[source])  # (fan_in, units)
        assert record["bias"] == net.biases[i].tolist()
    x = t.inputs(t.data.x_train[:5])
    a = x
    for i, record in enumerate(d["weights"]):
        z = a @ np.array(record["from"]["input" if i == 0 else d["weights"][i - 1]["layer"]]) + np.array(record["bias"])
        a = np.tanh(z)
    assert np.allclose(a, net.predict(x), rtol=0, atol=1e-12)


def test_what_loading_refuses_saving_refuses_too(tmp_path):
    t = trained()
    project = project_from_trainer(t)
    project.params = project.params.copy()
    project.params[0] = 2e6  # beyond the file's ±1e6
    with pytest.raises(ProjectError, match="beyond ±1e"):
        save_project(tmp_path / "p.json", project)
    project = project_from_trainer(t, {"speed": 1e-9})
    with pytest.raises(ProjectError, match="extra.speed"):
        save_project(tmp_path / "p.json", project)
    assert not list(tmp_path.iterdir())  # nothing written, no temporary file


def test_a_name_that_is_not_valid_unicode_is_refused_at_save_with_nothing_left_behind(tmp_path):
    t = trained()
    project = project_from_trainer(t, {"note": "bad \udc80 byte"})
    with pytest.raises(ProjectError, match="not valid Unicode"):
        save_project(tmp_path / "p.json", project)
    assert not list(tmp_path.iterdir())


def test_a_symlink_loop_is_refused_with_one_line(tmp_path):
    loop = tmp_path / "loop.json"
    os.symlink(loop, loop)
    with pytest.raises(ProjectError, match="cannot read the file") as info:
        load_project(loop)
    assert "\n" not in str(info.value)


def test_a_project_too_big_for_memory_is_refused_by_its_estimate_before_allocating(tmp_path):
    d = good_dict(tmp_path)
    d["spec"]["layers"] = [{"units": 4096, "activation": "tanh", "name": "h1"}, {"units": 1, "activation": "tanh", "name": "out"}]
    d["weights"] = d["optimizer_state"] = None
    d["data_source"] = {"kind": "planar", "name": "xor", "n_points": 1_000_000, "noise": 0.0, "test_ratio": 0.5, "seed": 0}
    with pytest.raises(ProjectError, match=r"needs about \d+\.\d GB of memory; the limit is 4\.0 GB"):
        load_project(write_json(tmp_path, d))


def test_the_windows_recovery_note_is_checked_like_any_field(tmp_path):
    d = good_dict(tmp_path)
    d["extra"] = {"__recovery__": {"path": "/home/me/run.json", "time": 1e300}}  # time.localtime would overflow
    with pytest.raises(ProjectError, match=r"extra\.__recovery__\.time \(seconds since 1970\) is 1e\+300"):
        load_project(write_json(tmp_path, d))
    d["extra"] = {"__recovery__": {"path": "/home/me/run.json", "time": 1_700_000_000.5}}
    assert load_project(write_json(tmp_path, d)).extra["__recovery__"]["time"] == 1_700_000_000.5


def test_a_csv_project_too_big_for_memory_is_refused_before_the_trainer_allocates(tmp_path, monkeypatch):
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,t\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(200)))
    d = good_dict(tmp_path)
    d["spec"]["features"] = None
    d["spec"]["inputs"][0]["size"] = 2
    d["weights"] = d["optimizer_state"] = None
    d["data_source"] = {"kind": "csv", "path": str(csv), "test_ratio": 0.5, "seed": 0}
    project = load_project(write_json(tmp_path, d))
    assert trainer_from_project(project).data.n_inputs == 2
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", 10_000)
    with pytest.raises(ProjectError, match="needs about .* of memory; the limit is"):
        trainer_from_project(project)


def test_one_size_limit_for_writing_and_reading(tmp_path, monkeypatch):
    """The largest network's weights and optimiser state fit the file limit (the longest float
    repr is 24 characters, plus ', '); a file over the limit is never written."""
    assert limits.MAX_PARAMETERS * 4 * (24 + 2) < limits.MAX_FILE_BYTES
    project = project_from_trainer(trained())
    size = len(project_format.project_to_bytes(project))
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(ProjectError, match=r"the project would be \d+ MB; project files are at most 0 MB"):
        save_project(tmp_path / "p.json", project)
    assert not list(tmp_path.iterdir())
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", size)
    save_project(tmp_path / "p.json", project)
    assert load_project(tmp_path / "p.json").epoch == project.epoch
