"""Every word on the session report in zh-CN and English, and its heading: program, officer code,
local start time (the station's time zone), status and the officer's ratings."""

from __future__ import annotations

from datetime import datetime, tzinfo

REPORT_TEXTS: dict[str, tuple[str, str]] = {
    "hr": ("心率", "Heart rate"),
    "rmssd": ("心率变异性 RMSSD", "HRV (RMSSD)"),
    "coherence": ("心律协调度", "Heart coherence"),
    "alpha_rel": ("α 脑波占比", "Alpha share"),
    "scl": ("皮肤电导", "Skin conductance"),
    "axis_hr": ("心率 (次/分)", "Heart rate (bpm)"),
    "axis_rmssd": ("RMSSD (毫秒)", "RMSSD (ms)"),
    "axis_coherence": ("心律协调度 (0–1)", "Coherence (0–1)"),
    "axis_alpha_rel": ("α 脑波占比 (%)", "Alpha share (%)"),
    "axis_scl": ("皮肤电导 (µS)", "Skin conductance (µS)"),
    "axis_time": ("开始后的时间 (分:秒)", "Time since the start (min:s)"),
    "not_recorded": ("本次未记录", "not recorded"),
    "no_comparison": ("本次没有可比较的基线与练习数据", "(no baseline and session values to compare)"),
    "paused": ("暂停", "paused"),
    "event_safety": ("安全提醒", "safety"),
    "event_alert_technician": ("呼叫技术员", "technician alerted"),
    "event_stop": ("结束", "stop"),
    "event_pause": ("暂停", "pause"),
    "event_resume": ("继续", "resume"),
    "event_sensor_lost": ("传感器断开", "sensor lost"),
    "event_resonance_result": ("共振频率结果", "resonance result"),
    "event_interrupted": ("中断", "interrupted"),
    "title": ("减压驿站 放松报告", "Oasis relaxation report"),
    "heading": (
        "{program} · 警员编号 {code} · {when} · {status}",
        "{program} · officer {code} · {when} · {status}",
    ),
    "ratings": (
        "压力 {stress} · 心情 {mood}（练习前 → 练习后）",
        "Stress {stress} · mood {mood} (before → after)",
    ),
    "not_rated": ("未评", "–"),
    "status_completed": ("已完成", "completed"),
    "status_aborted": ("提前结束", "ended early"),
    "status_interrupted": ("意外中断", "interrupted"),
    "status_running": ("进行中", "running"),
}
MOODS = {
    1: ("很差", "very low"),
    2: ("较差", "low"),
    3: ("一般", "okay"),
    4: ("较好", "good"),
    5: ("很好", "very good"),
}


def report_text(key: str, language: str, **values: object) -> str:
    """The report's string for ``key`` in ``language`` ("zh-CN" or "en")."""
    zh, en = REPORT_TEXTS[key]
    return (zh if language == "zh-CN" else en).format(**values)


def mm_ss(seconds: float) -> str:
    """``75.0`` → ``"1:15"``; negative times get a minus sign."""
    sign = "-" if seconds < 0 else ""
    whole = round(abs(seconds))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def report_heading(
    *,
    program: str,
    officer_code: str,
    started_at: str,
    status: str,
    ratings: tuple[int | None, int | None, int | None, int | None],
    language: str,
    tz: tzinfo | None = None,
) -> str:
    """The report's two heading lines: what, who, when (local time with its UTC offset), how it went,
    and the officer's ratings (stress before, mood before, stress after, mood after)."""
    zh = language == "zh-CN"
    local = datetime.fromisoformat(started_at).astimezone(tz)
    when = local.strftime("%Y-%m-%d %H:%M") + f" (UTC{local.strftime('%z')[:3]}:{local.strftime('%z')[3:]})"
    code = f"{officer_code[:4]}-{officer_code[4:]}" if len(officer_code) == 7 else officer_code
    status_text = report_text(f"status_{status}", language) if f"status_{status}" in REPORT_TEXTS else status
    missing = report_text("not_rated", language)
    stress_pre, mood_pre, stress_post, mood_post = ratings

    def mood(value: int | None) -> str:
        return MOODS[value][0 if zh else 1] if value in MOODS else missing

    def number(value: int | None) -> str:
        return missing if value is None else str(value)

    first = report_text("heading", language, program=program, code=code, when=when, status=status_text)
    second = report_text(
        "ratings",
        language,
        stress=f"{number(stress_pre)} → {number(stress_post)}",
        mood=f"{mood(mood_pre)} → {mood(mood_post)}",
    )
    return f"{report_text('title', language)}\n{first}\n{second}"
