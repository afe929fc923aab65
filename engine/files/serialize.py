"""The project file: one JSON document with everything needed to continue a run exactly.

Floats are written with Python's shortest repr, which round-trips bit for bit, so a loaded
network computes exactly what the saved one did. Loading is strict: a file that is not
ours, is damaged, or asks for absurd sizes is refused with one clear message (ProjectError)
before anything big is allocated. Saving is atomic, so a crash never leaves half a file.
"""
from __future__ import annotations

import json
import math
import os
import re
import stat
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.datasets import Dataset
from engine.training.history import COLUMNS
from engine.core.network import Network
from engine.core.optimizers import OPTIMIZERS, OptimizerSettings
from engine.core.spec import NetworkSpec, SpecError
from engine.training.trainer import Trainer, TrainSettings
from engine.training.rules import RULES

FORMAT = "backprop-playground-project"
VERSION = 1
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PARAMETERS = 10_000_000
MAX_DEPTH = 32
MAX_INLINE_POINTS = 1_000_000
TOP_KEYS = (
    "format", "version", "spec", "settings", "data_source", "epoch",
    "params", "history", "optimizer_state", "order_rng", "extra",
)  # fmt: skip
READABLE_KEYS = ("spec", "settings", "extra")  # indented; the rest (long number lists) one line each
REQUIRED_KEYS = ("format", "version", "spec", "settings", "data_source")
TASKS = ("binary", "multiclass", "vector", "regression")


class ProjectError(ValueError):
    """A project file that cannot be loaded or saved; the message says why, in one line.

    Messages quote values from the file, which may be hostile (a 3,000-digit "version"):
    long tokens are shortened and the whole stays one short line for a message box.
    """

    def __init__(self, message: str) -> None:
        super().__init__(_tidy(message))


MAX_TOKEN = 160
MAX_MESSAGE = 400


def _tidy(message: str) -> str:
    line = re.sub(r"\S{%d,}" % (MAX_TOKEN + 1), lambda m: m.group(0)[:MAX_TOKEN] + "…", " ".join(str(message).split()))
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


@dataclass
class Project:
    spec: NetworkSpec
    settings: TrainSettings
    data_source: dict
    params: np.ndarray | None = None
    history: np.ndarray | None = None  # (n, 5): epoch, train_loss, test_loss, train_acc, test_acc
    epoch: int = 0
    extra: dict = field(default_factory=dict)  # GUI state; any JSON (plain values)
    # "velocity", "m", "v" (flat like params) and "t": lets momentum/Adam continue exactly
    optimizer_state: dict | None = None
    # bit-generator state of the trainer's pattern-order shuffle, so mini-batch runs continue exactly
    order_rng: dict | None = None


# ----- trainer <-> project ----------------------------------------------------------------
def project_from_trainer(trainer: Trainer, extra: dict | None = None) -> Project:
    opt = trainer.optimizer
    return Project(
        spec=trainer.spec,
        settings=TrainSettings(
            OptimizerSettings(**asdict(trainer.settings.optimizer)), trainer.settings.batch_size, trainer.settings.shuffle,
            trainer.settings.rule,
        ),
        data_source=source_for(trainer.data),
        params=trainer.network.params.copy(),
        history=trainer.history.array(),
        epoch=trainer.epoch,
        extra=dict(extra or {}),
        optimizer_state={"velocity": opt.velocity.copy(), "m": opt._m.copy(), "v": opt._v.copy(), "t": int(opt._t)},
        order_rng=trainer._order_rng.bit_generator.state,
    )


