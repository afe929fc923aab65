"""One clock paces every redraw (issue 11 item 6), and hidden views are not fed (issue 9)."""
from PySide6.QtCore import QTimer

from gui.clock import FrameClock
from gui.panels.backward import BackwardPanel

# repeating timers that pace no redraw: autosave, the title's modified mark, a lesson's check
NOT_FRAME_PACING = {"autosave", "modifiedCheck", "lessonCheck"}


def _repeating_timers(window) -> list[QTimer]:
    timers = window.findChildren(QTimer) + window.session.findChildren(QTimer)
    return [t for t in set(timers) if not t.isSingleShot()]


def test_no_timer_but_the_clock_paces_redraws(qtbot, window):
    window.race_panel.start()  # the views with their own pace before: race, loss curve, backward tabs
    window.show_workspace("backward")
    for name in ("error_maps", "gradient_check", "loss_slice"):
        getattr(window.backward_panel, name)
    window.session.play()
    qtbot.wait(100)
    timers = _repeating_timers(window)
    pacing = [t for t in timers if t.objectName() not in NOT_FRAME_PACING]
    assert [t.objectName() for t in pacing] == ["frameClock"]
    assert pacing[0] is window.session.clock._timer
    for view in (window.loss_plot, window.backward_panel, window.race_panel):  # single-shot ones too
        assert [t.objectName() for t in view.findChildren(QTimer)] == []
    window.race_panel.shutdown()


def test_slow_views_redraw_on_the_clocks_slow_beat(qtbot, window):
    clock = window.session.clock
    assert clock.slow_every == round(clock.hz / 4.0)
    drawn = []
    window.loss_plot.draw = drawn.append  # count the loss curve's redraws
    beats = []
    clock.slow.connect(lambda: beats.append(clock.ticks))
    window.session.play()
    qtbot.waitUntil(lambda: len(beats) >= 4, timeout=10000)
    window.session.pause()
    assert all(b % clock.slow_every == 0 for b in beats)
    assert 1 <= len(drawn) <= len(beats) + 1  # at most one redraw a beat (+ one catch-up)


def test_a_hidden_tab_is_not_fed_and_catches_up_when_shown(qtbot):
    from tests.gui.test_backward_views import planar_trainer

    t, data = planar_trainer()
    panel = BackwardPanel(grid_resolution=8)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_context(data, t.settings)
    slice_view = panel.loss_slice  # built, but its tab is not the current one
    fed = []
    original = slice_view.show_snapshot
    slice_view.show_snapshot = lambda s: (fed.append(s), original(s))
    for _ in range(3):
        t.step(1)
        panel.show_snapshot(t.snapshot(8))
    assert fed == [] and len(panel.timeline_panel.timeline) == 3  # the timeline still records all
    panel.setCurrentIndex(panel.indexOf(panel.widget(3)))
    assert fed and fed[-1] is panel.timeline_panel.latest  # current at once, from the latest
    t.step(1)
    panel.show_snapshot(t.snapshot(8))
    assert len(fed) == 2  # visible now: fed every snapshot


def test_a_hidden_loss_plot_draws_nothing_and_catches_up_on_show(qtbot, window):
    plot = window.loss_plot
    drawn = []
    plot.draw = drawn.append
    plot.hide()
    snap = window.session.latest
    plot.show_snapshot(snap)
    for _ in range(3):
        window.session.clock.slow.emit()
    assert drawn == []
    plot.show()
    assert plot.isVisible() and drawn == [snap]


def test_a_clock_without_a_window_still_counts_its_slow_beat(qtbot):
    clock = FrameClock(hz=60.0, slow_hz=20.0)
    beats = []
    clock.slow.connect(lambda: beats.append(clock.ticks))
    clock.start()
    qtbot.waitUntil(lambda: len(beats) >= 2, timeout=5000)
    clock.stop()
    assert beats[:2] == [3, 6]
