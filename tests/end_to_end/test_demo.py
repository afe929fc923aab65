"""`main.py demo` in a subprocess: the real window opens, trains while drawing, saves a
screenshot and exits 0 (an abort at interpreter exit would show here, not in pytest-qt)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^epochs=(\d+) frames=(\d+) fps=([\d.]+) ui_latency_p99_ms=([\d.]+) boundary_redraws=(\d+) seconds=([\d.]+)"
    r" window=(\d+)x(\d+)$"
)


def run_demo(*args: str) -> tuple[subprocess.CompletedProcess, re.Match]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "demo", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr
    match = LAST_LINE.match(lines[-1])
    assert match, f"unexpected last line: {lines[-1]!r}"
    return proc, match


def image_pixels(path: Path) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not img.isNull()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    rows = buf.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
    return rows.reshape(img.height(), img.width(), 4).copy()  # copy: the QImage owns the buffer


def test_demo_trains_draws_and_saves_a_screenshot(tmp_path):
    shot = tmp_path / "window.png"
    proc, m = run_demo("--hidden", "8", "--epochs", "400", "--screenshot", str(shot), "--resolution", "40")
    epochs, frames, redraws = int(m[1]), int(m[2]), int(m[5])
    assert epochs == 400
    assert frames >= 1 and redraws >= 1
    assert "headless_epochs_per_s=" in proc.stdout
    pixels = image_pixels(shot)
    assert pixels.shape[0] >= 600 and pixels.shape[1] >= 1000  # the whole window
    assert pixels[..., :3].astype(float).var() > 100  # not blank
    # the boundary's two class colours (orange and blue) are on screen
    rgb = pixels[..., 2::-1].reshape(-1, 3).astype(int)
    orange = np.abs(rgb - (245, 147, 34)).sum(axis=1) < 40
    blue = np.abs(rgb - (8, 119, 189)).sum(axis=1) < 40
    assert orange.sum() > 2000 and blue.sum() > 2000


def test_demo_in_slow_motion_draws_every_epoch():
    _, m = run_demo("--epochs", "8", "--speed", "40", "--resolution", "24")
    assert int(m[1]) == 8
    assert int(m[5]) == 8  # boundary_redraws == epochs


BAD_OPTIONS = [
    ["--speed", "banana"], ["--epochs", "0"], ["--hidden", "a"], ["--no-such-option"], ["--speed", "nan"],
    ["--speed", "inf"], ["--speed", "1e-9"], ["--resolution", "-1"], ["--resolution", "100000"],
    ["--screen", "wide"], ["--preset", "nope"],
]


def run_raw(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("args", BAD_OPTIONS, ids=lambda a: " ".join(a))
def test_a_bad_option_exits_2_with_one_line(args):
    proc = run_raw(*args, timeout=60)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("demo: "), proc.stderr
    assert args[0] in lines[0] or "unrecognized" in lines[0] or "preset" in lines[0]
    assert proc.stdout == ""


def test_an_unknown_preset_says_which_exist():
    proc = run_raw("--preset", "nope", timeout=60)
    assert proc.returncode == 2
    assert "unknown preset 'nope'" in proc.stderr and "xor-2-2-1" in proc.stderr


def test_help_exits_0():
    proc = run_raw("--help", timeout=60)
    assert proc.returncode == 0 and "--screen" in proc.stdout


def test_demo_lays_the_window_out_for_the_screen_asked_for(tmp_path):
    shot = tmp_path / "w.png"
    proc, m = run_demo("--screen", "1280x720", "--epochs", "20", "--resolution", "24", "--screenshot", str(shot))
    assert (int(m[7]), int(m[8])) == (1280, 720)
    assert image_pixels(shot).shape[:2] == (720, 1280)  # the whole window


def test_demo_on_a_hidpi_screen_keeps_its_logical_size(tmp_path):
    shot = tmp_path / "w.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--screen", "1366x768", "--epochs", "10",
                           "--resolution", "24", "--screenshot", str(shot)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    m = LAST_LINE.match(proc.stdout.strip().splitlines()[-1])
    assert m and (int(m[7]), int(m[8])) == (1366, 768)
    assert image_pixels(shot).shape[:2] == (1536, 2732)  # device pixel ratio 2: every pixel doubled


DRIVER = """
import sys
sys.path.insert(0, sys.argv[1])
mode = sys.argv[2]
import gui.demo as demo
if mode == "slot":  # an exception in a view, raised on the GUI thread while drawing
    import gui.plots.loss as loss
    def boom(self, *a, **k):
        raise RuntimeError("a view failed")
    loss.LossPlot.show_snapshot = boom
elif mode == "thread":  # the training thread dies
    import gui.worker as worker
    def die(self):
        raise RuntimeError("the worker died")
    worker.TrainingWorker._run = die
elif mode == "close":  # the user closes the window while it trains
    from PySide6.QtCore import QTimer
    from gui.main_window import MainWindow
    real_show = MainWindow.show
    def show(self):  # the QApplication exists once the window is shown: schedule the close then
        real_show(self)
        def close_soon():
            if self.session.playing:
                self.close()
            else:
                QTimer.singleShot(50, close_soon)
        QTimer.singleShot(300, close_soon)
    MainWindow.show = show
sys.exit(demo.main(["--epochs", "100000", "--speed", "50", "--resolution", "16", "--timeout", "60"]))
"""


@pytest.mark.parametrize("mode,status", [("slot", 1), ("thread", 1), ("close", 0)])
def test_a_real_failure_exits_non_zero_and_a_close_exits_0(tmp_path, mode, status):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(script), str(ROOT), mode], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == status, proc.stderr[-2000:]
    if status:
        assert "demo: " in proc.stderr
    else:  # closed while training: the run never reached its end, so no result line
        assert "epochs=" not in proc.stdout, proc.stdout
