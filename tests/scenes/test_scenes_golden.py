"""Golden images: every scene at fixed parameters, time and pose, rendered headless (Mesa llvmpipe
through EGL) and compared with a committed reference in tests/data/golden/, so that the art never
regresses silently; stereo pairs with the disparity geometry asks for; and every shared parameter
changing the picture perceptibly between its extremes.

The metric is CIELAB ΔE (CIE76) per pixel after a small binomial blur of both images. The blur
forgives what the eye cannot see and drivers legitimately differ in (±½ LSB dither, one-pixel
shifts of an anti-aliased edge); ΔE measures colour difference roughly as people perceive it, ΔE ≈
2.3 being a just-noticeable difference. A render matches its reference when the mean ΔE stays
below 1 (no visible overall shift) and the 99th percentile below 6 (no visible local change in more
than 1 % of the picture).

To accept a deliberate change of the art, rerun with OASIS_UPDATE_GOLDEN=1: the references are
rewritten and the tests are skipped (so a refresh can never pass silently); look at the new
images before committing them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pytest

from scenes.camera import DEFAULT_IPD, SEATED_EYE_HEIGHT
from scenes.catalog import SCENES
from scenes.headless_output import HeadlessOutput
from scenes.images import write_png

if TYPE_CHECKING:  # importing the player loads pyglet's GL before the headless context exists
    from scenes.player import ScenePlayer

W, H = 128, 96
FOV = 70.0
TIME, FLOW = 2.0, 3.0
UPDATE = os.environ.get("OASIS_UPDATE_GOLDEN") == "1"
# The forest's near tree on the left (scenes/shaders/forest.glsl, TREE[0]): centre x, z and radius
# at eye height (base radius 0.34 m narrowing by 55 % over its 14.5 m).
FOREST_TRUNK = (-1.93, -4.83, 0.34 * (1 - 0.55 * SEATED_EYE_HEIGHT / 14.5))
# The shared parameters the picture shows (volume drives the ambient sound only).
VISIBLE_SHARED = ("calm", "light", "warmth", "fog", "motion", "particles", "pacer_phase", "pacer_visible")


def load_png(path: Path) -> np.ndarray:
    from PIL import Image  # Pillow comes with matplotlib, a runtime dependency

    return np.asarray(Image.open(path).convert("RGB"))


def render(output: HeadlessOutput, **params: float) -> np.ndarray:
    """The scene at its defaults overridden by ``params``, at the fixed scene time, as uint8 RGB."""
    player = cast("ScenePlayer", output.player)
    values = player.spec.defaults()
    values.update(params)
    player.jump_to(values)
    player.time, player.flow = TIME, FLOW
    output.render()
    return output.snapshot()


def blur(img: np.ndarray) -> np.ndarray:
    """Two passes of the 3×3 binomial filter (a 5×5 kernel, σ ≈ 1 px), edges replicated."""
    out = img.astype(float)
    for _ in range(2):
        pad = np.pad(out, ((1, 1), (1, 1), (0, 0)), mode="edge")
        rows = (pad[:-2] + 2 * pad[1:-1] + pad[2:]) / 4
        out = (rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]) / 4
    return out


def lab(img: np.ndarray) -> np.ndarray:
    """sRGB (0–255) to CIELAB under D65."""
    c = img / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = (
        linear
        @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
        / np.array([0.95047, 1.0, 1.08883])
    )
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1
    )


def delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel CIE76 ΔE between two RGB images after the blur."""
    return np.linalg.norm(lab(blur(a)) - lab(blur(b)), axis=-1)


@pytest.fixture(scope="module", params=sorted(SCENES))
def output(request):
    out = HeadlessOutput(SCENES[request.param], W, H, vertical_fov_deg=FOV)
    yield out
    out.close()


def test_scene_matches_its_golden_image(output, recordings):
    name = cast("ScenePlayer", output.player).spec.name
    image = render(output)
    reference = recordings / "golden" / f"{name}.png"
    if UPDATE:
        reference.parent.mkdir(exist_ok=True)
        write_png(reference, image)
        pytest.skip(f"rewrote {reference}")
    de = delta_e(image, load_png(reference))
    mean, p99 = float(de.mean()), float(np.percentile(de, 99))
    assert mean < 1.0 and p99 < 6.0, f"{name}: mean ΔE {mean:.2f}, p99 ΔE {p99:.2f}"


