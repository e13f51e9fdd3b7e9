"""Simulated electrodermal activity (skin conductance, µS, 32 Hz).

Tonic level: follows arousal (about 3 µS relaxed, 9 µS stressed) with a 20 s lag, plus a slow
random drift. Phasic skin conductance responses (SCRs): random onsets whose rate (1 … 8 per minute)
and mean amplitude (0.05 … 0.45 µS) rise with arousal, each a bi-exponential rise and recovery.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from sensors.sim.officer_state import Scenario
from sensors.sim.signal_generator import EventTrain, SignalGenerator, noise_gain, seeded_rng
from sensors.types import StreamKind

TONIC_LAG_S = 20.0
SCR_RISE_S = 0.75
SCR_DECAY_S = 2.0
_SCR_LENGTH_S = 30.0  # an SCR is cut after this long (exp(-15) of its height)
# time of the peak of exp(-t/decay) - exp(-t/rise), used to normalise SCRs to unit height
_SCR_PEAK_T = np.log(SCR_DECAY_S / SCR_RISE_S) * SCR_RISE_S * SCR_DECAY_S / (SCR_DECAY_S - SCR_RISE_S)
_SCR_PEAK = np.exp(-_SCR_PEAK_T / SCR_DECAY_S) - np.exp(-_SCR_PEAK_T / SCR_RISE_S)


def tonic_target_us(arousal: np.ndarray | float) -> np.ndarray:
    """Skin conductance level (µS) the tonic component moves toward."""
    return 2.0 + 8.0 * np.asarray(arousal)


def scr_per_min(arousal: float) -> float:
    """Rate of skin conductance responses (1/min)."""
    return 1.0 + 7.0 * arousal


def scr_shape(t: np.ndarray) -> np.ndarray:
    """Unit-height SCR at ``t`` seconds after its onset (zero before)."""
    t = np.maximum(t, 0.0)
    return (np.exp(-t / SCR_DECAY_S) - np.exp(-t / SCR_RISE_S)) / _SCR_PEAK


class EdaGenerator(SignalGenerator):
    """Skin conductance (µS): ``next_chunk(n)`` returns ``(n, 1)``. SCR onsets are in :attr:`scr_onsets`."""

    kind = StreamKind.EDA
    fs = 32.0
    labels = ("EDA",)
    units = ("microsiemens",)
    channel_type = "EDA"
    scale = 1.0

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(scenario, seed)
        self._noise = seeded_rng(seed, "eda.noise")
        self._drift_noise = seeded_rng(seed, "eda.drift")
        alpha = 1.0 / (TONIC_LAG_S * self.fs)
        self._lag = (np.array([alpha]), np.array([1.0, alpha - 1.0]))
        self._lag_zi = signal.lfiltic(*self._lag, y=[float(tonic_target_us(scenario.arousal(0.0)))])
        self._drift_ba = signal.butter(2, 0.01, "lowpass", fs=self.fs)
        self._drift_zi = np.zeros(2)
        self._drift_gain = 0.3 / noise_gain(*self._drift_ba)  # 0.3 µS RMS drift
        self._scrs = EventTrain(
            seeded_rng(seed, "eda.scr"),
            rate=lambda t: scr_per_min(float(self.scenario.arousal(t))) / 60.0,
            max_rate=8.0 / 60.0,
            draw=lambda rng, t: (rng.exponential(0.05 + 0.4 * float(self.scenario.arousal(t))),),
        )
        self.scr_onsets: list[float] = []

    def _render(self, t: np.ndarray) -> np.ndarray:
        target = tonic_target_us(self.scenario.arousal(t))
        tonic, self._lag_zi = signal.lfilter(*self._lag, target, zi=self._lag_zi)
        drift, self._drift_zi = signal.lfilter(
            *self._drift_ba, self._drift_noise.standard_normal(len(t)), zi=self._drift_zi
        )
        out = tonic + self._drift_gain * drift + self._noise.normal(0.0, 0.003, len(t))
        t1 = float(t[-1]) + 1.0 / self.fs
        for onset, amplitude in self._scrs.between(float(t[0]) - _SCR_LENGTH_S, t1):
            since = t - onset
            out += amplitude * scr_shape(since) * (since < _SCR_LENGTH_S)  # same cut whatever the chunking
            if onset >= float(t[0]):
                self.scr_onsets.append(onset)
        return np.maximum(out, 0.05)[:, None]
