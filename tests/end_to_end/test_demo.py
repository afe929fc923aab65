"""`main.py demo` in a subprocess: the real window opens, trains while drawing, saves a
screenshot and exits 0 (an abort at interpreter exit would show here, not in pytest-qt)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^epochs=(\d+) frames=(\d+) fps=([\d.]+) ui_latency_p99_ms=([\d.]+) boundary_redraws=(\d+) seconds=([\d.]+)$"
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


def test_demo_with_a_bad_option_explains_and_exits_0():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--speed", "fast"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "--speed" in proc.stderr


def test_demo_with_an_unknown_preset_says_which_exist():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--preset", "nope"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]  # one line
    assert "unknown preset 'nope'" in proc.stderr and "xor-2-2-1" in proc.stderr
