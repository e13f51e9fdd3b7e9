"""Plain names of the protocols' phases in zh-CN and English, for the kiosk's summary chart and
the report; an unknown phase id is shown as it is."""

from __future__ import annotations

import re

PHASE_LABELS: dict[str, tuple[str, str]] = {
    "settle": ("安顿", "Settling in"),
    "arrive": ("安顿", "Arriving"),
    "baseline": ("静息基线", "Resting baseline"),
    "rest": ("静息", "Rest"),
    "training": ("放松训练", "Training"),
    "practice": ("练习", "Practice"),
    "awareness": ("觉察", "Awareness"),
    "scan-feet": ("扫描双脚", "Scan: feet"),
    "scan-torso": ("扫描躯干", "Scan: torso"),
    "scan-arms": ("扫描手臂", "Scan: arms"),
    "scan-head": ("扫描头部", "Scan: head"),
    "cooldown": ("平复收尾", "Cool-down"),
    "closing": ("结束", "Closing"),
}
_RATE = re.compile(r"^rate-(\d+)-(\d+)$")  # resonance-assessment blocks: rate-5-5 = 5.5 breaths/min


def phase_label(phase: str, language: str) -> str:
    """The phase's name in ``language`` ("zh-CN" or "en")."""
    zh_cn = language == "zh-CN"
    rate = _RATE.match(phase)
    if rate:
        value = f"{rate.group(1)}.{rate.group(2)}"
        return f"呼吸 {value} 次/分" if zh_cn else f"{value} breaths/min"
    if phase in PHASE_LABELS:
        return PHASE_LABELS[phase][0 if zh_cn else 1]
    return phase
