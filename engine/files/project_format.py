"""The project file: one JSON document with everything needed to continue a run exactly.

Version 2 stores the weights by layer and by source as (fan_in x units) matrices with the
bias beside them (weights.py), so other tools can read them; version 1 files (one flat
`params` vector in the engine's order) still open. Floats are written with Python's
shortest repr, which round-trips bit for bit. Loading is strict: every field is checked
for type, range and consistency (engine/validate.py, engine/limits.py) before anything
big is allocated, and a refusal is one line naming the file, the field and what is
allowed (ProjectError). Saving is atomic and refuses what loading would refuse, so a file
we write is a file we can read.
"""
from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from engine import limits
from engine.core.optimizers import OPTIMIZERS, OptimizerSettings
from engine.training.rules import RULES
from engine.core.spec import NetworkSpec, SpecError
from engine.data.sources import CsvSource, DataSource, PlanarSource, PointsSource, parse_source
from engine.estimate import Estimate, estimate
from engine.files.atomic import write_atomic
from engine.files.project import Project
from engine.files.weights import from_layers, to_layers
from engine.training.history import COLUMNS
from engine.training.trainer import TrainSettings
from engine.validate import (
    ProjectError, choice, clean_text, finite, flag, is_number, number, obj, show, text, vector, whole,
)  # fmt: skip

FORMAT = "backprop-playground-project"
VERSION = 2
MAX_DEPTH = 32
MAX_STATE = 1e12  # optimiser velocity, m, v: beyond this the run had diverged
MAX_EPOCH = 2**53  # an epoch or step counter stays exact as a float
RECOVERY_KEY = "__recovery__"  # the window's autosave note in `extra` (gui/files/controller.py)
MAX_TIME = 1e11  # seconds since 1970: year 5138, still a date time.localtime can show
TOP_KEYS = (
    "format", "version", "spec", "settings", "data_source", "epoch",
    "weights", "params", "history", "optimizer_state", "order_rng", "extra",
)  # fmt: skip
READABLE_KEYS = ("spec", "settings", "extra")  # indented; the rest (long number lists) one line each
REQUIRED_KEYS = ("format", "version", "spec", "settings", "data_source")
STATE_KEYS = ("velocity", "m", "v")


# ----- saving -----------------------------------------------------------------------------
def project_to_dict(project: Project) -> dict[str, Any]:
    source = check_saveable(project)
    spec = project.spec
    d: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "spec": spec.to_dict(),
        "settings": {
            "optimizer": asdict(project.settings.optimizer),
            "batch_size": project.settings.batch_size,
            "shuffle": project.settings.shuffle,
        },
        "data_source": source,
        "epoch": int(project.epoch),
        "weights": None if project.params is None else to_layers(spec, project.params),
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
            **{k: to_layers(spec, np.asarray(st[k], dtype=float)) for k in STATE_KEYS if k in st},
            "t": int(st.get("t", 0)),
        }
    if project.settings.rule != "backprop":  # written only when chosen: older files stay the same
        d["settings"]["rule"] = project.settings.rule
    return d


def check_saveable(project: Project) -> dict[str, Any]:
    """Refuse to write what load_project would refuse (the same checks and limits, both ways).
    Returns the data source's JSON form, every field checked as a file's is when read."""
    _spec(project.spec.to_dict())
    _settings({"optimizer": asdict(project.settings.optimizer), "batch_size": project.settings.batch_size,
               "shuffle": project.settings.shuffle, "rule": project.settings.rule})  # fmt: skip
    if not isinstance(project.data_source, DataSource):
        raise ProjectError(f"data_source must be a typed data source (engine/data/sources.py), not {type(project.data_source).__name__}")
    source = project.data_source.to_dict()
    parse_source(source)
    _extra(obj(project.extra, "extra"))
    whole(int(project.epoch), "epoch", 0, MAX_EPOCH)
    if project.optimizer_state:
        whole(int(project.optimizer_state.get("t", 0)), "optimizer_state.t", 0, limits.MAX_OPTIMIZER_STEPS)
    if project.params is not None:
        _array_ok(project.params, "the weights", limits.MAX_WEIGHT)
    for k in STATE_KEYS:
        if project.optimizer_state and k in project.optimizer_state:
            _array_ok(project.optimizer_state[k], f"the optimiser's {k}", MAX_STATE)
    return source


