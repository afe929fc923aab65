"""Start-up: the first-frame hook (benchmarks/startup.py) and the views built on first use."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from gui.lazy import LazyView

ROOT = Path(__file__).resolve().parents[2]


def test_first_frame_hook_prints_the_time_and_exits_0(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BPP_REPORT_FIRST_FRAME="1", XDG_CONFIG_HOME=str(tmp_path),
               BPP_RECOVERY_PATH=str(tmp_path / "recovery.json"))
    env.pop("BPP_LAUNCH_TIME", None)  # the process's own start time (/proc) is used
    proc = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert re.fullmatch(r"first_frame_s=\d+\.\d{3}", lines[-1]), proc.stdout
    phases = dict(w.split("=") for w in lines[-2].split()[1:])
    assert lines[-2].startswith("startup_phases ") and set(phases) == {"imports_s", "window_s", "snapshot_s"}
    times = [float(phases[k]) for k in ("imports_s", "window_s", "snapshot_s")] + [float(lines[-1].split("=")[1])]
    assert 0 < times[0] <= times[1] <= times[2] <= times[3]  # in launch order


def test_hidden_views_are_built_when_first_opened_and_then_fed(qtbot, window):
    s = window.session
    pages = {name: window.docks[name].view for name in ("patternsDock", "hintonDock", "raceDock")}
    assert all(isinstance(p, LazyView) and not p.is_built for p in pages.values())  # the window opened without them

    window.docks["patternsDock"].show()  # its tab opens: built, with the data and the latest snapshot
    assert window.workspace == "inspect"
    qtbot.waitUntil(lambda: pages["patternsDock"].is_built, timeout=5000)
    assert not pages["raceDock"].is_built  # a tab behind another one (Hinton, shown beside the patterns) waits
    window.docks["hintonDock"].raise_()
    qtbot.waitUntil(lambda: pages["hintonDock"].is_built, timeout=5000)
    table, hinton = pages["patternsDock"].view(), pages["hintonDock"].view()
    assert table.model.rowCount() == len(s.dataset.x_train) and table.model.columnCount() > 0
    qtbot.waitUntil(lambda: bool(hinton.squares()), timeout=5000)  # drawn once it is on screen
    before = [q.value for q in hinton.squares()]
    s.step(5)  # and fed like every other view from now on
    qtbot.waitUntil(lambda: [q.value for q in hinton.squares()] != before, timeout=10000)
    assert table in window.replay_views and hinton in window.replay_views

    assert not pages["raceDock"].is_built  # a tab behind another one waits
    window.race_action.trigger()  # the public way in
    assert pages["raceDock"].is_built and window.race_panel is pages["raceDock"].view()
    assert window.race_panel.spec is not None


def test_race_panel_is_built_on_first_access(window):
    holder = window.lazy_views["race_panel"]
    assert not holder.is_built
    panel = window.race_panel
    assert holder.is_built and panel.session is window.session and window.race_panel is panel


def test_backward_side_tabs_are_built_on_first_use_and_catch_up(qtbot, window):
    panel = window.backward_panel
    lazy = [panel.widget(i) for i in range(panel.count()) if isinstance(panel.widget(i), LazyView)]
    assert [panel.tabText(panel.indexOf(h)) for h in lazy] == ["Error signals", "Gradient check", "Loss slice"]
    assert not any(h.is_built for h in lazy)
    window.show_workspace("backward")
    panel.setCurrentWidget(lazy[0])  # the learner opens "Error signals"
    qtbot.waitUntil(lambda: lazy[0].is_built, timeout=5000)
    assert panel.error_maps.snapshot is not None and panel.error_maps.data is not None
    assert not lazy[2].is_built
    checked = panel.gradient_check  # asked for by code: built now, with what the panel was given
    assert lazy[1].is_built and checked.snapshot is panel.error_maps.snapshot
    s = window.session
    s.step(3)
    # a hidden tab is not fed every frame; asked for by code, it catches up from the latest
    qtbot.waitUntil(lambda: panel.gradient_check.snapshot.epoch >= 3, timeout=10000)
    checked = panel.gradient_check
    assert panel.loss_slice.snapshot is checked.snapshot  # built late, given the latest


def test_step_through_error_map_is_built_with_the_card_and_draws_the_selected_unit(qtbot, window):
    step = window.backward_panel.step_through
    (holder,) = step.findChildren(LazyView)
    assert not holder.is_built
    window.show_backward_workspace()  # step-through starts: the card is on screen
    qtbot.waitUntil(lambda: holder.is_built, timeout=5000)
    assert step.error_map is holder.view()
    qtbot.waitUntil(lambda: step.error_map.values is not None, timeout=10000)
    assert step.error_map.key is not None
