"""A deterministic simulated officer, as feature snapshots: for tests, demos and ``protocol simulate``.

The officer breathes with the protocol's pacer (spontaneously at 12/min when it is off). Heart
rate swings with each breath (respiratory sinus arrhythmia) with a peak-trough amplitude that is
largest at the officer's resonance rate (a Gaussian in breaths/min), and LF power follows the
square of that amplitude with a 20 s lag, as a windowed spectral estimate would. Coherence, alpha
and skin conductance follow a relaxation curve 0..1 over the session. Noise comes from a seeded
numpy generator, so the same arguments always give the same snapshots.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from protocols.engine import pacer_rate, start
from protocols.protocol_model import Protocol
from sensors.types import FEATURES, FeatureSnapshot, Level, Verdict

SPONTANEOUS_RATE = 12.0  # breaths/min when no pacer guides
LF_LAG_S = 20.0


@dataclass(frozen=True)
class Officer:
    """Physiology of the simulated officer."""

    hr_rest: float = 72.0  # bpm
    rsa_peak: float = 14.0  # peak-trough HR swing at the resonance rate, bpm
    rsa_floor: float = 3.0  # swing far from resonance, bpm
    resonance_rate: float = 5.5  # breaths/min
    resonance_width: float = 0.5  # SD of the resonance curve, breaths/min
    coherence_rest: float = 0.8
    coherence_gain: float = 1.6  # added at full relaxation
    alpha_rest: float = 0.22
    alpha_gain: float = 0.10
    scl_rest: float = 6.0  # uS
    noise: float = 1.0  # scales every noise term

    def rsa_amplitude(self, rate: float) -> float:
        """Peak-trough HR swing (bpm) when breathing at ``rate`` breaths/min."""
        bump = math.exp(-0.5 * ((rate - self.resonance_rate) / self.resonance_width) ** 2)
        return self.rsa_floor + (self.rsa_peak - self.rsa_floor) * bump


@dataclass(frozen=True)
class Dropout:
    """Between ``start_s`` and ``end_s`` of the session, ``features`` are spoiled the given way."""

    start_s: float
    end_s: float
    features: tuple[str, ...]
    mode: str = "bad"  # "bad": value kept, verdict bad; "missing": NaN + bad; "gap": no snapshots at all


@dataclass(frozen=True)
class Scenario:
    """How the session goes: relaxation over time, dropouts and extra heart-rate load."""

    relax: Callable[[float], float] = lambda s: min(1.0, s / 300.0)
    dropouts: tuple[Dropout, ...] = ()
    hr_extra: Callable[[float], float] = lambda s: 0.0  # bpm added at elapsed time s
    officer: Officer = field(default_factory=Officer)


def breathing_schedule(protocol: Protocol, resonance_rate: float | None = None) -> Callable[[float], float]:
    """Breaths/min an officer following ``protocol``'s pacer breathes at, by elapsed seconds."""
    state = start(protocol, 0.0, resonance_rate)
    ends = np.cumsum([p.duration_s for p in protocol.phases])
    rates = [pacer_rate(p.pacer, state) if p.pacer else SPONTANEOUS_RATE for p in protocol.phases]

    def rate_at(elapsed: float) -> float:
        i = int(np.searchsorted(ends, elapsed, side="right"))
        return rates[min(i, len(rates) - 1)]

    return rate_at


def simulate(
    duration_s: float,
    breathing: Callable[[float], float],
    scenario: Scenario | None = None,
    rate_hz: float = 10.0,
    t0: float = 1000.0,
    seed: int = 0,
) -> Iterator[FeatureSnapshot]:
    """Yield feature snapshots at ``rate_hz`` for ``duration_s`` seconds, starting at LSL time ``t0``."""
    sc = scenario or Scenario()
    o = sc.officer
    rng = np.random.default_rng(seed)
    dt = 1.0 / rate_hz
    breath_pos = 0.0
    lf = (o.rsa_amplitude(SPONTANEOUS_RATE) * 12.0) ** 2
    drift = {"coherence": 0.0, "alpha_rel": 0.0, "hr": 0.0, "scl": 0.0}
    n = round(duration_s * rate_hz)
    for i in range(n + 1):
        s = i * dt
        rate = breathing(s)
        breath_pos += rate / 60.0 * dt
        relax = min(1.0, max(0.0, sc.relax(s)))
        for key, tau in (("coherence", 8.0), ("alpha_rel", 4.0), ("hr", 15.0), ("scl", 30.0)):
            drift[key] += -drift[key] * dt / tau + math.sqrt(2 * dt / tau) * rng.standard_normal()
        swing = o.rsa_amplitude(rate)
        lf += ((swing * 12.0) ** 2 - lf) * (1.0 - math.exp(-dt / LF_LAG_S))
        nz = o.noise
        hr = (
            o.hr_rest
            - 6.0 * relax
            + 0.5 * swing * math.sin(2 * math.pi * breath_pos)
            + 1.5 * nz * drift["hr"]
        )
        hr += sc.hr_extra(s)
        resonance_bonus = (swing - o.rsa_floor) / (o.rsa_peak - o.rsa_floor)
        values = {
            "hr": hr,
            "rmssd": 25.0 + 20.0 * relax + 1.5 * swing,
            "sdnn": 35.0 + 15.0 * relax + 2.0 * swing,
            "pnn50": 8.0 + 10.0 * relax,
            "lf": lf * (1.0 + 0.05 * nz * rng.standard_normal()),
            "hf": 400.0 + 300.0 * relax,
            "coherence": max(0.0, o.coherence_rest + o.coherence_gain * relax * (0.5 + 0.5 * resonance_bonus)
                             + 0.35 * nz * drift["coherence"]),
            "resp_rate": rate,
            "corrected_share": 1.0,
            "alpha_rel": min(0.9, max(0.02, o.alpha_rest + o.alpha_gain * relax
                                      + 0.03 * nz * drift["alpha_rel"])),
            "iaf": 10.0,
            "faa": 0.05,
            "scl": max(0.5, o.scl_rest - 1.5 * relax + 0.2 * nz * drift["scl"]),
            "scr_rate": max(0.0, 4.0 - 3.0 * relax),
        }  # fmt: skip
        values["ihr"] = hr  # this officer's hr already swings with each breath, as a beat-to-beat HR does
        values["lf_hf"] = values["lf"] / values["hf"]
        values["alpha_beta"] = values["alpha_rel"] / 0.15
        values["theta_alpha"] = 0.12 / values["alpha_rel"]
        quality = {name: Verdict.good() for name in FEATURES}
        gap = False
        for d in sc.dropouts:
            if d.start_s <= s < d.end_s:
                gap = gap or d.mode == "gap"
                for name in d.features:
                    quality[name] = Verdict(Level.BAD, f"simulated {d.mode}")
                    if d.mode == "missing":
                        values[name] = math.nan
        if not gap:
            yield FeatureSnapshot(t0 + s, values, quality)
