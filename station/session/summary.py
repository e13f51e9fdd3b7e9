"""Session summary: phases from the Markers stream, per-phase means of the features, and what
changed from baseline to session in plain words (zh-CN and English), and a resonance assessment's
result. The report draws these
numbers and the summary screen shows them, so both say the same thing."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from station.recording.markers import parse_marker
from station.session.sensor_notice import REASONS, SENSOR_NAMES


@dataclass(frozen=True)
class Phase:
    name: str
    start: float  # LSL seconds
    end: float


def phases_from_markers(times: Sequence[float], texts: Sequence[str], end: float) -> list[Phase]:
    """Phases opened by ``phase:<name>`` markers, each closed by the next phase, by
    ``session_end`` or by ``end``."""
    phases: list[Phase] = []
    current: tuple[str, float] | None = None
    for t, text in zip(times, texts, strict=True):
        kind, detail = parse_marker(text)
        if kind in ("phase", "session_end") and current is not None:
            phases.append(Phase(current[0], current[1], t))
            current = None
        if kind == "phase":
            current = (detail, t)
    if current is not None:
        phases.append(Phase(current[0], current[1], max(end, current[1])))
    return phases


def paused_spans(times: Sequence[float], texts: Sequence[str], end: float) -> list[tuple[float, float]]:
    """(start, end) of each pause: a ``pause`` marker closed by ``resume``, by ``session_end`` or
    by ``end``."""
    spans: list[tuple[float, float]] = []
    since: float | None = None
    for t, text in zip(times, texts, strict=True):
        kind = parse_marker(text)[0]
        if kind == "pause" and since is None:
            since = t
        elif kind in ("resume", "session_end") and since is not None:
            spans.append((since, t))
            since = None
    if since is not None:
        spans.append((since, max(end, since)))
    return spans


def phase_means(
    times: np.ndarray,
    values: Mapping[str, np.ndarray],
    phases: Sequence[Phase],
    paused: Sequence[tuple[float, float]] = (),
) -> dict[str, dict[str, float]]:
    """Mean of each feature over each phase, NaNs and ``paused`` spans ignored; a feature with no
    value in a phase is left out."""
    out: dict[str, dict[str, float]] = {}
    running = np.ones(len(times), dtype=bool)
    for start, stop in paused:
        running &= (times < start) | (times >= stop)
    for phase in phases:
        inside = (times >= phase.start) & (times < phase.end) & running
        means = {}
        for name, series in values.items():
            chunk = series[inside]
            chunk = chunk[~np.isnan(chunk)]
            if len(chunk):
                means[name] = float(chunk.mean())
        out[phase.name] = means
    return out


# metric -> (zh-CN name, zh-CN unit, English name, English unit, decimals, scale for display)
_METRICS: dict[str, tuple[str, str, str, str, int, float]] = {
    "hr": ("心率", "次/分", "Heart rate", "bpm", 0, 1.0),
    "rmssd": ("心率变异性 (RMSSD)", "毫秒", "Heart-rate variability (RMSSD)", "ms", 0, 1.0),
    "coherence": ("心律协调度", "", "Heart coherence", "", 2, 1.0),
    "alpha_rel": ("放松脑波 α 占比", "%", "Relaxed-brain alpha share", "%", 0, 100.0),
    "scl": ("皮肤电导 (紧张度)", "µS", "Skin conductance (arousal)", "µS", 1, 1.0),
}
RELATIVE_SAME = 0.03  # changes under 3 % are "about the same"


def describe_changes(
    means: Mapping[str, Mapping[str, float]],
    language: str = "zh-CN",
    before: str = "baseline",
    after: str = "session",
) -> list[str]:
    """One plain sentence per metric measured in both phases, e.g. "Heart rate fell from 74 to 68 bpm"."""
    a, b = means.get(before, {}), means.get(after, {})
    lines = []
    for metric, (zh, zh_unit, en, en_unit, decimals, scale) in _METRICS.items():
        if metric not in a or metric not in b or not all(map(math.isfinite, (a[metric], b[metric]))):
            continue
        x, y = a[metric] * scale, b[metric] * scale
        same = abs(y - x) <= RELATIVE_SAME * max(abs(x), 1e-9)
        fx, fy = f"{x:.{decimals}f}", f"{y:.{decimals}f}"
        if language == "zh-CN":
            change = f"基本不变，约 {fx}" if same else f"从 {fx} {'升到' if y > x else '降到'} {fy}"
            lines.append(f"{zh}：{change} {zh_unit}".rstrip())
        elif same:
            lines.append(f"{en} stayed about {fx} {en_unit}".rstrip())
        else:
            lines.append(f"{en} {'rose' if y > x else 'fell'} from {fx} to {fy} {en_unit}".rstrip())
    return lines


def describe_resonance(rate: float | None, language: str = "zh-CN") -> list[str]:
    """A resonance assessment's result in plain words: the rate and what it is used for, or that
    none could be measured this time."""
    if rate is None:
        if language == "zh-CN":
            return ["这次未能测出您的共振呼吸频率", "请下次再测；练习仍使用原来的节奏"]
        return [
            "Your resonance breathing rate could not be measured",
            "Please try again another time; practice keeps its usual pace",
        ]
    if language == "zh-CN":
        return [f"您的共振呼吸频率：每分钟 {rate:g} 次", "以后的共振呼吸练习将按这个节奏进行"]
    return [
        f"Your resonance breathing rate: {rate:g} breaths a minute",
        "Coherent-breathing sessions will now follow this pace",
    ]


def describe_time_in_target(means: Mapping[str, Mapping[str, float]], language: str = "zh-CN") -> list[str]:
    """How long the officer was in the target state (the reward on), summed over the phases that
    gave feedback, e.g. "In the target state: 6 min 20 s (65 % of the feedback time)"; nothing when
    no phase ran a reward."""
    target = sum(m.get("target_s", 0.0) for m in means.values())
    feedback = sum(m.get("feedback_s", 0.0) for m in means.values())
    if not (math.isfinite(target) and math.isfinite(feedback) and feedback >= 1.0):
        return []
    share = round(100 * min(target / feedback, 1.0))
    minutes, seconds = divmod(round(target), 60)
    if language == "zh-CN":
        span = f"{minutes} 分 {seconds} 秒" if minutes else f"{seconds} 秒"
        return [f"处于目标放松状态：{span}（占反馈时间的 {share}%）"]
    span = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    return [f"In the target state: {span} ({share} % of the feedback time)"]


def describe_unmeasured(
    means: Mapping[str, Mapping[str, float]],
    expected: Sequence[str],
    quality: Mapping[str, object],
    language: str = "zh-CN",
    before: str = "baseline",
    after: str = "session",
) -> list[str]:
    """What could not be measured, said plainly: each sensor lost during the session (from the
    stored data quality's ``sensor_losses``), then each ``expected`` metric (the ones the program
    reads) that :func:`describe_changes` had to leave out because a phase has no value for it."""
    lines = []
    losses = quality.get("sensor_losses")
    for loss in losses if isinstance(losses, list) else []:
        zh_name, en_name = SENSOR_NAMES.get(str(loss.get("kind")), (str(loss.get("kind")),) * 2)
        zh_why, en_why = REASONS.get(str(loss.get("reason")), (str(loss.get("reason")),) * 2)
        lost_s = loss.get("lost_s")
        if language == "zh-CN":
            span = f"约 {lost_s:.0f} 秒后恢复" if isinstance(lost_s, int | float) else "之后未恢复"
            lines.append(f"练习中{zh_name}传感器{zh_why}，{span}；这段时间的数据未计入")
        else:
            span = f"back after about {lost_s:.0f} s" if isinstance(lost_s, int | float) else "not back"
            lines.append(
                f"The {en_name} sensor was lost during the session ({en_why}, {span}); that time is left out"
            )
    a, b = means.get(before, {}), means.get(after, {})
    for metric in expected:
        if metric not in _METRICS:
            continue
        if all(metric in m and math.isfinite(m[metric]) for m in (a, b)):
            continue
        zh, _, en, _, _, _ = _METRICS[metric]
        lines.append(f"未能测量：{zh}" if language == "zh-CN" else f"Could not be measured: {en}")
    return lines
