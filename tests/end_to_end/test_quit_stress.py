"""Launch the real app (gui.app.main, as `python main.py` does) many times and quit it at random
moments: idle, training, saving in a loop. Every launch must exit 0 with no traceback, no
thread left behind (the process would hang), no recovery file and no temporary file left,
and every saved project must load. Launches killed (SIGKILL) in the middle of saving must
leave a project file that still loads: writes are atomic.

BPP_STRESS_LAUNCHES (default 10) sets how many clean launches run; e.g. 50 locally:
    BPP_STRESS_LAUNCHES=50 .venv/bin/python -m pytest tests/end_to_end/test_quit_stress.py
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.files.serialize import load_project

ROOT = Path(__file__).resolve().parents[2]
LAUNCHES = int(os.environ.get("BPP_STRESS_LAUNCHES", "10"))
KILLS = int(os.environ.get("BPP_STRESS_KILLS", "3"))
PARALLEL = 2
LAUNCH_TIMEOUT = 90

# The user's hand: answers dialogs (Discard on close, No to recovery) and quits at a random
# moment by closing the window, choosing File > Quit, or the application quitting.
DRIVER = r'''
import random, sys
seed, mode, target = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(seed)
from gui.app import main, make_application
app = make_application([])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
QMessageBox.warning = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.No)
QMessageBox.critical = staticmethod(lambda *a, **k: print("critical:", a[2], file=sys.stderr) or QMessageBox.StandardButton.Ok)

def window():
    from gui.main_window import MainWindow
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)

def save_loop(w):
    if w.isVisible() and w.files is not None:
        w.files.save_to(target)
        QTimer.singleShot(rng.randint(1, 30), lambda: save_loop(w))

def quit_now(w, how):
    if how == "close":
        w.close()
    elif how == "menu":
        next(a for a in w.file_menu.actions() if a.text().replace("&", "") == "Quit").trigger()
    else:
        QApplication.quit()

def start():
    w = window()
    if w is None:
        QTimer.singleShot(5, start)
        return
    if mode in ("training", "saving"):
        w.session.play()
    if mode == "saving":
        save_loop(w)
    how = rng.choice(["close", "menu", "app"])
    QTimer.singleShot(rng.randint(0, 1500), lambda: quit_now(w, how))

QTimer.singleShot(0, start)
code = main([])
print("exit-code", code, flush=True)
sys.exit(code)
'''


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "BPP_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        QT_QPA_PLATFORM="offscreen",  # recovery files: the app's own per-user place, inside this HOME
        PYTHONPATH=str(ROOT),
    )
    return env


def launch(tmp: Path, seed: int, mode: str, kill_after: float | None = None) -> tuple[int, str, Path]:
    home = tmp / f"run{seed}"
    home.mkdir()
    target = home / "project.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(seed), mode, str(target)],
        cwd=ROOT, env=environment(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    if kill_after is not None:
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)  # wait for the first save, then kill while it keeps saving
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    try:
        out, err = proc.communicate(timeout=LAUNCH_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -999, f"hung (a thread left running?)\n{err}", home
    return proc.returncode, out + err, home


def test_random_quits_exit_zero_and_leave_no_damage(tmp_path):
    rng = random.Random(int(os.environ.get("BPP_STRESS_SEED", "1986")))
    modes = ["idle", "training", "saving"]
    runs = [(seed, modes[i % 3]) for i, seed in enumerate(rng.sample(range(10**6), LAUNCHES))]
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda r: (r, *launch(tmp_path, *r)), runs))
    failures = []
    for (seed, mode), code, output, home in results:
        problems = []
        if code != 0:
            problems.append(f"exit status {code}")
        if "Traceback" in output or "Fatal" in output or "critical:" in output:
            problems.append("error output")
        if list(home.rglob("autosave-*")):
            problems.append("recovery file left after a clean exit")
        if list(home.glob(".*.tmp")):
            problems.append("temporary file left")
        if (home / "project.json").exists():
            try:
                load_project(home / "project.json")
            except Exception as exc:  # noqa: BLE001 - any failure to load is corruption
                problems.append(f"saved file does not load: {exc}")
        elif mode == "saving" and "exit-code" in output and code == 0:
            pass  # quit before the first save: nothing to check
        if problems:
            failures.append(f"seed={seed} mode={mode}: {', '.join(problems)}\n{output[-1500:]}")
    assert not failures, f"{len(failures)} of {len(runs)} launches failed:\n" + "\n".join(failures)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_while_saving_the_file_still_loads(tmp_path):
    rng = random.Random(7)
    runs = [(seed, rng.uniform(0.0, 0.4)) for seed in range(KILLS)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda r: (r, *launch(tmp_path, r[0], "saving", kill_after=r[1])), runs))
    for (seed, delay), code, output, home in results:
        target = home / "project.json"
        assert target.exists(), f"seed {seed}: never saved\n{output[-1500:]}"
        load_project(target)  # the previous or the new version, never half of one
