"""The app on a real X display (Xvfb, 1366x768) driven by a real mouse (xdotool), as a
student would: drag a layer from the palette onto the canvas, press Play, open the
Backward pass and step one pattern through it, close. Screenshots of the whole screen at
each stage go to a temporary folder (and to docs/ with BPP_UPDATE_SCREENSHOTS=1).

.ci/run installs Xvfb, xdotool and ImageMagick, so this runs in CI instead of skipping."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREEN = (1366, 768)

DRIVER = textwrap.dedent(
    r"""
    import json, subprocess, sys, time
    root, out = sys.argv[1], sys.argv[2]
    sys.path.insert(0, root)
    from PySide6.QtCore import QPoint, QPointF, QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from gui.app import main, make_application
    app = make_application([])
    QSettings().setValue("tour/shown", True)  # the tour has its own test; here it would cover the canvas
    from PySide6.QtWidgets import QMessageBox
    QMessageBox.warning = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)  # "save changes?" on close
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.No)
    log = {"steps": []}

    def window():
        from gui.main_window import MainWindow
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)

    def centre(widget):
        p = widget.mapToGlobal(widget.rect().center())
        return p.x(), p.y()

    def xdo(cmd):
        subprocess.run("xdotool " + cmd, shell=True, check=True)

    def say(text):
        print(text, file=sys.stderr, flush=True)

    def shot(name):
        subprocess.run(["import", "-window", "root", f"{out}/{name}.png"], check=True)
        log["steps"].append(name)

    def wait_for(test, then, tries=200):
        if test():
            then()
        elif tries <= 0:
            log["error"] = f"timed out before {then.__name__}"
            say(log["error"])
            finish()
        else:
            QTimer.singleShot(50, lambda: wait_for(test, then, tries - 1))

    def start():
        w = window()
        if w is None or w.session.latest is None:
            QTimer.singleShot(100, start)
            return
        g = w.frameGeometry()
        log["window"] = [g.x(), g.y(), g.width(), g.height()]
        log["layers_before"] = len(w.session.spec.layers)
        say(f"window {log['window']}")
        tile = w.editor.palette.tiles["relu"]
        a = tile.mapToGlobal(tile.rect().center())
        view = w.editor.view
        from gui.editor.layout import gap_x
        b = view.viewport().mapToGlobal(view.mapFromScene(QPointF(gap_x(0), 0)))
        moves = " ".join(f"mousemove {a.x() + (b.x() - a.x()) * i // 8} {a.y() + (b.y() - a.y()) * i // 8} sleep 0.05"
                         for i in range(1, 9))
        xdo(f"mousemove {a.x()} {a.y()} sleep 0.2 mousedown 1 sleep 0.1 {moves} sleep 0.2 mouseup 1")
        wait_for(lambda: len(w.session.spec.layers) == log["layers_before"] + 1, dropped)

    def dropped():
        w = window()
        log["layers_after"] = [[l.units, l.activation] for l in w.session.spec.layers]
        say("dropped")
        x, y = centre(w.controls.play_button)
        xdo(f"mousemove {x} {y} click 1")
        wait_for(lambda: w.session.latest.epoch >= 40, played)

    def played():
        w = window()
        log["epoch_played"] = w.session.latest.epoch
        say("played")
        log["speed"] = w.session.speed
        shot("train")
        bar = w.workspaces.bar
        p = bar.mapToGlobal(bar.tabRect(1).center())
        xdo(f"mousemove {p.x()} {p.y()} click 1")
        wait_for(lambda: w.backward_panel.step_through.walk is not None, stepping)

    def stepping():
        w = window()
        step = w.backward_panel.step_through
        log["workspace"] = w.workspace
        say("stepping")
        log["playing_while_stepping"] = w.session.playing
        button = step.toolbar.widgetForAction(step.next_action)
        x, y = centre(button)
        for _ in range(5):
            xdo(f"mousemove {x} {y} click 1 sleep 0.15")
        wait_for(lambda: step.walk is not None and step.walk.position >= 5, stepped)

    def stepped():
        w = window()
        step = w.backward_panel.step_through
        log["phase"] = step.phase_label.text()
        log["position"] = step.walk.position
        log["card"] = step.chain_text.toPlainText()[:200]
        shot("backward")
        w.close()

    def finish():
        w = window()
        if w is not None:
            w.close()

    QTimer.singleShot(800, start)
    status = main([])
    log["status"] = status
    with open(f"{out}/log.json", "w") as f:
        json.dump(log, f)
    sys.exit(status)
    """
)

NEEDED = ("Xvfb", "xdotool", "import")


@pytest.mark.skipif(not all(shutil.which(t) for t in NEEDED), reason="needs Xvfb, xdotool and ImageMagick (.ci/run installs them)")
def test_a_student_session_on_a_laptop_screen(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    shots = tmp_path / "shots"
    shots.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), BPP_RECOVERY_PATH=str(tmp_path / "recovery.json"))
    read_fd, write_fd = os.pipe()  # Xvfb picks a free display and writes its number here
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            pass_fds=(write_fd,))
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        env["DISPLAY"] = f":{number}"
        result = subprocess.run([sys.executable, str(script), str(ROOT), str(shots)], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=150)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    assert result.returncode == 0, result.stderr[-3000:]
    log = json.loads((shots / "log.json").read_text())
    assert "error" not in log, log
    x, y, w, h = log["window"]
    assert x >= 0 and y >= 0 and x + w <= SCREEN[0] and y + h <= SCREEN[1]  # opened within the screen
    assert log["layers_after"][0] == [4, "relu"] and len(log["layers_after"]) == log["layers_before"] + 1
    assert log["epoch_played"] >= 40 and log["speed"] == 10.0
    assert log["workspace"] == "backward" and not log["playing_while_stepping"]
    assert log["card"].strip(), "the chain-rule card is empty"
    assert log["position"] == 5  # five clicks on Next: five phases on
    assert log["steps"] == ["train", "backward"]
    if os.environ.get("BPP_UPDATE_SCREENSHOTS"):
        shutil.copy(shots / "train.png", ROOT / "docs" / "screen-1366x768.png")
        shutil.copy(shots / "backward.png", ROOT / "docs" / "screen-1366x768-backward.png")
    for name in ("train", "backward"):
        assert (shots / f"{name}.png").stat().st_size > 20_000
