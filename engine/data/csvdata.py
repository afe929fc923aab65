"""A user's own data from a CSV file: header row, numeric feature columns, target last.

The target column decides the task: numbers -> regression (or binary when every value is
0 or 1); names -> classes (two -> binary, more -> multiclass one-hot). Every problem is
collected with its line number and reported at once in one `CsvError`: a row is never
silently dropped, because a quietly shrunken data set trains into a quietly wrong model.
Blank lines carry no data and are skipped.
"""
from __future__ import annotations

import csv
import io
import math
import os
import stat
from pathlib import Path

import numpy as np

from engine.data.datasets import Dataset, _split

MAX_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 4096
SHOWN_PROBLEMS = 12


class CsvError(ValueError):
    """A CSV file that cannot be used; `problems` lists every one, with line numbers."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        shown = "; ".join(self.problems[:SHOWN_PROBLEMS])
        more = len(self.problems) - SHOWN_PROBLEMS
        tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more > 0 else ""
        count = f"{len(self.problems)} problems: " if len(self.problems) > 1 else ""
        super().__init__(f"{source}: {count}{shown}{tail}")


def load_csv(path: str | os.PathLike, test_ratio: float = 0.5, seed: int = 0) -> Dataset:
    """Read a CSV file into a Dataset with a deterministic train/test split."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise CsvError(str(p), [f"cannot read the file ({exc.strerror or exc})"]) from None
    if not stat.S_ISREG(st.st_mode):  # a directory, device or pipe: reading it may never end
        raise CsvError(str(p), ["not a regular file (a directory, device or pipe)"])
    size = st.st_size
    if size > MAX_BYTES:
        raise CsvError(str(p), [f"the file is {size / 1e6:.0f} MB; at most {MAX_BYTES // (1024 * 1024)} MB"])
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(str(p), [f"not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise CsvError(str(p), [f"cannot read the file ({exc.strerror or exc})"]) from None
    source = {"kind": "csv", "path": str(p.resolve()), "test_ratio": test_ratio, "seed": seed}
    return parse_csv(text, name=p.stem or "csv", where=str(p), test_ratio=test_ratio, seed=seed, source=source)


def _number(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _delimiter(header_line: str) -> str:
    if "," in header_line:
        return ","
    for d in (";", "\t"):
        if d in header_line:
            return d
    return ","


def parse_csv(
    text: str,
    name: str = "csv",
    where: str = "CSV data",
    test_ratio: float = 0.5,
    seed: int = 0,
    source: dict | None = None,
) -> Dataset:
    """Parse CSV text (see the module docstring); raises CsvError listing every problem."""
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first_line), strict=True)
    numbered: list[tuple[int, list[str]]] = []  # (line number where the row starts, cells)
    line = 1
    try:
        for row in reader:
            if any(c.strip() for c in row):
                numbered.append((line, [c.strip() for c in row]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(where, [f"line {line}: not valid CSV ({exc})"]) from None
    if not numbered:
        raise CsvError(where, ["the file is empty"])
    header_line, header = numbered[0]
    problems: list[str] = []
    if len(header) < 2:
        raise CsvError(where, [f"line {header_line}: the header needs at least two columns (features, then the target)"])
    if len(header) > MAX_COLUMNS:
        raise CsvError(where, [f"line {header_line}: {len(header)} columns; at most {MAX_COLUMNS}"])
    if all(_number(c) is not None for c in header):
        raise CsvError(where, [f"line {header_line}: expected a header row of column names, found only numbers"])
    for j, c in enumerate(header):
        if not c:
            problems.append(f"line {header_line}: column {j + 1} has no name")
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        problems.append(f"line {header_line}: repeated column name(s) {', '.join(map(repr, dupes))}")
    body = numbered[1:]
    if not body:
        raise CsvError(where, problems + ["no data rows after the header"])

    n_feat = len(header) - 1
    features = np.zeros((len(body), n_feat))
    targets: list[str] = []
    good_shape = []
    for r, (line, cells) in enumerate(body):
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} values, expected {len(header)}")
            good_shape.append(False)
            targets.append("")
            continue
        good_shape.append(True)
        for j, cell in enumerate(cells[:-1]):
            v = _number(cell)
            if v is None:
                what = "is empty" if not cell else f"is not a finite number ({cell!r})"
                problems.append(f"line {line}: column {header[j]!r} {what}")
            else:
                features[r, j] = v
        targets.append(cells[-1])

    # The target column: numbers when most values are numbers (then each non-number is a
    # bad row), class names otherwise.
    tcol = header[-1]
    shaped = [(line, t) for (line, _), t, ok in zip(body, targets, good_shape) if ok]
    numeric = [_number(t) for _, t in shaped]
    n_num = sum(v is not None for v in numeric)
    is_numeric = n_num * 2 > len(shaped)
    if is_numeric:
        for (line, t), v in zip(shaped, numeric):
            if v is None:
                what = "is empty" if not t else f"is not a finite number ({t!r}) in a numeric column"
                problems.append(f"line {line}: target {tcol!r} {what}")
    else:
        for line, t in shaped:
            if not t:
                problems.append(f"line {line}: target {tcol!r} is empty")
    if problems:
        problems.sort(key=_line_of)
        raise CsvError(where, problems)

    values = targets
    kw: dict = {"input_names": tuple(header[:-1]), "output_names": (tcol,)}
    if is_numeric:
        y = np.array([float(t) for t in values])
        if set(np.unique(y)) <= {0.0, 1.0} and len(np.unique(y)) == 2:
            task, kw["class_names"] = "binary", ("0", "1")
        else:
            task = "regression"
        y = y.reshape(-1, 1)
    else:
        classes = tuple(sorted(set(values)))
        if len(classes) < 2:
            raise CsvError(where, [f"target {tcol!r} has only one class ({classes[0]!r}); a classifier needs two or more"])
        index = np.array([classes.index(t) for t in values])
        kw["class_names"] = classes
        if len(classes) == 2:
            task, y = "binary", index.astype(float).reshape(-1, 1)
        else:
            task, y = "multiclass", np.eye(len(classes))[index]
            kw["output_names"] = classes
    src = dict(source) if source is not None else {"kind": "csv", "path": None, "test_ratio": test_ratio, "seed": seed}
    try:
        return _split(
            name, features, y, task, np.random.default_rng(seed), test_ratio, planar=n_feat == 2, source=src, **kw
        )
    except ValueError as exc:
        raise CsvError(where, [str(exc)]) from None


def _line_of(problem: str) -> int:
    try:
        return int(problem.split(":", 1)[0].removeprefix("line "))
    except ValueError:
        return 0
