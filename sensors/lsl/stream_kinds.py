"""Which kind of signal (EEG, ECG, PPG, EDA, RESP, RR) an LSL stream type names, aliases included."""

from __future__ import annotations

from sensors.types import StreamKind

# Stream types other software uses for the same kind of signal (compared case-insensitively).
TYPE_ALIASES: dict[StreamKind, tuple[str, ...]] = {
    StreamKind.EEG: ("eeg",),
    StreamKind.ECG: ("ecg", "ekg"),
    StreamKind.PPG: ("ppg", "pleth", "bvp"),
    StreamKind.EDA: ("eda", "gsr", "skin conductance"),
    StreamKind.RESP: ("resp", "respiration"),
    StreamKind.RR: ("rr", "ibi"),
}


def kind_of(stream_type: str) -> StreamKind | None:
    """The signal kind a stream type names, or None for types Oasis does not acquire."""
    lowered = stream_type.strip().lower()
    for kind, aliases in TYPE_ALIASES.items():
        if lowered in aliases:
            return kind
    return None
