"""`oasis scene`: headless frames and sweeps written as PNG, one-line errors for bad input, and the
window output on a real X server (Xvfb) in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from station.cli import main

REPO = Path(__file__).resolve().parents[2]


def load_png(path: Path) -> np.ndarray:
    from PIL import Image  # Pillow comes with matplotlib, a runtime dependency

    return np.asarray(Image.open(path).convert("RGB"))


def test_headless_frames_are_saved(tmp_path, capsys):
    assert main(["scene", "lakeside", "--frames", "2", "--save", str(tmp_path), "--size", "96x72"]) == 0
    files = sorted(tmp_path.glob("lakeside-*.png"))
    assert len(files) == 2
    image = load_png(files[0])
    assert image.shape == (72, 96, 3) and image.std() > 5
    assert "2 frame(s)" in capsys.readouterr().out


def test_sweep_renders_a_strip_across_the_range(tmp_path):
    args = ["scene", "forest", "--sweep", "light", "--steps", "4", "--size", "64x48", "--save", str(tmp_path)]
    assert main(args) == 0
    strip = load_png(tmp_path / "forest-sweep-light.png").astype(float)
    assert strip.shape == (48, 4 * 64, 3)
    means = [strip[:, i * 64 : (i + 1) * 64].mean() for i in range(4)]
    assert means == sorted(means) and means[-1] > means[0] + 20


def test_describe_prints_the_schema(capsys):
    assert main(["scene", "night", "--describe"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {
        "calm",
        "light",
        "warmth",
        "fog",
        "motion",
        "particles",
        "pacer_phase",
        "pacer_visible",
        "volume",
        "aurora",
    } == set(schema["params"])
    assert schema["title"]["zh-CN"] == "星空"


def test_lang_shows_the_instruction_panel_below_eye_level(tmp_path):
    """``--lang zh-CN|en`` draws the instruction panel (the one language flag of every command)."""
    quiet = ["--params", '{"pacer_visible": 0, "particles": 0}', "--size", "160x120"]
    assert main(["scene", "lakeside", *quiet, "--save", str(tmp_path / "plain")]) == 0
    assert main(["scene", "lakeside", *quiet, "--lang", "zh-CN", "--save", str(tmp_path / "panel")]) == 0
    plain = load_png(tmp_path / "plain" / "lakeside-0000.png").astype(float)
    panel = load_png(tmp_path / "panel" / "lakeside-0000.png").astype(float)
    changed = np.abs(panel - plain).mean(axis=-1) > 10
    assert changed.mean() > 0.01 and np.flatnonzero(changed.any(axis=1)).min() > 60
    with pytest.raises(SystemExit):
        main(["scene", "lakeside", "--lang", "zh"])  # the old short code is refused


@pytest.mark.parametrize(
    "argv",
    [
        ["scene", "nowhere"],
        ["scene", "night", "--params", "{not json"],
        ["scene", "night", "--params", '{"sparkle": 1}'],
        ["scene", "night", "--params", '{"light": "bright"}'],
        ["scene", "night", "--params", "[1, 2]"],
        ["scene", "night", "--params", "@/no/such/file.json"],
        ["scene", "night", "--size", "big"],
        ["scene", "night", "--sweep", "sparkle"],
        ["scene", "night", "--frames", "0"],
    ],
)
def test_bad_input_gets_one_line(argv, capsys):
    assert main(argv) == 2
    out = capsys.readouterr().out
    assert out.startswith("oasis scene: ") and out.count("\n") == 1 and "Traceback" not in out


# Desk mode in a child process: a real mouse-drag event turns the view; prints the image change.
DESK_LOOK = """
import numpy as np
from scenes.catalog import SCENES
from scenes.window_output import WindowOutput
out = WindowOutput(SCENES["forest"], 160, 120, mode="desk")
out.capture_next = True
out.frame()
before = out.snapshot().astype(float)
out.window.dispatch_event("on_mouse_drag", 80, 60, 400, 0, 1, 0)
out.capture_next = True
out.frame()
print(np.abs(out.snapshot().astype(float) - before).mean())
out.close()
"""


def test_window_mirror_under_xvfb(tmp_path):
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        assert display, "Xvfb did not report a display"
        env = dict(os.environ, DISPLAY=f":{display}", PYTHONPATH=str(REPO), OASIS_AUDIO="silent")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "station.cli",
                "scene",
                "forest",
                "--output",
                "window",
                "--mode",
                "mirror",
                "--size",
                "320x120",
                "--frames",
                "3",
                "--save",
                str(tmp_path),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        files = sorted(tmp_path.glob("forest-*.png"))
        assert len(files) == 3
        image = load_png(files[-1]).astype(float)
        assert image.shape == (120, 320, 3) and image.std() > 5
        left, right = image[:, :160], image[:, 160:]
        assert 0.3 < np.abs(left - right).mean() < 40, "mirror shows two slightly different eyes"
        # desk mode: dragging the mouse turns the view
        result = subprocess.run(
            [sys.executable, "-c", DESK_LOOK], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert float(result.stdout.split()[-1]) > 5.0, "turning around should show another view"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=30)
