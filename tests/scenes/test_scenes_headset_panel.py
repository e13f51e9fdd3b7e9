"""The in-headset panel, the sensor notice and the fades, rendered headless with Mesa (EGL).

Frames are counted, never timed: the headless output advances the scene clock by 1/fps per frame.
A second output stepped in lockstep without the feature under test is the reference, so every
difference between the two is that feature and nothing else (same scene time, same waves).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from scenes.camera import DEFAULT_IPD
from scenes.catalog import SCENES
from scenes.fades import BACK_HOLD_S, FADE_S, NOTICE_FADE_S
from scenes.headless_output import HeadlessOutput
from scenes.panel_place import AHEAD_M, PanelFrame
from scenes.panel_status import PanelStatus

QUIET = {"pacer_visible": 0.0, "particles": 0.0}
FPS = 10.0
STATUS = PanelStatus("放松训练", "Training", 5)
LOST = PanelStatus(
    "放松训练",
    "Training",
    5,
    "心率传感器信号中断，练习继续",
    "Heart-rate sensor signal lost — keep breathing with the guide",
)
BACK = PanelStatus(
    "放松训练", "Training", 5, "心率传感器信号已恢复", "Heart-rate sensor is back", notice_back=True
)


def luma(image: np.ndarray) -> np.ndarray:
    return image.astype(float) @ [0.2126, 0.7152, 0.0722]


def centroid_x(mask: np.ndarray) -> float:
    return float(np.nonzero(mask)[1].mean())


def test_panel_is_geometry_at_its_depth_in_both_eyes():
    """A near object shifts between the eyes by f·ipd/z; the far horizon does not shift."""
    width, height = 640, 240
    plain = HeadlessOutput(SCENES["lakeside"], width, height, stereo=True, params=QUIET)
    panel = HeadlessOutput(
        SCENES["lakeside"], width, height, stereo=True, params=QUIET, panel_language="zh-CN"
    )
    try:
        panel.set_status(STATUS)
        for out in (plain, panel):
            out.frame()
        without, with_panel = plain.snapshot(), panel.snapshot()
    finally:
        plain.close()
        panel.close()
    eye_w = width // 2
    changed = np.abs(with_panel.astype(float) - without.astype(float)).mean(axis=-1) > 4
    left, right = changed[:, :eye_w], changed[:, eye_w:]
    assert left.mean() > 0.01 and right.mean() > 0.01, "no panel in an eye"
    assert np.flatnonzero(left.any(axis=1)).min() > height // 2, "the panel belongs below eye level"
    focal_px = plain.eyes[0].projection[0, 0] * eye_w / 2
    expected = focal_px * DEFAULT_IPD / AHEAD_M
    disparity = centroid_x(left) - centroid_x(right)
    assert disparity == pytest.approx(expected, abs=1.0), (disparity, expected)
    sky = luma(without[: height // 4])
    assert np.abs(sky[:, :eye_w] - sky[:, eye_w:]).mean() < 1.0, "the horizon shifted between the eyes"


def step_both(a: HeadlessOutput, b: HeadlessOutput, frames: int) -> float:
    """Step two outputs in lockstep; the mean absolute difference of their last frames."""
    for _ in range(frames):
        a.frame()
        b.frame()
    return float(np.abs(a.snapshot().astype(float) - b.snapshot().astype(float)).mean())


def test_notice_appears_after_lost_and_goes_after_back():
    size = (320, 240)
    reference = HeadlessOutput(SCENES["lakeside"], *size, fps=FPS, params=QUIET, panel_language="zh-CN")
    noticed = HeadlessOutput(SCENES["lakeside"], *size, fps=FPS, params=QUIET, panel_language="zh-CN")
    fade_frames = math.ceil(NOTICE_FADE_S * FPS)
    try:
        for out in (reference, noticed):
            out.set_status(STATUS)
        assert step_both(reference, noticed, 2) == 0.0, "the lockstep outputs differ without a notice"
        noticed.set_status(LOST)
        first = step_both(reference, noticed, 1)
        full = step_both(reference, noticed, fade_frames)
        assert 0.0 < first < full, "the notice does not fade in"
        diff = np.abs(noticed.snapshot().astype(float) - reference.snapshot().astype(float))
        changed = diff.mean(axis=-1) > 4
        eye = noticed.eyes[0]
        card = eye.projection @ eye.view @ np.array([*PanelFrame(noticed.player.eye_height).point(0, 0), 1.0])
        card_row = (0.5 - 0.5 * card[1] / card[3]) * size[1]
        assert np.nonzero(changed)[0].mean() > card_row, "the notice sits below the panel"
        # the water moves behind the translucent card, so the difference varies a little
        assert step_both(reference, noticed, 20) > 0.6 * full, "the notice went by itself"

        noticed.set_status(BACK)
        held = step_both(reference, noticed, round(BACK_HOLD_S * FPS) - 2)
        assert held > 0.5 * full, "'back' is not shown"
        gone = step_both(reference, noticed, fade_frames + 3)
        assert gone == 0.0, "the 'back' notice did not go"
        assert noticed.player.panel.notice.alpha == 0.0
    finally:
        reference.close()
        noticed.close()


def test_fade_in_from_black_and_out_to_black_counted_in_frames():
    size = (160, 120)
    reference = HeadlessOutput(SCENES["forest"], *size, fps=FPS, params=QUIET)
    fading = HeadlessOutput(SCENES["forest"], *size, fps=FPS, params=QUIET, fade_s=FADE_S)
    fade_frames = round(FADE_S * FPS)
    try:
        ratios = []
        for _ in range(fade_frames + 2):
            step_both(reference, fading, 1)
            ratios.append(luma(fading.snapshot()).mean() / luma(reference.snapshot()).mean())
        assert ratios[0] < 0.02, "the first frame is not dark"
        assert all(b >= a for a, b in itertools.pairwise(ratios)), "the fade in is not monotonic"
        assert ratios[fade_frames // 2] < 0.8
        assert step_both(reference, fading, 1) == 0.0, "still darkened after the fade in"
        fading.set_status(PanelStatus(closing=True))
        step_both(reference, fading, 1)
        assert not fading.player.faded_out
        step_both(reference, fading, fade_frames)
        assert fading.player.faded_out and fading.snapshot().max() == 0, "not black after the fade out"
    finally:
        reference.close()
        fading.close()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_panel_words_follow_the_status(language):
    """The status texture is laid out again when the words change: zh-CN two lines, en one."""
    out = HeadlessOutput(SCENES["night"], 32, 24, panel_language=language)
    try:
        before = out.player.panel.text_image()
        out.set_status(STATUS)
        out.frame()
        after = out.player.panel.text_image()
        assert not np.array_equal(before, after)
        lit = np.flatnonzero((after.mean(axis=-1) > 128).any(axis=1))
        lines = np.count_nonzero(np.diff(lit) > 5) + 1
        assert lines == (2 if language == "zh-CN" else 1)
        out.set_status(LOST)
        out.frame()
        notice = out.player.panel.notice_image().mean(axis=-1)
        assert (notice > 128).mean() > 0.01, "the notice text was not laid out"
    finally:
        out.close()
