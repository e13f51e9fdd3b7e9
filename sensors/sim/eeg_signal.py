"""Simulated 8-channel scalp EEG (µV, 250 Hz).

Per channel: a 1/f ("pink") background plus a little amplifier noise; a posterior alpha rhythm
(narrow band around the individual alpha frequency, strongest on O1/O2) whose amplitude grows as
the officer relaxes and waxes and wanes slowly; eye blinks on the frontal channels (more often under
stress); and bursts of broadband muscle (EMG) activity whose rate rises steeply with arousal.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from sensors.sim.officer_state import Scenario
from sensors.sim.signal_generator import EventTrain, SignalGenerator, noise_gain, seeded_rng
from sensors.types import StreamKind

LABELS = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "O1", "O2")
# how strongly each source reaches each channel (order of LABELS)
ALPHA_WEIGHT = np.array([0.1, 0.1, 0.25, 0.25, 0.5, 0.5, 1.0, 1.0])
BLINK_WEIGHT = np.array([1.0, 1.0, 0.4, 0.4, 0.1, 0.1, 0.0, 0.0])
EMG_WEIGHT = np.array([1.0, 1.0, 0.8, 0.8, 0.5, 0.5, 0.3, 0.3])

# Paul Kellet's "economy" pinking filter: -10 dB/decade over ~4 decades below Nyquist.
_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])

BACKGROUND_UV = 10.0  # RMS of the 1/f background
AMPLIFIER_UV = 1.0  # RMS of white amplifier noise
_WARMUP_S = 4.0  # filters run this long at start so the first samples are already stationary


def alpha_rms_uv(arousal: np.ndarray | float) -> np.ndarray:
    """RMS (µV) of the alpha rhythm on O1/O2: ~11 µV relaxed, ~5 µV stressed."""
    return 4.0 + 8.0 * (1.0 - np.asarray(arousal))


class EegGenerator(SignalGenerator):
    """8-channel EEG: ``next_chunk(n)`` returns ``(n, 8)`` µV in the order of :data:`LABELS`.

    ``iaf_hz`` is the individual alpha frequency (peak of the alpha rhythm).
    """

    kind = StreamKind.EEG
    fs = 250.0
    labels = LABELS
    units = ("microvolts",) * len(LABELS)
    channel_type = "EEG"
    scale = 60.0

    def __init__(self, scenario: Scenario, seed: int = 0, iaf_hz: float = 10.0) -> None:
        super().__init__(scenario, seed)
        if not 6.0 <= iaf_hz <= 14.0:
            raise ValueError(f"individual alpha frequency must be within 6..14 Hz, got {iaf_hz}")
        self.iaf_hz = iaf_hz
        nch = len(LABELS)
        self._noise = seeded_rng(seed, "eeg.background")
        self._amplifier_noise = seeded_rng(seed, "eeg.amplifier")
        self._alpha_noise = seeded_rng(seed, "eeg.alpha")
        self._emg_noise = seeded_rng(seed, "eeg.emg")
        self._pink_gain = BACKGROUND_UV / noise_gain(_PINK_B, _PINK_A)
        self._pink_zi = np.zeros((len(_PINK_A) - 1, nch))
        # low-order filters as (b, a): lfilter costs far less per small chunk than sosfilt
        self._alpha_ba = signal.butter(2, [iaf_hz - 1.0, iaf_hz + 1.0], "bandpass", fs=self.fs)
        self._alpha_zi = np.zeros((4, 3))  # sources: common, left, right
        self._alpha_gain = 1.0 / noise_gain(*self._alpha_ba)
        self._envelope_ba = signal.butter(2, 0.3, "lowpass", fs=self.fs)
        self._envelope_zi = np.zeros((2, 1))
        self._envelope_gain = 0.35 / noise_gain(*self._envelope_ba)
        self._emg_ba = signal.butter(2, [20.0, 100.0], "bandpass", fs=self.fs)
        self._emg_zi = np.zeros((4, nch))
        self._blinks = EventTrain(
            seeded_rng(seed, "eeg.blinks"),
            rate=lambda t: (8.0 + 16.0 * float(self.scenario.arousal(t))) / 60.0,
            max_rate=24.0 / 60.0,
            draw=lambda rng, t: (rng.uniform(70.0, 150.0), rng.uniform(0.25, 0.45)),
        )
        self._emg_bursts = EventTrain(
            seeded_rng(seed, "eeg.emg_bursts"),
            rate=lambda t: 10.0 * float(self.scenario.arousal(t)) ** 2 / 60.0,
            max_rate=10.0 / 60.0,
            draw=lambda rng, t: (rng.uniform(20.0, 60.0), rng.uniform(0.5, 2.0)),
        )
        self._filtered_noise(int(_WARMUP_S * self.fs))

    def _filtered_noise(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Next ``n`` samples of pink background, alpha sources, alpha envelope and EMG noise."""
        nch = len(LABELS)
        pink, self._pink_zi = signal.lfilter(
            _PINK_B, _PINK_A, self._noise.standard_normal((n, nch)), axis=0, zi=self._pink_zi
        )
        white = AMPLIFIER_UV * self._amplifier_noise.standard_normal((n, nch))
        raw_alpha = self._alpha_noise.standard_normal((n, 4))
        alpha, self._alpha_zi = signal.lfilter(*self._alpha_ba, raw_alpha[:, :3], axis=0, zi=self._alpha_zi)
        envelope, self._envelope_zi = signal.lfilter(
            *self._envelope_ba, raw_alpha[:, 3:], axis=0, zi=self._envelope_zi
        )
        emg, self._emg_zi = signal.lfilter(
            *self._emg_ba, self._emg_noise.standard_normal((n, nch)), axis=0, zi=self._emg_zi
        )
        return self._pink_gain * pink + white, self._alpha_gain * alpha, envelope[:, 0], emg

    def _render(self, t: np.ndarray) -> np.ndarray:
        background, alpha_src, envelope, emg = self._filtered_noise(len(t))
        waxing = np.clip(1.0 + self._envelope_gain * envelope, 0.2, None)
        amp = alpha_rms_uv(self.scenario.arousal(t)) * waxing
        # posterior alpha: mostly one common source, partly a per-hemisphere one (left: odd-numbered
        # electrodes, source 1; right: even-numbered, source 2)
        hemisphere = 1 + np.tile([0, 1], len(LABELS) // 2)
        alpha = amp[:, None] * (0.8 * alpha_src[:, :1] + 0.6 * alpha_src[:, hemisphere]) * ALPHA_WEIGHT
        out = background + alpha
        t0, t1 = float(t[0]), float(t[-1]) + 1.0 / self.fs
        for onset, height, duration in self._blinks.between(t0 - 1.0, t1):
            phase = np.clip((t - onset) / duration, 0.0, 1.0)  # zero outside the blink, whatever the chunks
            out += (height * np.sin(np.pi * phase) ** 2)[:, None] * BLINK_WEIGHT
        for onset, rms, duration in self._emg_bursts.between(t0 - 2.5, t1):
            phase = np.clip((t - onset) / duration, 0.0, 1.0)
            window = rms * np.sin(np.pi * phase) ** 2
            out += window[:, None] * emg * EMG_WEIGHT
        return out
