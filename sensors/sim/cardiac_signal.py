"""Simulated heart: one beat train feeding ECG (500 Hz, mV), PPG (100 Hz) and an RR stream (ms).

The beat train sets each RR interval from the officer's state:

* mean heart rate 58 bpm (relaxed) … 98 bpm (stressed);
* respiratory sinus arrhythmia (RSA): the interval shortens during inspiration and lengthens during
  expiration, at the breathing rate, larger when relaxed and when breathing is slow, and up to twice
  as large when the officer breathes at their resonance rate (:func:`resonance_gain`);
* a ~0.1 Hz (LF, baroreflex) rhythm with a slowly wandering phase, relatively larger under stress;
* beat-to-beat jitter and occasional ectopic (premature) beats followed by a compensatory pause.

Beats are recorded (:attr:`BeatTrain.times`, :attr:`BeatTrain.ectopic`) so tests know them.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from sensors.sim.officer_state import Scenario
from sensors.sim.signal_generator import SignalGenerator, seeded_rng
from sensors.types import StreamKind

ECTOPIC_PER_MIN = 0.5


def mean_hr_bpm(arousal: np.ndarray | float) -> np.ndarray:
    """Mean heart rate (bpm) for an arousal."""
    return 58.0 + 40.0 * np.asarray(arousal)


RESONANCE_BOOST = 1.0  # extra RSA at the resonance rate, as a share of the ordinary RSA (×2 at the peak)
RESONANCE_WIDTH_BPM = 0.5  # SD of the resonance peak, breaths/min


def resonance_gain(breathing_bpm: float, resonance_bpm: float | None) -> float:
    """Factor (1 … 1 + RESONANCE_BOOST) on the RSA when breathing at ``breathing_bpm``.

    Breathing near the resonance frequency of the baroreflex loop (about 0.1 Hz: 4.5-7 breaths/min,
    individual; Vaschillo et al. 2002, Lehrer & Gevirtz 2014) makes the heart-rate oscillation
    largest, because the respiratory and baroreflex rhythms then reinforce each other. Modelled as a
    Gaussian gain in breathing frequency around ``resonance_bpm`` on top of the ordinary (vagal)
    RSA, not as a damped second-order resonator: a resonator's response falls as 1/f² above its
    peak and would erase the RSA at spontaneous rates (12-17/min), which vagal RSA keeps; and the
    Gaussian is how the assessment literature draws an officer's amplitude-versus-rate curve (one
    symmetric peak, neighbouring 0.5-breath steps clearly lower). It acts at once, with no build-up
    over breaths: an officer's assessment blocks last minutes, far longer than the loop's ~10 s.
    ``None`` (no resonance known) gives 1 everywhere.
    """
    if resonance_bpm is None:
        return 1.0
    return 1.0 + RESONANCE_BOOST * math.exp(
        -0.5 * ((breathing_bpm - resonance_bpm) / RESONANCE_WIDTH_BPM) ** 2
    )


def rsa_ms(arousal: float, breathing_bpm: float, resonance_bpm: float | None = None) -> float:
    """Half-amplitude (ms) of the RSA oscillation of RR; larger relaxed, with slow breathing and at
    the officer's resonance rate (``resonance_bpm``; ``None``: no resonance peak)."""
    vagal = (10.0 + 50.0 * (1.0 - arousal)) * float(np.clip(12.0 / breathing_bpm, 0.6, 1.6))
    return vagal * resonance_gain(breathing_bpm, resonance_bpm)


def lf_ms(arousal: float) -> float:
    """Half-amplitude (ms) of the ~0.1 Hz LF oscillation of RR."""
    return 15.0 + 10.0 * arousal


