"""The in-headset panel's words for the session now: the phase, the whole minutes left, the sensor
notice, and whether the session is closing (the scene then fades out before the end)."""

from __future__ import annotations

from dataclasses import replace

from protocols.engine import StepOutput
from protocols.protocol_model import Protocol
from scenes.fades import FADE_S
from scenes.panel_status import PanelStatus, minutes_left
from station.session.phase_labels import phase_label
from station.session.sensor_notice import HeadsetNotice

PAUSED = ("已暂停", "Paused")


def _phase_status(protocol: Protocol, out: StepOutput | None, paused: bool) -> PanelStatus:
    if paused:
        return PanelStatus(PAUSED[0], PAUSED[1])
    if out is None:
        return PanelStatus()
    if out.phase == "end":
        return PanelStatus(closing=True)
    left = protocol.duration_s - out.elapsed
    return PanelStatus(
        phase_label(out.phase, "zh-CN"),
        phase_label(out.phase, "en"),
        minutes_left(left),
        closing=out.finished or bool(out.stopped) or left <= FADE_S,
    )


def headset_status(
    protocol: Protocol, out: StepOutput | None, notice: HeadsetNotice | None, paused: bool = False
) -> PanelStatus:
    """The panel status after the engine step ``out`` (None before the first step)."""
    status = _phase_status(protocol, out, paused)
    if notice is None:
        return status
    return replace(status, notice_zh=notice.zh, notice_en=notice.en, notice_back=notice.back)
