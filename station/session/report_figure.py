"""The session report: HR, HRV/coherence, alpha and EDA over time, with phases and events, drawn
with matplotlib from a recording's Features and Markers streams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from station.recording.markers import parse_marker
from station.session.summary import (
    Phase,
    describe_changes,
    describe_time_in_target,
    paused_spans,
    phase_means,
    phases_from_markers,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class ReportError(ValueError):
    """The recording cannot be drawn (no Features stream, unreadable file, …)."""


@dataclass(frozen=True)
class SessionTraces:
    """What a report needs from a recording (LSL times)."""

    times: np.ndarray
    features: dict[str, np.ndarray]
    marker_times: list[float]
    markers: list[str]
    phases: list[Phase]


def _labels(info: dict) -> list[str]:
    try:
        return [c["label"][0] for c in info["desc"][0]["channels"][0]["channel"]]
    except (KeyError, IndexError, TypeError):
        return []


def load_traces(path: str | Path) -> SessionTraces:
    """Read the Features stream (channel labels are feature names) and the Markers stream."""
    import pyxdf

    try:
        streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=True, dejitter_timestamps=False)
    except Exception as exc:  # pyxdf raises bare Exception, struct.error, ParseError, …
        raise ReportError(f"cannot read {path}: {exc}") from None
    by_type: dict[str, dict] = {}
    for s in streams:
        by_type.setdefault(s["info"]["type"][0], s)
    features = by_type.get("Features")
    if features is None or not len(features["time_stamps"]):
        raise ReportError(f"{path} has no Features samples to draw")
    labels = _labels(features["info"])
    data = np.asarray(features["time_series"], dtype=float)
    if len(labels) != data.shape[1]:
        raise ReportError(f"{path}: the Features stream does not label its {data.shape[1]} channels")
    times = np.asarray(features["time_stamps"], dtype=float)
    markers = by_type.get("Markers")
    marker_times = list(map(float, markers["time_stamps"])) if markers else []
    marker_texts = [row[0] for row in markers["time_series"]] if markers else []
    return SessionTraces(
        times=times,
        features={name: data[:, i] for i, name in enumerate(labels)},
        marker_times=marker_times,
        markers=marker_texts,
        phases=phases_from_markers(marker_times, marker_texts, float(times[-1])),
    )


# panel title -> features drawn in it (left axis, then right axis)
PANELS = [
    ("Heart rate (bpm)", ["hr"], []),
    ("HRV: RMSSD (ms) / coherence", ["rmssd"], ["coherence"]),
    ("EEG relative alpha", ["alpha_rel"], []),
    ("EDA: skin conductance (µS)", ["scl"], []),
]
_PHASE_COLOURS = ["#dbe9f6", "#e3f1dc", "#fbe8d3", "#ece1f3", "#f6f2cf"]


# Events worth a line on the report; pacer cues, mapping and reward changes would only clutter it.
ANNOTATED_EVENTS = {
    "safety",
    "alert_technician",
    "stop",
    "pause",
    "resume",
    "sensor_lost",
    "resonance_result",
    "interrupted",
}


def draw_report(
    traces: SessionTraces,
    out: str | Path,
    title: str,
    language: str = "en",
    stored: Mapping[str, Mapping[str, float]] | None = None,
) -> list[str]:
    """Draw the report to ``out`` (.png or .pdf); returns the summary lines printed on it.
    ``stored``: the session's stored phase summaries, for the time in the target state (the
    recording's markers give only the announced reward changes, not the engine's every step)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    if out.suffix.lower() not in (".png", ".pdf"):
        raise ReportError(f"--out must end in .png or .pdf, got {out.name}")
    if language == "zh-CN":
        plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Serif CJK SC", "DejaVu Sans"]
    t0 = traces.phases[0].start if traces.phases else float(traces.times[0])
    minutes = (traces.times - t0) / 60.0
    paused = paused_spans(traces.marker_times, traces.markers, float(traces.times[-1]))
    means = phase_means(traces.times, traces.features, traces.phases, paused)
    after = next((p for p in ("session", "training") if p in means), "session")
    lines = describe_changes(means, language, after=after) + describe_time_in_target(stored or {}, language)
    fig, axes = plt.subplots(
        len(PANELS) + 1,
        1,
        figsize=(10, 12),
        sharex=False,
        gridspec_kw={"height_ratios": [3] * len(PANELS) + [2]},
    )
    for ax, (panel, left, right) in zip(axes, PANELS, strict=False):
        _shade_timeline(ax, traces, t0, paused)
        drawn = _plot_features(ax, minutes, traces.features, left, right)
        ax.set_ylabel(panel, fontsize=9)
        if not drawn:
            ax.text(0.5, 0.5, "not recorded", transform=ax.transAxes, ha="center", color="grey")
        ax.set_xlim(minutes.min(), max(minutes.max(), minutes.min() + 1e-3))
    axes[len(PANELS) - 1].set_xlabel("minutes since the session started")
    top = axes[0].get_xaxis_transform()
    for phase in traces.phases:
        axes[0].text((phase.start - t0) / 60, 1.02, phase.name, transform=top, fontsize=8, color="#333333")
    for t, text in zip(traces.marker_times, traces.markers, strict=True):
        if parse_marker(text)[0] in ANNOTATED_EVENTS:
            axes[0].text((t - t0) / 60, 0.02, text, transform=top, fontsize=7, color="#b04040", rotation=90)
    summary_ax = axes[-1]
    summary_ax.axis("off")
    summary_ax.text(
        0.0,
        1.0,
        "\n".join(lines) or "(no baseline and session values to compare)",
        va="top",
        fontsize=11,
        transform=summary_ax.transAxes,
    )
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return lines


def _shade_timeline(ax: Axes, traces: SessionTraces, t0: float, paused: list[tuple[float, float]]) -> None:
    """Phases as coloured bands, paused stretches greyed (left out of the means), events as lines."""
    for i, phase in enumerate(traces.phases):
        ax.axvspan((phase.start - t0) / 60, (phase.end - t0) / 60, color=_PHASE_COLOURS[i % 5], lw=0)
    for start, stop in paused:
        ax.axvspan((start - t0) / 60, (stop - t0) / 60, color="#d0d0d0", alpha=0.7, lw=0)
    for t, text in zip(traces.marker_times, traces.markers, strict=True):
        if parse_marker(text)[0] in ANNOTATED_EVENTS:
            ax.axvline((t - t0) / 60, color="#b04040", lw=0.8, ls="--")


def _plot_features(
    ax: Axes,
    minutes: np.ndarray,
    features: Mapping[str, np.ndarray],
    left: Sequence[str],
    right: Sequence[str],
) -> bool:
    """Plot the ``left`` features on ``ax`` and the ``right`` ones on a twin axis; True if any was drawn."""
    drawn = False
    for name in left:
        if name in features:
            ax.plot(minutes, features[name], color="#1f5f8b", lw=1.2, label=name)
            drawn = True
    twin = ax.twinx() if right else None
    for name in right:
        if name in features and twin is not None:
            twin.plot(minutes, features[name], color="#c07a1a", lw=1.0, label=name)
            drawn = True
    return drawn
