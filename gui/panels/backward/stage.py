"""Put the step-through on the network editor's canvas: one call wires card and canvas.

The step-through panel becomes the chain-rule card (controls, arithmetic, the selected
unit's error-signal map); the editor draws every phase on the user's own network at full
size. Selection is shared both ways, and "Apply step" flashes the change on the canvas.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from gui.editor import NetworkEditor

    from .stepthrough_panel import StepThroughPanel


def connect_stage(editor: "NetworkEditor", card: "StepThroughPanel", hide_diagram: bool = True,
                  apply: "Callable[[object], bool] | None" = None) -> None:
    """Phases go to `editor.show_step`, mode off to `clear_step`. `apply(walk) -> bool` makes
    the step on the live run (the document's apply_step); only when it succeeded does the
    canvas flash the change (without `apply`, the card's request alone flashes it)."""
    card.phaseChanged.connect(lambda phase: editor.show_step(phase, card.walk) if card.walk is not None else None)
    card.modeToggled.connect(lambda on: None if on else editor.clear_step())

    def applied(walk) -> None:
        if apply is None or apply(walk):
            editor.flash_change(walk)
            card.mark_applied(walk)

    card.applyRequested.connect(applied)
    editor.unitSelected.connect(card.select_unit)
    card.unitSelected.connect(editor.select_unit)
    if hide_diagram:
        card.set_diagram_visible(False)
    if card.walk is not None:
        editor.show_step(card.walk.current, card.walk)
