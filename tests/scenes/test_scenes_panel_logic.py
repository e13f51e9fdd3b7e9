"""The panel's words, the fades' timing and the eye-height rule, without GL."""

from __future__ import annotations

import pytest

from scenes.camera import SEATED_EYE_HEIGHT
from scenes.eye_height import eye_height_from_floor, floor_space_choice
from scenes.fades import BACK_HOLD_S, NOTICE_FADE_S, NoticeFade, SceneFade, ease
from scenes.panel_status import INSTRUCTION, PanelStatus, minutes_left, notice_lines, status_lines


def test_ease_is_smooth_and_clamped():
    assert ease(-1.0) == 0.0 and ease(0.0) == 0.0 and ease(1.0) == 1.0 and ease(2.0) == 1.0
    assert ease(0.5) == pytest.approx(0.5)
    assert ease(0.01) < 0.001  # starts with zero speed: no visible jump


def test_scene_fade_in_then_out():
    fade = SceneFade(2.0)
    assert fade.level(0.0) == 0.0 and fade.level(1.0) == pytest.approx(0.5) and fade.level(2.0) == 1.0
    fade.fade_out(10.0)
    fade.fade_out(11.0)  # a second request changes nothing
    assert fade.level(10.0) == 1.0 and fade.level(11.0) == pytest.approx(0.5)
    assert not fade.faded_out(11.0) and fade.faded_out(12.0)
    assert SceneFade(0.0).level(0.0) == 1.0  # no fade: visible from the first frame


def test_notice_fades_in_holds_and_a_back_notice_goes_by_itself():
    dt, notice, t = 0.1, NoticeFade(), 0.0
    notice.show(t)
    alphas = []
    for _ in range(round(NOTICE_FADE_S / dt)):
        t += dt
        alphas.append(notice.step(dt, t))
    assert alphas == sorted(alphas) and alphas[0] < 0.05 and alphas[-1] == pytest.approx(1.0)
    for _ in range(100):  # a lost notice stays while the sensor is lost
        t += dt
        assert notice.step(dt, t) == 1.0
    notice.show(t, hold_s=BACK_HOLD_S)
    for _ in range(round(BACK_HOLD_S / dt) - 1):
        t += dt
        assert notice.step(dt, t) == 1.0
    for _ in range(round(NOTICE_FADE_S / dt) + 2):
        t += dt
        notice.step(dt, t)
    assert notice.alpha == 0.0


def test_minutes_are_whole_and_rounded_up():
    assert [minutes_left(s) for s in (600.0, 599.0, 61.0, 60.0, 1.0, 0.0, -5.0)] == [10, 10, 2, 1, 1, 0, 0]


def test_status_and_notice_lines_zh_first_then_en():
    status = PanelStatus(
        "放松训练", "Training", 5, "心率传感器信号中断，练习继续", "Heart-rate sensor signal lost"
    )
    assert status_lines(status, "zh-CN") == ["放松训练 · 还剩 5 分钟", "Training · 5 min left"]
    assert status_lines(status, "en") == ["Training · 5 min left"]
    assert notice_lines(status, "zh-CN") == ["心率传感器信号中断，练习继续", "Heart-rate sensor signal lost"]
    assert notice_lines(PanelStatus(), "en") == []
    assert status_lines(PanelStatus(), "zh-CN") == [INSTRUCTION["zh-CN"], INSTRUCTION["en"]]
    assert status_lines(PanelStatus("安顿", "Settling in", 0), "zh-CN")[0] == "安顿 · 即将结束"
    with pytest.raises(ValueError, match="zh-CN"):
        status_lines(status, "fr")


def test_eye_height_from_the_floor_or_the_seated_default():
    assert floor_space_choice({"LOCAL", "STAGE", "LOCAL_FLOOR", "VIEW"}) == "LOCAL_FLOOR"
    assert floor_space_choice({"LOCAL", "STAGE"}) == "STAGE"
    assert floor_space_choice({"LOCAL", "VIEW"}) is None
    assert eye_height_from_floor(1.18, "STAGE") == (1.18, "STAGE")
    for implausible in (None, 0.0, 0.2, 2.6):  # not tracked, origin on the floor, a stage not set up
        assert eye_height_from_floor(implausible, "STAGE") == (SEATED_EYE_HEIGHT, "default")
