"""Procedural ambient sound: water, wind and soft tones synthesised with numpy, block by block,
streamed to pyglet.media. Volume and timbre follow the (eased) scene parameters; gains are ramped
across each block so that nothing clicks. With no audio device pyglet's silent driver consumes
the stream and nothing fails.
"""

from __future__ import annotations

import math
import os
import threading

import numpy as np
from scipy.signal import lfilter

from scenes.params import SceneParams

SAMPLE_RATE = 22050
# Drivers tried in order; "silent" always works (CI, kiosks without speakers).
AUDIO_DRIVERS = ("pulse", "openal", "silent")


class AmbientSynth:
    """Stateful synthesiser: ``render(n)`` returns the next ``n`` mono samples in [-1, 1]."""

    def __init__(self, mix: tuple[float, float, float], params: SceneParams, seed: int = 0):
        self.mix = mix
        self.params = dict(params)
        self._rng = np.random.default_rng(seed)
        self._t = 0  # samples rendered so far
        self._water_zi = np.zeros(1)
        self._wind_zi = np.zeros(2)
        self._tone_phase = np.zeros(6)
        self._last_gains = self._gains(self.params)

    def set_params(self, params: SceneParams) -> None:
        """Use these parameter values from the next block on."""
        self.params = dict(params)

    @staticmethod
    def _gains(p: SceneParams) -> np.ndarray:
        """Levels of water, wind and tones, and the master gain (volume, perceptual curve)."""
        motion, calm, volume = p.get("motion", 0.4), p.get("calm", 0.5), p.get("volume", 0.5)
        return np.array([0.3 + 0.7 * motion, 0.15 + 0.85 * motion, 0.5 + 0.5 * calm, volume * volume])

    def render(self, n: int) -> np.ndarray:
        p = self.params
        sr = SAMPLE_RATE
        t = (self._t + np.arange(n)) / sr
        motion = p.get("motion", 0.4)
        warmth = p.get("warmth", 0.5)
        phase = p.get("pacer_phase", 0.0)
        gains = self._gains(p)
        ramp = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
        g = self._last_gains + (gains - self._last_gains) * ramp  # (n, 4), no zipper noise
        self._last_gains = gains

        # Water: low-passed noise (brighter with motion), lapping at a slow rate set by motion.
        cutoff = 250.0 + 900.0 * motion
        a = math.exp(-2.0 * math.pi * cutoff / sr)
        water, self._water_zi = lfilter([1.0 - a], [1.0, -a], self._rng.standard_normal(n), zi=self._water_zi)
        lap_rate = 0.12 + 0.35 * motion
        water *= 0.55 + 0.45 * np.sin(2.0 * math.pi * lap_rate * t) ** 2

        # Wind: band-passed noise whose centre wanders slowly and rises with motion.
        centre = (350.0 + 700.0 * motion) * (1.0 + 0.2 * math.sin(2.0 * math.pi * 0.05 * self._t / sr))
        r = 0.985
        theta = 2.0 * math.pi * centre / sr
        b, a2 = [1.0 - r], [1.0, -2.0 * r * math.cos(theta), r * r]
        wind, self._wind_zi = lfilter(b, a2, self._rng.standard_normal(n), zi=self._wind_zi)
        wind *= 0.6 + 0.4 * np.sin(2.0 * math.pi * 0.07 * t + 1.3)

        # Soft tones: a drone chord; warmth lowers it and softens its overtones; it swells on inhale.
        root = 146.83 * (1.0 - 0.25 * warmth)
        freqs = np.array([1.0, 1.5, 2.0, 2.0, 3.0, 4.0]) * root
        overtones = np.array([0.0, 0.0, 0.0, 0.25, 0.18, 0.1])
        weights = np.array([1.0, 0.6, 0.4, 0.0, 0.0, 0.0]) + (1.0 - warmth) * overtones
        steps = np.arange(1, n + 1)[:, None] / sr
        phases = self._tone_phase[None, :] + 2.0 * math.pi * freqs[None, :] * steps
        self._tone_phase = phases[-1] % (2.0 * math.pi)
        swell = 0.7 + 0.3 * (0.5 - 0.5 * math.cos(2.0 * math.pi * phase))
        tones = (np.sin(phases) @ weights) * swell / weights.sum()

        water_mix, wind_mix, tone_mix = self.mix
        out = (
            0.9 * water_mix * g[:, 0] * water / 0.15
            + 0.9 * wind_mix * g[:, 1] * wind / 0.1
            + 0.35 * tone_mix * g[:, 2] * tones
        )
        out = np.tanh(0.5 * out * g[:, 3])
        self._t += n
        return out.astype(np.float32)


def rms(samples: np.ndarray) -> float:
    """Root-mean-square level of a block."""
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


class AmbientAudio:
    """Streams an AmbientSynth through pyglet.media (pulse, OpenAL, or the silent driver)."""

    def __init__(self, mix: tuple[float, float, float], params: SceneParams):
        import pyglet

        drivers = os.environ.get("OASIS_AUDIO")
        pyglet.options["audio"] = tuple(drivers.split(",")) if drivers else AUDIO_DRIVERS
        import pyglet.media
        from pyglet.media.codecs.base import AudioData, AudioFormat, Source

        self.synth = AmbientSynth(mix, params)
        self._lock = threading.Lock()
        self.blocks = 0
        audio = self

        class _Stream(Source):
            def __init__(self) -> None:
                self._duration = None
                # pyglet declares ``audio_format = None`` on Source, so mypy infers the type None
                self.audio_format = AudioFormat(channels=1, sample_size=16, sample_rate=SAMPLE_RATE)  # type: ignore[assignment]

            def get_audio_data(self, num_bytes: int, compensation_time: float = 0.0) -> AudioData:
                n = max(256, min(int(num_bytes) // 2, SAMPLE_RATE // 2))
                with audio._lock:
                    block = audio.synth.render(n)
                    audio.blocks += 1
                data = (block * 32767.0).astype("<i2").tobytes()
                return AudioData(data, len(data))

        self.driver_name = type(pyglet.media.get_audio_driver()).__name__
        self.player = pyglet.media.Player()
        self.player.queue(_Stream())
        self.player.play()

    def update(self, params: SceneParams) -> None:
        """Follow the current (eased) parameter values."""
        with self._lock:
            self.synth.set_params(params)

    def close(self) -> None:
        self.player.pause()
        self.player.delete()