@pytest.mark.parametrize("param", [*VISIBLE_SHARED, "extra"])
def test_each_parameter_changes_the_picture_perceptibly(output, param):
    """Between its extremes (for the breathing phase: exhaled and inhaled, since 0 and 1 are the same
    moment of the cycle) a parameter changes the picture by more than a just-noticeable difference
    over at least 0.3 % of it (about 40 pixels here: the breathing guide or a few motes; the
    parameters that act on the whole picture change far more)."""
    spec = cast("ScenePlayer", output.player).spec
    name = spec.extra if param == "extra" else param
    low_value, high_value = spec.params[name].low, spec.params[name].high
    if name == "pacer_phase":
        high_value = 0.5
    low = render(output, **{name: low_value})
    high = render(output, **{name: high_value})
    changed = float((delta_e(low, high) > 2.3).mean())
    print(f"{spec.name}.{name}: {changed:.2%} of the picture changes visibly")
    assert changed > 0.003, f"{spec.name}.{name}: only {changed:.2%} of the picture changes visibly"


def best_shift(left: np.ndarray, right: np.ndarray, max_shift: int) -> float:
    """The horizontal shift (pixels, sub-pixel by a parabola through the minimum) that best maps the
    right eye's band onto the left's: x_left − x_right of the content."""
    errors = []
    shifts = range(-max_shift, max_shift + 1)
    for s in shifts:
        a = left[:, max_shift + s : left.shape[1] - max_shift + s]
        b = right[:, max_shift : right.shape[1] - max_shift]
        errors.append(float(np.abs(a - b).mean()))
    i = int(np.argmin(errors))
    if 0 < i < len(errors) - 1:
        e0, e1, e2 = errors[i - 1], errors[i], errors[i + 1]
        denom = e0 - 2 * e1 + e2
        return shifts[i] + (0.5 * (e0 - e2) / denom if denom > 0 else 0.0)
    return float(shifts[i])


def test_stereo_near_ground_shifts_and_horizon_does_not(output):
    """In a side-by-side stereo pair, the ground band at the bottom (1.7–1.9 m ahead) is shifted by
    f·ipd/z between the eyes while the band just above the horizon on the right (hills, ranges,
    the forest's far wood seen through its opening, sky: 34 m to infinity, at most 0.26 px) lines
    up. Fog is off: light scattered along the ray has
    no single depth and would blur the ground's texture the eyes are matched on."""
    spec = cast("ScenePlayer", output.player).spec
    size = 192
    pair = HeadlessOutput(spec, 2 * size, size, stereo=True, vertical_fov_deg=FOV)
    try:
        rgb = render(pair, pacer_visible=0.0, particles=0.0, fog=0.0).astype(float)
    finally:
        pair.close()
    luma = rgb @ np.array([0.2126, 0.7152, 0.0722])
    left, right = luma[:, :size], luma[:, size:]
    focal = (size / 2) / math.tan(math.radians(FOV / 2))
    bottom = slice(size - 12, size)
    depth = np.mean([SEATED_EYE_HEIGHT * focal / (row + 0.5 - size / 2) for row in range(size - 12, size)])
    expected = focal * DEFAULT_IPD / depth
    assert best_shift(left[bottom], right[bottom], 10) == pytest.approx(expected, abs=0.75)
    horizon = slice(size // 2 - 14, size // 2 - 2)
    shift = best_shift(left[horizon, size // 2 :], right[horizon, size // 2 :], 6)
    assert abs(shift) < 0.4, f"the horizon moves between the eyes by {shift:.2f} px"


def test_forest_near_trunk_has_the_disparity_of_its_depth():
    """The forest's trees are real geometry: in a stereo pair the near trunk on the left (5 m away)
    is shifted between the eyes by f·ipd/z for its depth along the view axis (about 2 px here),
    while in the same rows the far wood on the right (34–62 m) stays within 0.4 px."""
    size = 192
    pair = HeadlessOutput(SCENES["forest"], 2 * size, size, stereo=True, vertical_fov_deg=FOV)
    try:
        rgb = render(pair, pacer_visible=0.0, particles=0.0, fog=0.0, shafts=0.0).astype(float)
    finally:
        pair.close()
    luma = rgb @ np.array([0.2126, 0.7152, 0.0722])
    left, right = luma[:, :size], luma[:, size:]
    focal = (size / 2) / math.tan(math.radians(FOV / 2))
    x, z, radius = FOREST_TRUNK
    depth = -z - radius  # the trunk's front, along the view axis
    column = int(size / 2 + focal * x / -z)
    rows = slice(size // 2 - 20, size // 2 + 10)  # eye height, below the branches
    band = slice(column - 24, column + 24)
    expected = focal * DEFAULT_IPD / depth
    assert best_shift(left[rows, band], right[rows, band], 5) == pytest.approx(expected, abs=0.35)
    far = best_shift(left[rows, size // 2 + 20 :], right[rows, size // 2 + 20 :], 4)
    assert abs(far) < 0.4, f"the far wood moves between the eyes by {far:.2f} px"
