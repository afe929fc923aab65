"""A REAL palette drag (QDrag with the X server's drag and drop), driven by xdotool under
Xvfb, inserts a layer: the path the offscreen tests have to synthesize (see PITFALLS)."""
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

SCRIPT = textwrap.dedent(
    """
    import json, subprocess, sys
    sys.path.insert(0, sys.argv[1])
    from PySide6.QtCore import QPointF, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from engine.core.spec import NetworkSpec
    from gui.editor import NetworkEditor
    from gui.editor.layout import gap_x

    w = NetworkEditor(); w.resize(1000, 600); w.move(0, 0)
    w.set_spec(NetworkSpec.stack(2, [4], features=["x", "y"])); w.show()
    got = []
    w.specEdited.connect(got.append)

    def drag():
        tile = w.palette.tiles["relu"]
        a = tile.mapToGlobal(tile.rect().center())
        b = w.view.viewport().mapToGlobal(w.view.mapFromScene(QPointF(gap_x(0), 0)))
        moves = " ".join(f"mousemove {a.x() + (b.x() - a.x()) * i // 8} {a.y() + (b.y() - a.y()) * i // 8} sleep 0.05"
                         for i in range(1, 9))
        subprocess.Popen(f"xdotool mousemove {a.x()} {a.y()} sleep 0.2 mousedown 1 sleep 0.1 {moves} sleep 0.2 mouseup 1",
                         shell=True)

    waited = [0]
    def poll():
        waited[0] += 1
        if got or waited[0] > 150:
            print(json.dumps([[l.units, l.activation] for l in got[-1].layers] if got else None))
            app.quit()
        else:
            QTimer.singleShot(100, poll)

    QTimer.singleShot(500, drag)
    QTimer.singleShot(600, poll)
    app.exec()
    """
)


@pytest.mark.skipif(not (shutil.which("xvfb-run") and shutil.which("xdotool")), reason="needs xvfb-run and xdotool")
def test_real_drag_from_palette_inserts_a_layer(tmp_path):
    script = tmp_path / "drag.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, str(script), str(ROOT)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    layers = json.loads(result.stdout.strip().splitlines()[-1])
    assert layers == [[4, "relu"], [4, "tanh"], [1, "tanh"]]
