"""`oasis scene --stereo` and `--audio` (headless): the stereo image is two eye views side by side,
seen from two eye positions; --audio streams the scene's ambient sound through pyglet.media (the
silent driver: there is no sound card here) and the sound follows the scene's parameters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from scenes.catalog import SCENES
from scenes.headless_output import HeadlessOutput
from station.cli import main

REPO = Path(__file__).resolve().parents[2]


def load_png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(float)


def test_stereo_renders_two_eyes_side_by_side(tmp_path: Path) -> None:
    mono_dir, stereo_dir = tmp_path / "mono", tmp_path / "stereo"
    common = ["scene", "lakeside", "--frames", "1", "--size", "128x64"]
    assert main([*common, "--save", str(mono_dir)]) == 0
    assert main([*common, "--stereo", "--save", str(stereo_dir)]) == 0
    mono = load_png(mono_dir / "lakeside-0000.png")
    stereo = load_png(stereo_dir / "lakeside-0000.png")
    assert mono.shape == stereo.shape == (64, 128, 3)
    left, right = stereo[:, :64], stereo[:, 64:]
    assert left.std() > 5 and right.std() > 5  # both eyes rendered a scene
    # two eye positions: the views differ (parallax), but they show the same scene
    assert np.abs(left - right).mean() > 0.5
    assert abs(left.mean() - right.mean()) < 0.05 * left.mean()
    assert not np.array_equal(stereo, mono)


def test_audio_flag_plays_the_ambient_sound() -> None:
    """The CLI flag reaches the output: with --audio the process loads pyglet.media and picks the
    driver named by OASIS_AUDIO; without it no audio is opened."""
    probe = (
        "import sys, json\n"
        "from station.cli import main\n"
        "rc = main(['scene', 'lakeside', '--frames', '3', '--size', '64x48', *sys.argv[1:]])\n"
        "media = sys.modules.get('pyglet.media')\n"
        "driver = type(media.get_audio_driver()).__name__ if media else None\n"
        "print(json.dumps({'rc': rc, 'driver': driver}))\n"
    )
    env = {**os.environ, "OASIS_AUDIO": "silent", "PYTHONPATH": str(REPO)}

    def run(*flags: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", probe, *flags],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=REPO,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert run("--audio") == {"rc": 0, "driver": "SilentDriver"}
    assert run() == {"rc": 0, "driver": None}


def test_headless_output_with_audio_streams_sound_that_follows_the_scene(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OASIS_AUDIO", "silent")
    out = HeadlessOutput(SCENES["lakeside"], 32, 24, audio=True)
    try:
        audio = out.player.audio
        assert audio is not None and audio.driver_name == "SilentDriver"
        out.set_params({"volume": 0.9})
        deadline = time.monotonic() + 30.0  # the driver pulls blocks on its own thread
        while audio.blocks == 0 and time.monotonic() < deadline:
            out.frame()
        assert audio.blocks > 0, "the audio driver never pulled the scene's sound"
        for _ in range(60):  # two simulated seconds: the eased volume reaches the sound
            out.frame()
        assert audio.synth.params["volume"] > SCENES["lakeside"].defaults()["volume"]
    finally:
        out.close()
