"""Where a data set comes from, as typed values: how a project file gets its data back.

A data source is one of five frozen records — a generated 2-D set, one of the paper's
boolean tables, a ready-made example, a CSV file, or the points themselves written out —
each with `build()` (the Dataset) and `to_dict()` (its JSON form, as project files, preset
files and lessons store it). Inside the program the record itself is the value: a Dataset
carries it (`Dataset.source`), the window's document and undo commands hold and compare it.
The JSON dict appears only at the edges: `parse_source` is the one place that reads the
JSON "kind" and checks every field (type, range) at read time, so a source that parses also
builds; `to_dict()` is the one place that writes it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Union

import numpy as np

from engine import limits
from engine.data.datasets import BOOLEAN, PLANAR, TASKS, Dataset
from engine.validate import ProjectError, choice, flag, matrix, number, obj, show, text, texts, whole

MAX_SEED = limits.INT32_MAX  # the window shows data seeds in a 32-bit spin box
BOOLEAN_SIZES = {"parity": (1, 16), "symmetry": (2, 16), "encoder": (2, 256)}


@dataclass(frozen=True)
class PlanarSource:
    """A generated 2-D set (datasets.planar): regenerated from its recipe."""

    kind: ClassVar[str] = "planar"
    name: str = "xor"
    n_points: int = 500
    noise: float = 0.0
    test_ratio: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        _floats(self, "noise", "test_ratio")  # 0 and 0.0 write the same JSON (0.0), as a file read back holds

    def build(self) -> Dataset:
        from engine.data.datasets import planar

        return planar(self.name, self.n_points, self.noise, self.test_ratio, self.seed)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "n_points": self.n_points, "noise": self.noise,
                "test_ratio": self.test_ratio, "seed": self.seed}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "PlanarSource":
        return cls(
            choice(d.get("name", "xor"), f"{where}.name", tuple(PLANAR)),
            whole(d.get("n_points", 500), f"{where}.n_points", 2, limits.MAX_POINTS),
            number(d.get("noise", 0.0), f"{where}.noise", 0.0, 1.0),
            number(d.get("test_ratio", 0.5), f"{where}.test_ratio", 0.0, 1.0, high_open=True),
            whole(d.get("seed", 0), f"{where}.seed", 0, MAX_SEED),
        )


@dataclass(frozen=True)
class BooleanSource:
    """One of the 1986 paper's truth tables (XOR, parity, symmetry, encoder, negation)."""

    kind: ClassVar[str] = "boolean"
    name: str = "xor-table"
    n: int | None = None  # bits or patterns, for the sized tables

    def build(self) -> Dataset:
        base = self.name.split("-")[0] if self.name.split("-")[0] in BOOLEAN else self.name
        return BOOLEAN[base](self.n) if self.n is not None else BOOLEAN[base]()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **({} if self.n is None else {"n": self.n})}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "BooleanSource":
        name = text(d.get("name"), f"{where}.name", 40)
        base = name.split("-")[0] if name.split("-")[0] in BOOLEAN else name
        choice(base, f"{where}.name", tuple(BOOLEAN))
        if base not in BOOLEAN_SIZES:
            return cls(name)
        low, high = BOOLEAN_SIZES[base]
        n = whole(d.get("n"), f"{where}.n", low, high)
        if base == "symmetry" and n % 2:
            raise ProjectError(f"{where}.n is {n}; symmetry needs an even number of bits")
        return cls(name, n)


@dataclass(frozen=True)
class PresetSource:
    """The data of a ready-made example (engine/presets.py), e.g. the family trees."""

    kind: ClassVar[str] = "preset"
    name: str
    holdout_seed: int | None = None

    def build(self) -> Dataset:
        if self.name == "family-trees":
            from engine.data import family_trees

            return family_trees.dataset(self.holdout_seed or 0)
        from engine.presets import get_preset

        return get_preset(self.name).make_dataset()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **({} if self.holdout_seed is None else {"holdout_seed": self.holdout_seed})}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "PresetSource":
        from engine.presets import PRESETS

        name = choice(d.get("name"), f"{where}.name", tuple(dict.fromkeys(("family-trees", *PRESETS))))
        seed = d.get("holdout_seed")
        return cls(name, None if seed is None else whole(seed, f"{where}.holdout_seed", 0, MAX_SEED))


