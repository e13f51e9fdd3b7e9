"""Per-frame easing of parameter snapshots that arrive at about 10 Hz.

Each parameter follows its latest target with a first-order lag (time constant ``tau``) and a
rate limit (units per second), so a jump in the input becomes a smooth glide on screen and in the
sound. ``pacer_phase`` is cyclic: it is advanced at the rate estimated from its updates and pulled
towards the target along the shorter way round the circle, so the wrap from 1 to 0 never reverses it.
"""

from __future__ import annotations

import math

from scenes.params import ParamSpec, SceneParams

PHASE = "pacer_phase"
# Largest change per second, in parameter units (the parameters are 0..1).
DEFAULT_RATE = 0.4
RATES = {"pacer_visible": 1.0, "volume": 0.5, PHASE: 0.6}


def wrap_half(x: float) -> float:
    """``x`` wrapped into [-0.5, 0.5): the signed shortest distance on a unit circle."""
    return (x + 0.5) % 1.0 - 0.5


class ParamEaser:
    """Eases parameters towards their latest targets, frame by frame."""

    def __init__(self, schema: dict[str, ParamSpec], tau: float = 0.3, initial: SceneParams | None = None):
        self.schema = schema
        self.tau = tau
        start = {name: spec.default for name, spec in schema.items()}
        start.update({k: schema[k].clamp(v) for k, v in (initial or {}).items() if k in schema})
        self.current: SceneParams = dict(start)
        self.target: SceneParams = dict(start)
        self._phase_rate = 0.0
        self._phase_target_time: float | None = None

    def set_target(self, params: SceneParams, now: float) -> None:
        """Accept a new snapshot (unknown names ignored, values clamped to their ranges)."""
        for name, value in params.items():
            spec = self.schema.get(name)
            if spec is None:
                continue
            value = spec.clamp(float(value))
            if name == PHASE:
                self._update_phase_rate(value, now)
            self.target[name] = value

    def _update_phase_rate(self, value: float, now: float) -> None:
        last = self._phase_target_time
        if last is not None and now > last:
            rate = wrap_half(value - self.target[PHASE]) / (now - last)
            rate = max(0.0, min(RATES[PHASE], rate))  # breathing only runs forwards
            self._phase_rate += 0.5 * (rate - self._phase_rate)
        self._phase_target_time = now

    def step(self, dt: float, now: float) -> SceneParams:
        """Advance by ``dt`` seconds (the frame time) and return the current values."""
        if dt <= 0.0:
            return self.current
        k = 1.0 - math.exp(-dt / self.tau)
        for name, target in self.target.items():
            cur = self.current[name]
            limit = RATES.get(name, DEFAULT_RATE) * dt
            if name == PHASE:
                since = 0.0 if self._phase_target_time is None else max(0.0, now - self._phase_target_time)
                predicted = target + self._phase_rate * min(since, 0.5)
                change = self._phase_rate * dt + wrap_half(predicted - cur - self._phase_rate * dt) * k
                self.current[name] = (cur + max(-limit, min(limit, change))) % 1.0
            else:
                change = (target - cur) * k
                self.current[name] = cur + max(-limit, min(limit, change))
        return self.current
