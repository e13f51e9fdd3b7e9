"""Feature timelines in and parameter timelines out: JSON lines, XDF, CSV and a PNG plot.

JSON lines are what ``oasis pipeline --json`` prints, one object per snapshot::

    {"t": 1234.5, "features": {"hr": 71.2, "alpha_rel": null}, "quality": {"hr": "good",
     "alpha_rel": {"level": "bad", "reason": "flatline"}}, "latency_ms": 12.0}

A feature value may be a number, null or NaN (unavailable). XDF recordings are read with pyxdf:
the stream of type ``Features``; its channel labels (from the stream's ``desc``) name the
features, and a channel labelled ``<feature>_quality`` holds that feature's level as 0 good,
1 degraded, 2 bad.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from protocols.engine import StepOutput
from sensors.types import FeatureSnapshot, Level, Verdict

_LEVELS = [Level.GOOD, Level.DEGRADED, Level.BAD]


class FeatureFileError(ValueError):
    """A feature file that cannot be read; the message names the file and place."""


def _verdict(raw: Any, where: str) -> Verdict:
    if isinstance(raw, str) and raw in Level.__members__.values():
        return Verdict(Level(raw))
    if isinstance(raw, dict) and raw.get("level") in Level.__members__.values():
        reason = raw.get("reason", "")
        if not isinstance(reason, str):
            raise FeatureFileError(f"{where}: quality reason must be a string, got {reason!r}")
        return Verdict(Level(raw["level"]), reason)
    raise FeatureFileError(f"{where}: quality must be good/degraded/bad or {{level, reason}}, got {raw!r}")


def snapshot_from_json(obj: Any, where: str) -> FeatureSnapshot:
    """One ``oasis pipeline --json`` object as a snapshot; FeatureFileError names ``where`` on bad input."""
    if not isinstance(obj, dict):
        raise FeatureFileError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    t = obj.get("t")
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        raise FeatureFileError(f'{where}: "t" must be a finite number (LSL seconds), got {t!r}')
    features = obj.get("features")
    if not isinstance(features, dict):
        raise FeatureFileError(f'{where}: "features" must be an object of name: number')
    values: dict[str, float] = {}
    for name, value in features.items():
        if value is None:
            values[name] = math.nan
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise FeatureFileError(f"{where}: features.{name} must be a number or null, got {value!r}")
        else:
            values[name] = float(value)
    quality_raw = obj.get("quality", {})
    if not isinstance(quality_raw, dict):
        raise FeatureFileError(f'{where}: "quality" must be an object of name: verdict')
    quality = {name: _verdict(v, f"{where}: quality.{name}") for name, v in quality_raw.items()}
    return FeatureSnapshot(float(t), values, quality)


def snapshot_to_json(snapshot: FeatureSnapshot) -> dict[str, Any]:
    """The inverse of ``snapshot_from_json`` (NaN written as null)."""
    return {
        "t": snapshot.t,
        "features": {k: (None if math.isnan(v) else v) for k, v in snapshot.values.items()},
        "quality": {k: {"level": v.level.value, "reason": v.reason} for k, v in snapshot.quality.items()},
        "latency_ms": 0.0,
    }


def read_jsonl(path: Path) -> list[FeatureSnapshot]:
    """Snapshots from a JSON-lines file; blank lines are skipped, anything else malformed is an error."""
    snapshots = []
    try:
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path.name}:{number}"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise FeatureFileError(f"{where}: not JSON: {exc.msg}") from None
                snapshots.append(snapshot_from_json(obj, where))
    except (OSError, UnicodeDecodeError) as exc:
        raise FeatureFileError(f"{path}: cannot read: {exc}") from None
    if not snapshots:
        raise FeatureFileError(f"{path.name}: no feature snapshots")
    return sorted(snapshots, key=lambda s: s.t)


def write_jsonl(snapshots: Iterable[FeatureSnapshot], path: Path) -> None:
    """Write snapshots as ``oasis pipeline --json`` would."""
    with path.open("w", encoding="utf-8") as f:
        for snapshot in snapshots:
            f.write(json.dumps(snapshot_to_json(snapshot)) + "\n")


def _channel_labels(info: dict) -> list[str]:
    try:
        channels = info["desc"][0]["channels"][0]["channel"]
        return [ch["label"][0] for ch in channels]
    except (KeyError, IndexError, TypeError):
        return []


def read_xdf(path: Path) -> list[FeatureSnapshot]:
    """Snapshots from the ``Features`` stream of an XDF recording."""
    import pyxdf

    try:
        streams, _ = pyxdf.load_xdf(str(path), select_streams=[{"type": "Features"}])
    except Exception as exc:  # pyxdf raises many kinds on damaged files; report them all the same way
        raise FeatureFileError(f"{path.name}: cannot read XDF: {exc}") from None
    if not streams:
        raise FeatureFileError(f"{path.name}: no stream of type Features")
    stream = streams[0]
    labels = _channel_labels(stream["info"])
    data, stamps = stream["time_series"], stream["time_stamps"]
    if not labels or len(labels) != len(data[0] if len(data) else labels):
        raise FeatureFileError(f"{path.name}: Features stream has no channel labels in its desc")
    column = {label: i for i, label in enumerate(labels)}
    names = [label for label in labels if not label.endswith("_quality")]
    snapshots = []
    for row, t in zip(data, stamps, strict=True):
        values = {name: float(row[column[name]]) for name in names}
        quality = {}
        for name in names:
            q = column.get(f"{name}_quality")
            if q is None:
                level = Level.GOOD if math.isfinite(values[name]) else Level.BAD
            else:
                rank = row[q]
                level = _LEVELS[int(rank)] if math.isfinite(rank) and 0 <= rank <= 2 else Level.BAD
            quality[name] = Verdict(level)
        snapshots.append(FeatureSnapshot(float(t), values, quality))
    if not snapshots:
        raise FeatureFileError(f"{path.name}: Features stream is empty")
    return snapshots


def read_features(path: Path) -> list[FeatureSnapshot]:
    """JSON lines or XDF, by the file's extension."""
    if path.suffix.lower() in (".xdf", ".xdfz"):
        return read_xdf(path)
    return read_jsonl(path)


