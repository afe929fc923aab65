"""Honest feedback: a criterion met and lost again, saturation and rising-loss hints."""
from dataclasses import replace

import numpy as np

from engine.explain.health import criterion_record, hidden_saturation, learning_hint, loss_keeps_rising
from engine.explain.stepthrough import pattern_arrays
from engine.presets import get_preset


def train(trainer, epochs, every=25):
    """Train and record the history as the worker does (a row every `every` epochs)."""
    trainer.record()
    for _ in range(epochs // every):
        trainer.step(every)
        trainer.record()


def rows(losses, accs=None):
    n = len(losses)
    accs = np.full(n, np.nan) if accs is None else np.asarray(accs, dtype=float)
    return np.c_[np.arange(n) * 10, losses, np.full(n, np.nan), accs, np.full(n, np.nan)]


def test_criterion_met_then_lost_then_met_again():
    h = rows([1.0, 0.5, 0.01, 0.02, 0.3, 0.5, 0.01])
    rec = criterion_record(h, loss_threshold=0.02)
    assert (rec.first_met, rec.lost_at, rec.met_now, rec.last_met) == (20, 40, True, 60)
    assert "met at epoch 20" in rec.text() and "lost at epoch 40" in rec.text() and "met again" in rec.text()
    rec = criterion_record(h[:6], loss_threshold=0.02)
    assert rec.lost_at == 40 and not rec.met_now and "not met now" in rec.text()
    assert criterion_record(h, loss_threshold=0.001).text() == "not met yet"
    acc = criterion_record(rows(np.ones(4), [0.5, 0.96, 0.5, 0.5]), accuracy_threshold=0.95)
    assert (acc.first_met, acc.lost_at, acc.met_now) == (10, 20, False)


def test_nan_losses_never_count_as_met_or_rising():
    h = rows([1.0, np.nan, np.nan])
    rec = criterion_record(h, loss_threshold=2.0)  # a diverged loss does not meet a criterion
    assert (rec.first_met, rec.lost_at, rec.met_now) == (0, 10, False)
    assert not loss_keeps_rising(rows([np.nan] * 40))


def test_loss_rising_over_the_window_is_detected_and_a_falling_one_is_not():
    falling = rows(np.linspace(1.0, 0.1, 60))
    rising = rows(np.r_[np.linspace(1.0, 0.1, 40), np.linspace(0.1, 2.0, 30)])
    assert not loss_keeps_rising(falling)
    assert loss_keeps_rising(rising)


def test_learning_rate_ten_with_tanh_saturates_and_the_hint_says_so():
    preset = get_preset("playground-xor")
    t = preset.make_trainer()
    x, _ = pattern_arrays(t.spec, t.data)
    train(t, 200)
    assert learning_hint(t.spec, t.network.params, x, t.history.array()) is None  # healthy at lr 0.03
    t.set_settings(replace(t.settings, optimizer=replace(t.settings.optimizer, lr=10.0)))
    train(t, 300)
    assert hidden_saturation(t.spec, t.network.params, x) >= 0.5
    hint = learning_hint(t.spec, t.network.params, x, t.history.array(), lr=10.0)
    assert hint is not None and "saturated" in hint and "learning rate (10) is probably too high" in hint
    assert "nan" not in hint.lower()


def test_a_well_trained_network_with_saturated_units_gets_no_hint():
    preset = get_preset("xor-2-2-1")
    t = preset.make_trainer(0)
    x, _ = pattern_arrays(t.spec, t.data)
    train(t, 3000)
    h = t.history.array()
    assert h[-1, 3] == 1.0  # solved
    assert learning_hint(t.spec, t.network.params, x, h) is None
