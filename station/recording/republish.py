"""Republish a recording's streams over LSL with their original timing, so a session can be run
again offline (through the pipeline, protocol and scene) exactly as it was recorded."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pylsl

_FORMATS = {
    "float32": pylsl.cf_float32,
    "double64": pylsl.cf_double64,
    "string": pylsl.cf_string,
    "int32": pylsl.cf_int32,
    "int16": pylsl.cf_int16,
    "int8": pylsl.cf_int8,
    "int64": pylsl.cf_int64,
}


MIN_SPEED, MAX_SPEED = 0.01, 1000.0  # playback speed factors: 100 times slower to 1000 times faster


class ReplayError(ValueError):
    """The file cannot be replayed (unreadable, or no samples in it)."""


@dataclass
class _Track:
    name: str
    outlet: pylsl.StreamOutlet
    stamps: np.ndarray
    values: Any  # ndarray (n, ch) or list of string rows
    next: int = 0


def _copy_desc(node: dict | None, element: pylsl.XMLElement) -> None:
    """pyxdf's dict-of-lists ``desc`` into an LSL StreamInfo's desc element."""
    if not node:
        return
    for key, children in node.items():
        for child in children:
            if isinstance(child, str):
                element.append_child_value(key, child)
            else:
                _copy_desc(child, element.append_child(key))


def _first(info: dict, key: str, default: str = "") -> str:
    value = info.get(key, [default])
    return value[0] if value and value[0] is not None else default


def open_tracks(path: str | Path) -> list[_Track]:
    """One LSL outlet per stream with samples, named and typed as recorded."""
    import pyxdf

    from sensors.analyze.xdf_structure import check_xdf_structure

    try:
        check_xdf_structure(path)  # a corrupt length is refused before pyxdf allocates for it
        streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=False, dejitter_timestamps=False)
    except Exception as exc:  # pyxdf raises bare Exception, struct.error, ParseError, …
        raise ReplayError(f"cannot read {path}: {exc}") from None
    tracks = []
    for s in streams:
        if not len(s["time_stamps"]):
            continue
        info = s["info"]
        fmt = _first(info, "channel_format", "float32")
        lsl_info = pylsl.StreamInfo(
            _first(info, "name", "replay"),
            _first(info, "type"),
            int(_first(info, "channel_count", "1")),
            float(_first(info, "nominal_srate", "0")),
            _FORMATS[fmt],
            _first(info, "source_id", _first(info, "name")) + ".replay",
        )
        _copy_desc((info.get("desc") or [None])[0], lsl_info.desc())
        values = s["time_series"] if fmt == "string" else np.asarray(s["time_series"])
        stamps = np.asarray(s["time_stamps"])
        tracks.append(_Track(lsl_info.name(), pylsl.StreamOutlet(lsl_info), stamps, values))
    if not tracks:
        raise ReplayError(f"{path} has no samples to replay")
    return tracks


def replay(
    path: str | Path,
    speed: float = 1.0,
    *,
    lead_s: float = 0.5,
    linger_s: float = 1.0,
    stop: threading.Event | None = None,
    on_ready: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Push every sample at its recorded time offset (divided by ``speed``); returns counts per stream.

    Each sample is stamped ``start + (t - t_first) / speed`` in this machine's LSL clock, where
    ``start`` is ``lead_s`` after the outlets exist and ``on_ready()`` (if given) has returned.
    """
    if not (math.isfinite(speed) and MIN_SPEED <= speed <= MAX_SPEED):
        raise ReplayError(f"speed must be a number from {MIN_SPEED:g} to {MAX_SPEED:g}, got {speed!r}")
    tracks = open_tracks(path)
    if on_ready is not None:
        on_ready()
    t_first = min(float(t.stamps[0]) for t in tracks)
    start = pylsl.local_clock() + lead_s
    for track in tracks:
        track.stamps = start + (track.stamps - t_first) / speed
    stop = stop or threading.Event()
    while not stop.is_set():
        now = pylsl.local_clock()
        pending = [t for t in tracks if t.next < len(t.stamps)]
        if not pending:
            break
        for t in pending:
            end = int(np.searchsorted(t.stamps, now, side="right"))
            if end > t.next:
                chunk = t.values[t.next : end]
                t.outlet.push_chunk(
                    chunk if isinstance(chunk, list) else np.ascontiguousarray(chunk), t.stamps[t.next : end]
                )
                t.next = end
        upcoming = [t.stamps[t.next] for t in pending if t.next < len(t.stamps)]
        if upcoming:
            stop.wait(min(0.05, max(0.0, min(upcoming) - pylsl.local_clock())))
    stop.wait(linger_s)  # keep the outlets up while the consumers take the last chunk
    return {t.name: t.next for t in tracks}
