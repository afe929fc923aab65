"""The training thread never dies: an exception in any command, in training or in making
a snapshot is reported once, pauses the run (with a 'stopped' event, so the window stops
showing "playing"), and the worker goes on serving commands."""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace

import numpy as np
import pytest

from engine.data import datasets
from engine.core.optimizers import OptimizerSettings
from engine.training.checkpoint import Checkpoint
from engine.training.trainer import TrainSettings
from gui import worker_commands as wc
from gui.worker import TrainingWorker

from test_worker import latest, wait_until, xor_trainer


def valid_command(cls: type, worker: TrainingWorker):
    """A well-formed instance of every command type."""
    t = xor_trainer()
    return {
        wc.Play: lambda: wc.Play(None, 1),
        wc.Pause: wc.Pause,
        wc.Step: lambda: wc.Step(1),
        wc.Reset: lambda: wc.Reset(3),
        wc.SetSpeed: lambda: wc.SetSpeed(30.0),
        wc.SetSpec: lambda: wc.SetSpec(t.spec.with_changes(seed=5)),
        wc.SetSettings: lambda: wc.SetSettings(TrainSettings(OptimizerSettings("adam"), batch_size=4)),
        wc.SetData: lambda: wc.SetData(t.data),
        wc.SetRun: lambda: wc.SetRun(t.spec, t.data, Checkpoint.of(t)),
        wc.SetWeight: lambda: wc.SetWeight(0, 0, 0, 0, 0.5),
        wc.SetParams: lambda: wc.SetParams(np.zeros(t.network.size)),
        wc.ReplaceTrainer: lambda: wc.ReplaceTrainer(t, 0),
        wc.Call: lambda: wc.Call(lambda trainer: None),
        wc.Query: lambda: wc.Query(lambda trainer: 1, Future()),
    }[cls]()


@pytest.fixture
def worker():
    w = TrainingWorker(xor_trainer(), grid_resolution=8)
    w.start()
    latest(w)
    yield w
    w.stop()
    assert not w.alive


def survives(w: TrainingWorker, events: list) -> None:
    """Alive, paused, told the user once, and still trains on the next command."""
    assert w.alive and not w.playing
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 1 and "Training paused" in errors[0].text
    start = w.query(lambda t: t.epoch)
    w.step(1)
    wait_until(lambda: w.query(lambda t: t.epoch) == start + 1, what="a step after the failure")


def collect_until(w: TrainingWorker, kinds: set[str]) -> list:
    seen: list = []

    def got() -> bool:
        seen.extend(w.take_events())
        return kinds <= {e.kind for e in seen}

    wait_until(got, what=f"events {kinds}")
    return seen


@pytest.mark.parametrize("cls", [c for c in wc.ALL_COMMANDS if c is not wc.Query], ids=lambda c: c.__name__)
def test_an_exception_in_any_command_is_reported_and_the_worker_lives_on(worker, cls, monkeypatch):
    def boom(command):
        raise RuntimeError(f"broken {type(command).__name__}")

    worker.play(number=7)
    wait_until(lambda: worker.playing, what="playing")
    monkeypatch.setitem(worker._handlers, cls, boom)
    command = valid_command(cls, worker)
    if cls is wc.ReplaceTrainer:
        command = replace(command, generation=worker._generation)
    worker.send(command)
    events = collect_until(worker, {"error", "stopped"})
    assert any(e.kind == "stopped" and e.text == "7" for e in events)  # ends the play the GUI shows
    assert any(f"broken {cls.__name__}" in e.text for e in events)
    monkeypatch.undo()
    survives(worker, events)


def test_a_failing_query_raises_in_the_caller_and_the_worker_lives_on(worker):
    with pytest.raises(ZeroDivisionError):
        worker.query(lambda t: 1 / 0)
    assert worker.alive and worker.query(lambda t: t.epoch) == 0


@pytest.mark.parametrize("bad", ["epoch hook", "adam beta 1", "bad weight", "bad params", "bad data", "bad seed",
                                 "call", "bad resolution"])
def test_real_failures_pause_and_report(worker, bad):
    """Failures as they come from files and edits, not injected ones."""
    if bad == "epoch hook":
        def hook(t):
            raise ValueError("schedule broken")
        worker.call(lambda t: setattr(t, "epoch_hook", hook))
        worker.play(number=1)
    elif bad == "adam beta 1":  # a project file with beta1 = 1: division by zero in the bias correction
        worker.set_settings(TrainSettings(OptimizerSettings("adam", beta1=1.0), batch_size=10))
        worker.call(lambda t: setattr(t, "path", "buffered"))
        worker.play(number=1)
    elif bad == "bad weight":
        worker.set_weight(0, 0, 99, 0, 1.0)
    elif bad == "bad params":
        worker.set_params(np.zeros(3))
    elif bad == "bad data":
        worker.set_data(replace(datasets.planar("xor", 20, seed=1), x_train=np.zeros((5, 7)), y_train=np.zeros((5, 1)), planar=False))
    elif bad == "bad seed":
        worker.reset(-1)
    elif bad == "call":
        worker.call(lambda t: t.no_such_thing)
    elif bad == "bad resolution":
        worker.grid_resolution = -1  # a snapshot cannot be made: no endless retry loop either
        worker.step(1)
    playing = bad in ("epoch hook", "adam beta 1")
    events = collect_until(worker, {"error", "stopped"} if playing else {"error"})
    if bad == "bad resolution":
        worker.grid_resolution = 8
    if bad == "epoch hook":  # the cause stays: the user fixes it, and training goes on
        worker.call(lambda t: setattr(t, "epoch_hook", None))
    if bad == "adam beta 1":
        worker.set_settings(TrainSettings(OptimizerSettings("adam"), batch_size=10))
    survives(worker, events)