def trainer_from_project(project: Project, history_limit: int | None = 20_000) -> Trainer:
    """A trainer that continues where the saved one stopped (same weights, epoch, history)."""
    try:
        data = dataset_from_source(project.data_source)
    except ProjectError:
        raise
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise ProjectError(f"cannot rebuild the data set: {_reason(exc)}") from None
    network = Network(project.spec, project.params) if project.params is not None else None
    try:
        trainer = Trainer(project.spec, data, project.settings, network=network, history_limit=history_limit)
    except ValueError as exc:
        raise ProjectError(f"the saved network does not fit its data: {exc}") from None
    trainer.epoch = project.epoch
    if project.history is not None and len(project.history):
        trainer.history.load(project.history)
    preset = project.extra.get("preset") if isinstance(project.extra, dict) else None
    if isinstance(preset, str):
        from engine.presets import PRESETS

        if preset in PRESETS:  # a preset's schedule (eps/alpha phases, weight decay) continues
            PRESETS[preset].attach(trainer)
    state = project.optimizer_state
    if state:
        opt = trainer.optimizer
        for key, arr in (("velocity", opt.velocity), ("m", opt._m), ("v", opt._v)):
            if key in state:
                arr[:] = state[key]
        opt._t = int(state.get("t", 0))
    if project.order_rng is not None:
        try:
            trainer._order_rng.bit_generator.state = project.order_rng
        except (ValueError, TypeError, KeyError, OverflowError):
            raise ProjectError("order_rng is not a valid random generator state") from None
    return trainer


def source_for(data: Dataset) -> dict:
    """How to get a data set back: its own recipe when it has one, else the points inline."""
    if data.source.get("kind") in ("planar", "boolean", "preset") or (
        data.source.get("kind") == "csv" and data.source.get("path")
    ):
        return dict(data.source)
    return points_source(data)


def points_source(data: Dataset) -> dict:
    """Every point of a data set written out inline (the `points` source kind)."""
    return {
        "kind": "points",
        "name": data.name,
        "task": data.task,
        "planar": data.planar,
        "class_names": list(data.class_names),
        "input_names": list(data.input_names),
        "output_names": list(data.output_names),
        "x_train": data.x_train.tolist(),
        "y_train": data.y_train.tolist(),
        "x_test": data.x_test.tolist(),
        "y_test": data.y_test.tolist(),
    }


def dataset_from_source(source: dict) -> Dataset:
    """Rebuild a Dataset from a `source` dict: planar, boolean, preset, csv (path) or points.

    Every failure is a ProjectError (a ValueError) with one line saying why.
    """
    try:
        return _dataset_from_source(source)
    except ProjectError:
        raise
    except (ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
        raise ProjectError(f"cannot rebuild the data set: {_reason(exc)}") from None


def _dataset_from_source(source: dict) -> Dataset:
    if not isinstance(source, dict):
        raise ProjectError("data_source must be a JSON object")
    kind = source.get("kind")
    if kind == "csv":
        from engine.data.csvdata import load_csv

        path = source.get("path")
        if not isinstance(path, str) or not path:
            raise ProjectError("a csv data source needs the file's path")
        return load_csv(path, float(source.get("test_ratio", 0.5)), int(source.get("seed", 0)))
    if kind == "points":
        return _points_dataset(source)
    if kind == "preset":
        from engine.presets import dataset_from_source as preset_source

        return preset_source(source)
    if kind in ("planar", "boolean"):
        from engine.data.datasets import from_source

        try:
            return from_source(source)
        except KeyError as exc:
            raise ProjectError(f"the {kind} data source lacks {exc}") from None
    raise ProjectError(f"unknown data source kind {kind!r}; expected planar, boolean, preset, csv or points")


def _points_dataset(s: dict) -> Dataset:
    task = s.get("task")
    if task not in TASKS:
        raise ProjectError(f"inline points: task must be one of {', '.join(TASKS)}, not {task!r}")
    arrays = {}
    for key in ("x_train", "y_train", "x_test", "y_test"):
        arrays[key] = _matrix(s.get(key, []), f"data_source.{key}", MAX_INLINE_POINTS)
    xtr, ytr, xte, yte = arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]
    if len(xtr) == 0:
        raise ProjectError("inline points: no training points")
    if len(xtr) != len(ytr) or len(xte) != len(yte):
        raise ProjectError("inline points: inputs and targets differ in length")
    if len(xte) and (xte.shape[1] != xtr.shape[1] or yte.shape[1] != ytr.shape[1]):
        raise ProjectError("inline points: training and test sets have different widths")
    if len(xte) == 0:
        xte, yte = np.zeros((0, xtr.shape[1])), np.zeros((0, ytr.shape[1]))
    names = {k: tuple(str(v) for v in s.get(k, []) or []) for k in ("class_names", "input_names", "output_names")}
    planar = bool(s.get("planar", xtr.shape[1] == 2))
    if planar and xtr.shape[1] != 2:
        raise ProjectError("inline points: a 2-D (planar) data set needs exactly 2 input columns")
    src = {k: v for k, v in s.items()}
    return Dataset(str(s.get("name", "points")), xtr, ytr, xte, yte, task, planar=planar, source=src, **names)


