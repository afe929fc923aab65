"""A user's own data from a CSV file: header row, numeric feature columns, target last.

The target column decides the task: numbers -> regression (or binary when every value is
0 or 1); names -> classes (two -> binary, more -> multiclass one-hot). Every problem is
collected with its line number and reported at once in one `CsvError`: a row is never
silently dropped, because a quietly shrunken data set trains into a quietly wrong model.
Blank lines carry no data and are skipped. LF, CRLF and old-Mac CR-only line endings all
load. A plain numeric file (no quotes) is parsed by NumPy in one pass, so a million rows take
a second or two; anything unusual goes through the csv module, row by row, which finds and
names every problem (see benchmarks/csv_load.py).
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine import limits
from engine.data.datasets import Dataset, _split

if TYPE_CHECKING:
    from engine.data.sources import DataSource

MAX_BYTES = limits.MAX_CSV_BYTES
MAX_COLUMNS = 4096
MAX_ROWS = limits.MAX_POINTS
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
    where = os.fsencode(p).decode("utf-8", "backslashreplace")  # a non-UTF-8 name, printable
    try:
        st = p.stat()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop seen by pathlib
        raise CsvError(where, [f"cannot read the file ({getattr(exc, 'strerror', None) or exc})"]) from None
    if not stat.S_ISREG(st.st_mode):  # a directory, device or pipe: reading it may never end
        raise CsvError(where, ["not a regular file (a directory, device or pipe)"])
    size = st.st_size
    if size > MAX_BYTES:
        raise CsvError(where, [f"the file is {size / 2**20:.0f} MB; at most {MAX_BYTES // (1024 * 1024)} MB"])
    try:
        with open(p, "rb") as f:
            text = f.read(MAX_BYTES + 1).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(where, [f"not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise CsvError(where, [f"cannot read the file ({exc.strerror or exc})"]) from None
    full = os.path.abspath(p)
    name = (p.stem or "csv") if _utf8(p.stem) else "csv"
    if _utf8(full):
        from engine.data.sources import CsvSource

        source = CsvSource(full, test_ratio, seed)
        return parse_csv(text, name=name, where=where, test_ratio=test_ratio, seed=seed, source=source)
    # a file name that is not UTF-8 cannot be written into a project: keep the points instead
    from engine.data.sources import PointsSource

    data = parse_csv(text, name=name, where=where, test_ratio=test_ratio, seed=seed)
    return PointsSource.of(data).build()


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(cell: str) -> float | None:
    """The cell's value when it is a finite number within ±MAX_DATA_VALUE, else None."""
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) and abs(v) <= limits.MAX_DATA_VALUE else None


def _not_a_number(cell: str) -> str:
    if not cell:
        return "is empty"
    try:
        v = float(cell)
    except ValueError:
        return f"is not a finite number ({cell!r})"
    if math.isfinite(v):
        return f"is {cell}; values must lie within ±{limits.MAX_DATA_VALUE:g}"
    return f"is not a finite number ({cell!r})"


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
    source: DataSource | None = None,
) -> Dataset:
    """Parse CSV text (see the module docstring); raises CsvError listing every problem."""
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = _delimiter(first_line)
    fast = _fast_parse(text, delimiter)
    if fast is not None:
        header, features, targets = fast
        return _dataset(header, features, targets, name, where, test_ratio, seed, source)
    return _careful_parse(text, delimiter, name, where, test_ratio, seed, source)


