"""What the station tells the headset's panel: phase and minutes left, the gentle sensor notice
(lost, then back), closing near the end; and the scene process carrying it to the child."""

from __future__ import annotations

import math
import time

from protocols.engine import StepOutput
from protocols.protocol_model import OnLoss
from protocols.protocol_model import Protocol as _Protocol
from scenes.panel_status import PanelStatus
from station.session.headset_status import headset_status
from station.session.scene_process import MIRROR_MAX, SceneProcess, mirror_stride
from station.session.sensor_notice import headset_notice


class _Timing:
    """Only what headset_status reads of a protocol (its length)."""

    duration_s = 600.0


PROTOCOL: _Protocol = _Timing()  # type: ignore[assignment]


def step(phase: str, elapsed: float, finished: bool = False) -> StepOutput:
    return StepOutput(
        t=elapsed,
        elapsed=elapsed,
        phase=phase,
        params={},
        events=(),
        feedback=True,
        inactive={},
        rewarded=None,
        threshold=math.nan,
        finished=finished,
        stopped=None,
    )


def test_headset_notice_lost_then_back():
    lost = headset_notice({"heart": "no samples"}, OnLoss.FREEZE)
    assert lost is not None and not lost.back
    assert lost.zh == "心率传感器信号中断，练习继续"
    assert lost.en == "Heart-rate sensor signal lost — keep breathing with the guide"
    both = headset_notice({"heart": "flat line", "eda": "railed"}, OnLoss.PAUSE)
    assert both is not None and both.zh.startswith("皮肤电、心率传感器信号中断，练习暂停")
    back = headset_notice({}, OnLoss.FREEZE, back="heart")
    assert back is not None and back.back and back.zh == "心率传感器信号已恢复"
    assert back.en == "Heart-rate sensor is back"
    assert headset_notice({}, OnLoss.FREEZE) is None
    still = headset_notice({"eeg": "bad quality"}, OnLoss.FREEZE, back="heart")
    assert still is not None and not still.back and still.zh.startswith("脑电")  # another one is still lost


def test_headset_status_phase_minutes_notice_and_closing():
    assert headset_status(PROTOCOL, None, None) == PanelStatus()
    training = headset_status(PROTOCOL, step("training", 281.0), None)
    assert (training.phase_zh, training.phase_en, training.minutes_left) == ("放松训练", "Training", 6)
    assert not training.closing
    notice = headset_notice({"heart": "no samples"}, OnLoss.FREEZE)
    with_notice = headset_status(PROTOCOL, step("training", 281.0), notice)
    assert with_notice.notice_zh == notice.zh and with_notice.minutes_left == 6
    assert headset_status(PROTOCOL, step("closing", 598.5), None).closing  # within the fade
    assert headset_status(PROTOCOL, step("end", 600.0, finished=True), None).closing
    paused = headset_status(PROTOCOL, step("training", 300.0), None, paused=True)
    assert (paused.phase_zh, paused.minutes_left) == ("已暂停", None)


def test_mirror_stride_fits_the_shared_image():
    assert mirror_stride(320, 240) == 1
    assert mirror_stride(1832, 1920) == 3
    for width, height in ((1832, 1920), (4000, 641), (641, 10)):
        step = mirror_stride(width, height)
        assert len(range(0, width, step)) <= MIRROR_MAX[0] and len(range(0, height, step)) <= MIRROR_MAX[1]


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_scene_process_carries_status_and_mirror_and_fades_out_on_stop():
    options = {"width": 64, "height": 48, "panel_language": "zh-CN"}
    scene = SceneProcess("lakeside", "headless", options, pace_fps=30.0, fade_s=0.5, mirror_hz=20.0).start()
    try:
        status = PanelStatus("放松训练", "Training", 5)
        assert scene.set_status(status) and not scene.set_status(status), "an unchanged status was sent again"
        assert wait_for(lambda: scene.statuses_applied.value == 1), "the child did not take the status up"
        first = scene.latest_mirror()
        assert first is None or first.mean() < 20, "the scene did not start dark"
        # the fade in (0.5 s of scene time) ends and the mirror shows the lit scene
        assert wait_for(lambda: (m := scene.latest_mirror()) is not None and m.mean() > 40)
        mirror = scene.latest_mirror()
        assert mirror is not None and mirror.shape == (48, 64, 3)
    finally:
        stats = scene.stop()
    assert stats["frames"] > 0 and stats["faded_out"], stats