@dataclass(frozen=True)
class CsvSource:
    """A CSV file on disk, read again (and split the same way) when the project opens."""

    kind: ClassVar[str] = "csv"
    path: str | None
    test_ratio: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        _floats(self, "test_ratio")

    def build(self) -> Dataset:
        from engine.data.csvdata import load_csv

        if not self.path:
            raise ProjectError("a csv data source needs the file's path")
        return load_csv(self.path, self.test_ratio, self.seed)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "test_ratio": self.test_ratio, "seed": self.seed}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "CsvSource":
        path = d.get("path")
        return cls(
            None if path is None else text(path, f"{where}.path", 4096),
            number(d.get("test_ratio", 0.5), f"{where}.test_ratio", 0.0, 1.0, high_open=True),
            whole(d.get("seed", 0), f"{where}.seed", 0, MAX_SEED),
        )


@dataclass(frozen=True, eq=False)
class PointsSource:
    """Every point written out: hand-drawn data, or data whose recipe cannot be repeated.

    Holds the arrays read-only (no copy when they already are, as a Dataset's are); two
    points sources are equal when every field and every value is (the document compares a
    new source with the current one to skip edits that change nothing)."""

    kind: ClassVar[str] = "points"
    name: str
    task: str
    planar: bool
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...] = ()
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()

    ARRAYS: ClassVar[tuple[str, ...]] = ("x_train", "y_train", "x_test", "y_test")

    def __post_init__(self) -> None:
        for name in self.ARRAYS:
            a = np.asarray(getattr(self, name))
            if a.flags.writeable:
                a = a.view()
                a.flags.writeable = False
            object.__setattr__(self, name, a)
        for name in ("class_names", "input_names", "output_names"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PointsSource):
            return NotImplemented
        if self is other:
            return True
        plain = [f.name for f in fields(self) if f.name not in self.ARRAYS]
        return all(getattr(self, k) == getattr(other, k) for k in plain) and all(
            getattr(self, k).shape == getattr(other, k).shape and np.array_equal(getattr(self, k), getattr(other, k))
            for k in self.ARRAYS
        )

    __hash__ = None  # type: ignore[assignment]  # arrays: not hashable

    def build(self) -> Dataset:
        return Dataset(self.name, self.x_train, self.y_train, self.x_test, self.y_test, self.task, planar=self.planar,
                       source=self, class_names=self.class_names, input_names=self.input_names,
                       output_names=self.output_names)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "task": self.task, "planar": self.planar,
            "class_names": list(self.class_names), "input_names": list(self.input_names),
            "output_names": list(self.output_names),
            "x_train": self.x_train.tolist(), "y_train": self.y_train.tolist(),
            "x_test": self.x_test.tolist(), "y_test": self.y_test.tolist(),
        }  # fmt: skip

    @classmethod
    def of(cls, data: Dataset) -> "PointsSource":
        return cls(data.name, data.task, bool(data.planar), data.x_train, data.y_train, data.x_test, data.y_test,
                   tuple(data.class_names), tuple(data.input_names), tuple(data.output_names))  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "PointsSource":
        task = choice(d.get("task"), f"{where}.task", TASKS)
        big = limits.MAX_DATA_VALUE
        xtr = matrix(d.get("x_train", []), f"{where}.x_train", limits.MAX_POINTS, big)
        if len(xtr) == 0:
            raise ProjectError(f"{where}.x_train: no training points")
        ytr = matrix(d.get("y_train", []), f"{where}.y_train", limits.MAX_POINTS, big)
        xte = matrix(d.get("x_test", []), f"{where}.x_test", limits.MAX_POINTS, big, width=xtr.shape[1])
        yte = matrix(d.get("y_test", []), f"{where}.y_test", limits.MAX_POINTS, big, width=ytr.shape[1] if len(ytr) else None)
        if len(xtr) != len(ytr) or len(xte) != len(yte):
            raise ProjectError(f"{where}: inputs and targets differ in length")
        if len(xtr) + len(xte) > limits.MAX_POINTS:
            raise ProjectError(f"{where} has {len(xtr) + len(xte):,} points; at most {limits.MAX_POINTS:,}")
        planar = flag(d.get("planar", xtr.shape[1] == 2), f"{where}.planar")
        if planar and xtr.shape[1] != 2:
            raise ProjectError(f"{where}: a 2-D (planar) data set needs exactly 2 input columns")
        if task in ("binary", "multiclass") and not np.isin(ytr, (0.0, 1.0)).all():
            raise ProjectError(f"{where}.y_train: class targets must be 0 or 1")
        if task == "multiclass" and ytr.shape[1] < 2:
            raise ProjectError(f"{where}: several classes need one target column per class")
        names = {k: texts(d.get(k) or [], f"{where}.{k}") for k in ("class_names", "input_names", "output_names")}
        name = text(d.get("name", "points"), f"{where}.name")
        for a in (xtr, ytr, xte, yte):
            a.flags.writeable = False
        return cls(name, task, planar, xtr, ytr, xte, yte, **names)


