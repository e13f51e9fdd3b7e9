"""EEG eyes open, then eyes closed: individual alpha frequency (IAF) and alpha reactivity.

The signal path is the pipeline's own (sensors.features.eeg_bands.EEGWindowing: band-pass + notch, 2-s
Welch windows every 0.25 s, artifact flags), so the numbers match what sessions use. Per step, only
clean windows (no artifact flag, quality not bad) that start ``settle_s`` after the step began are
kept (the officer needs a moment to open or close the eyes).

* Reactivity = eyes-closed / eyes-open relative alpha (8–13 Hz share of 1–45 Hz), per channel and
  over the channels' mean. Relative alpha is used because it does not depend on the amplifier's gain
  or on electrode impedance, which change between headsets; the absolute alpha power ratio is
  reported too. ≥ 1.5 good (passed), 1.2–1.5 weak, < 1.2 no reactivity.
* IAF = the alpha peak (7–13.5 Hz, parabolic refinement) of the mean eyes-closed clean spectrum of the
  posterior channels (all when none is labelled posterior): sensors.features.eeg_bands's function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sensors.features.eeg_bands import POSTERIOR, EEGWindowing, individual_alpha_frequency, pick_channels
from sensors.lsl.inlet import Inlet
from sensors.types import Level
from station.calibration.procedure import Message, Procedure, Result, Step
from station.calibration.settings import EegReactivitySettings

ALPHA = 2  # index of alpha in sensors.features.eeg_bands.BANDS
GOOD_REACTIVITY, WEAK_REACTIVITY = 1.5, 1.2
MIN_CLEAN_WINDOWS = 8  # 2 s of 0.25-s hops: fewer clean windows than this is too little EEG


@dataclass
class _Clean:
    """Clean windows of one step, per channel: alpha power, relative alpha, and spectra."""

    alpha: list[list[float]]
    relative: list[list[float]]
    spectra: list[list[np.ndarray]]

    @staticmethod
    def empty(n: int) -> _Clean:
        return _Clean([[] for _ in range(n)], [[] for _ in range(n)], [[] for _ in range(n)])


class EegReactivity(Procedure):
    name = "eeg"
    sensor = "EEG"

    def __init__(
        self, source: Callable[[], Inlet | None], settings: EegReactivitySettings | None = None
    ) -> None:
        self.settings = s = settings or EegReactivitySettings()
        steps = [Step("cal_eeg_open", s.eyes_open_s), Step("cal_eeg_closed", s.eyes_closed_s)]
        super().__init__(source, steps)
        self.core: EEGWindowing | None = None
        self.labels: list[str] = []
        self._clean: list[_Clean] = []
        self._step_start = 0  # EEGWindowing sample count when the step (re)started

    def _attach(self, inlet: Inlet) -> None:
        d = inlet.description
        self.labels = [label or f"ch{i + 1}" for i, label in enumerate(d.labels)]
        self.core = EEGWindowing(d.nominal_srate, d.channel_count)
        self._clean = [_Clean.empty(d.channel_count) for _ in self.steps]
        self._step_start = 0

    def _take(self, step: int, data: np.ndarray, times: np.ndarray) -> None:
        core = self.core
        assert core is not None  # _attach made it before the first samples
        first_end = self._step_start + core.window + round(self.settings.settle_s * core.fs)
        clean = self._clean[step]
        for window in core.push(data):
            if window.end < first_end:
                continue
            for ch, flag in enumerate(window.flags):
                if flag or window.verdicts[ch].level is Level.BAD:
                    continue
                total = float(window.bands[ch].sum())
                clean.alpha[ch].append(float(window.bands[ch, ALPHA]))
                clean.relative[ch].append(float(window.bands[ch, ALPHA]) / total if total > 0 else math.nan)
                clean.spectra[ch].append(window.psd[ch])

    def _reset_step(self, step: int) -> None:
        self._clean[step] = _Clean.empty(len(self.labels))
        self._step_start = self.core.n_seen if self.core else 0

    def _live(self) -> Message | None:
        if not self._clean:
            return None
        recent = [r[-8:] for r in self._clean[self.step].relative if r]
        if not recent:
            return None
        return Message("cal_live_alpha", {"value": 100.0 * float(np.nanmean(np.concatenate(recent)))})

    def _result(self) -> Result:
        opened, closed = self._clean
        values: dict[str, float] = {}
        per_channel_open, per_channel_closed = [], []
        for ch, label in enumerate(self.labels):
            if len(opened.relative[ch]) < MIN_CLEAN_WINDOWS or len(closed.relative[ch]) < MIN_CLEAN_WINDOWS:
                continue
            rel_open, rel_closed = np.nanmean(opened.relative[ch]), np.nanmean(closed.relative[ch])
            per_channel_open.append((rel_open, np.mean(opened.alpha[ch])))
            per_channel_closed.append((rel_closed, np.mean(closed.alpha[ch])))
            values[f"reactivity_{label}"] = float(rel_closed / rel_open) if rel_open > 0 else math.nan
        if not per_channel_open:
            return Result(self.name, self.sensor, self.device, False, Message("cal_eeg_too_few"), values)
        rel_open, alpha_open = np.mean(per_channel_open, axis=0)
        rel_closed, alpha_closed = np.mean(per_channel_closed, axis=0)
        reactivity = float(rel_closed / rel_open) if rel_open > 0 else math.nan
        values.update(
            {
                "alpha_rel_open": float(rel_open),
                "alpha_rel_closed": float(rel_closed),
                "alpha_reactivity": reactivity,
                "alpha_power_ratio": float(alpha_closed / alpha_open) if alpha_open > 0 else math.nan,
                "channels_used": float(len(per_channel_open)),
            }
        )
        chosen = set(pick_channels(self.labels, POSTERIOR))
        spectra = [np.mean(closed.spectra[ch], axis=0) for ch in chosen if closed.spectra[ch]]
        freqs = self.core.freqs if self.core is not None else None
        iaf = (
            individual_alpha_frequency(freqs, np.mean(spectra, axis=0))
            if spectra and freqs is not None
            else None
        )
        values["iaf_hz"] = iaf if iaf is not None else math.nan
        if not reactivity >= WEAK_REACTIVITY:
            return Result(
                self.name,
                self.sensor,
                self.device,
                False,
                Message("cal_eeg_none", {"ratio": reactivity}),
                values,
            )
        if reactivity < GOOD_REACTIVITY:
            return Result(
                self.name,
                self.sensor,
                self.device,
                False,
                Message("cal_eeg_weak", {"ratio": reactivity}),
                values,
            )
        key = "cal_eeg_good" if iaf is not None else "cal_eeg_good_no_peak"
        return Result(
            self.name,
            self.sensor,
            self.device,
            True,
            Message(key, {"ratio": reactivity, "iaf": iaf or 0.0}),
            values,
        )
