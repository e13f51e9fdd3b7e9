"""Timing of the gentle transitions inside the headset, on the scene clock (so a headless test
counts frames, not wall time): the fade in at the start and out at the end of a session, and the
sensor notice fading in, holding and fading out.
"""

from __future__ import annotations

import math

FADE_S = 2.0  # the scene's fade in and out
NOTICE_FADE_S = 1.2  # the notice's fade in and out
BACK_HOLD_S = 5.0  # how long "sensor back" stays before it fades away


def ease(x: float) -> float:
    """Smoothstep easing of ``x`` clamped to 0..1 (no jump in level or speed at either end)."""
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


class SceneFade:
    """How visible the scene is (0 black … 1 clear): eased in over ``duration_s`` from scene time 0,
    and out over the same time once ``fade_out`` is called. A duration of 0 never fades."""

    def __init__(self, duration_s: float = FADE_S):
        self.duration_s = duration_s
        self.out_from: float | None = None

    def fade_out(self, t: float) -> None:
        """Start fading out at scene time ``t`` (once; later calls change nothing)."""
        if self.out_from is None:
            self.out_from = t

    def level(self, t: float) -> float:
        if self.duration_s <= 0.0:
            return 0.0 if self.out_from is not None else 1.0
        level = ease(t / self.duration_s)
        if self.out_from is not None:
            level = min(level, 1.0 - ease((t - self.out_from) / self.duration_s))
        return level

    def faded_out(self, t: float) -> bool:
        """The fade out has ended (the screen is black)."""
        return self.out_from is not None and self.level(t) <= 0.0


class NoticeFade:
    """The notice's opacity: rises while a notice is shown, falls when it is cleared or, for a
    "back" notice, ``BACK_HOLD_S`` after it appeared. Linear in time, eased on output."""

    def __init__(self) -> None:
        self.progress = 0.0
        self.wanted = False
        self.hide_at = math.inf

    def show(self, t: float, hold_s: float | None = None) -> None:
        """Show a notice from scene time ``t``; with ``hold_s``, hide it that long after."""
        self.wanted = True
        self.hide_at = t + hold_s if hold_s is not None else math.inf

    def hide(self) -> None:
        self.wanted = False

    def step(self, dt: float, t: float) -> float:
        """Advance by ``dt`` seconds to scene time ``t``; the opacity (0..1, eased)."""
        if t >= self.hide_at:
            self.wanted, self.hide_at = False, math.inf
        direction = 1.0 if self.wanted else -1.0
        self.progress = min(1.0, max(0.0, self.progress + direction * dt / NOTICE_FADE_S))
        return ease(self.progress)

    @property
    def alpha(self) -> float:
        return ease(self.progress)
