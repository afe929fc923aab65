"""The document: every user edit is an undoable command holding immutable values; the
run and the frame clock are separate objects (issue 11 item 5)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.core.losses import output_for_loss
from engine.explain.stepthrough import StepThrough
from engine.presets import PRESETS
from gui.clock import FRAME_HZ
from gui.document import Document
from gui.run import Run


def idle(qtbot, s) -> None:
    qtbot.waitUntil(lambda: s.worker.idle, timeout=10000)


def live_weight(s, layer=0, source=0, row=0, col=0) -> float:
    return s.query(lambda t: float(t.network.weights[layer][source][row, col]))


def test_the_session_is_a_document_a_run_and_one_clock(window):
    s = window.session
    assert isinstance(s.document, Document) and isinstance(s.run, Run)
    assert s.undo_stack is s.document.undo_stack and s.worker is s.run.worker
    assert s.worker.frame_rate == s.clock.hz == FRAME_HZ  # one place sets the frame rate


def test_settings_are_frozen_values_and_data_arrays_read_only(window):
    s = window.session
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.settings.optimizer.lr = 1.0
    with pytest.raises(ValueError):
        s.dataset.x_train[0, 0] = 99.0
    assert s.settings is s.settings  # no copies handed out


def test_a_weight_edit_replaces_the_live_value_not_the_drawn_one(window, qtbot):
    s = window.session
    idle(qtbot, s)
    drawn = float(s.latest.weights[0][0][0, 0])
    s.worker.set_weight(0, 0, 0, 0, drawn + 0.777)  # changed on the worker, not drawn yet
    assert s.edit_weight(0, 0, 0, 0, 2.0)
    idle(qtbot, s)
    assert live_weight(s) == 2.0
    s.undo_stack.undo()
    idle(qtbot, s)
    assert live_weight(s) == pytest.approx(drawn + 0.777)


def test_a_weight_edit_on_a_weight_that_no_longer_exists_is_refused_in_one_line(window, qtbot):
    s = window.session
    said = []
    s.message.connect(lambda kind, text: said.append((kind, text)))
    assert not s.edit_weight(0, 0, 50, 0, 1.0)
    assert said == [("error", "That weight no longer exists: the network was changed. Try again on the new drawing.")]
    assert s.undo_stack.count() == 0


def test_cross_entropy_needs_a_sigmoid_output_rule_lives_in_the_engine_and_document(window):
    assert output_for_loss("bce", "squared", "tanh") == "sigmoid"
    assert output_for_loss("squared", "bce", "sigmoid") == "tanh"
    assert output_for_loss("squared", "squared", "linear") == "linear"
    s = window.session
    assert s.edit_loss("bce")
    assert s.spec.loss == "bce" and s.spec.output_activation == "sigmoid"
    s.undo_stack.undo()
    assert s.spec.loss == "squared" and s.spec.output_activation == "tanh"


def test_the_stopping_criterion_belongs_to_the_document_and_is_undoable(window):
    s = window.session
    window.open_preset(next(iter(PRESETS)))
    preset_criterion = s.criterion
    assert preset_criterion is not None and window.loss_plot.criterion is preset_criterion
    assert s.edit_criterion(None)
    assert s.criterion is None and window.loss_plot.criterion is None
    s.undo_stack.undo()
    assert s.criterion is preset_criterion and window.loss_plot.criterion is preset_criterion


def test_apply_step_goes_through_the_document_and_undoes(window, qtbot):
    s = window.session
    idle(qtbot, s)
    before = s.checkpoint()
    walk = s.query(lambda t: StepThrough.from_trainer(t, 3))
    assert s.apply_step(walk)
    idle(qtbot, s)
    after = s.checkpoint()
    np.testing.assert_array_equal(after.params, walk.params_after)
    assert s.undo_stack.undoText() == "Apply step"
    s.undo_stack.undo()
    idle(qtbot, s)
    np.testing.assert_array_equal(s.checkpoint().params, before.params)
    s.undo_stack.redo()
    idle(qtbot, s)
    np.testing.assert_array_equal(s.checkpoint().params, walk.params_after)


def test_a_new_seed_is_undone_with_the_trained_weights(window, qtbot):
    s = window.session
    s.step(12)
    qtbot.waitUntil(lambda: s.query(lambda t: t.epoch) == 12, timeout=10000)
    trained = s.checkpoint()
    assert s.edit_spec(s.spec.with_changes(seed=9), "Change seed")
    idle(qtbot, s)
    assert s.checkpoint().epoch == 0
    s.undo_stack.undo()
    idle(qtbot, s)
    back = s.checkpoint()
    assert back.epoch == 12 and back.spec == trained.spec
    np.testing.assert_array_equal(back.params, trained.params)


def test_an_error_while_playing_stops_showing_playing(window, qtbot):
    s = window.session
    said = []
    s.message.connect(lambda kind, text: said.append((kind, text)))
    s.worker.call(lambda t: setattr(t, "epoch_hook", lambda _: 1 / 0))
    s.play()
    assert s.playing
    qtbot.waitUntil(lambda: not s.playing, timeout=10000)
    assert window.controls.play_button.toolTip().startswith("Play")
    assert [k for k, _ in said] == ["error"] and "ZeroDivisionError" in said[0][1]
    s.worker.call(lambda t: setattr(t, "epoch_hook", None))
    s.step(1)
    qtbot.waitUntil(lambda: s.latest is not None and s.latest.epoch >= 1, timeout=10000)