def _careful_parse(text: str, delimiter: str, name: str, where: str, test_ratio: float, seed: int,
                   source: DataSource | None) -> Dataset:
    """The row-by-row reader: one row at a time into compact storage (8 bytes a number, one
    string a row), so a big file with a problem is still read in bounded memory; every
    problem is collected with its line number."""
    # newline=None: CR-only and CRLF endings read as LF (csv.reader alone refuses a bare CR)
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_line = 0
    problems: list[str] = []
    features = array("d")
    targets: list[str] = []
    target_lines = array("q")  # line of each row whose shape is right (for the target's problems)
    line = 1
    n_rows = 0
    try:
        for row in reader:
            here, line = line, reader.line_num + 1
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if header is None:
                header, header_line = cells, here
                _check_header(header, header_line, where, problems)
                continue
            n_rows += 1
            if n_rows > MAX_ROWS:
                raise CsvError(where, [f"more than {MAX_ROWS:,} data rows; at most {MAX_ROWS:,}"])
            if len(cells) != len(header):
                problems.append(f"line {here}: {len(cells)} values, expected {len(header)}")
                features.extend([0.0] * (len(header) - 1))
                continue
            for j, cell in enumerate(cells[:-1]):
                v = _number(cell)
                if v is None:
                    problems.append(f"line {here}: column {header[j]!r} {_not_a_number(cell)}")
                    v = 0.0
                features.append(v)
            targets.append(cells[-1])
            target_lines.append(here)
    except csv.Error as exc:
        raise CsvError(where, [f"line {line}: not valid CSV ({exc})"]) from None
    if header is None:
        raise CsvError(where, ["the file is empty"])
    if n_rows == 0:
        raise CsvError(where, problems + ["no data rows after the header"])

    # The target column: numbers when most values are numbers (then each non-number is a
    # bad row), class names otherwise.
    tcol = header[-1]
    numeric = [_number(t) for t in targets]
    is_numeric = sum(v is not None for v in numeric) * 2 > len(targets)
    for here, t, v in zip(target_lines, targets, numeric):
        if is_numeric and v is None:
            what = _not_a_number(t) + (" in a numeric column" if t and "finite" in _not_a_number(t) else "")
            problems.append(f"line {here}: target {tcol!r} {what}")
        elif not is_numeric and not t:
            problems.append(f"line {here}: target {tcol!r} is empty")
    if problems:
        problems.sort(key=_line_of)
        raise CsvError(where, problems)
    x = np.frombuffer(features, dtype=np.float64).reshape(n_rows, len(header) - 1).copy()
    if is_numeric:
        return _dataset(header, x, np.array(numeric, dtype=np.float64), name, where, test_ratio, seed, source)
    return _dataset(header, x, targets, name, where, test_ratio, seed, source)


def _check_header(header: list[str], line: int, where: str, problems: list[str]) -> None:
    if len(header) < 2:
        raise CsvError(where, [f"line {line}: the header needs at least two columns (features, then the target)"])
    if len(header) > MAX_COLUMNS:
        raise CsvError(where, [f"line {line}: {len(header)} columns; at most {MAX_COLUMNS}"])
    if all(_number(c) is not None for c in header):
        raise CsvError(where, [f"line {line}: expected a header row of column names, found only numbers"])
    for j, c in enumerate(header):
        if not c:
            problems.append(f"line {line}: column {j + 1} has no name")
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        problems.append(f"line {line}: repeated column name(s) {', '.join(map(repr, dupes))}")


_BLANK_LINES = re.compile(r"^[ \t\f\v]*\n", re.MULTILINE)