def write_csv(outputs: Sequence[StepOutput], path: Path) -> None:
    """The parameter timeline: one row per step, elapsed time, phase, every parameter, reward state."""
    names = list(outputs[0].params)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["t", "elapsed_s", "phase", *names, "rewarded", "threshold", "inactive", "stopped"])
        for out in outputs:
            w.writerow([
                repr(out.t), repr(out.elapsed), out.phase, *(repr(out.params[n]) for n in names),
                "" if out.rewarded is None else int(out.rewarded), repr(out.threshold),
                ";".join(sorted(out.inactive)), out.stopped or "",
            ])  # fmt: skip


def write_events(outputs: Sequence[StepOutput], path: Path) -> None:
    """Every event as a JSON line (pacer cues included)."""
    with path.open("w", encoding="utf-8") as f:
        for out in outputs:
            for event in out.events:
                f.write(
                    json.dumps({"t": event.t, "kind": event.kind, **event.data}, ensure_ascii=False) + "\n"
                )


def plot_png(outputs: Sequence[StepOutput], path: Path, title: str) -> None:
    """Mapped parameters over time, phases shaded, safety and reward marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    elapsed = [o.elapsed for o in outputs]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6), sharex=True, height_ratios=[3, 1])
    moving = [n for n in outputs[0].params if n != "pacer_phase" and len({o.params[n] for o in outputs}) > 1]
    for name in moving:
        top.plot(elapsed, [o.params[name] for o in outputs], label=name, linewidth=1.2)
    bottom.plot(
        elapsed, [o.params["pacer_phase"] for o in outputs], color="grey", linewidth=0.6, label="pacer_phase"
    )
    rewarded = [(o.elapsed, o.rewarded) for o in outputs if o.rewarded is not None]
    if rewarded:
        bottom.fill_between([e for e, _ in rewarded], 0, [float(r) for _, r in rewarded], step="post",
                            alpha=0.3, color="gold", label="rewarded")  # fmt: skip
    start, phase = outputs[0].elapsed, outputs[0].phase
    shade = False
    for out in [*outputs[1:], outputs[-1]]:
        if out.phase != phase or out is outputs[-1]:
            if shade:
                top.axvspan(start, out.elapsed, color="0.92")
            top.text(start, 1.02, phase, fontsize=8, transform=top.get_xaxis_transform())
            start, phase, shade = out.elapsed, out.phase, not shade
    for out in outputs:
        for event in out.events:
            if event.kind == "safety":
                top.axvline(out.elapsed, color="red", linestyle="--", label=f"safety: {event.data['reason']}")
    top.set_ylabel("parameter")
    top.set_ylim(-0.05, 1.1)
    top.legend(loc="upper left", fontsize=8, ncol=4)
    top.set_title(title, fontsize=10, pad=14)
    bottom.set_xlabel("session time (s)")
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
