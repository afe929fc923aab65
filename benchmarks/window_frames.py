"""The window at full speed: frames per second, UI-timer lateness and training speed kept.

    python benchmarks/window_frames.py [--runs 3] [--epochs 30000] [--load 0]

Runs `main.py demo --speed full` (offscreen) for the two set-ups issue 11 names, `--hidden 16`
and `--hidden 4,4,4,4`, `--runs` times each, alternating, and prints every run and then the
medians. `kept` is the window's epochs/s over the same network's headless epochs/s, both
measured in the same demo run (the demo measures headless before and after the window), so it
is a ratio and not a wall-clock figure. `--load K` starts K busy processes (one pure-Python
loop each) for the whole measurement: the "loaded machine" case, repeatable.

The last line is machine-readable:
    fps_16=X p99_16=X kept_16=X fps_4x4=X p99_4x4=X kept_4x4=X load=K
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPS = {"16": "16", "4x4": "4,4,4,4"}
LAST = re.compile(r"fps=(?P<fps>[\d.]+) ui_latency_p99_ms=(?P<p99>[\d.]+)")
KEPT = re.compile(r"kept=(?P<kept>\d+)%")


def _busy() -> None:  # pragma: no cover - runs in a child process until terminated
    while True:
        pass


def run_demo(hidden: str, epochs: int) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "demo", "--hidden", hidden, "--speed", "full", "--epochs", str(epochs)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    if out.returncode != 0:
        raise SystemExit(f"demo failed (exit {out.returncode}):\n{out.stderr}")
    last, kept = LAST.search(out.stdout), KEPT.search(out.stdout)
    if last is None or kept is None:
        raise SystemExit(f"demo printed no figures:\n{out.stdout}")
    return {"fps": float(last["fps"]), "p99": float(last["p99"]), "kept": float(kept["kept"]) / 100}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--epochs", type=int, default=30000)
    p.add_argument("--load", type=int, default=0, help="busy processes to run alongside (a loaded machine)")
    args = p.parse_args(argv)
    busy = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load)]
    for proc in busy:
        proc.start()
    try:
        results: dict[str, list[dict[str, float]]] = {name: [] for name in SETUPS}
        for run in range(args.runs):
            for name, hidden in SETUPS.items():
                r = run_demo(hidden, args.epochs)
                results[name].append(r)
                print(f"run {run + 1} --hidden {hidden}: fps={r['fps']:.1f} p99={r['p99']:.1f} ms "
                      f"kept={r['kept']:.0%}", flush=True)
    finally:
        for proc in busy:
            proc.terminate()
    parts = []
    for name, rs in results.items():
        fps, p99, kept = (statistics.median(r[k] for r in rs) for k in ("fps", "p99", "kept"))
        print(f"--hidden {SETUPS[name]}: median fps {fps:.1f}, UI-timer p99 {p99:.1f} ms, kept {kept:.0%} "
              f"of headless epochs/s ({len(rs)} runs, {args.load} busy processes)")
        parts += [f"fps_{name}={fps:.1f}", f"p99_{name}={p99:.1f}", f"kept_{name}={kept:.2f}"]
    print(" ".join(parts + [f"load={args.load}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