DataSource = Union[PlanarSource, BooleanSource, PresetSource, CsvSource, PointsSource]
SOURCE_TYPES: dict[str, type] = {t.kind: t for t in (PlanarSource, BooleanSource, PresetSource, CsvSource, PointsSource)}


def _floats(record: Any, *names: str) -> None:
    """Store these fields of a frozen record as floats (an int 0 and 0.0 are one value)."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(record, name, float(value))


def parse_source(d: Any, where: str = "data_source") -> DataSource:
    """The typed source of a JSON `data_source`, every field checked; ProjectError says what is wrong.
    A typed source is returned as it is."""
    if isinstance(d, DataSource):
        return d
    obj(d, where)
    kind = d.get("kind")
    if not isinstance(kind, str) or kind not in SOURCE_TYPES:
        raise ProjectError(f"{where}.kind is {show(kind)}; expected one of {', '.join(SOURCE_TYPES)}")
    cls = SOURCE_TYPES[kind]
    known = {"kind", *cls.__dataclass_fields__}
    unknown = [str(k) for k in d if k not in known]
    if unknown:
        raise ProjectError(f"{where}: unknown field(s) {', '.join(unknown)} for a {kind} source")
    return cls.from_dict(d, where)


def checked(source: DataSource, where: str = "data_source") -> DataSource:
    """`source` with every field checked as a file's would be (its JSON form read back):
    what is saved is what a file may hold. ProjectError says what is wrong."""
    return parse_source(source.to_dict(), where)


def dataset_from_source(d: Any, where: str = "data_source") -> Dataset:
    """Rebuild a Dataset from its source (typed, or its JSON form); every failure is a
    ProjectError (a ValueError), one line. A recipe made in code gets a file's checks too
    (cheap); a points source's arrays were checked on their way in (a file, or a Dataset)."""
    source = parse_source(d, where)
    if source is d and not isinstance(source, PointsSource):
        source = checked(source, where)
    try:
        return source.build()
    except ProjectError:
        raise
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:  # CsvError, a missing file
        raise ProjectError(f"cannot rebuild the data set: {exc}") from None


def source_of(data: Dataset) -> DataSource:
    """How to get a data set back: its own recipe when it has one (checked as a file's would
    be), else the points inline."""
    source = data.source
    if source is not None and not isinstance(source, PointsSource):
        try:
            source = checked(source)
        except ProjectError:  # a recipe a file could not hold (e.g. a path that is not UTF-8)
            return PointsSource.of(data)
        if not isinstance(source, CsvSource) or source.path:
            return source
    return PointsSource.of(data)
