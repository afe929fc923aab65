"""Start-up time: launch of `python main.py` to the first frame with the default network drawn.

Runs the real app in a subprocess N times (default 5) with BPP_REPORT_FIRST_FRAME=1 (see
gui/first_frame.py: the app prints its phases and `first_frame_s=X`, then closes itself) and
prints each run, the median phases (imports, window built and shown, first snapshot drawn),
and a ratio against a reference measured in the same rounds: a bare QMainWindow shown after
importing PySide6, pyqtgraph and NumPy (what any app on this stack pays). On a loaded machine
the seconds drift; the ratio drifts less. The last line is exactly `first_frame_s=X` (median).

    python benchmarks/startup.py [--runs 5]

Each launch uses a fresh settings folder (XDG_CONFIG_HOME in a temporary directory, so the
user's window layout is neither read nor changed); an unmeasured first launch warms the disk
cache and writes Python's bytecode cache, as an installed app has it (PYTHONDONTWRITEBYTECODE
is dropped for the child unless --no-bytecode). QT_QPA_PLATFORM=offscreen unless a display
is given (DISPLAY/WAYLAND_DISPLAY) or QT_QPA_PLATFORM is already set.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 180.0

REFERENCE = r"""
import os, sys, time
import numpy, pyqtgraph
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
launch = float(os.environ["BPP_LAUNCH_TIME"])
app = QApplication([])
w = QMainWindow()
label = QLabel("reference")
w.setCentralWidget(label)
w.resize(1024, 600)
done = []
def report():
    print(f"first_frame_s={time.time() - launch:.3f}", flush=True)
    w.close()
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not done:
            done.append(1)
            QTimer.singleShot(0, report)
        return False
watch = Watch()
label.installEventFilter(watch)
w.show()
app.exec()
"""


def child_env(config: str, bytecode: bool) -> dict[str, str]:
    env = dict(os.environ)
    if not (env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = config
    env["BPP_REPORT_FIRST_FRAME"] = "1"
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def launch(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """One launch: the `key=value` figures it printed (first_frame_s and the phases)."""
    env = dict(env, BPP_LAUNCH_TIME=repr(time.time()))
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("first_frame_s="):
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode} without first_frame_s=:\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    figures: dict[str, float] = {}
    for line in lines[-2:]:
        for word in line.split():
            key, sep, value = word.partition("=")
            if sep:
                figures[key] = float(value)
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="measured launches of each (default 5)")
    p.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as it is")
    opts = p.parse_args(argv)
    if opts.runs < 1:
        p.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bpp-startup-") as config:
        env = child_env(config, bytecode=not opts.no_bytecode)
        app_args, ref_args = ["main.py"], ["-c", REFERENCE]
        try:
            launch(app_args, env)  # warm-up: disk cache, bytecode, first-run tour flag
            launch(ref_args, env)
            apps, refs = [], []
            for i in range(opts.runs):  # interleaved, so both see the same load
                refs.append(launch(ref_args, env)["first_frame_s"])
                apps.append(launch(app_args, env))
                print(f"run {i + 1}: app {apps[-1]['first_frame_s']:.3f} s "
                      f"(imports {apps[-1].get('imports_s', float('nan')):.3f}, "
                      f"window {apps[-1].get('window_s', float('nan')):.3f}, "
                      f"snapshot {apps[-1].get('snapshot_s', float('nan')):.3f})   reference {refs[-1]:.3f} s",
                      flush=True)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    med = {key: statistics.median(a[key] for a in apps) for key in ("imports_s", "window_s", "snapshot_s", "first_frame_s")}
    ref = statistics.median(refs)
    print(f"median, from launch: imports done {med['imports_s']:.3f} s, window built and shown {med['window_s']:.3f} s, "
          f"first snapshot drawn {med['snapshot_s']:.3f} s, first frame {med['first_frame_s']:.3f} s")
    print(f"phases: imports {med['imports_s']:.3f} s, window {med['window_s'] - med['imports_s']:.3f} s, "
          f"first snapshot {med['first_frame_s'] - med['window_s']:.3f} s")
    print(f"reference (bare QMainWindow after importing PySide6, pyqtgraph, NumPy): {ref:.3f} s; "
          f"app / reference = {med['first_frame_s'] / ref:.2f}x")
    print(f"first_frame_s={med['first_frame_s']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
