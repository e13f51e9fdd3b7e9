"""What a session did to the body: the change in heart rate and in RMSSD from the resting baseline
to the end of the session, computed once from the phase summaries when a session is stored
(``sessions.hr_change``, ``rmssd_change``), so the dashboard's outcome cards are one SQL aggregate."""

from __future__ import annotations

from typing import Any

BASELINE_PHASES = ("baseline", "arrive")
HR_KEYS, RMSSD_KEYS = ("hr", "hr_bpm"), ("rmssd", "rmssd_ms")


def metric_change(phases: list[dict[str, Any]], keys: tuple[str, ...]) -> float | None:
    """A session's change in a metric from its resting baseline (the baseline phase, else the first
    phase that has it) to the last later phase that has it; None without both."""
    values = []
    for phase in phases:
        metrics = phase.get("metrics", {})
        value = next((metrics[k] for k in keys if isinstance(metrics.get(k), int | float)), None)
        if value is not None:
            values.append((str(phase.get("phase", "")), float(value)))
    start = next((i for i, (name, _) in enumerate(values) if name in BASELINE_PHASES), 0)
    if len(values) - start < 2:
        return None
    return values[-1][1] - values[start][1]


def session_changes(phases: list[dict[str, Any]]) -> dict[str, float | None]:
    """The ``hr_change`` and ``rmssd_change`` columns of a session with these phase summaries."""
    return {"hr_change": metric_change(phases, HR_KEYS), "rmssd_change": metric_change(phases, RMSSD_KEYS)}
