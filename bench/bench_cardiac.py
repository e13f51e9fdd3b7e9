"""Cardiac benchmarks: beat accuracy on MIT-BIH record 100, agreement with NeuroKit2, the cost of an
incremental HRV update against recomputing with NeuroKit2, and the streaming detector's CPU cost.

Run with ``python -m bench cardiac``; reads tests/data and needs neurokit2 (dev extra).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
from scipy import signal

from sensors.features.cardiac import CardiacExtractor
from sensors.features.ecg_beats import EcgBeatDetector, detect_ecg_beats
from sensors.features.hrv import hrv_time
from sensors.features.ibi import correct_ibi
from sensors.types import StreamKind

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
README_RMSSD, README_SDNN = 25.96, 25.37
UPDATE_HZ = 10.0


def _match(detected: np.ndarray, reference: np.ndarray, tol: int) -> tuple[float, float, np.ndarray]:
    """Sensitivity, positive predictivity and the offsets (samples) of matched beats."""
    used = np.zeros(detected.size, bool)
    offsets = []
    for r in reference:
        k = np.searchsorted(detected, r - tol)
        while k < detected.size and detected[k] <= r + tol:
            if not used[k]:
                used[k] = True
                offsets.append(detected[k] - r)
                break
            k += 1
    tp = len(offsets)
    return tp / max(1, reference.size), tp / max(1, detected.size), np.asarray(offsets)


def _row(value: float, unit: str, peer: float | None = None) -> dict:
    ratio = value / peer if peer not in (None, 0) else None
    return {
        "value": float(value),
        "unit": unit,
        "peer": None if peer is None else float(peer),
        "ratio": ratio,
    }


def _update_costs(nk, x: np.ndarray, fs: float) -> tuple[list[float], list[float]]:
    """Per-update cost (ms) at 10 Hz over 60 s after a 70 s warm-up: ours (push the new 0.1 s and
    take a snapshot) and NeuroKit2's (ecg_peaks + hrv_time on the same 60 s window, every 5th
    update: its cost does not depend on what changed)."""
    ex = CardiacExtractor(StreamKind.ECG, fs)
    step = int(fs / UPDATE_HZ)
    warm = int(70 * fs)
    stamps = np.arange(x.size) / fs
    for pos in range(0, warm, step):
        ex.push(x[pos : pos + step, None], stamps[pos : pos + step])
    ours, theirs = [], []
    for k, pos in enumerate(range(warm, warm + int(60 * fs), step)):
        t0 = time.perf_counter()
        ex.push(x[pos : pos + step, None], stamps[pos : pos + step])
        ex.snapshot()
        ours.append(1000 * (time.perf_counter() - t0))
        if k % 5 == 0:
            window = x[pos + step - int(60 * fs) : pos + step]
            t0 = time.perf_counter()
            peaks = nk.ecg_peaks(window, sampling_rate=fs)[0]
            nk.hrv_time(peaks, sampling_rate=fs)
            theirs.append(1000 * (time.perf_counter() - t0))
    return ours, theirs


def run() -> dict[str, dict]:
    import neurokit2 as nk

    warnings.filterwarnings("ignore", category=nk.misc.NeuroKitWarning)
    d = np.load(DATA / "ecg_mitdb_100.npz")
    x, fs, ref = d["ecg_mV"].astype(float), float(d["fs"]), d["r_peaks"]
    tol = round(0.150 * fs)
    out: dict[str, dict] = {}

    started = time.process_time()
    ours = detect_ecg_beats(x, fs)
    ours_s = time.process_time() - started
    started = time.process_time()
    theirs = np.asarray(nk.ecg_peaks(nk.ecg_clean(x, sampling_rate=fs), sampling_rate=fs)[1]["ECG_R_Peaks"])
    theirs_s = time.process_time() - started
    se, ppv, _ = _match(ours, ref, tol)
    nk_se, nk_ppv, _ = _match(theirs, ref, tol)
    out["cardiac_mitdb100_sensitivity"] = _row(100 * se, "%", 100 * nk_se)
    out["cardiac_mitdb100_pos_predictivity"] = _row(100 * ppv, "%", 100 * nk_ppv)
    out["cardiac_offline_detect_30min"] = _row(ours_s, "s cpu", theirs_s)
    agree_se, agree_ppv, offsets = _match(ours, theirs, round(0.050 * fs))
    out["cardiac_beats_agree_with_nk_50ms"] = _row(100 * min(agree_se, agree_ppv), "%")
    out["cardiac_beat_offset_vs_nk_median"] = _row(1000 * float(np.median(np.abs(offsets))) / fs, "ms")

    # first 5 min: RMSSD of the uncorrected intervals, ours vs NeuroKit2's hrv_time on its own peaks
    # (the detector cross-check), then our NN-only values vs the annotation-derived README values
    n5 = int(300 * fs)
    ibi = correct_ibi(ours[ours < n5] / fs)
    nk_hrv = nk.hrv_time(theirs[theirs < n5], sampling_rate=fs)
    raw = hrv_time(ibi.ibi_ms)
    out["cardiac_rmssd_5min_uncorrected_vs_nk"] = _row(raw["rmssd"], "ms", float(nk_hrv["HRV_RMSSD"].iloc[0]))
    out["cardiac_sdnn_5min_uncorrected_vs_nk"] = _row(raw["sdnn"], "ms", float(nk_hrv["HRV_SDNN"].iloc[0]))
    hrv = hrv_time(ibi.nn_ms, ibi.valid)
    out["cardiac_rmssd_5min_vs_readme"] = _row(hrv["rmssd"], "ms", README_RMSSD)
    out["cardiac_sdnn_5min_vs_readme"] = _row(hrv["sdnn"], "ms", README_SDNN)

    # incremental update (push 0.1 s + snapshot) vs NeuroKit2 ecg_peaks + hrv_time on the 60 s window,
    # at the record's own 360 Hz and resampled to 1000 Hz
    for rate in (360, 1000):
        y = x if rate == 360 else signal.resample_poly(x[: int(140 * fs)], rate, int(fs))
        ours_ms, nk_ms = _update_costs(nk, y, float(rate))
        out[f"cardiac_hrv_update_mean_{rate}hz"] = _row(np.mean(ours_ms), "ms", np.mean(nk_ms))
        p99 = np.percentile(ours_ms, 99), np.percentile(nk_ms, 99)
        out[f"cardiac_hrv_update_p99_{rate}hz"] = _row(p99[0], "ms", p99[1])

    # streaming detector CPU per second of ECG, fed in 0.1 s chunks
    for rate in (250, 500, 2000):
        y = signal.resample_poly(x[: int(300 * fs)], rate, int(fs))
        det = EcgBeatDetector(rate)
        chunk = rate // 10
        started = time.process_time()
        for pos in range(0, y.size, chunk):
            det.push(y[pos : pos + chunk])
        cpu = time.process_time() - started
        out[f"cardiac_stream_detector_{rate}hz"] = _row(1000 * cpu / (y.size / rate), "ms cpu/s")
    return out
