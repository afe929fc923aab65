"""XOR is learned from many seeds; the success rate is printed (pytest -s) and bounded below."""
from __future__ import annotations

import numpy as np

from engine.presets import get_preset

SEEDS_2_2_1 = range(60)
SEEDS_PLAYGROUND = range(16)


def test_xor_2_2_1_sigmoid_learns_from_most_seeds():
    """The paper's 2-2-1 logistic net, eps 0.5, alpha 0.9, one change per sweep, tss < 0.04."""
    preset = get_preset("xor-2-2-1")
    reached = []
    for seed in SEEDS_2_2_1:
        trainer = preset.make_trainer(seed=seed)
        while trainer.epoch < preset.epochs and not preset.criterion.met(trainer):
            trainer.step(25)
        if preset.criterion.met(trainer):
            reached.append(trainer.epoch)
            out = trainer.network.predict(trainer.x_train)
            assert np.array_equal(out[:, 0] > 0.5, trainer.y_train[:, 0] > 0.5)  # really XOR
    rate = len(reached) / len(SEEDS_2_2_1)
    print(f"\nXOR 2-2-1 sigmoid: {len(reached)}/{len(SEEDS_2_2_1)} seeds reach tss < 0.04 within "
          f"{preset.epochs} epochs ({rate:.0%}); median {np.median(reached):.0f} epochs")
    assert rate >= 0.75  # measured 90% over seeds 0..99; the rest sit in the known local minima


def test_playground_default_xor_learns_from_most_seeds():
    """Browser playground default: x, y -> 4 tanh -> 2 tanh -> tanh, batch 10, lr 0.03, 500 epochs."""
    preset = get_preset("playground-xor")
    accs = []
    for seed in SEEDS_PLAYGROUND:
        trainer = preset.make_trainer(seed=seed)
        trainer.step(500)
        accs.append(trainer.evaluate().test_acc)
    wins = sum(a >= 0.95 for a in accs)
    print(f"\nplayground XOR default: {wins}/{len(accs)} seeds reach test accuracy >= 95% in 500 epochs "
          f"(median {np.median(accs):.1%})")
    assert wins / len(accs) >= 0.6  # measured 17/20 over seeds 0..19


def test_training_lowers_the_loss_for_every_optimiser_and_mode():
    from dataclasses import replace

    preset = get_preset("playground-circle")
    for name, lr in (("sgd", 0.03), ("adam", 0.01)):
        for batch in (None, 10, 1):
            rate = lr * 10 if batch is None else lr  # one update per sweep: larger steps
            settings = preset.train_settings()
            settings = replace(settings, optimizer=replace(settings.optimizer, name=name, lr=rate), batch_size=batch)
            trainer = preset.make_trainer()
            trainer.set_settings(settings)
            before = trainer.evaluate().train_loss
            trainer.step(40)
            after = trainer.evaluate().train_loss
            assert after < 0.8 * before, (name, batch, before, after)
