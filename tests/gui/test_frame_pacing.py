"""Frame pacing (issue 11): the clock ticks at its rate on average, not at a whole-millisecond
rate, and the worker times each snapshot to be ready just before the GUI frame that takes it.

No wall clock here: the clock's scheduling and the worker's timing are checked with given times.
"""
from __future__ import annotations

import threading

import pytest

from gui.clock import FrameClock
from gui.mailbox import Mailbox
from gui.worker import FRAME_LEAD, TrainingWorker
from tests.gui.test_worker import xor_trainer


def test_the_clock_averages_its_rate_though_a_timer_counts_whole_milliseconds(qtbot):
    clock = FrameClock(hz=60.0)
    now, asked = 0.0, []
    for _ in range(600):  # ten seconds of frames, the timer firing exactly when asked
        clock._schedule_next(now)
        asked.append(clock._timer.interval())
        now += clock._timer.interval() / 1000.0
    clock.stop()
    assert set(asked) == {16, 17}  # a fixed 16 ms would be 62.5 frames a second, 17 ms 58.8
    assert now == pytest.approx(10.0, abs=0.002)  # 600 ticks in ten seconds: 60 a second


def test_a_late_tick_drops_the_missed_frames_instead_of_bursting(qtbot):
    clock = FrameClock(hz=60.0)
    clock._due = 0.0
    clock._schedule_next(0.0)  # on time
    clock._schedule_next(0.100)  # the GUI was busy for 100 ms: five frames missed
    late = clock._timer.interval()
    clock._schedule_next(0.100 + late / 1000.0)
    clock.stop()
    assert late >= 16 and clock._timer.interval() >= 16  # the next ticks come a frame apart, not at once


def worker_at(taken: bool, taken_at: float, snapshot_seconds: float = 0.001) -> TrainingWorker:
    w = TrainingWorker(xor_trainer(), grid_resolution=8, frame_rate=60.0)  # not started: no thread
    box = Mailbox(threading.Condition())
    box.taken, box.taken_at = taken, taken_at
    w._mailbox = box
    w._snapshot_seconds = snapshot_seconds
    return w


def test_a_taken_snapshot_is_followed_by_one_ready_before_the_next_frame():
    frame = 1 / 60
    w = worker_at(taken=True, taken_at=10.0)
    due = w._publish_due(now=10.001)
    assert due == pytest.approx(10.0 + frame - 0.001 - FRAME_LEAD * frame)
    assert due + 0.001 < 10.0 + frame  # made and ready before the GUI's next frame begins


def test_while_one_waits_the_next_is_timed_for_the_frame_after():
    frame = 1 / 60
    # taken at 10.0; one waits (put before now, 10.014), so the frame at 10.0167 takes it and
    # ours is for the frame at 10.0333
    w = worker_at(taken=False, taken_at=10.0)
    due = w._publish_due(now=10.014)
    assert due == pytest.approx(10.0 + 2 * frame - 0.001 - FRAME_LEAD * frame)
    # the GUI is late (no take for 100 ms): still one frame ahead of now, never in the past
    later = w._publish_due(now=10.1)
    assert 10.1 < later <= 10.1 + frame


def test_training_chunks_end_when_the_snapshot_is_due():
    w = worker_at(taken=True, taken_at=0.0)
    w._playing = True
    w._sec_per_epoch = 1e-4
    n = w._chunk_size(now=0.002)  # 2 ms into the frame
    left = w._publish_due(0.002) - 0.002
    assert n == int(left / 1e-4)  # one chunk fills the frame up to the snapshot, no more