def _array_ok(values: Any, what: str, bound: float) -> None:
    arr = np.asarray(values, dtype=float)
    if not np.isfinite(arr).all():
        raise ProjectError(f"refusing to save NaN or infinite values in {what}")
    if arr.size and np.abs(arr).max() > bound:
        raise ProjectError(f"refusing to save {what}: {np.abs(arr).max():.3g} is beyond ±{bound:g} (the run diverged)")


def project_to_bytes(project: Project) -> bytes:
    """The file's bytes; ProjectError when they could not be read back (size, text, values)."""
    try:
        data = _dumps(project_to_dict(project)).encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        raise ProjectError("cannot save: a name holds text that is not valid Unicode (a lone surrogate)") from None
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"cannot save the project: {exc}") from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise ProjectError(f"the project would be {len(data) / 2**20:.0f} MB; project files are at most "
                           f"{limits.MAX_FILE_BYTES // 2**20} MB (use a smaller network or fewer inline points)")  # fmt: skip
    return data


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
    """Write atomically (engine/files/atomic.py): the old file or the whole new one, no `.tmp` left."""
    data = project_to_bytes(project)
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise ProjectError(f"cannot write {path}: {exc.strerror or exc}") from None


# ----- loading ----------------------------------------------------------------------------
def load_project(path: str | os.PathLike, allow_big: Callable[[Estimate], bool] | None = None) -> Project:
    """`allow_big(estimate)`: asked about a run too big for memory (the window asks its user);
    without it, or when it says no, such a project is refused."""
    p = Path(path)
    try:
        raw = read_regular_file(p, limits.MAX_FILE_BYTES, "project files")
    except ProjectError as exc:
        raise ProjectError(f"{_name(p)}: {exc}") from None
    try:
        return project_from_text(raw.decode("utf-8"), allow_big)
    except UnicodeDecodeError:
        raise ProjectError(f"{_name(p)}: not a project file (not UTF-8 text)") from None
    except ProjectError as exc:
        raise ProjectError(f"{_name(p)}: {exc}") from None


def _name(p: Path) -> str:
    """The path as a message can print it (a non-UTF-8 name shows its bytes escaped)."""
    return os.fsencode(p).decode("utf-8", "backslashreplace")


