"""What the station tells the in-headset panel: the phase, the minutes left, a sensor notice and
whether the session is closing. Plain, comparable data: the station sends it to the scene process
only when it changes (about once a minute, and at phase changes and sensor events).

The panel counts whole minutes, not seconds: a ticking seconds counter in front of someone trying
to relax is a clock to watch, not a guide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LANGUAGES = ("zh-CN", "en")
INSTRUCTION = {
    "zh-CN": "随光环呼吸：变大时吸气，变小时呼气",
    "en": "Breathe in as the ring grows, out as it shrinks",
}


@dataclass(frozen=True)
class PanelStatus:
    """One state of the panel's words (zh-CN and English)."""

    phase_zh: str = ""
    phase_en: str = ""
    minutes_left: int | None = None
    notice_zh: str = ""
    notice_en: str = ""
    notice_back: bool = False  # the notice says a sensor is back: shown a while, then it goes
    closing: bool = False  # the session is about to end: the scene fades out


def minutes_left(seconds: float) -> int:
    """Whole minutes left, rounded up (0 once the time is over)."""
    return max(0, math.ceil(seconds / 60.0 - 1e-9))


def _time_text(minutes: int, language: str) -> str:
    if language == "zh-CN":
        return f"还剩 {minutes} 分钟" if minutes > 0 else "即将结束"
    return f"{minutes} min left" if minutes > 0 else "ending now"


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown panel language {language!r}; choose one of {', '.join(LANGUAGES)}")


def status_text(status: PanelStatus, language: str) -> str:
    """The status line in one language: phase · time left, or the instruction when no phase is known."""
    phase = status.phase_zh if language == "zh-CN" else status.phase_en
    if not phase:
        return INSTRUCTION[language]
    if status.minutes_left is None:
        return phase
    return f"{phase} · {_time_text(status.minutes_left, language)}"


def bilingual(zh: str, en: str, language: str) -> list[str]:
    """The lines to show: zh-CN shows Chinese first with English below; en shows English only."""
    check_language(language)
    return [line for line in ((zh, en) if language == "zh-CN" else (en,)) if line]


def status_lines(status: PanelStatus, language: str) -> list[str]:
    """The status lines (zh-CN: Chinese, then English)."""
    return bilingual(status_text(status, "zh-CN"), status_text(status, "en"), language)


def notice_lines(status: PanelStatus, language: str) -> list[str]:
    """The sensor notice's lines; empty when there is none."""
    return bilingual(status.notice_zh, status.notice_en, language)