def _fast_parse(text: str, delimiter: str) -> tuple[list[str], np.ndarray, np.ndarray | list[str]] | None:
    """Header, features and targets of a plain file (no quotes, every cell a clean value), in a
    few whole-text NumPy passes; None when anything is unusual (the row-by-row reader then
    finds and names it). Gives exactly what the row-by-row reader gives (tested)."""
    text = _BLANK_LINES.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip(" \n\f\v")
    head_end = text.find("\n")
    if head_end < 0 or '"' in text[head_end:]:
        return None  # quotes below the header: the row reader handles them
    try:  # spreadsheets often quote the column names only
        header = [c.strip() for c in next(csv.reader([text[:head_end]], delimiter=delimiter, strict=True))]
    except csv.Error:
        return None
    n_col = len(header)
    if not 2 <= n_col <= MAX_COLUMNS or len(set(header)) != n_col or not all(header):
        return None
    if all(_number(c) is not None for c in header):
        return None
    body = text[head_end + 1 :]
    if not body.strip():
        return None
    n_rows = body.count("\n") + 1
    if n_rows > MAX_ROWS or body.count(delimiter) != n_rows * (n_col - 1):
        return None
    raw = np.frombuffer(body.encode("utf-8"), dtype=np.uint8)
    line_ends = np.flatnonzero(raw == 10)
    row_of_delimiter = np.searchsorted(line_ends, np.flatnonzero(raw == ord(delimiter)))
    if not (np.bincount(row_of_delimiter, minlength=n_rows) == n_col - 1).all():
        return None  # rows of different lengths
    try:
        cells = np.fromstring(body.replace("\n", delimiter), sep=delimiter)
    except ValueError:  # a cell that is not a number: class names in the target column?
        return _fast_classes(body, delimiter, header, n_rows)
    if cells.size != n_rows * n_col:
        return None
    cells = cells.reshape(n_rows, n_col)
    if not _in_range(cells):
        return None
    return header, np.ascontiguousarray(cells[:, :-1]), cells[:, -1].copy()


def _fast_classes(body: str, delimiter: str, header: list[str], n_rows: int):
    """Numeric features and a target column of class names (one split per row)."""
    heads, _, tails = zip(*(ln.rpartition(delimiter) for ln in body.split("\n")))
    try:
        features = np.fromstring(delimiter.join(heads), sep=delimiter)
    except ValueError:
        return None
    if features.size != n_rows * (len(header) - 1):
        return None
    features = features.reshape(n_rows, len(header) - 1)
    values = [t.strip() for t in tails]
    if not _in_range(features) or not all(values) or sum(_number(t) is not None for t in values) * 2 > len(values):
        return None
    return header, features, values


def _in_range(a: np.ndarray) -> bool:
    return bool(np.isfinite(a).all() and (a.size == 0 or np.abs(a).max() <= limits.MAX_DATA_VALUE))


def _dataset(header: list[str], features: np.ndarray, targets: np.ndarray | list[str], name: str, where: str,
             test_ratio: float, seed: int, source: DataSource | None) -> Dataset:
    """The Dataset of checked cells: numeric targets (an array) or class names (a list)."""
    n_feat = len(header) - 1
    tcol = header[-1]
    kw: dict = {"input_names": tuple(header[:-1]), "output_names": (tcol,)}
    if isinstance(targets, np.ndarray):
        y = targets
        if set(np.unique(y)) <= {0.0, 1.0} and len(np.unique(y)) == 2:
            task, kw["class_names"] = "binary", ("0", "1")
        else:
            task = "regression"
        y = y.reshape(-1, 1)
    else:
        uniques, index = np.unique(np.array(targets, dtype=str), return_inverse=True)
        classes = tuple(str(c) for c in uniques)
        if len(classes) < 2:
            raise CsvError(where, [f"target {tcol!r} has only one class ({classes[0]!r}); a classifier needs two or more"])
        kw["class_names"] = classes
        if len(classes) == 2:
            task, y = "binary", index.astype(float).reshape(-1, 1)
        else:
            task, y = "multiclass", np.eye(len(classes))[index]
            kw["output_names"] = classes
    if source is None:
        from engine.data.sources import CsvSource

        source = CsvSource(None, test_ratio, seed)
    try:
        return _split(
            name, features, y, task, np.random.default_rng(seed), test_ratio, planar=n_feat == 2, source=source, **kw
        )
    except ValueError as exc:
        raise CsvError(where, [str(exc)]) from None


def _line_of(problem: str) -> int:
    try:
        return int(problem.split(":", 1)[0].removeprefix("line "))
    except ValueError:
        return 0