def read_regular_file(p: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most max_bytes; anything else is one ProjectError line.

    Refused: directories, devices and pipes (reading may never end), symlink loops, too-big files.
    """
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise ProjectError("is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise ProjectError("is not a regular file (a device or pipe)")
        if st.st_size > max_bytes:
            raise ProjectError(f"the file is {st.st_size / 2**20:.0f} MB; {what} are at most {max_bytes // 2**20} MB")
        with open(p, "rb") as f:
            return f.read(max_bytes + 1)
    except ProjectError:
        raise
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop seen by pathlib
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ProjectError(f"cannot read the file ({reason})") from None


def _no_constants(name: str) -> None:
    raise ProjectError(f"the file contains {name}; weights and settings must be finite numbers")


def project_from_text(text: str, allow_big: Callable[[Estimate], bool] | None = None) -> Project:
    if len(text) > limits.MAX_FILE_BYTES:
        raise ProjectError(f"the text is longer than {limits.MAX_FILE_BYTES // 2**20} MB")
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
    if "\\ud" in text.lower():  # only a \uXXXX escape can make a lone surrogate in decoded text
        clean_text(d, "the file")
    return project_from_dict(d, allow_big)


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


def project_from_dict(d: Any, allow_big: Callable[[Estimate], bool] | None = None) -> Project:
    if not isinstance(d, dict):
        raise ProjectError("not a project file (expected a JSON object)")
    if d.get("format") != FORMAT:
        raise ProjectError(f"not a project file (format is {show(d.get('format'))}, expected {FORMAT!r})")
    version = d.get("version")
    if type(version) is not int:
        raise ProjectError(f"the format version must be a whole number, not {show(version)}")
    if version > VERSION:
        raise ProjectError(f"made by a newer version of the app (file format version {version}; this app reads {VERSION})")
    if version < 1:
        raise ProjectError(f"unknown file format version {version}")
    missing = [k for k in REQUIRED_KEYS if k not in d]
    if missing:
        raise ProjectError(f"missing key(s): {', '.join(missing)}")
    weights_key = "params" if version == 1 else "weights"
    unknown = [k for k in d if k not in TOP_KEYS or k in ("params", "weights") and k != weights_key]
    if unknown:
        raise ProjectError(f"unknown key(s): {', '.join(map(str, unknown))}")

    spec = _spec(d["spec"])
    n_params = spec.n_parameters()
    if n_params > limits.MAX_PARAMETERS:
        raise ProjectError(f"the network has {n_params:,} parameters; at most {limits.MAX_PARAMETERS:,}")
    settings = _settings(d["settings"])
    source = parse_source(d["data_source"])
    _check_size(spec, source, settings, allow_big)
    epoch = whole(d.get("epoch", 0), "epoch", 0, MAX_EPOCH)

    def read(value: Any, field: str, bound: float) -> np.ndarray:
        if version == 1:
            return vector(value, field, n_params, bound)
        return from_layers(spec, value, field, bound)

    params = None
    if d.get(weights_key) is not None:
        params = read(d[weights_key], weights_key, limits.MAX_WEIGHT)

    history = None
    if d.get("history") is not None:
        history = _history(d["history"])

    state = None
    if d.get("optimizer_state") is not None:
        st = obj(d["optimizer_state"], "optimizer_state")
        unknown = [str(k) for k in st if k not in (*STATE_KEYS, "t")]
        if unknown:
            raise ProjectError(f"optimizer_state: unknown key(s) {', '.join(unknown)}")
        state = {k: read(st[k], f"optimizer_state.{k}", MAX_STATE) for k in STATE_KEYS if k in st}
        if "v" in state and (state["v"] < 0).any():
            raise ProjectError("optimizer_state.v holds a negative value; Adam's v is an average of squares (>= 0)")
        state["t"] = whole(st.get("t", 0), "optimizer_state.t", 0, limits.MAX_OPTIMIZER_STEPS)

    order_rng = d.get("order_rng")
    if order_rng is not None:
        _order_rng(order_rng)

    extra = d.get("extra") or {}
    _extra(obj(extra, "extra"))
    return Project(spec, settings, source, params, history, epoch, extra, state, order_rng)


def _spec(value: Any) -> NetworkSpec:
    try:
        spec = NetworkSpec.from_dict(value)
    except SpecError as exc:
        raise ProjectError(f"bad network (spec): {exc}") from None
    except (OverflowError, ValueError, TypeError):  # e.g. a 400-digit weight range
        raise ProjectError("bad network (spec): a number in the network description is out of range") from None
    whole(spec.seed, "spec.seed", 0, limits.INT32_MAX)
    number(spec.init.range, "spec.init.range", 0.0, limits.MAX_INIT_RANGE, low_open=True)
    number(getattr(spec, "margin", 0.0), "spec.margin", 0.0, 0.5, high_open=True)  # half the output range
    return spec


def _check_size(spec: NetworkSpec, source: Any, settings: TrainSettings,
                allow_big: Callable[[Estimate], bool] | None = None) -> None:
    """Refuse, before the data is built, a project whose run would not fit in memory."""
    if isinstance(source, PlanarSource):
        n = source.n_points
    elif isinstance(source, PointsSource):
        n = len(source.x_train) + len(source.x_test)
    elif isinstance(source, CsvSource):
        return  # the CSV reader has its own size limit; the trainer is checked when built
    else:
        n = 4096  # the paper's tables and the family trees are small
    e = estimate(spec, n, 1, settings.batch_size)
    if e.too_big and not (allow_big is not None and allow_big(e)):
        raise ProjectError(e.memory_message())


def _history(h: Any) -> np.ndarray:
    if not isinstance(h, dict) or not isinstance(h.get("rows"), list):
        raise ProjectError("history must be an object with 'columns' and 'rows'")
    if h.get("columns", list(COLUMNS)) != list(COLUMNS):
        raise ProjectError(f"history.columns must be {', '.join(COLUMNS)}")
    rows = h["rows"]
    out = np.empty((len(rows), len(COLUMNS)))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(COLUMNS):
            raise ProjectError(f"history row {i + 1} must have {len(COLUMNS)} values")
        for j, v in enumerate(row):
            if v is None and j > 0:
                out[i, j] = np.nan
            elif is_number(v) and finite(v) and (j > 0 or 0 <= v <= MAX_EPOCH):
                out[i, j] = v
            else:
                raise ProjectError(f"history row {i + 1}, {COLUMNS[j]}: bad value {show(v)} (a finite number{'' if j == 0 else ' or null'})")
    return out


OPTIMIZER_RANGES: dict[str, tuple[float, float, bool]] = {
    # field: (low, high, high_open); Adam's betas below 1, else its bias correction divides by zero
    "lr": (0.0, limits.MAX_RATE, False),
    "momentum": (0.0, 1.0, True),
    "l1": (0.0, limits.MAX_RATE, False),
    "l2": (0.0, limits.MAX_RATE, False),
    "beta1": (0.0, 1.0, True),
    "beta2": (0.0, 1.0, True),
    "eps": (1e-300, 1.0, False),
}


def _settings(s: Any) -> TrainSettings:
    obj(s, "settings")
    unknown = [str(k) for k in s if k not in ("optimizer", "batch_size", "shuffle", "rule")]
    if unknown:
        raise ProjectError(f"settings: unknown key(s) {', '.join(unknown)}")
    o = obj(s.get("optimizer"), "settings.optimizer")
    known = set(OptimizerSettings.__dataclass_fields__)
    unknown = [str(k) for k in o if k not in known]
    if unknown:
        raise ProjectError(f"settings.optimizer: unknown setting(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for k, v in o.items():
        if k == "name":
            values[k] = choice(v, "settings.optimizer.name", OPTIMIZERS)
        elif k in OPTIMIZER_RANGES:
            low, high, high_open = OPTIMIZER_RANGES[k]
            values[k] = number(v, f"settings.optimizer.{k}", low, high, high_open)
        else:  # a setting added to OptimizerSettings later: at least a finite number
            values[k] = number(v, f"settings.optimizer.{k}", -limits.MAX_RATE, limits.MAX_RATE)
    batch = s.get("batch_size")
    if batch is not None:
        batch = whole(batch, "settings.batch_size", 1, limits.INT32_MAX)
    shuffle = flag(s.get("shuffle", True), "settings.shuffle")
    rule = choice(s.get("rule", "backprop"), "settings.rule", RULES)  # absent in files from before learning rules
    settings = TrainSettings(OptimizerSettings(**values), batch, shuffle, rule)
    try:
        settings.validate()
    except ValueError as exc:
        raise ProjectError(f"bad training settings: {exc}") from None
    return settings


def _order_rng(state: Any) -> None:
    """The shuffle's bit-generator state: numpy's PCG64 layout, checked before numpy sees it."""
    obj(state, "order_rng")
    inner = obj(state.get("state"), "order_rng.state")
    for k in ("state", "inc"):
        whole(inner.get(k), f"order_rng.state.{k}", 0, 2**128 - 1)
    whole(state.get("has_uint32", 0), "order_rng.has_uint32", 0, 1)
    whole(state.get("uinteger", 0), "order_rng.uinteger", 0, 2**32 - 1)


def _extra(extra: dict) -> None:
    """The window's own state: the few keys it reads are checked like any other field."""
    speed = extra.get("speed")
    if speed is not None:
        number(speed, "extra.speed (epochs per second)", limits.MIN_SPEED, limits.MAX_SPEED)
    preset = extra.get("preset")
    if preset is not None and not isinstance(preset, str):
        raise ProjectError(f"extra.preset must be a name or null, not {show(preset)}")
    recovery = extra.get(RECOVERY_KEY)  # written by the window's autosave: where from, and when
    if recovery is not None:
        obj(recovery, f"extra.{RECOVERY_KEY}")
        if recovery.get("path") is not None:
            text(recovery["path"], f"extra.{RECOVERY_KEY}.path", 4096)
        if recovery.get("time") is not None:
            number(recovery["time"], f"extra.{RECOVERY_KEY}.time (seconds since 1970)", 0.0, MAX_TIME)
