"""The session report: HR, HRV/coherence, alpha and EDA over time, with phases and events, drawn
with matplotlib from a recording's Features and Markers streams. Every word is in the report's
language (station/session/report_texts.py, phase names from phase_labels.py), times are minutes:seconds
since the start, every axis is labelled, and each y axis spans at least a sensible minimum
(``MIN_SPAN``), so a change of 1.5 bpm does not look dramatic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from station.recording.markers import parse_marker
from station.session.phase_labels import phase_label
from station.session.report_texts import mm_ss, report_text
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
    from matplotlib.figure import Figure


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


# panels: (left-axis features, right-axis features); each axis is labelled with its first feature
PANELS = [
    (["hr"], []),
    (["rmssd"], ["coherence"]),
    (["alpha_rel"], []),
    (["scl"], []),
]
# the smallest span each feature's axis shows (its own units as drawn; alpha in %)
MIN_SPAN = {"hr": 20.0, "rmssd": 30.0, "coherence": 1.0, "alpha_rel": 20.0, "scl": 2.0}
SCALE = {"alpha_rel": 100.0}  # alpha share is drawn in %
LEFT_COLOUR, RIGHT_COLOUR = "#1f5f8b", "#c07a1a"
TICK_STEPS_S = (30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
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
    import matplotlib.pyplot as plt

    out = Path(out)
    if out.suffix.lower() not in (".png", ".pdf"):
        raise ReportError(f"--out must end in .png or .pdf, got {out.name}")
    fig, lines = report_figure(traces, title, language, stored)
    fig.savefig(out)
    plt.close(fig)
    return lines


def report_figure(
    traces: SessionTraces,
    title: str,
    language: str = "en",
    stored: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[Figure, list[str]]:
    """The report as a matplotlib figure (the caller saves and closes it) and its summary lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    # Noto Sans CJK SC draws Chinese and Latin alike (Debian fonts-noto-cjk); DejaVu Sans if it is missing
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Serif CJK SC", "DejaVu Sans"]
    t0 = traces.phases[0].start if traces.phases else float(traces.times[0])
    seconds = traces.times - t0
    paused = paused_spans(traces.marker_times, traces.markers, float(traces.times[-1]))
    means = phase_means(traces.times, traces.features, traces.phases, paused)
    after = next((p for p in ("session", "training") if p in means), "session")
    lines = describe_changes(means, language, after=after) + describe_time_in_target(stored or {}, language)
    fig, axes = plt.subplots(
        len(PANELS) + 1,
        1,
        figsize=(10, 12.5),
        sharex=False,
        gridspec_kw={"height_ratios": [3] * len(PANELS) + [2]},
    )
    for ax, (left, right) in zip(axes, PANELS, strict=False):
        _shade_timeline(ax, traces, t0, paused)
        drawn = _plot_features(ax, seconds, traces.features, left, right, language)
        if not drawn:
            ax.text(
                0.5,
                0.5,
                report_text("not_recorded", language),
                transform=ax.transAxes,
                ha="center",
                color="grey",
            )
        ax.set_xlim(seconds.min(), max(seconds.max(), seconds.min() + 1.0))
        ax.xaxis.set_major_locator(MultipleLocator(tick_step(float(seconds.max() - seconds.min()))))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: mm_ss(x)))
        ax.set_xlabel(report_text("axis_time", language), fontsize=8)
    top = axes[0].get_xaxis_transform()
    for phase in traces.phases:
        label = phase_label(phase.name, language)
        axes[0].text(phase.start - t0, 1.02, label, transform=top, fontsize=8, color="#333333")
    for t, text in zip(traces.marker_times, traces.markers, strict=True):
        kind = parse_marker(text)[0]
        if kind in ANNOTATED_EVENTS:
            event = report_text(f"event_{kind}", language)
            axes[0].text(t - t0, 0.02, event, transform=top, fontsize=7, color="#b04040", rotation=90)
    summary_ax = axes[-1]
    summary_ax.axis("off")
    summary_ax.text(
        0.0,
        1.0,
        "\n".join(lines) or report_text("no_comparison", language),
        va="top",
        fontsize=11,
        transform=summary_ax.transAxes,
    )
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig, lines


def _shade_timeline(ax: Axes, traces: SessionTraces, t0: float, paused: list[tuple[float, float]]) -> None:
    """Phases as coloured bands, paused stretches greyed (left out of the means), events as lines."""
    for i, phase in enumerate(traces.phases):
        ax.axvspan(phase.start - t0, phase.end - t0, color=_PHASE_COLOURS[i % 5], lw=0)
    for start, stop in paused:
        ax.axvspan(start - t0, stop - t0, color="#d0d0d0", alpha=0.7, lw=0)
    for t, text in zip(traces.marker_times, traces.markers, strict=True):
        if parse_marker(text)[0] in ANNOTATED_EVENTS:
            ax.axvline(t - t0, color="#b04040", lw=0.8, ls="--")


def tick_step(duration_s: float, most: int = 10) -> float:
    """Seconds between time ticks: whole half-minutes, minutes or more, at most ``most`` ticks."""
    return next((step for step in TICK_STEPS_S if duration_s / step <= most), TICK_STEPS_S[-1])


def spanned(low: float, high: float, minimum: float) -> tuple[float, float]:
    """(low, high) widened around its middle to at least ``minimum`` (a little margin otherwise)."""
    if high - low < minimum:
        middle = (low + high) / 2
        return middle - minimum / 2, middle + minimum / 2
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def _plot_side(
    ax: Axes,
    seconds: np.ndarray,
    features: Mapping[str, np.ndarray],
    names: Sequence[str],
    colour: str,
    language: str,
) -> list:
    """Plot ``names`` on ``ax`` with a sensible minimum range and the first one's axis label."""
    lines = []
    for name in names:
        if name not in features:
            continue
        values = features[name] * SCALE.get(name, 1.0)
        lines += ax.plot(seconds, values, color=colour, lw=1.2, label=report_text(name, language))
        finite = values[np.isfinite(values)]
        if len(finite):
            low, high = spanned(float(finite.min()), float(finite.max()), MIN_SPAN.get(name, 0.0))
            if name == "coherence":
                low, high = 0.0, max(1.0, high)
            ax.set_ylim(low, high)
    if names:
        ax.set_ylabel(report_text(f"axis_{names[0]}", language), fontsize=9, color=colour)
    return lines


def _plot_features(
    ax: Axes,
    seconds: np.ndarray,
    features: Mapping[str, np.ndarray],
    left: Sequence[str],
    right: Sequence[str],
    language: str,
) -> bool:
    """Plot the ``left`` features on ``ax`` and the ``right`` ones on a twin axis, each axis labelled,
    with one legend; True if any was drawn."""
    lines = _plot_side(ax, seconds, features, left, LEFT_COLOUR, language)
    if any(name in features for name in right):
        lines += _plot_side(ax.twinx(), seconds, features, right, RIGHT_COLOUR, language)
    if lines:
        ax.legend(handles=lines, loc="upper right", fontsize=7, framealpha=0.8)
    return bool(lines)
