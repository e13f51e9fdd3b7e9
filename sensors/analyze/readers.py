"""Readers for recorded signals: CSV/TXT, NPY/NPZ, EDF/BDF (mne) and XDF (pyxdf).

Every reader returns a ``Recording``; every user mistake (missing or unreadable file, unknown
channel or key, no sampling rate) raises ``UserError`` with a one-line reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TIME_COLUMNS = ("time", "timestamp", "timestamps", "t", "time_s", "seconds")
_RATE_HEADER = re.compile(r"sampling\s*rate[^:=]*[:=]+\s*([0-9.eE+-]+)", re.IGNORECASE)
_LABELS_HEADER = re.compile(r"labels\s*:?=\s*(.+)", re.IGNORECASE)


class UserError(Exception):
    """A mistake in the user's input: reported as one line, exit status 2."""


@dataclass(frozen=True)
class Recording:
    """Samples (n, channels), sampling rate in Hz (NaN when unknown) and channel labels."""

    data: np.ndarray
    fs: float
    labels: list[str]


def read_recording(path: Path, kind: str, key: str | None = None) -> Recording:
    """Read ``path`` by its extension; ``key`` picks an NPZ array or an XDF stream by name."""
    if not path.exists():
        raise UserError(f"file not found: {path}")
    if not path.is_file():
        raise UserError(f"not a file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv", ".dat"):
            return read_text(path)
        if suffix == ".npy":
            return _as_recording(np.load(path, allow_pickle=False), float("nan"), None)
        if suffix == ".npz":
            return read_npz(path, kind, key)
        if suffix in (".edf", ".bdf"):
            return read_edf(path)
        if suffix == ".xdf":
            return read_xdf(path, kind, key)
    except UserError:
        raise
    except Exception as exc:  # any parser failure on a user's file is "cannot read", not a crash
        reason = (str(exc).splitlines() or [""])[0] or type(exc).__name__
        raise UserError(f"cannot read {path.name}: {reason}") from exc
    raise UserError(f"unknown file type {suffix or '(none)'}: use .csv/.txt, .npy/.npz, .edf/.bdf or .xdf")


def _as_recording(data: np.ndarray, fs: float, labels: list[str] | None) -> Recording:
    data = np.asarray(data)
    if data.dtype.kind not in "iufb":
        raise UserError(f"data are not numeric (dtype {data.dtype})")
    data = data.astype(float)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[0] == 0:
        raise UserError(f"expected a 1-D or 2-D array of samples, got shape {data.shape}")
    if data.shape[0] < data.shape[1]:
        data = data.T  # (channels, n) as mne and many tools store it
    names = labels if labels and len(labels) == data.shape[1] else [str(i) for i in range(data.shape[1])]
    return Recording(data, fs, names)


def _split(line: str) -> list[str]:
    for sep in (",", "\t", ";"):
        if sep in line:
            return [p.strip() for p in line.split(sep)]
    return line.split()


def _number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_text(path: Path) -> Recording:
    """One or more columns, ``#`` comments; a BioSPPy-style header may give the rate and labels;
    a first line of names labels the columns; a time column gives the rate when nothing else does."""
    fs = float("nan")
    labels: list[str] | None = None
    rows: list[list[float]] = []
    width = None
    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                if m := _RATE_HEADER.search(line):
                    fs = float(m.group(1))
                elif m := _LABELS_HEADER.search(line):
                    labels = _split(m.group(1).strip())
                continue
            line = line.split("#", 1)[0].strip()
            tokens = _split(line)
            if not rows and not all(_number(tok) for tok in tokens):
                labels = [tok.strip("\"'") for tok in tokens]
                continue
            try:
                values = [float(tok) if tok else float("nan") for tok in tokens]
            except ValueError:
                raise UserError(f"{path.name}, line {lineno}: not a number in {line[:40]!r}") from None
            if width is None:
                width = len(values)
            elif len(values) != width:
                raise UserError(f"{path.name}, line {lineno}: {len(values)} columns, expected {width}")
            rows.append(values)
    if not rows:
        raise UserError(f"{path.name}: no samples")
    data = np.asarray(rows, dtype=float)
    if labels and len(labels) == data.shape[1]:
        lowered = [name.lower() for name in labels]
        time_idx = next((i for i, name in enumerate(lowered) if name in TIME_COLUMNS), None)
        if time_idx is not None and data.shape[1] > 1:
            t = data[:, time_idx]
            step = np.median(np.diff(t)) if t.size > 1 else 0.0
            if not np.isfinite(fs) and np.isfinite(step) and step > 0:
                fs = 1.0 / step
            data = np.delete(data, time_idx, axis=1)
            labels = [name for i, name in enumerate(labels) if i != time_idx]
    if labels and len(labels) != data.shape[1]:
        labels = None
    return Recording(data, fs, labels or [str(i) for i in range(data.shape[1])])


