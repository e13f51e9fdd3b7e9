"""Paused time and the paused look of a session (the headset taken off)."""

from __future__ import annotations

from dataclasses import dataclass

# The paused look, over the protocol's neutral snapshot: dim light, quiet sound, still water, no
# pacer (the scene eases there over its usual easing time, and back on resume).
PAUSED_LOOK = {
    "calm": 1.0,
    "light": 0.2,
    "volume": 0.15,
    "motion": 0.1,
    "particles": 0.1,
    "pacer_visible": 0.0,
}


def paused_params(neutral: dict[str, float], last: dict[str, float]) -> dict[str, float]:
    """The scene snapshot while paused: ``neutral`` with ``PAUSED_LOOK`` over it; the pacer keeps
    its last phase so that it does not jump as it fades."""
    params = dict(neutral)
    params.update({name: value for name, value in PAUSED_LOOK.items() if name in params})
    if "pacer_phase" in last:
        params["pacer_phase"] = last["pacer_phase"]
    return params


@dataclass
class PauseClock:
    """Paused time on one clock: the current pause, if any, and the total of the finished ones."""

    since: float | None = None
    total: float = 0.0

    @property
    def running(self) -> bool:
        """A pause is going on."""
        return self.since is not None

    def begin(self, t: float) -> None:
        """Start a pause at ``t`` (nothing when one is already going on)."""
        if self.since is None:
            self.since = t

    def end(self, t: float) -> float:
        """Close the current pause at ``t``; returns its length (0 when not paused)."""
        if self.since is None:
            return 0.0
        length = max(0.0, t - self.since)
        self.total += length
        self.since = None
        return length

    def so_far(self, t: float) -> float:
        """Paused seconds up to ``t``, the current pause included."""
        return self.total + (max(0.0, t - self.since) if self.since is not None else 0.0)