def _matrix(value: Any, what: str, max_rows: int) -> np.ndarray:
    if not isinstance(value, list):
        raise ProjectError(f"{what} must be a list of rows")
    if len(value) > max_rows:
        raise ProjectError(f"{what} has {len(value)} rows; at most {max_rows}")
    if not value:
        return np.zeros((0, 0))
    if not all(isinstance(r, list) for r in value) or len({len(r) for r in value}) != 1 or not value[0]:
        raise ProjectError(f"{what} must be a rectangular list of number rows")
    arr = _floats(value, what)
    return arr


def _floats(value: Any, what: str) -> np.ndarray:
    try:
        if any(isinstance(v, bool) for v in _flat(value)):
            raise TypeError
        arr = np.array(value, dtype=np.float64)
    except OverflowError:
        raise ProjectError(f"{what} contains out-of-range values") from None
    except (TypeError, ValueError):
        raise ProjectError(f"{what} must contain only numbers") from None
    if not np.isfinite(arr).all():
        raise ProjectError(f"{what} contains NaN or infinite values")
    return arr


def _flat(value: Any):
    if isinstance(value, list):
        for v in value:
            yield from _flat(v)
    else:
        yield value


# ----- saving -----------------------------------------------------------------------------
def project_to_dict(project: Project) -> dict[str, Any]:
    params = project.params
    if params is not None and not np.isfinite(params).all():
        raise ProjectError("refusing to save NaN or infinite weights")
    d: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "spec": project.spec.to_dict(),
        "settings": {
            "optimizer": asdict(project.settings.optimizer),
            "batch_size": project.settings.batch_size,
            "shuffle": project.settings.shuffle,
        },
        "data_source": project.data_source,
        "epoch": int(project.epoch),
        "params": None if params is None else [float(v) for v in params],
        "history": None
        if project.history is None
        else {"columns": list(COLUMNS), "rows": [[_nullable(v) for v in row] for row in np.asarray(project.history)]},
        "optimizer_state": None,
        "order_rng": project.order_rng,
        "extra": project.extra,
    }
    st = project.optimizer_state
    if st:
        d["optimizer_state"] = {
            **{k: [float(v) for v in np.asarray(st[k])] for k in ("velocity", "m", "v") if k in st},
            "t": int(st.get("t", 0)),
        }
    if project.settings.rule != "backprop":  # written only when chosen: older files stay the same
        d["settings"]["rule"] = project.settings.rule
    return d


def _dumps(d: dict[str, Any]) -> str:
    """JSON a person can read: settings indented, each long number list on one line."""
    parts = []
    for key, value in d.items():
        if key in READABLE_KEYS:
            body = json.dumps(value, indent=2, allow_nan=False, ensure_ascii=False).replace("\n", "\n  ")
        else:
            body = json.dumps(value, separators=(", ", ": "), allow_nan=False, ensure_ascii=False)
        parts.append(f"  {json.dumps(key)}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _nullable(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def save_project(path: str | os.PathLike, project: Project) -> None:
    """Write atomically: a temporary file beside the target, fsync, then os.replace."""
    target = Path(path)
    try:
        text = _dumps(project_to_dict(project))
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"cannot save the project: {exc}") from None
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ProjectError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        os.chmod(tmp, mode)  # mkstemp makes the file private; keep what a plain write would give
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ProjectError(f"cannot write {target}: {exc.strerror or exc}") from None


