"""500 random edits while training (seeded): no exception on any thread (issue 13 item 8).

Edits arrive as a hurried user makes them: topology, settings, data (generated sets and
CSV imports that resize the network), weights picked from whatever was last drawn (often
a snapshot of an older shape), transport, undo and redo. Exceptions are caught on every
path they could take: sys.excepthook (Qt slots), threading.excepthook, pytest-qt's own
capture, the worker's reported errors and the document's failed undo steps.
"""
from __future__ import annotations

import random
import sys
import threading
from dataclasses import replace

import numpy as np
import pytest

from engine.core.spec import LayerSpec
from engine.data.csvdata import load_csv
from engine.data.sources import PlanarSource

EDITS = 500
SEED = 1986


def write_csv(path, classes: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = ["red", "green", "blue", "grey"][:classes]
    lines = ["x,y,label"] + [f"{x:.3f},{y:.3f},{names[i % classes]}" for i, (x, y) in enumerate(rng.uniform(-5, 5, (n, 2)))]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def caught(monkeypatch):
    """Every exception that escapes to Python's or a thread's last-resort hook."""
    seen: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, v, tb: seen.append(f"{t.__name__}: {v}"))
    monkeypatch.setattr(threading, "excepthook", lambda a: seen.append(f"{a.exc_type.__name__}: {a.exc_value} ({a.thread})"))
    return seen


def test_random_edits_while_training_raise_nothing_on_any_thread(window, qtbot, tmp_path, caught, capfd):
    s = window.session
    rng = random.Random(SEED)
    csvs = []
    for i, classes in enumerate((2, 3, 4, 3)):
        path = tmp_path / f"data{i}.csv"
        write_csv(path, classes, 40 + 10 * i, i)
        csvs.append(path)
    problems: list[str] = []
    refusals: list[str] = []

    def on_message(kind: str, text: str) -> None:
        if "went wrong" in text or text.startswith("Could not"):
            problems.append(text)  # an exception was caught: the test fails below
        elif kind == "error":
            refusals.append(text)  # a refused edit, said in one line: fine

    s.message.connect(on_message)
    s.set_speed(None)
    s.play()

    def random_weight() -> None:
        snap = s.latest  # what the user sees: may be older than the network (resized since)
        if snap is None:
            return
        layer = rng.randrange(len(snap.weights) + 1)  # sometimes one past the end
        if layer < len(snap.weights):
            block = snap.weights[layer][0]
            row, col = rng.randrange(block.shape[0] + 1), rng.randrange(block.shape[1] + 1)
        else:
            row = col = 0
        s.edit_weight(layer, 0, row, col, rng.uniform(-3, 3))

    def random_topology() -> None:
        spec = s.spec
        hidden = [LayerSpec(rng.randint(1, 6), rng.choice(["tanh", "relu", "sigmoid"]), f"h{i + 1}")
                  for i in range(rng.randint(1, 3))]
        s.edit_spec(spec.with_changes(layers=(*hidden, spec.layers[-1])), "Edit network")

    def random_data() -> None:
        if rng.random() < 0.5:
            data = load_csv(rng.choice(csvs))
            s.edit_source(data.source, "Import data", adapt_network=True)
        else:
            source = PlanarSource(rng.choice(["xor", "circle", "gauss", "spiral"]), rng.choice([60, 120, 200]), 0.0, 0.5,
                                  rng.randrange(5))
            s.edit_source(source, "Change data", adapt_network=True)

    actions = [
        (random_weight, 6),
        (random_topology, 3),
        (random_data, 3),
        (lambda: s.edit_optimizer("lr", lr=rng.choice([0.001, 0.03, 0.3, 3.0])), 2),
        (lambda: s.edit_settings(replace(s.settings, batch_size=rng.choice([None, 1, 5, 10])), "Batch"), 1),
        (lambda: s.edit_optimizer("opt", name=rng.choice(["sgd", "adam"])), 1),
        (lambda: s.edit_loss(rng.choice(["squared", "bce"])), 1),
        (lambda: s.edit_spec(s.spec.with_changes(seed=rng.randrange(4)), "Seed"), 1),
        (lambda: s.undo_stack.undo(), 3),
        (lambda: s.undo_stack.redo(), 2),
        (lambda: s.toggle_play(), 2),
        (lambda: s.step(rng.randint(1, 3)), 1),
        (lambda: s.reset(), 1),
        (lambda: s.set_speed(rng.choice([None, 30, 300, 5000])), 1),
        (lambda: s.add_point(rng.uniform(-5, 5), rng.uniform(-5, 5), rng.random() < 0.5), 1),
    ]
    funcs = [f for f, w in actions for _ in range(w)]
    for i in range(EDITS):
        rng.choice(funcs)()
        if not s.playing and rng.random() < 0.3:
            s.play()
        qtbot.wait(rng.choice([0, 0, 1, 3, 8]))  # let frames arrive between some edits, not all
    s.pause()
    qtbot.waitUntil(lambda: s.worker.idle, timeout=20000)
    qtbot.wait(50)
    live = s.checkpoint()
    assert live.spec == s.spec and live.data is s.dataset  # the worker and the document agree
    qtbot.waitUntil(lambda: s.latest is not None and s.latest.spec == s.spec, timeout=10000)
    assert caught == []
    assert problems == []
    assert s.worker.alive and s.worker.stats().errors == 0
    err = capfd.readouterr().err
    assert "Traceback" not in err and "beginResetModel" not in err and "endResetModel" not in err