class BeatTrain:
    """Heart beat times (s, simulated time), generated on demand and kept in order.

    ``times[i]`` is the i-th R peak; ``ectopic[i]`` says whether that beat was premature.
    """

    LF_HZ = 0.1

    def __init__(self, scenario: Scenario, seed: int = 0, ectopic_per_min: float = ECTOPIC_PER_MIN) -> None:
        self.scenario = scenario
        self._rng = seeded_rng(seed, "cardiac.beats")
        self._ectopic_per_min = ectopic_per_min
        self._lf_phase = self._rng.uniform(0.0, 2 * np.pi)
        self._pending_pause_s = 0.0  # compensatory lengthening owed after an ectopic beat
        self.times: list[float] = [float(self._rng.uniform(0.0, 0.5))]
        self.ectopic: list[bool] = [False]

    def _next_interval(self, t: float) -> tuple[float, bool]:
        arousal = float(self.scenario.arousal(t))
        breathing = float(self.scenario.breathing(t))
        cycles = float(self.scenario.breath_cycles(t))
        mean_rr = 60.0 / float(mean_hr_bpm(arousal))
        rr = mean_rr
        rr -= rsa_ms(arousal, breathing, self.scenario.resonance_bpm) / 1000.0 * np.sin(2 * np.pi * cycles)
        rr += lf_ms(arousal) / 1000.0 * np.sin(self._lf_phase)
        rr += self._rng.normal(0.0, 0.008)
        self._lf_phase += 2 * np.pi * self.LF_HZ * rr + self._rng.normal(0.0, 0.15)
        premature = self._rng.random() < self._ectopic_per_min / 60.0 * mean_rr
        if self._pending_pause_s:
            rr, self._pending_pause_s = rr + self._pending_pause_s, 0.0
        elif premature:
            self._pending_pause_s = 0.4 * rr
            return 0.6 * rr, True
        return rr, False

    def extend_to(self, t: float) -> None:
        """Generate beats until the last one lies beyond ``t``."""
        while self.times[-1] <= t:
            rr, premature = self._next_interval(self.times[-1])
            self.times.append(self.times[-1] + rr)
            self.ectopic.append(premature)

    def index_range(self, t0: float, t1: float) -> range:
        """Indices of beats with ``t0 <= time < t1``."""
        self.extend_to(t1)
        return range(bisect.bisect_left(self.times, t0), bisect.bisect_left(self.times, t1))


# ECG waves as (offset s from R, amplitude mV, width s); offsets and widths after R scale with
# sqrt(RR) (Bazett), as the QT interval does.
_NORMAL_WAVES = np.array(
    [
        (-0.16, 0.12, 0.025),  # P
        (-0.025, -0.10, 0.010),  # Q
        (0.0, 1.10, 0.011),  # R
        (0.028, -0.25, 0.011),  # S
        (0.28, 0.30, 0.060),  # T
    ]
)
_ECTOPIC_WAVES = np.array([(0.0, 1.50, 0.030), (0.07, -0.50, 0.030), (0.32, -0.40, 0.070)])


class EcgGenerator(SignalGenerator):
    """Single-lead ECG (mV) with PQRST morphology at the beats of a :class:`BeatTrain`.

    Ectopic beats have no P wave, a wide QRS and an inverted T wave. Breathing adds a baseline
    wander and a small modulation of the QRS amplitude. Pass ``beats`` to share one heart with
    the PPG and RR generators.
    """

    kind = StreamKind.ECG
    fs = 500.0
    labels = ("ECG",)
    units = ("millivolts",)
    channel_type = "ECG"
    scale = 1.5

    def __init__(self, scenario: Scenario, seed: int = 0, beats: BeatTrain | None = None) -> None:
        super().__init__(scenario, seed)
        self.beats = beats or BeatTrain(scenario, seed)
        self._noise = seeded_rng(seed, "ecg.noise")

    def _render(self, t: np.ndarray) -> np.ndarray:
        cycles = self.scenario.breath_cycles(t)
        out = 0.08 * np.sin(2 * np.pi * cycles) + self._noise.normal(0.0, 0.01, len(t))
        t0 = float(t[0])
        for i in self.beats.index_range(t0 - 0.8, float(t[-1]) + 0.3):
            r_time = self.beats.times[i]
            rr = r_time - self.beats.times[i - 1] if i else 0.9
            stretch = np.sqrt(np.clip(rr, 0.4, 1.5))
            gain = 1.0 + 0.05 * np.sin(2 * np.pi * float(self.scenario.breath_cycles(r_time)))
            waves = _ECTOPIC_WAVES if self.beats.ectopic[i] else _NORMAL_WAVES
            lo = max(0, int(np.floor((r_time - 0.3 - t0) * self.fs)))
            hi = min(len(t), int(np.ceil((r_time + 0.8 - t0) * self.fs)))
            if lo >= hi:
                continue
            offset, amplitude, width = waves.T
            late = np.where(offset > 0.05, stretch, 1.0)  # waves after the QRS stretch with RR
            local = (t[lo:hi] - r_time)[:, None]
            out[lo:hi] += gain * np.exp(-0.5 * ((local - offset * late) / (width * late)) ** 2) @ amplitude
        return out[:, None]


