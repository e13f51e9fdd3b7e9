"""Headless renders (Mesa llvmpipe through EGL) of every scene: not degenerate, each parameter moves
the image in its declared direction, the pacer follows pacer_phase, stereo and projections correct."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenes.catalog import SCENES
from scenes.headless_output import HeadlessOutput

W, H = 160, 120
LUMA = np.array([0.2126, 0.7152, 0.0722])


@pytest.fixture(scope="module", params=sorted(SCENES))
def out(request):
    output = HeadlessOutput(SCENES[request.param], W, H)
    yield output
    output.close()


def render(out: HeadlessOutput, flow: float = 3.0, **params: float) -> np.ndarray:
    """The scene with defaults overridden by ``params``, at a fixed scene time, as float RGB."""
    values = out.player.spec.defaults()
    values.update(params)
    out.player.jump_to(values)
    out.player.time, out.player.flow = 2.0, flow
    out.render()
    return out.snapshot().astype(float)


def luma(img: np.ndarray) -> np.ndarray:
    return img @ LUMA


def red_blue(img: np.ndarray) -> float:
    return img[..., 0].mean() / max(img[..., 2].mean(), 1e-6)


def green_share(img: np.ndarray) -> float:
    return img[..., 1].mean() / img.sum(axis=-1).mean()


def contrast(img: np.ndarray) -> float:
    return float(luma(img).std())


def speckle(img: np.ndarray) -> float:
    """Small bright points: pixels well above their 5×5 neighbourhood's mean luminance."""
    y = luma(img)
    pad = np.pad(y, 2, mode="edge")
    local = sum(pad[i : i + y.shape[0], j : j + y.shape[1]] for i in range(5) for j in range(5)) / 25.0
    return float((y - local > 12.0).sum())


def frame_difference(out: HeadlessOutput, **params: float) -> float:
    """Mean absolute change between two frames 0.2 s apart when the player advances normally."""
    values = out.player.spec.defaults()
    values.update(params)
    out.player.jump_to(values)
    out.player.time, out.player.flow = 2.0, 3.0
    out.render()
    a = out.snapshot().astype(float)
    for _ in range(6):
        out.player.advance(1 / 30, 0.0)
    out.render()
    return float(np.abs(out.snapshot().astype(float) - a).mean())


def pacer_centroid(out: HeadlessOutput, phase: float) -> tuple[float, float]:
    """(row, column) of the breathing guide: where the image changes when the guide is shown."""
    shown = render(out, pacer_phase=phase, pacer_visible=1.0, particles=0.0)
    hidden = render(out, pacer_phase=phase, pacer_visible=0.0, particles=0.0)
    diff = np.abs(luma(shown) - luma(hidden))
    diff[diff < 0.25 * diff.max()] = 0.0
    rows, cols = np.indices(diff.shape)
    return float((rows * diff).sum() / diff.sum()), float((cols * diff).sum() / diff.sum())


