"""Undo an integer overflow in an exported recording: values that wrap around at ±(their maximum).

Some exports store a signal in too narrow an integer (PhysioNet v102s in ``tests/data``: 12 bits),
so a value past the top reappears at the bottom. Where the true signal changes by less than half
the range from one sample to the next, the wraps are the jumps larger than half the range, and
adding ±(range) after each restores the signal (one-dimensional phase unwrapping). This holds for a
pulse wave or a breathing belt; an ECG whose QRS changes by more than half the range within one
sample cannot be restored this way (v102s's leads: their unwrapped baseline climbs by hundreds
of mV).
"""

from __future__ import annotations

import numpy as np


def wrap_span(x: np.ndarray) -> float:
    """The range after which the values wrap: max − min plus one quantisation step."""
    v = np.unique(np.asarray(x, dtype=float)[np.isfinite(x)])
    if v.size < 2:
        return 0.0
    return float(v[-1] - v[0] + np.min(np.diff(v)))


def unwrap_overflow(x: np.ndarray) -> np.ndarray:
    """The signal with every jump larger than half its range undone; NaN samples stay NaN."""
    out = np.asarray(x, dtype=float).copy()
    finite = np.isfinite(out)
    span = wrap_span(out)
    if span <= 0:
        return out
    v = out[finite]
    jumps = np.diff(v)
    turns = np.where(jumps > span / 2, -1.0, np.where(jumps < -span / 2, 1.0, 0.0))
    out[finite] = v + span * np.concatenate([[0.0], np.cumsum(turns)])
    return out