def read_npz(path: Path, kind: str, key: str | None) -> Recording:
    """An array from an NPZ archive: ``key``, else the only array, else one whose name has ``kind``."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    fs = float("nan")
    for name in ("fs", "sfreq", "sampling_rate", "srate"):
        if name in arrays and arrays[name].size == 1 and arrays[name].dtype.kind in "iuf":
            fs = float(arrays[name])
    signals = [k for k, v in arrays.items() if v.ndim >= 1 and v.size > 1 and v.dtype.kind in "iuf"]
    if key is not None:
        if key not in arrays:
            raise UserError(f"no array {key!r} in {path.name}; it has: {', '.join(arrays)}")
        chosen = key
    elif len(signals) == 1:
        chosen = signals[0]
    else:
        matching = [k for k in signals if kind.lower() in k.lower()]
        if len(matching) != 1:
            raise UserError(f"{path.name} holds several arrays ({', '.join(signals)}): pick one with --key")
        chosen = matching[0]
    return _as_recording(arrays[chosen], fs, None)


def read_edf(path: Path) -> Recording:
    """EDF/BDF through mne, in the physical units mne gives (volts for voltage channels)."""
    import mne

    reader = mne.io.read_raw_bdf if path.suffix.lower() == ".bdf" else mne.io.read_raw_edf
    raw = reader(path, preload=True, verbose="error")
    return Recording(raw.get_data().T, float(raw.info["sfreq"]), list(raw.ch_names))


def _xdf_labels(stream: dict) -> list[str] | None:
    try:
        channels = stream["info"]["desc"][0]["channels"][0]["channel"]
        return [str(ch["label"][0]) for ch in channels]
    except (KeyError, IndexError, TypeError):
        return None


def read_xdf(path: Path, kind: str, key: str | None) -> Recording:
    """A numeric XDF stream: named ``key``, else the one whose type is ``kind``."""
    import logging

    import pyxdf

    from sensors.analyze.xdf_structure import check_xdf_structure

    check_xdf_structure(path)  # a corrupt length is refused here, before pyxdf allocates for it
    xdf_log = logging.getLogger("pyxdf")
    level = xdf_log.level
    xdf_log.setLevel(logging.CRITICAL)  # its per-chunk complaints would bury our one-line error
    try:
        streams, _ = pyxdf.load_xdf(str(path))
    finally:
        xdf_log.setLevel(level)
    numeric = [s for s in streams if isinstance(s["time_series"], np.ndarray) and s["time_series"].size]
    if key is not None:
        chosen = [s for s in numeric if s["info"]["name"][0] == key]
        what = f"named {key!r}"
    else:
        chosen = [s for s in numeric if s["info"]["type"][0].lower() == kind.lower()]
        what = f"of type {kind.upper()}"
    if not chosen:
        available = ", ".join(f"{s['info']['name'][0]} ({s['info']['type'][0]})" for s in numeric) or "none"
        raise UserError(f"no numeric stream {what} in {path.name}; streams: {available}")
    stream = chosen[0]
    fs = float(stream["info"]["nominal_srate"][0])
    stamps = np.asarray(stream["time_stamps"], dtype=float)
    if fs <= 0 and stamps.size > 1:
        fs = (stamps.size - 1) / (stamps[-1] - stamps[0])
    return _as_recording(stream["time_series"], fs if fs > 0 else float("nan"), _xdf_labels(stream))


def pick_channel(rec: Recording, channel: str | None, kind: str) -> int:
    """Index of ``channel`` (a label, case-insensitive, or an index); default: a label naming
    ``kind``, else the first channel."""
    lowered = [label.lower() for label in rec.labels]
    if channel is None:
        return next((i for i, label in enumerate(lowered) if kind.lower() in label), 0)
    if channel.lower() in lowered:
        return lowered.index(channel.lower())
    if re.fullmatch(r"-?\d+", channel):
        index = int(channel)
        if -rec.data.shape[1] <= index < rec.data.shape[1]:
            return index % rec.data.shape[1]
    raise UserError(f"no channel {channel!r}; channels: {', '.join(rec.labels)}")
