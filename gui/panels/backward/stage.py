"""Put the step-through on the network editor's canvas: one call wires card and canvas.

The step-through panel becomes the chain-rule card (controls, arithmetic, the selected
unit's error-signal map); the editor draws every phase on the user's own network at full
size. Selection is shared both ways, and "Apply step" flashes the change on the canvas.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.editor import NetworkEditor

    from .stepthrough_panel import StepThroughPanel


def connect_stage(editor: "NetworkEditor", card: "StepThroughPanel", hide_diagram: bool = True) -> None:
    """Phases go to `editor.show_step`, mode off to `clear_step`, apply to `flash_change`."""
    card.phaseChanged.connect(lambda phase: editor.show_step(phase, card.walk) if card.walk is not None else None)
    card.modeToggled.connect(lambda on: None if on else editor.clear_step())
    card.applyRequested.connect(editor.flash_change)
    editor.unitSelected.connect(card.select_unit)
    card.unitSelected.connect(editor.select_unit)
    if hide_diagram:
        card.set_diagram_visible(False)
    if card.walk is not None:
        editor.show_step(card.walk.current, card.walk)