def test_render_is_not_degenerate(out):
    img = render(out)
    assert img.shape == (H, W, 3)
    y = luma(img)
    assert 15 < y.mean() < 220, "image too dark or too bright"
    assert y.std() > 8, "image nearly uniform"
    assert all(img[..., c].std() > 4 for c in range(3)), "a colour channel is flat"
    assert (y < 250).mean() > 0.9, "image mostly clipped"
    # the upper half (sky, crowns) and the lower half (ground or water) differ in colour: in the
    # forest a sunlit glade below can be as bright as the hazy canopy above, but not the same hue
    upper, lower = img[: H // 2].reshape(-1, 3).mean(axis=0), img[H // 2 :].reshape(-1, 3).mean(axis=0)
    assert float(np.abs(upper - lower).max()) > 3


# (parameter, metric, +1 when raising the parameter raises the metric), with the pacer hidden.
DIRECTIONS = [
    ("warmth", red_blue, +1),
    ("light", lambda im: float(luma(im).mean()), +1),
    ("fog", contrast, -1),
    ("particles", speckle, +1),
]


@pytest.mark.parametrize(("param", "metric", "sign"), DIRECTIONS, ids=[d[0] for d in DIRECTIONS])
def test_parameter_moves_image_in_declared_direction(out, param, metric, sign):
    low = metric(render(out, pacer_visible=0.0, **{param: 0.05}))
    high = metric(render(out, pacer_visible=0.0, **{param: 0.95}))
    assert sign * (high - low) > 0.03 * abs(low), f"{param}: {low:.4g} -> {high:.4g}"


def test_scene_parameter_moves_image(out):
    spec = out.player.spec
    metric = {
        "sun_height": lambda im: float(luma(im).mean()),
        "shafts": lambda im: float(luma(im).mean()),
        "aurora": green_share,
        "ink": contrast,
    }[spec.extra]
    low = metric(render(out, pacer_visible=0.0, **{spec.extra: 0.0}))
    high = metric(render(out, pacer_visible=0.0, **{spec.extra: 1.0}))
    assert high > low * 1.02, f"{spec.extra}: {low:.4g} -> {high:.4g}"


def test_motion_raises_and_calm_lowers_frame_difference(out):
    still = frame_difference(out, motion=0.05, calm=0.5, particles=0.0)
    moving = frame_difference(out, motion=0.95, calm=0.5, particles=0.0)
    assert moving > 1.5 * still, f"motion: {still:.3f} -> {moving:.3f}"
    agitated = frame_difference(out, motion=0.6, calm=0.0, particles=0.0)
    calm = frame_difference(out, motion=0.6, calm=1.0, particles=0.0)
    assert calm < agitated, f"calm: {agitated:.3f} -> {calm:.3f}"


def test_pacer_follows_phase(out):
    rows = {phase: pacer_centroid(out, phase)[0] for phase in (0.0, 0.25, 0.5, 0.75, 1.0)}
    # image rows grow downwards: the guide rises (smaller row) with inhale, falls with exhale
    assert rows[0.0] > rows[0.25] > rows[0.5]
    assert rows[0.5] < rows[0.75] < rows[1.0]
    assert abs(rows[0.0] - rows[1.0]) < 0.5, "the cycle must close without a jump"
    assert rows[0.0] - rows[0.5] > 3, "the guide should travel visibly"


def test_pacer_hidden_when_not_visible(out):
    shown = render(out, pacer_visible=1.0, particles=0.0)
    hidden = render(out, pacer_visible=0.0, particles=0.0)
    assert np.abs(shown - hidden).max() > 60


def test_stereo_disparity_matches_geometry():
    """The guide, 1.8 m ahead, appears shifted between the eyes by f·ipd/z pixels (crossed)."""
    from scenes.camera import DEFAULT_IPD

    out = HeadlessOutput(SCENES["night"], 2 * W, H, stereo=True, vertical_fov_deg=70.0)
    try:

        def centroids(visible: float) -> np.ndarray:
            out.player.jump_to({"pacer_visible": visible, "particles": 0.0, "pacer_phase": 0.0})
            out.render()
            return luma(out.snapshot().astype(float))

        diff = np.abs(centroids(1.0) - centroids(0.0))
        diff[diff < 0.25 * diff.max()] = 0.0
        cols = np.indices(diff.shape)[1]
        left, right = diff[:, :W], diff[:, W:]
        x_left = (cols[:, :W] * left).sum() / left.sum()
        x_right = (cols[:, :W] * right).sum() / right.sum()
        focal_px = (H / 2) / math.tan(math.radians(35.0))
        expected = focal_px * DEFAULT_IPD / 1.8
        assert x_left - x_right == pytest.approx(expected, abs=1.0)
    finally:
        out.close()


def test_any_projection_tiles_exactly():
    """Two asymmetric half-frusta side by side give the same picture as the whole frustum, as
    OpenXR's per-eye asymmetric projections require."""
    from scenes.camera import EyeView, projection_from_tangents, rotation_yaw_pitch, view_from_pose
    from scenes.renderer import RenderTarget

    out = HeadlessOutput(SCENES["lakeside"], W, H)
    try:
        position = np.array([0.1, 1.25, 0.05])
        view = view_from_pose(rotation_yaw_pitch(0.3, -0.1), position)
        whole = EyeView(view, projection_from_tangents(-1.0, 1.0, 0.75, -0.75), position)
        left = EyeView(view, projection_from_tangents(-1.0, 0.0, 0.75, -0.75), position)
        right = EyeView(view, projection_from_tangents(0.0, 1.0, 0.75, -0.75), position)
        out.player.jump_to({"pacer_visible": 1.0})
        target = RenderTarget(W, H)
        target.bind()
        out.player.render_eye(whole, (0, 0, W, H))
        full = target.read().astype(float)
        out.player.render_eye(left, (0, 0, W // 2, H))
        out.player.render_eye(right, (W // 2, 0, W // 2, H))
        tiled = target.read().astype(float)
        target.delete()
        assert np.abs(full - tiled).mean() < 1.5
    finally:
        out.close()


def test_environment_surrounds_the_user():
    """Looking behind shows a different part of the world, not the same backdrop."""
    from scenes.camera import centre_eye, perspective

    out = HeadlessOutput(SCENES["forest"], W, H)
    try:
        images = []
        for yaw in (0.0, math.pi):
            out.eyes = [centre_eye(perspective(70.0, W / H), yaw=yaw)]
            out.render()
            images.append(out.snapshot().astype(float))
        assert np.abs(images[0] - images[1]).mean() > 5
    finally:
        out.close()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_instruction_panel_text_and_card(language):
    """The panel's text is really laid out (CJK glyphs from Noto Sans CJK for zh-CN) and the card
    appears below the guide in the scene."""
    plain = HeadlessOutput(SCENES["lakeside"], W, H)
    plain.player.jump_to({"pacer_visible": 0.0, "particles": 0.0})
    plain.render()
    without = plain.snapshot().astype(float)
    plain.close()
    out = HeadlessOutput(SCENES["lakeside"], W, H, panel_language=language)
    try:
        text = out.player.panel.text_image().astype(float).mean(axis=-1)
        lit_rows = np.flatnonzero((text > 128).any(axis=1))
        assert (text > 128).mean() > 0.01, "no text was drawn"
        lines = np.count_nonzero(np.diff(lit_rows) > 5) + 1
        assert lines == (2 if language == "zh-CN" else 1)
        out.player.jump_to({"pacer_visible": 0.0, "particles": 0.0})
        out.render()
        changed = np.abs(out.snapshot().astype(float) - without).mean(axis=-1) > 10
        rows = np.flatnonzero(changed.any(axis=1))
        assert changed.mean() > 0.01 and rows.min() > H // 2, "the card belongs below eye level"
    finally:
        out.close()


def test_unknown_panel_language_is_refused():
    from scenes.panel import panel_lines

    with pytest.raises(ValueError, match="zh-CN"):
        panel_lines("fr")
