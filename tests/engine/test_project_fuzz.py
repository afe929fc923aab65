"""Project files under attack: generated malformed, truncated, wrong-version and hostile files
are refused with ProjectError (one line, no other exception type, also when the window then
rebuilds the trainer), and generated valid projects round-trip exactly."""
import copy
import os
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.data.datasets import planar
from engine.data.sources import BooleanSource
from engine.training.history import COLUMNS
from engine.core.optimizers import OptimizerSettings
from engine.files.serialize import (
    FORMAT,
    VERSION,
    Project,
    ProjectError,
    load_project,
    project_from_text,
    project_from_trainer,
    project_to_dict,
    save_project,
    trainer_from_project,
)
from engine.core.spec import InitSpec, InputGroup, LayerSpec, NetworkSpec
from engine.training.trainer import Trainer, TrainSettings

FUZZ = settings(max_examples=int(os.environ.get("BPP_FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_MESSAGE = 600  # a message box, not a dump of the file


def check_refusal(exc: ProjectError) -> None:
    msg = str(exc)
    assert msg and "\n" not in msg, f"not one line: {msg[:200]!r}"
    assert len(msg) <= MAX_MESSAGE, f"message of {len(msg)} characters: {msg[:200]!r}..."
    assert "Traceback" not in msg


def load_or_refuse(text: str) -> Project | None:
    """What the window does with a file: load it, rebuild the trainer, train one epoch and
    evaluate. Only ProjectError may escape, and only from loading: what loads must train."""
    try:
        project = project_from_text(text)
        trainer = trainer_from_project(project)
    except ProjectError as exc:
        check_refusal(exc)
        return None
    with np.errstate(all="ignore"):  # a run may diverge (reported by the trainer), never raise
        trainer.step(1)
        trainer.evaluate()
    return project


# ----- a real project to mutate ------------------------------------------------------------
def base_trainer() -> Trainer:
    spec = NetworkSpec.stack(2, [3], 1, features=["x", "y"], seed=1)
    t = Trainer(spec, planar("xor", 20, seed=2), TrainSettings(OptimizerSettings("sgd", lr=0.1, momentum=0.5), 5))
    t.train(3)
    return t


BASE = project_to_dict(project_from_trainer(base_trainer(), extra={"preset": None, "view": {"zoom": 1.5}}))


def paths_of(value, prefix=()):
    """Every place in a JSON document (long number lists: only the first few items)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            yield from paths_of(v, prefix + (i,))


PATHS = [p for p in paths_of(BASE) if p]

HUGE = [10**400, -(10**400), 2**63, 2**64 + 1, -1, 0, 10**30]
hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE),
    st.floats(),  # NaN and infinities included: json writes them as NaN / Infinity tokens
    st.text(max_size=30),
    st.text(min_size=1000, max_size=3000),
    st.sampled_from(["NaN", "inf", "1e400", "", "../../etc/passwd", "/dev/null", "planar", "points", "csv"]),
)
hostile = st.recursive(
    hostile_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def set_at(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def delete_at(doc, path):
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


@FUZZ
@given(path=st.sampled_from(PATHS), value=hostile, action=st.sampled_from(["replace", "delete", "add"]))
def test_mutated_projects_load_or_are_refused_with_one_line(path, value, action):
    doc = copy.deepcopy(BASE)
    if action == "replace":
        set_at(doc, path, value)
    elif action == "delete":
        delete_at(doc, path)
    else:
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if not isinstance(parent, dict):
            return
        parent["unexpected key"] = value
    load_or_refuse(json.dumps(doc, allow_nan=True))


@FUZZ
@given(data=st.data())
def test_truncated_files_are_refused(data):
    text = json.dumps(BASE)
    cut = data.draw(st.integers(0, len(text) - 1))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cut.json"
        path.write_text(text[:cut])
        with pytest.raises(ProjectError) as info:
            load_project(path)
        check_refusal(info.value)


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_are_refused(raw):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "noise.json"
        path.write_bytes(raw)
        with pytest.raises(ProjectError) as info:
            load_project(path)
        check_refusal(info.value)


@pytest.mark.parametrize(
    "version, words",
    [(VERSION + 1, "newer"), (0, "version"), (-3, "version"), ("1", "version"), (1.0, "version"), (True, "version"), (None, "version")],
)
def test_wrong_versions_are_refused_saying_so(version, words):
    doc = {**BASE, "version": version}
    with pytest.raises(ProjectError, match=words) as info:
        project_from_text(json.dumps(doc))
    check_refusal(info.value)


def test_other_formats_are_refused():
    for doc in ({**BASE, "format": "something-else"}, {k: v for k, v in BASE.items() if k != "format"}, [BASE], "text", 3):
        with pytest.raises(ProjectError, match="not a project file"):
            project_from_text(json.dumps(doc))


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_deep_nesting_is_refused(depth):
    deep_list = "[" * depth + "]" * depth
    with pytest.raises(ProjectError, match="nested too deeply") as info:
        project_from_text(json.dumps({**BASE, "extra": {}})[:-1] + ', "extra2": ' + deep_list + "}")
    check_refusal(info.value)
    nested: dict = {}
    inner = nested
    for _ in range(min(depth, 500)):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ProjectError, match="nested too deeply"):
        project_from_text(json.dumps({**BASE, "extra": nested}))


@pytest.mark.parametrize(
    "where, value",
    [
        (("weights", 0, "bias"), [float("nan")] * len(BASE["weights"][0]["bias"])),
        (("weights", 0, "bias"), BASE["weights"][0]["bias"][:-1]),  # one value short: wrong shape
        (("weights", 0, "from", "input"), [[v] for row in BASE["weights"][0]["from"]["input"] for v in row]),
        (("weights", 0, "from", "input"), [[10**400] * 3] * 2),
        (("weights", 0, "from", "input"), [[1e300] * 3] * 2),  # finite but absurd: a diverged run
        (("weights", 0, "layer"), "someone else"),
        (("weights",), BASE["weights"][:1]),
        (("settings", "optimizer", "beta1"), 1.0),  # Adam's bias correction would divide by zero
        (("settings", "optimizer", "beta2"), 1),
        (("settings", "optimizer", "momentum"), 1.0),
        (("optimizer_state", "t"), 10**30),  # overflows in the worker
        (("settings", "batch_size"), 2**31),  # beyond Qt's 32-bit spin boxes
        (("spec", "seed"), 2**31),
        (("extra", "speed"), 1e-300),  # the worker's clock would overflow
        (("extra", "speed"), 1e300),
        (("extra", "speed"), "fast"),
        (("spec", "layers", 0, "name"), "h\ud800"),  # a lone surrogate cannot be saved again
        (("extra", "view"), {"zoom": "\udfff"}),
        (("spec", "layers", 0, "units"), 4096),  # fine alone, but the params no longer fit
        (("spec", "layers"), [{"units": 4096, "name": f"l{i}"} for i in range(64)]),  # a billion parameters
        (("spec", "inputs", 0, "size"), 10**12),
        (("spec", "init", "range"), 10**400),
        (("spec", "seed"), -5),
        (("history", "rows"), [[0, 1, 2, 3]]),
        (("optimizer_state", "velocity"), [1.0]),
        (("order_rng", "state", "state"), 10**400),
        (("order_rng",), {"bit_generator": "MT19937", "state": {}}),
        (("data_source",), {"kind": "points", "task": "binary", "x_train": [[10**400, 1.0]], "y_train": [[1.0]]}),
        (("data_source",), {"kind": "points", "task": "binary", "x_train": [[1.0, 2.0]], "y_train": [[float("nan")]]}),
        (("data_source",), {"kind": "planar", "name": "xor", "n_points": 10**9, "noise": 0, "test_ratio": 0.5, "seed": 0}),
        (("data_source",), {"kind": "csv", "path": "/nonexistent/data.csv"}),
        (("data_source",), {"kind": "martian"}),
        (("epoch",), -1),
        (("settings", "optimizer", "lr"), float("inf")),
        (("settings", "batch_size"), 0),
    ],
)
def test_hostile_values_are_refused(where, value):
    doc = copy.deepcopy(BASE)
    set_at(doc, where, value)
    assert load_or_refuse(json.dumps(doc, allow_nan=True)) is None


def test_a_number_with_more_digits_than_python_parses_is_refused():
    text = json.dumps(BASE).replace('"epoch": 3', '"epoch": 1' + "0" * 5000)
    with pytest.raises(ProjectError) as info:
        project_from_text(text)
    check_refusal(info.value)


LONG = "0" * 3000


@pytest.mark.parametrize(
    "where",
    [
        ("format",),
        ("version",),
        ("settings", "optimizer", "lr"),
        ("spec", "layers", 0, "activation"),
        ("history", "rows", 0, 0),
        ("data_source", "kind"),
        ("unknown key " + LONG,),
    ],
)
def test_a_huge_value_gives_a_short_message(where):
    doc = copy.deepcopy(BASE)
    set_at(doc, where, LONG)
    assert load_or_refuse(json.dumps(doc)) is None


# ----- valid projects round-trip exactly -------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False)
ACTS = ["tanh", "sigmoid", "relu", "linear", "softplus", "leaky_relu"]


@st.composite
def specs(draw) -> NetworkSpec:
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), max_size=3))
    acts = draw(st.lists(st.sampled_from(ACTS), min_size=len(hidden), max_size=len(hidden)))
    spec = NetworkSpec.stack(
        n_in,
        hidden,
        draw(st.integers(1, 3)),
        acts,
        draw(st.sampled_from(["tanh", "sigmoid", "linear"])),
        reduction=draw(st.sampled_from(["mean", "sum"])),
        init=InitSpec(draw(st.sampled_from(["uniform", "normal", "xavier", "he"])), draw(st.floats(0.01, 5))),
        seed=draw(st.integers(0, 2**31 - 1)),
    )
    if hidden and draw(st.booleans()):  # a skip connection: the output also reads the input
        out = spec.layers[-1]
        layers = spec.layers[:-1] + (LayerSpec(out.units, out.activation, out.name, (spec.layers[-2].name, "input")),)
        spec = spec.with_changes(layers=layers)
    return spec


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | finite | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)


@st.composite
def projects(draw) -> Project:
    spec = draw(specs())
    n = spec.n_parameters()
    vec = lambda bound=1e6, low=None: np.array(draw(st.lists(st.floats(low if low is not None else -bound, bound), min_size=n, max_size=n)))  # noqa: E731
    rows = draw(st.integers(0, 4))
    history = np.array(
        [[float(e)] + [draw(finite | st.just(float("nan"))) for _ in COLUMNS[1:]] for e in range(rows)]
    ).reshape(rows, len(COLUMNS))
    opt = OptimizerSettings(
        draw(st.sampled_from(["sgd", "adam"])),
        lr=draw(st.floats(0, 10)),
        momentum=draw(st.floats(0, 0.99)),
        l1=draw(st.floats(0, 1)),
        l2=draw(st.floats(0, 1)),
    )
    state = None
    if draw(st.booleans()):
        state = {"velocity": vec(1e12), "m": vec(1e12), "v": vec(1e12, 0.0), "t": draw(st.integers(0, 10**6))}
    return Project(
        spec=spec,
        settings=TrainSettings(opt, draw(st.none() | st.integers(1, 500)), draw(st.booleans())),
        data_source=BooleanSource("xor-table"),
        params=draw(st.none()) if draw(st.booleans()) else vec(),
        history=draw(st.none() | st.just(history)),
        epoch=draw(st.integers(0, 10**9)),
        extra=draw(st.dictionaries(st.text(max_size=8).filter(lambda k: k not in ("speed", "preset")), json_values, max_size=4)),
        optimizer_state=state,
        order_rng=draw(st.none() | st.just(np.random.default_rng(7).bit_generator.state)),
    )


def same_array(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@FUZZ
@given(project=projects())
def test_valid_projects_round_trip_exactly(project):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.json"
        save_project(path, project)
        back = load_project(path)
        assert back.spec == project.spec
        assert back.settings == project.settings
        assert back.data_source == project.data_source
        assert same_array(back.params, project.params)  # bit for bit (shortest float repr)
        assert same_array(back.history, project.history)
        assert back.epoch == project.epoch
        assert back.extra == project.extra
        assert back.order_rng == project.order_rng
        if project.optimizer_state is None:
            assert back.optimizer_state is None
        else:
            for key in ("velocity", "m", "v"):
                assert np.array_equal(back.optimizer_state[key], project.optimizer_state[key])
            assert back.optimizer_state["t"] == project.optimizer_state["t"]
        first = path.read_bytes()
        save_project(path, back)
        assert path.read_bytes() == first  # saving what was loaded writes the same file


def test_a_saved_trainer_continues_identically():
    t = base_trainer()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "run.json"
        save_project(path, project_from_trainer(t))
        resumed = trainer_from_project(load_project(path))
    t.train(5)
    resumed.train(5)
    assert np.array_equal(t.network.params, resumed.network.params)
    assert same_array(t.history.array(), resumed.history.array())
    assert math.isclose(t.evaluate().train_loss, resumed.evaluate().train_loss, rel_tol=0, abs_tol=0)


# ----- files that never end -------------------------------------------------------------------
# Run in a child process with a memory cap and a time limit: a read that never ends must not happen.
ISOLATED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))
from engine.files.serialize import ProjectError, load_project, project_from_text, trainer_from_project
try:
    if sys.argv[1] == "load":
        load_project(sys.argv[2])
    else:
        trainer_from_project(project_from_text(sys.argv[2]))
except ProjectError as exc:
    print("refused:", exc)
"""
ROOT = Path(__file__).resolve().parents[2]
def refused_in_child(*args: str, timeout: float = 5.0) -> str:
    import subprocess
    import sys

    try:
        run = subprocess.run([sys.executable, "-c", ISOLATED, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timed out"
    return run.stdout if run.returncode == 0 else f"exit {run.returncode}: {run.stderr[-300:]}"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_csv_source_pointing_at_a_device_is_refused():
    doc = copy.deepcopy(BASE)
    doc["data_source"] = {"kind": "csv", "path": "/dev/zero"}
    assert refused_in_child("text", json.dumps(doc)).startswith("refused:")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_opening_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "project.json"
    os.mkfifo(fifo)
    assert refused_in_child("load", str(fifo)).startswith("refused:")


# ----- files of the first version (flat `params`) under the same attack ------------------------
V1 = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "project_v1_flat.json").read_text())
V1_PATHS = [p for p in paths_of(V1) if p]


@FUZZ
@given(path=st.sampled_from(V1_PATHS), value=hostile, action=st.sampled_from(["replace", "delete"]))
def test_mutated_version_1_files_load_and_train_or_are_refused_with_one_line(path, value, action):
    doc = copy.deepcopy(V1)
    if action == "replace":
        set_at(doc, path, value)
    else:
        delete_at(doc, path)
    load_or_refuse(json.dumps(doc, allow_nan=True))
