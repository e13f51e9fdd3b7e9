"""Fault injection for simulated streams, scheduled at an offset from the start.

Syntax (``--fault``, repeatable): ``KIND:STREAM:DURATION@START``, seconds, e.g.
``drop:ecg:10@20`` drops the ECG stream for 10 s starting 20 s into the run. Kinds:

* ``drop``  — the stream's outlet is destroyed, then recreated with the same source_id;
* ``flat``  — every channel holds its last value before the fault (flatline);
* ``clip``  — the signal saturates at rails set from its last 2 s (20th and 80th percentiles);
* ``mains`` — 50 Hz mains interference is added (half the stream's typical peak-to-peak size);
* ``nan``   — samples are NaN (a burst of missing values).

``clip`` and ``mains`` need a regularly sampled stream, so they do not apply to ``rr``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

FAULT_KINDS = ("drop", "flat", "clip", "mains", "nan")
MAINS_HZ = 50.0
_HISTORY_S = 2.0
_SYNTAX = re.compile(r"^(?P<kind>[a-z]+):(?P<stream>[a-z]+):(?P<duration>[^@:]+)@(?P<start>[^@:]+)$")


class FaultSyntaxError(ValueError):
    """A ``--fault`` value that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Fault:
    """``kind`` on ``stream`` during ``[start_s, start_s + duration_s)`` of simulated time."""

    kind: str
    stream: str
    start_s: float
    duration_s: float

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def active(self, t: np.ndarray | float) -> np.ndarray:
        """Whether the fault covers simulated time(s) ``t``."""
        t = np.asarray(t)
        return (t >= self.start_s) & (t < self.end_s)

    def __str__(self) -> str:
        return f"{self.kind}:{self.stream}:{self.duration_s:g}@{self.start_s:g}"


def _seconds(text: str, what: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSyntaxError(f"bad --fault {spec!r}: {what} {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise FaultSyntaxError(f"bad --fault {spec!r}: {what} must be a finite number >= 0, got {text!r}")
    return value


def parse_fault(spec: str, streams: tuple[str, ...] | list[str]) -> Fault:
    """Parse ``KIND:STREAM:DURATION@START``; ``streams`` are the stream names that may be named.

    Raises :class:`FaultSyntaxError` with a one-line reason.
    """
    match = _SYNTAX.match(spec.strip())
    if not match:
        raise FaultSyntaxError(
            f"bad --fault {spec!r}: expected KIND:STREAM:DURATION@START, e.g. drop:ecg:10@20"
        )
    kind, stream = match["kind"], match["stream"]
    if kind not in FAULT_KINDS:
        raise FaultSyntaxError(f"bad --fault {spec!r}: kind {kind!r} is not one of {', '.join(FAULT_KINDS)}")
    if stream not in streams:
        raise FaultSyntaxError(f"bad --fault {spec!r}: stream {stream!r} is not one of {', '.join(streams)}")
    if stream == "rr" and kind in ("clip", "mains"):
        raise FaultSyntaxError(f"bad --fault {spec!r}: {kind} needs a regularly sampled stream, not rr")
    duration = _seconds(match["duration"], "duration", spec)
    if duration == 0:
        raise FaultSyntaxError(f"bad --fault {spec!r}: duration must be > 0")
    return Fault(kind, stream, _seconds(match["start"], "start", spec), duration)


class FaultInjector:
    """Applies one stream's faults to its chunks as they are produced, in time order.

    ``scale`` is the stream's typical peak-to-peak size (sets the mains amplitude).
    """

    def __init__(self, faults: list[Fault], channel_count: int, fs: float, scale: float) -> None:
        self.faults = faults
        self._scale = scale
        self._history = np.zeros((0, channel_count))  # last clean samples, for rails
        self._history_len = max(1, int(_HISTORY_S * fs)) if fs else 8
        self._last_clean: np.ndarray | None = None  # last sample before a flatline starts
        self._held: dict[Fault, np.ndarray] = {}
        self._rails: dict[Fault, tuple[np.ndarray, np.ndarray]] = {}

    def dropping(self, t: float) -> bool:
        """Whether a ``drop`` fault covers simulated time ``t`` (the outlet must not exist)."""
        return any(f.kind == "drop" and bool(f.active(t)) for f in self.faults)

    def apply(self, chunk: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The faulty chunk for samples at times ``t``, and a mask of samples to publish (not dropped)."""
        clean = chunk
        out = chunk.copy()
        keep = np.ones(len(t), dtype=bool)
        for fault in self.faults:
            mask = fault.active(t)
            if not mask.any():
                continue
            if fault.kind == "drop":
                keep &= ~mask
            elif fault.kind == "nan":
                out[mask] = np.nan
            elif fault.kind == "mains":
                out[mask] += 0.5 * self._scale * np.sin(2 * np.pi * MAINS_HZ * t[mask])[:, None]
            elif fault.kind == "flat":
                if fault not in self._held:
                    first = int(np.argmax(mask))
                    before = clean[first - 1] if first else self._last_clean
                    self._held[fault] = clean[first] if before is None else before
                out[mask] = self._held[fault]
            elif fault.kind == "clip":
                if fault not in self._rails:
                    first = int(np.argmax(mask))
                    recent = np.concatenate([self._history, clean[:first]])
                    recent = recent if len(recent) else clean[mask]
                    rails = np.percentile(recent, [20, 80], axis=0)
                    self._rails[fault] = (rails[0], rails[1])
                low, high = self._rails[fault]
                out[mask] = np.clip(out[mask], low, high)
        self._history = np.concatenate([self._history, clean])[-self._history_len :]
        if len(clean):
            self._last_clean = clean[-1]
        return out, keep
