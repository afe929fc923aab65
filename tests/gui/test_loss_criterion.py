"""The loss plot shows an example's stopping criterion and the epoch it was first met."""
import numpy as np

from engine.presets import get_preset
from gui.plots.loss import LossPlot


def train_until_met(plot: LossPlot, name: str, seed: int, max_epochs: int) -> tuple[int | None, object]:
    """Train one epoch at a time, drawing each; return the first epoch the engine says is met."""
    preset = get_preset(name)
    trainer = preset.make_trainer(seed)
    plot.set_dataset(trainer.data)
    plot.set_criterion(preset.criterion)
    trainer.record()
    plot.draw(trainer.snapshot())
    assert plot.criterion_epoch is None
    first = None
    while trainer.epoch < max_epochs:
        trainer.step(1)
        trainer.record()
        plot.draw(trainer.snapshot())
        if preset.criterion.met(trainer):
            first = trainer.epoch
            break
    return first, preset


def test_tss_criterion_line_and_epoch(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    first, preset = train_until_met(plot, "xor-2-2-1", seed=0, max_epochs=3000)
    assert first is not None, "XOR seed 0 should reach tss < 0.04"
    # a tss criterion is a loss level: 1/2 tss summed over patterns
    assert plot.criterion_line.isVisible()
    assert np.isclose(plot.criterion_line.value(), preset.criterion.threshold / 2)
    # the epoch read off the loss history equals the epoch the engine first judged it met
    assert plot.criterion_epoch == first
    assert plot.criterion_met_line.isVisible() and plot.criterion_met_line.value() == first
    assert f"met at epoch {first:,}" in plot.criterion_label.text()


def test_within_criterion_is_judged_on_the_drawn_outputs(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    first, preset = train_until_met(plot, "negation", seed=0, max_epochs=3000)
    assert preset.criterion.kind == "within"
    assert first is not None, "negation seed 0 should get every output within 0.2"
    assert not plot.criterion_line.isVisible()  # not a loss level
    # every epoch was drawn here, so the first drawn epoch meeting it is the engine's first
    assert plot.criterion_epoch == first
    assert f"met by epoch {first:,}" in plot.criterion_label.text()


def test_reset_and_no_criterion_hide_it(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    first, preset = train_until_met(plot, "xor-2-2-1", seed=0, max_epochs=3000)
    trainer = preset.make_trainer(0)  # a fresh run: epoch 0 again
    trainer.record()
    plot.draw(trainer.snapshot())
    assert plot.criterion_epoch is None and not plot.criterion_met_line.isVisible()
    assert "not met yet" in plot.criterion_label.text()
    plot.set_criterion(None)
    assert not plot.criterion_line.isVisible() and not plot.criterion_label.isVisibleTo(plot)
