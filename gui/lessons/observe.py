"""Gather what a check reads from the window: document, latest snapshot, step-through, race.

Only reads values the window already has (the session's document and latest snapshot, the
numbers the step-through panel computed); never runs the network here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checks import Observation, RaceState, StepState

if TYPE_CHECKING:
    from engine.core.spec import NetworkSpec
    from engine.training.snapshot import Snapshot


class SpecClock:
    """Counts epochs trained since the network last changed shape (or was reset or set up),
    so 'remove the hidden layer and train' cannot be met by epochs trained before the edit."""

    def __init__(self) -> None:
        self._spec: "NetworkSpec | None" = None
        self._start = 0
        self._passes = 0

    def restart(self) -> None:
        self._spec = None

    def since(self, snap: "Snapshot | None") -> tuple[int, int]:
        """(epochs, forward/backward passes) since the network took its present shape."""
        if snap is None:
            return 0, 0
        passes = int(getattr(snap, "passes", 0) or 0)
        if snap.spec != self._spec or snap.epoch < self._start or passes < self._passes:
            self._spec, self._start, self._passes = snap.spec, snap.epoch, passes
        return snap.epoch - self._start, passes - self._passes

    def epochs(self, snap: "Snapshot | None") -> int:
        return self.since(snap)[0]


def step_state(window: Any) -> StepState | None:
    panel = getattr(getattr(window, "backward_panel", None), "step_through", None)
    if panel is None:
        return None
    walk = panel.walk
    phase = walk.current if walk is not None else None
    return StepState(
        active=bool(panel.active),
        phase_kind=phase.kind if phase is not None else None,
        phase_layer=phase.layer if phase is not None else None,
        deltas=dict(phase.deltas) if phase is not None else {},
        selected=tuple(panel.selected) if panel.selected is not None else None,
        pattern=walk.pattern_index if walk is not None else None,
    )


def race_state(window: Any) -> RaceState | None:
    """What the race view (gui/panels/race.py) shows: its network's size and each rule's measured
    cost, from the report it makes for the lessons (`lesson_state()`); None before it has a network."""
    race = getattr(window, "race_panel", None)
    report = getattr(race, "lesson_state", None)
    if report is None:
        return None
    d = report()
    if not isinstance(d, dict) or d.get("weights") is None:
        return None
    return RaceState(weights=int(d["weights"]),
                     passes_per_step={str(k): float(v) for k, v in dict(d.get("passes_per_step") or {}).items()},
                     steps={str(k): int(v) for k, v in dict(d.get("steps") or {}).items()})


def observe(window: Any, clock: SpecClock) -> Observation:
    s = window.session
    snap = s.latest
    epochs, passes = clock.since(snap)
    return Observation(spec=s.spec, settings=s.settings, snapshot=snap, epochs_with_spec=epochs,
                       passes_with_spec=passes, step=step_state(window), race=race_state(window))
