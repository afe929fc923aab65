"""How fast a big CSV loads, against references measured in the same run.

A one-million-row, two-column CSV (one feature, a 0/1 target; about 20 MB) is loaded by
`engine.data.csvdata.load_csv` (every cell checked, the train/test split made), and by two
references that only read numbers: `numpy.loadtxt` and a plain `csv.reader` loop that
converts each cell with float(). The last line is machine-readable:

    rows=1000000 load_csv_s=X loadtxt_s=Y csv_reader_s=Z ratio_vs_loadtxt=Y/X ratio_vs_csv_reader=Z/X

A ratio above 1 means load_csv is faster than that reference. The same file with CR-only
line endings is loaded too, to show old-Mac files take the same path. Best of --repeat runs.

Run: `.venv/bin/python benchmarks/csv_load.py` (`--rows 100000` for a quick run).
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.data.csvdata import load_csv  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def csv_reader_loop(path: Path) -> np.ndarray:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return np.array([[float(c) for c in row] for row in reader])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.uniform(-5, 5, args.rows)
    t = (x > 0).astype(int)
    body = "".join(f"{v:.6f},{c}\n" for v, c in zip(x.tolist(), t.tolist()))
    with tempfile.TemporaryDirectory() as d:
        lf, cr = Path(d) / "big.csv", Path(d) / "big_cr.csv"
        lf.write_text("x,label\n" + body)
        cr.write_bytes(("x,label\n" + body).replace("\n", "\r").encode())
        data = load_csv(lf, test_ratio=0.2)
        assert len(data.x_train) + len(data.x_test) == args.rows and data.task == "binary"
        ours = best(lambda: load_csv(lf, test_ratio=0.2), args.repeat)
        ours_cr = best(lambda: load_csv(cr, test_ratio=0.2), args.repeat)
        loadtxt = best(lambda: np.loadtxt(lf, delimiter=",", skiprows=1), args.repeat)
        reader = best(lambda: csv_reader_loop(lf), args.repeat)
        size_mb = lf.stat().st_size / 2**20
    print(f"file: {args.rows:,} rows, {size_mb:.1f} MB; best of {args.repeat}")
    print(f"load_csv (LF)       {ours:7.3f} s")
    print(f"load_csv (CR only)  {ours_cr:7.3f} s")
    print(f"numpy.loadtxt       {loadtxt:7.3f} s")
    print(f"csv.reader + float  {reader:7.3f} s")
    print(f"rows={args.rows} load_csv_s={ours:.3f} loadtxt_s={loadtxt:.3f} csv_reader_s={reader:.3f} "
          f"ratio_vs_loadtxt={loadtxt / ours:.2f} ratio_vs_csv_reader={reader / ours:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
