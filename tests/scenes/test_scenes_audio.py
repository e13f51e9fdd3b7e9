"""Procedural ambient sound: not silent, follows volume and motion, continuous across blocks,
and plays through pyglet.media with the silent driver when there is no audio device."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from scenes.audio import SAMPLE_RATE, AmbientAudio, AmbientSynth, rms
from scenes.catalog import SCENES


def steady_rms(params: dict, mix=(1.0, 0.5, 0.6), seconds: float = 1.0) -> float:
    synth = AmbientSynth(mix, params)
    synth.render(SAMPLE_RATE // 2)  # let the filters settle
    return rms(synth.render(int(SAMPLE_RATE * seconds)))


@pytest.mark.parametrize("name", sorted(SCENES))
def test_sound_is_not_silent_and_bounded(name):
    spec = SCENES[name]
    samples = AmbientSynth(spec.sound_mix, spec.defaults()).render(SAMPLE_RATE)
    assert samples.dtype == np.float32
    assert np.all(np.isfinite(samples)) and np.abs(samples).max() <= 1.0
    assert rms(samples) > 0.01


def test_level_follows_volume():
    levels = [steady_rms({"volume": v}) for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert levels[0] == 0.0
    assert all(b > a * 1.2 for a, b in itertools.pairwise(levels[1:])), levels


def test_motion_raises_level_and_brightness():
    def brightness(samples: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(samples))
        freqs = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
        return float((spectrum * freqs).sum() / spectrum.sum())

    calm_synth = AmbientSynth((1.0, 1.0, 0.0), {"motion": 0.0})
    windy_synth = AmbientSynth((1.0, 1.0, 0.0), {"motion": 1.0})
    still, windy = calm_synth.render(SAMPLE_RATE), windy_synth.render(SAMPLE_RATE)
    assert rms(windy) > 1.3 * rms(still)
    assert brightness(windy) > brightness(still)


def test_volume_change_is_ramped_without_a_click():
    synth = AmbientSynth((0.0, 0.0, 1.0), {"volume": 0.2})
    before = synth.render(2048)
    synth.set_params({"volume": 1.0})
    after = synth.render(2048)
    joined = np.concatenate([before, after])
    # the step between samples at the join is no larger than the tone's own largest step
    steps = np.abs(np.diff(joined))
    assert steps[2047] <= steps[2048:2200].max() + 1e-3
    # and the level at the start of the new block is still close to the old one
    assert rms(after[:128]) < 2.0 * rms(before[-128:])


def test_plays_through_pyglet_media_without_a_device(monkeypatch):
    """No audio hardware here: the silent driver must consume the stream and nothing fails."""
    from scenes.headless import create_context

    create_context()  # pyglet.media imports pyglet.gl: pick the headless (EGL) platform first
    monkeypatch.setenv("OASIS_AUDIO", "silent")
    audio = AmbientAudio(SCENES["lakeside"].sound_mix, SCENES["lakeside"].defaults())
    try:
        assert audio.driver_name == "SilentDriver"
        deadline = time.monotonic() + 20.0
        while audio.blocks == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert audio.blocks > 0, "the driver never pulled audio"
        audio.update({"volume": 0.9, "motion": 0.8})
    finally:
        audio.close()