class PpgGenerator(SignalGenerator):
    """Finger photoplethysmogram (arbitrary units) from the same beats as the ECG.

    Each pulse starts one pulse transit delay after its R peak (~0.26 s relaxed, shorter under
    stress), rises to a systolic peak and shows a dicrotic wave; amplitude shrinks under stress
    (vasoconstriction). Breathing modulates the baseline.
    """

    kind = StreamKind.PPG
    fs = 100.0
    labels = ("PPG",)
    units = ("a.u.",)
    channel_type = "PPG"
    scale = 1.0

    def __init__(self, scenario: Scenario, seed: int = 0, beats: BeatTrain | None = None) -> None:
        super().__init__(scenario, seed)
        self.beats = beats or BeatTrain(scenario, seed)
        self._noise = seeded_rng(seed, "ppg.noise")

    def transit_delay_s(self, arousal: float) -> float:
        """Delay (s) from an R peak to the foot of its pulse at the finger."""
        return 0.26 - 0.06 * arousal

    def _render(self, t: np.ndarray) -> np.ndarray:
        cycles = self.scenario.breath_cycles(t)
        out = 0.1 * np.sin(2 * np.pi * cycles) + self._noise.normal(0.0, 0.01, len(t))
        t0 = float(t[0])
        for i in self.beats.index_range(t0 - 1.5, float(t[-1]) + 0.1):
            r_time = self.beats.times[i]
            arousal = float(self.scenario.arousal(r_time))
            foot = r_time + self.transit_delay_s(arousal)
            lo = max(0, int(np.floor((foot - 0.3 - t0) * self.fs)))
            hi = min(len(t), int(np.ceil((foot + 1.2 - t0) * self.fs)))
            if lo >= hi:
                continue
            rr = r_time - self.beats.times[i - 1] if i else 0.9
            stretch = np.sqrt(np.clip(rr, 0.4, 1.5))
            amplitude = (1.2 - 0.6 * arousal) * (0.6 if self.beats.ectopic[i] else 1.0)
            local = t[lo:hi] - foot
            out[lo:hi] += amplitude * np.exp(-0.5 * ((local - 0.13 * stretch) / (0.05 * stretch)) ** 2)
            out[lo:hi] += 0.35 * amplitude * np.exp(-0.5 * ((local - 0.36 * stretch) / (0.07 * stretch)) ** 2)
        return out[:, None]


class RrGenerator:
    """The RR stream: one value per beat, the interval (ms) ending at that beat; irregular rate.

    ``next_chunk(n)`` returns the next ``n`` intervals as ``(n, 1)``; ``until(t)`` returns the beat
    times and intervals of the beats up to simulated time ``t`` not yet returned, for publishing
    each value at its beat's time.
    """

    kind = StreamKind.RR
    fs = 0.0  # irregular rate (LSL IRREGULAR_RATE)
    labels = ("RR",)
    units = ("ms",)
    channel_type = "RR"
    channel_count = 1
    scale = 200.0

    def __init__(self, scenario: Scenario, seed: int = 0, beats: BeatTrain | None = None) -> None:
        self.scenario = scenario
        self.beats = beats or BeatTrain(scenario, seed)
        self._next_beat = 1  # the first beat has no preceding interval

    def _take(self, stop: int) -> tuple[np.ndarray, np.ndarray]:
        times = np.asarray(self.beats.times[self._next_beat - 1 : stop])
        self._next_beat = max(stop, self._next_beat)
        return times[1:], 1000.0 * np.diff(times)[:, None]

    def next_chunk(self, n: int) -> np.ndarray:
        """The next ``n`` RR intervals (ms) as a ``(n, 1)`` float64 array."""
        while len(self.beats.times) < self._next_beat + n:
            self.beats.extend_to(self.beats.times[-1])
        return self._take(self._next_beat + n)[1]

    def until(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Beat times (s) and RR intervals ``(k, 1)`` (ms) of the new beats at or before ``t``."""
        self.beats.extend_to(t)
        return self._take(bisect.bisect_right(self.beats.times, t))
