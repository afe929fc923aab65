"""Big work is asked about before it starts (issue 13): the estimate is computed from sizes, and
the limit is lowered here so a small network counts as big (the tests never allocate much)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from engine import limits
from gui.big_work import estimate_for, question


def n_points(s) -> int:
    return len(s.dataset.x_train) + len(s.dataset.x_test)


def widened(spec, units):
    layers = list(spec.layers)
    layers[0] = replace(layers[0], units=units)
    return spec.with_changes(layers=tuple(layers))


@pytest.fixture
def asked(window, monkeypatch):
    """Every question the document asks, answered from `answers` (no modal dialog)."""
    record = {"estimates": [], "answers": []}

    def confirm(e):
        record["estimates"].append(e)
        return record["answers"].pop(0)

    window.session.document.confirm_big_work = confirm
    s = window.session
    wide = widened(s.spec, 300)
    # the limit sits between today's network and the wide one: only the wide one is "too big"
    now = estimate_for(s.spec, n_points(s), s.settings.batch_size).memory_bytes
    big = estimate_for(wide, n_points(s), s.settings.batch_size).memory_bytes
    assert now < big
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", (now + big) // 2)
    record["wide"] = wide
    return record


def test_an_edit_making_a_layer_huge_asks_and_no_leaves_everything_as_it_was(window, asked):
    s = window.session
    before, depth = s.spec, s.undo_stack.count()
    asked["answers"].append(False)
    shown = []
    s.specChanged.connect(shown.append)
    assert not s.edit_spec(asked["wide"], "Widen layer")
    assert shown == [before]  # the views (editor, panels) show the network that was kept
    assert len(asked["estimates"]) == 1 and asked["estimates"][0].too_big
    assert s.spec == before and s.undo_stack.count() == depth


def test_an_edit_making_a_layer_huge_asks_and_yes_applies_it(window, asked):
    s = window.session
    asked["answers"].append(True)
    assert s.edit_spec(asked["wide"], "Widen layer")
    assert s.spec.layers[0].units == 300 and len(asked["estimates"]) == 1
    # already accepted as big: a small change to the big network does not ask again
    assert s.edit_spec(widened(s.spec, 301), "Widen layer")
    assert len(asked["estimates"]) == 1


def test_a_normal_sized_edit_never_asks(window, asked):
    s = window.session
    assert s.edit_spec(widened(s.spec, 6), "Widen layer")
    assert s.edit_optimizer("Learning rate", lr=0.2)
    assert asked["estimates"] == []


def test_the_question_says_how_big_the_limit_and_what_to_change(asked):
    e = replace(estimate_for(asked["wide"], 100, None), memory_bytes=int(6.2 * 1024**3))
    text = question(e)
    assert "about 6.2 GB of memory" in text and "the limit is" in text and "fewer data points" in text
    assert text.endswith("Train anyway?")


def test_loading_an_example_too_big_for_the_limit_asks_and_no_keeps_the_current_run(window, monkeypatch):
    s = window.session
    monkeypatch.setattr(limits, "MAX_MEMORY_BYTES", 1)  # every example is "too big" now
    asked = []
    s.document.confirm_big_work = lambda e: asked.append(e) or False
    spec, depth = s.spec, s.undo_stack.count()
    window.open_preset("playground-xor")
    assert len(asked) == 1 and asked[0].too_big
    assert s.spec == spec and s.undo_stack.count() == depth and s.preset_name is None


def test_an_edit_making_each_epoch_very_long_asks_with_the_time(window, monkeypatch):
    import gui.big_work as big_work

    s = window.session
    wide = widened(s.spec, 300)
    now = estimate_for(s.spec, n_points(s), s.settings.batch_size).work
    long = estimate_for(wide, n_points(s), s.settings.batch_size).work
    monkeypatch.setattr(big_work, "LONG_WORK", (now + long) / 2)  # only the wide network is long work
    asked = []
    s.document.confirm_big_work = lambda e: asked.append(e) or False
    before = s.spec
    assert not s.edit_spec(wide, "Widen layer")
    assert len(asked) == 1 and not asked[0].too_big and s.spec == before
    assert "per epoch" in big_work.question(asked[0])
