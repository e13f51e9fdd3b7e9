"""What the officer and the room are told while a sensor is lost, in zh-CN and English.

The runtime keeps the current :class:`SensorNotice` as public state (``SessionRuntime.notice``);
the kiosk's room screen and the in-headset panel show its texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protocols.protocol_model import OnLoss

# sensor -> (zh-CN, English)
SENSOR_NAMES: dict[str, tuple[str, str]] = {
    "heart": ("心率", "heart-rate"),
    "eeg": ("脑电", "EEG"),
    "eda": ("皮肤电", "skin-conductance"),
}
# reason -> (zh-CN, English)
REASONS: dict[str, tuple[str, str]] = {
    "no samples": ("没有信号", "no signal"),
    "flat line": ("信号平直", "flat signal"),
    "railed": ("信号饱和", "saturated signal"),
    "bad quality": ("信号质量差", "poor signal"),
}
# policy -> (zh-CN, English) of what happens now
CONSEQUENCES: dict[OnLoss, tuple[str, str]] = {
    OnLoss.FREEZE: (
        "画面反馈暂停，请继续跟随呼吸引导",
        "feedback is on hold; keep following the breathing guide",
    ),
    OnLoss.PAUSE: (
        "练习已暂停，请工作人员检查传感器",
        "the session is paused; staff, please check the sensor",
    ),
    OnLoss.END: ("练习已结束，请工作人员检查传感器", "the session has ended; staff, please check the sensor"),
}


@dataclass(frozen=True)
class SensorNotice:
    """The sensors lost now (sensor -> reason), what the protocol does about it, and the texts."""

    lost: Mapping[str, str]
    policy: OnLoss
    zh: str
    en: str

    def text(self, language: str = "zh-CN") -> str:
        return self.zh if language == "zh-CN" else self.en


def sensor_notice(lost: Mapping[str, str], policy: OnLoss) -> SensorNotice | None:
    """The notice for the sensors lost now; None when none is lost."""
    if not lost:
        return None
    zh_parts, en_parts = [], []
    for sensor, reason in sorted(lost.items()):
        zh_name, en_name = SENSOR_NAMES.get(sensor, (sensor, sensor))
        zh_why, en_why = REASONS.get(reason, (reason, reason))
        zh_parts.append(f"{zh_name}传感器{zh_why}")
        en_parts.append(f"{en_name} sensor: {en_why}")
    zh_then, en_then = CONSEQUENCES[policy]
    en_lost = "; ".join(en_parts)
    return SensorNotice(
        dict(lost),
        policy,
        f"{'；'.join(zh_parts)}。{zh_then}。",
        f"{en_lost[0].upper()}{en_lost[1:]}. {en_then[0].upper()}{en_then[1:]}.",
    )


# policy -> (zh-CN, English) of what happens now, said gently inside the headset
HEADSET_CONSEQUENCES: dict[OnLoss, tuple[str, str]] = {
    OnLoss.FREEZE: ("练习继续", "keep breathing with the guide"),
    OnLoss.PAUSE: ("练习暂停，工作人员会来帮您", "the session is paused; staff will come to help"),
    OnLoss.END: ("练习即将结束", "the session will end"),
}


def _names(sensors: list[str]) -> tuple[str, str]:
    zh = "、".join(SENSOR_NAMES.get(s, (s, s))[0] for s in sensors)
    en = " and ".join(SENSOR_NAMES.get(s, (s, s))[1] for s in sensors)
    return zh, en[:1].upper() + en[1:]


@dataclass(frozen=True)
class HeadsetNotice:
    """The short notice inside the headset (zh-CN, English); ``back`` when it says a sensor is back."""

    zh: str
    en: str
    back: bool = False


def headset_notice(lost: Mapping[str, str], policy: OnLoss, back: str | None = None) -> HeadsetNotice | None:
    """What the headset panel says: the sensors lost now and that the practice goes on (or what
    the protocol does instead); when none is lost and ``back`` names the sensor that just came
    back, that it is back; None otherwise."""
    if lost:
        zh_names, en_names = _names(sorted(lost))
        zh_then, en_then = HEADSET_CONSEQUENCES[policy]
        return HeadsetNotice(
            f"{zh_names}传感器信号中断，{zh_then}", f"{en_names} sensor signal lost — {en_then}"
        )
    if back is not None:
        zh_name, en_name = _names([back])
        return HeadsetNotice(f"{zh_name}传感器信号已恢复", f"{en_name} sensor is back", back=True)
    return None
