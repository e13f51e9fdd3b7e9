"""The opt-in early-warning reminder: when an officer who asked for it shows a worrying trend in
their own visits, the kiosk (only the kiosk, only to them) suggests talking to the room's counsellor
and shows the 24-hour line of station.toml.

Thresholds (from issue 14, where the room's programme set them; they are a prompt to talk, not a
diagnosis, and are to be reviewed with the room's counsellor):

* **stress**: a pre-session stress rating of ``HIGH_STRESS`` (7 of 10) or more in ``STRESS_VISITS``
  (3) of the officer's last ``RECENT_VISITS`` (5) visits, all within ``WINDOW_DAYS`` (14) days;
* **physiology**: over the last ``WINDOW_DAYS`` days (at least ``MIN_VISITS`` visits), the mean
  resting heart rate above, and the mean resting RMSSD below, the officer's own baseline range: the
  mean ± ``BASELINE_SD`` (2) standard deviations of their earlier visits (at least ``MIN_VISITS``).
  Resting values are those of the resting (baseline) phase (station/store/officer_history.py).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from station.store.officer_history import HistoryEntry

HIGH_STRESS = 7
STRESS_VISITS = 3
RECENT_VISITS = 5
WINDOW_DAYS = 14
MIN_VISITS = 3
BASELINE_SD = 2.0


def _resting(entries: Sequence[HistoryEntry], metric: str) -> list[float]:
    return [e.changes[metric].before for e in entries if metric in e.changes]


def stress_trend(entries: Sequence[HistoryEntry], now: datetime) -> bool:
    """Pre-session stress ≥ 7 in 3 of the last 5 visits within 14 days."""
    since = now - timedelta(days=WINDOW_DAYS)
    recent = [e for e in entries[-RECENT_VISITS:] if datetime.fromisoformat(e.started_at) >= since]
    return sum(1 for e in recent if (e.stress_before or 0) >= HIGH_STRESS) >= STRESS_VISITS


def physiology_trend(entries: Sequence[HistoryEntry], now: datetime) -> bool:
    """Resting HR up and RMSSD down beyond the officer's own baseline range over two weeks."""
    since = now - timedelta(days=WINDOW_DAYS)
    earlier = [e for e in entries if datetime.fromisoformat(e.started_at) < since]
    recent = [e for e in entries if datetime.fromisoformat(e.started_at) >= since]
    hr_then, hr_now = _resting(earlier, "hr"), _resting(recent, "hr")
    rmssd_then, rmssd_now = _resting(earlier, "rmssd"), _resting(recent, "rmssd")
    if min(len(hr_then), len(rmssd_then)) < MIN_VISITS or min(len(hr_now), len(rmssd_now)) < MIN_VISITS:
        return False
    hr_high = statistics.mean(hr_then) + BASELINE_SD * statistics.stdev(hr_then)
    rmssd_low = statistics.mean(rmssd_then) - BASELINE_SD * statistics.stdev(rmssd_then)
    return statistics.mean(hr_now) > hr_high and statistics.mean(rmssd_now) < rmssd_low


def reminder_due(entries: Sequence[HistoryEntry], now: datetime) -> bool:
    """True when either trend (module docstring) shows in the officer's history (oldest first)."""
    return stress_trend(entries, now) or physiology_trend(entries, now)