# ----- loading ----------------------------------------------------------------------------
def load_project(path: str | os.PathLike) -> Project:
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise ProjectError(f"{p} is a directory, not a project file")
        if not stat.S_ISREG(st.st_mode):  # a device or pipe: reading it may never end
            raise ProjectError(f"{p} is not a regular file (a device or pipe), not a project file")
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise ProjectError(f"{p}: the file is {size / 1e6:.0f} MB; project files are at most {MAX_FILE_BYTES // 2**20} MB")
        raw = p.read_bytes()
    except ProjectError:
        raise
    except IsADirectoryError:
        raise ProjectError(f"{p} is a directory, not a project file") from None
    except OSError as exc:
        raise ProjectError(f"cannot read {p}: {exc.strerror or exc}") from None
    try:
        return project_from_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(f"{p}: not a project file (not UTF-8 text)") from None
    except ProjectError as exc:
        raise ProjectError(f"{p}: {exc}") from None


def _no_constants(name: str) -> None:
    raise ProjectError(f"the file contains {name}; weights and settings must be finite numbers")


def project_from_text(text: str) -> Project:
    if len(text) > MAX_FILE_BYTES:
        raise ProjectError(f"the text is longer than {MAX_FILE_BYTES // 2**20} MB")
    try:
        d = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise ProjectError(f"nested too deeply (at most {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"not a project file (invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ProjectError:
        raise
    except ValueError:  # Python refuses integers with thousands of digits
        raise ProjectError("not a project file (a number has too many digits)") from None
    _check_depth(d, 0)
    return project_from_dict(d)


def _check_depth(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ProjectError(f"nested too deeply (at most {MAX_DEPTH} levels)")
    if isinstance(value, dict):
        for v in value.values():
            _check_depth(v, depth + 1)
    elif isinstance(value, list):
        # long flat lists of numbers (weights, points) are common; only nested items recurse
        for v in value:
            if isinstance(v, (dict, list)):
                _check_depth(v, depth + 1)


def project_from_dict(d: Any) -> Project:
    if not isinstance(d, dict):
        raise ProjectError("not a project file (expected a JSON object)")
    if d.get("format") != FORMAT:
        raise ProjectError(f"not a project file (format is {d.get('format')!r}, expected {FORMAT!r})")
    version = d.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectError(f"the format version must be a whole number, not {version!r}")
    if version > VERSION:
        raise ProjectError(f"made by a newer version of the app (file format version {version}; this app reads {VERSION})")
    if version < 1:
        raise ProjectError(f"unknown file format version {version}")
    missing = [k for k in REQUIRED_KEYS if k not in d]
    if missing:
        raise ProjectError(f"missing key(s): {', '.join(missing)}")
    unknown = [k for k in d if k not in TOP_KEYS]
    if unknown:
        raise ProjectError(f"unknown key(s): {', '.join(map(str, unknown))}")

    try:
        spec = NetworkSpec.from_dict(d["spec"])
    except SpecError as exc:
        raise ProjectError(f"bad network: {exc}") from None
    except (OverflowError, ValueError, TypeError):  # e.g. a 400-digit weight range
        raise ProjectError("bad network: a number in the network description is out of range") from None
    n_params = spec.n_parameters()
    if n_params > MAX_PARAMETERS:
        raise ProjectError(f"the network has {n_params:,} parameters; at most {MAX_PARAMETERS:,}")
    settings = _settings(d["settings"])
    source = d["data_source"]
    if not isinstance(source, dict) or not isinstance(source.get("kind"), str):
        raise ProjectError("data_source must be a JSON object with a 'kind'")

    epoch = d.get("epoch", 0)
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ProjectError(f"epoch must be a whole number >= 0, not {epoch!r}")

    params = None
    if d.get("params") is not None:
        params = _vector(d["params"], "params", n_params)

    history = None
    if d.get("history") is not None:
        history = _history(d["history"])

    state = None
    if d.get("optimizer_state") is not None:
        st = d["optimizer_state"]
        if not isinstance(st, dict):
            raise ProjectError("optimizer_state must be a JSON object")
        state = {k: _vector(st[k], f"optimizer_state.{k}", n_params) for k in ("velocity", "m", "v") if k in st}
        t = st.get("t", 0)
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ProjectError(f"optimizer_state.t must be a whole number >= 0, not {t!r}")
        state["t"] = t

    order_rng = d.get("order_rng")
    if order_rng is not None and not isinstance(order_rng, dict):
        raise ProjectError("order_rng must be a JSON object")

    extra = d.get("extra") or {}
    if not isinstance(extra, dict):
        raise ProjectError("extra must be a JSON object")
    return Project(spec, settings, source, params, history, epoch, extra, state, order_rng)


def _vector(value: Any, what: str, size: int) -> np.ndarray:
    if not isinstance(value, list):
        raise ProjectError(f"{what} must be a list of numbers")
    if len(value) != size:
        raise ProjectError(f"{what} has {len(value)} values but the network needs {size}")
    if not all(type(v) in (int, float) for v in value):
        raise ProjectError(f"{what} must contain only numbers")
    try:
        arr = np.array(value, dtype=np.float64)
    except OverflowError:
        arr = np.array([np.inf])
    if not np.isfinite(arr).all():
        raise ProjectError(f"{what} contains NaN, infinite or out-of-range values")
    return arr


def _history(h: Any) -> np.ndarray:
    if not isinstance(h, dict) or not isinstance(h.get("rows"), list):
        raise ProjectError("history must be an object with 'columns' and 'rows'")
    if h.get("columns", list(COLUMNS)) != list(COLUMNS):
        raise ProjectError(f"history columns must be {', '.join(COLUMNS)}")
    rows = h["rows"]
    out = np.empty((len(rows), len(COLUMNS)))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(COLUMNS):
            raise ProjectError(f"history row {i + 1} must have {len(COLUMNS)} values")
        for j, v in enumerate(row):
            if v is None and j > 0:
                out[i, j] = np.nan
            elif type(v) in (int, float) and _finite(v):
                out[i, j] = v
            else:
                raise ProjectError(f"history row {i + 1} has a bad value {v!r}")
    return out


def _settings(s: Any) -> TrainSettings:
    if not isinstance(s, dict):
        raise ProjectError("settings must be a JSON object")
    o = s.get("optimizer")
    if not isinstance(o, dict):
        raise ProjectError("settings.optimizer must be a JSON object")
    known = set(OptimizerSettings.__dataclass_fields__)
    unknown = [k for k in o if k not in known]
    if unknown:
        raise ProjectError(f"unknown optimizer setting(s): {', '.join(map(str, unknown))}")
    values: dict[str, Any] = {}
    for k, v in o.items():
        if k == "name":
            if v not in OPTIMIZERS:
                raise ProjectError(f"unknown optimizer {v!r}; expected {' or '.join(OPTIMIZERS)}")
            values[k] = v
        elif type(v) not in (int, float) or not _finite(v):
            raise ProjectError(f"optimizer setting {k} must be a finite number, not {v!r}")
        else:
            values[k] = float(v)
    batch = s.get("batch_size", None)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int)):
        raise ProjectError(f"batch_size must be a whole number or null (full batch), not {batch!r}")
    shuffle = s.get("shuffle", True)
    if not isinstance(shuffle, bool):
        raise ProjectError(f"shuffle must be true or false, not {shuffle!r}")
    rule = s.get("rule", "backprop")  # absent in files from before learning rules
    if rule not in RULES:
        raise ProjectError(f"unknown learning rule {rule!r}; expected {' or '.join(RULES)}")
    settings = TrainSettings(OptimizerSettings(**values), batch, shuffle, rule)
    try:
        settings.validate()
    except ValueError as exc:
        raise ProjectError(f"bad training settings: {exc}") from None
    return settings


def _finite(v: int | float) -> bool:
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _reason(exc: BaseException) -> str:
    return str(exc) if not isinstance(exc, KeyError) else f"missing {exc}"


__all__ = [
    "FORMAT",
    "VERSION",
    "Project",
    "ProjectError",
    "project_from_trainer",
    "trainer_from_project",
    "save_project",
    "load_project",
    "dataset_from_source",
    "source_for",
    "project_to_dict",
    "project_from_dict",
    "project_from_text",
]
