"""Cardiac benchmarks, every figure per record next to NeuroKit2 on the same data: beat accuracy on
MIT-BIH record 100, HRV of its six 5-min segments against the annotated NN series, PPG against ECG
heart rate on v102s, PPG beats on heartpy's examples, the cost of an incremental HRV update against
recomputing with NeuroKit2, and the streaming detectors' CPU cost.

Run with ``python -m bench cardiac``; reads tests/data and needs neurokit2 and heartpy (dev extra).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import SupportsFloat

import numpy as np
from scipy import signal

from sensors.analyze.overflow import unwrap_overflow
from sensors.features.beat_agreement import match_beats, windowed_heart_rate
from sensors.features.breathing_agreement import belt_windows, spectral_rate
from sensors.features.cardiac import CardiacExtractor, window_features
from sensors.features.ecg_beats import EcgBeatDetector, detect_ecg_beats
from sensors.features.heart_fusion import fuse_beats
from sensors.features.hrv import hrv_time
from sensors.features.ibi import correct_ibi
from sensors.features.ppg_beats import PpgBeatDetector, detect_ppg_beats_with_quality, detect_ppg_pulses
from sensors.features.pulse_quality import accepted
from sensors.features.pulse_respiration import PulseModulations, pulse_breathing
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


def _row(value: SupportsFloat, unit: str, peer: SupportsFloat | None = None) -> dict:
    ours, theirs = float(value), None if peer is None else float(peer)
    return {"value": ours, "unit": unit, "peer": theirs, "ratio": ours / theirs if theirs else None}


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


def _filled(x: np.ndarray) -> np.ndarray:
    """NaN samples interpolated (NeuroKit2 does not accept them; our detectors hold the last value)."""
    x = np.asarray(x, dtype=float).copy()
    bad = ~np.isfinite(x)
    x[bad] = np.interp(np.flatnonzero(bad), np.flatnonzero(~bad), x[~bad])
    return x


def _nk_ecg(nk, x: np.ndarray, fs: float) -> np.ndarray:
    return np.asarray(
        nk.ecg_peaks(nk.ecg_clean(_filled(x), sampling_rate=fs), sampling_rate=fs)[1]["ECG_R_Peaks"]
    )


def _nk_ppg(nk, x: np.ndarray, fs: float) -> np.ndarray:
    return np.asarray(
        nk.ppg_findpeaks(nk.ppg_clean(_filled(x), sampling_rate=fs), sampling_rate=fs)["PPG_Peaks"]
    )


def _hrv_segments(nk, x: np.ndarray, fs: float, ref: np.ndarray, symbols: np.ndarray) -> dict[str, dict]:
    """Record 100 in six 5-min segments: |error| (%) of SDNN and RMSSD against the annotated NN
    series (intervals between two normal beats); ours (NN only after correct_ibi) against NeuroKit2
    (its peaks, Kubios artefact correction, hrv_time)."""
    ours_all, theirs_all = detect_ecg_beats(x, fs), _nk_ecg(nk, x, fs)
    out: dict[str, dict] = {}
    for seg in range(6):
        lo, hi = seg * 300 * fs, (seg + 1) * 300 * fs
        sel = (ref >= lo) & (ref < hi)
        rr = np.diff(ref[sel]) / fs * 1000.0
        annotated = hrv_time(rr, (symbols[sel][1:] == "N") & (symbols[sel][:-1] == "N"))
        ibi = correct_ibi(ours_all[(ours_all >= lo) & (ours_all < hi)] / fs)
        ours = hrv_time(ibi.nn_ms, ibi.valid)
        _, fixed = nk.signal_fixpeaks(theirs_all[(theirs_all >= lo) & (theirs_all < hi)], sampling_rate=fs)
        theirs = nk.hrv_time(np.asarray(fixed), sampling_rate=fs)
        for name, nk_name in (("sdnn", "HRV_SDNN"), ("rmssd", "HRV_RMSSD")):
            err = 100 * abs(ours[name] / annotated[name] - 1)
            nk_err = 100 * abs(float(theirs[nk_name].iloc[0]) / annotated[name] - 1)
            out[f"cardiac_mitdb100_seg{seg}_{name}_error"] = _row(err, "%", nk_err)
    return out


def _v102s(nk) -> dict[str, dict]:
    """PhysioNet v102s (ICU, 250 Hz, 5 min): heart rate per 10-s window from the PPG against the
    same from the ECG (60000 / mean NN, ``windowed_heart_rate``), mean |difference| over the windows
    that have both; ours with the SQI, ours with every beat, NeuroKit2's ECG and PPG peaks."""
    d = np.load(DATA / "v102s_ecg_ppg_resp.npz")
    fs, ppg = float(d["fs"]), d["pleth"].astype(float)
    beats, sqi = detect_ppg_beats_with_quality(ppg, fs)
    nk_ppg = windowed_heart_rate(_nk_ppg(nk, ppg, fs) / fs, 300.0)
    ours_sqi = windowed_heart_rate(beats[accepted(sqi)] / fs, 300.0)
    ours_all = windowed_heart_rate(beats / fs, 300.0)
    out: dict[str, dict] = {}
    for lead, key in (("ii", "ecg_ii_mV"), ("v", "ecg_v_mV")):
        ecg = d[key].astype(float)
        ours_ecg = windowed_heart_rate(detect_ecg_beats(ecg, fs) / fs, 300.0)
        nk_ecg = windowed_heart_rate(_nk_ecg(nk, ecg, fs) / fs, 300.0)
        nk_diff = float(np.nanmean(np.abs(nk_ecg - nk_ppg)))
        out[f"cardiac_v102s_ppg_vs_ecg_{lead}_hr_10s"] = _row(
            np.nanmean(np.abs(ours_sqi - ours_ecg)), "bpm", nk_diff
        )
        out[f"cardiac_v102s_ppg_every_beat_vs_ecg_{lead}_hr_10s"] = _row(
            np.nanmean(np.abs(ours_all - ours_ecg)), "bpm", nk_diff
        )
    out["cardiac_v102s_ppg_windows_with_hr"] = _row(
        np.isfinite(ours_sqi).sum(), "of 30", np.isfinite(nk_ppg).sum()
    )
    out["cardiac_v102s_ppg_beats_rejected_by_sqi"] = _row(100 * np.mean(~accepted(sqi)), "%")
    ii, v = detect_ecg_beats(d["ecg_ii_mV"], fs), detect_ecg_beats(d["ecg_v_mV"], fs)
    nk_ii, nk_v = _nk_ecg(nk, d["ecg_ii_mV"], fs), _nk_ecg(nk, d["ecg_v_mV"], fs)
    out["cardiac_v102s_ecg_ii_vs_v_agreement"] = _row(
        100 * min(match_beats(ii, v, 0.15 * fs)), "%", 100 * min(match_beats(nk_ii, nk_v, 0.15 * fs))
    )
    return out


def _v102s_fusion(nk) -> dict[str, dict]:
    """v102s, the PLETH unwrapped: beats of ECG lead II, of the PPG (moved back by the pulse
    arrival time) and of the two fused, against lead V's beats (150 ms), whole record and with
    lead II's electrode off (flat) from 120 to 150 s; NeuroKit2's lead II peaks as the peer. Heart
    rate per 10 s of the unwrapped PPG against lead II, ours and NeuroKit2's."""
    d = np.load(DATA / "v102s_ecg_ppg_resp.npz")
    fs = float(d["fs"])
    ppg = unwrap_overflow(d["pleth"])
    beats, sqi = detect_ppg_beats_with_quality(ppg, fs)
    pulses = beats[accepted(sqi)] / fs
    reference = detect_ecg_beats(d["ecg_v_mV"], fs) / fs
    out: dict[str, dict] = {}
    off = np.zeros(d["ecg_ii_mV"].size, bool)
    off[int(120 * fs) : int(150 * fs)] = True
    for case, ecg in (
        ("", d["ecg_ii_mV"].astype(float)),
        ("_electrode_off", np.where(off, 0.0, d["ecg_ii_mV"])),
    ):
        r = detect_ecg_beats(ecg, fs) / fs
        fused = fuse_beats(r, pulses)
        peer = match_beats(_nk_ecg(nk, ecg, fs) / fs, reference, 0.15)
        se, ppv = match_beats(fused.times_s, reference, 0.15)
        out[f"cardiac_v102s_fused{case}_vs_lead_v_sensitivity"] = _row(100 * se, "%", 100 * peer[0])
        out[f"cardiac_v102s_fused{case}_vs_lead_v_pos_predictivity"] = _row(100 * ppv, "%", 100 * peer[1])
        for name, own in (("ecg_ii", r), ("ppg", pulses - fused.pat_s)):
            se, ppv = match_beats(own, reference, 0.15)
            out[f"cardiac_v102s_{name}{case}_alone_vs_lead_v_sensitivity"] = _row(100 * se, "%")
            out[f"cardiac_v102s_{name}{case}_alone_vs_lead_v_pos_predictivity"] = _row(100 * ppv, "%")
    ii = windowed_heart_rate(detect_ecg_beats(d["ecg_ii_mV"], fs) / fs, 300.0)
    nk_ii = windowed_heart_rate(_nk_ecg(nk, d["ecg_ii_mV"], fs) / fs, 300.0)
    nk_diff = np.abs(windowed_heart_rate(_nk_ppg(nk, ppg, fs) / fs, 300.0) - nk_ii)
    out["cardiac_v102s_unwrapped_ppg_vs_ecg_ii_hr_10s"] = _row(
        np.nanmean(np.abs(windowed_heart_rate(pulses, 300.0) - ii)), "bpm", np.nanmean(nk_diff)
    )
    return out


def _nk_edr_rate(nk, x: np.ndarray, fs: float, start: float, end: float, kind: str) -> tuple[float, float]:
    """NeuroKit2's rate-based EDR (``ecg_rsp``, van Gent 2019: 0.1-0.4 Hz) of one window from its own
    ECG or PPG peaks; the rate from its breath peaks (``rsp_peaks``) and from our spectral peak."""
    seg = _filled(x[int(start * fs) : int(end * fs)])
    peaks = _nk_ecg(nk, seg, fs) if kind == "ecg" else _nk_ppg(nk, seg, fs)
    edr = nk.ecg_rsp(nk.signal_rate(peaks, sampling_rate=fs, desired_length=seg.size), sampling_rate=fs)
    step = int(fs / 10)
    spectral = spectral_rate(start + np.arange(0, seg.size, step) / fs, edr[::step], start, end)
    breaths = np.asarray(nk.rsp_peaks(edr, sampling_rate=fs)[1]["RSP_Peaks"])
    counted = 60.0 * fs / float(np.mean(np.diff(breaths))) if breaths.size > 2 else float("nan")
    return counted, spectral


def _v102s_breathing(nk) -> dict[str, dict]:
    """v102s: breathing rate per clean 32-s window of the belt (every 4 s; ``belt_windows``),
    |error| against the belt: ours from the PPG's pulse modulations, the RSA of the same beats over
    60 s (the station before), RSA of lead II's beats, NeuroKit2's EDR from its PPG and lead II peaks."""
    d = np.load(DATA / "v102s_ecg_ppg_resp.npz")
    fs = float(d["fs"])
    ppg = unwrap_overflow(d["pleth"])
    windows = belt_windows(d["resp"], fs)
    beats, measured = detect_ppg_pulses(ppg, fs)
    ok = accepted(np.array([m.sqi for m in measured]))
    kept = [m for m, k in zip(measured, ok, strict=True) if k]
    pulses = PulseModulations(
        beats[ok] / fs, np.array([m.intensity for m in kept]), np.array([m.amplitude for m in kept])
    )
    r = detect_ecg_beats(d["ecg_ii_mV"], fs) / fs
    errors: dict[str, list[float]] = {
        k: [] for k in ("ours", "rsa_ppg", "rsa_ecg", "nk_ppg", "nk_ecg", "nk_ppg_spec", "nk_ecg_spec")
    }
    for w in windows:
        errors["ours"].append(abs(pulse_breathing(pulses, w.end_s).rate - w.rate))
        for key, t in (("rsa_ppg", pulses.times_s), ("rsa_ecg", r)):
            errors[key].append(abs(window_features(t[t <= w.end_s], w.end_s, 60.0)[0]["resp_rate"] - w.rate))
        for kind, x in (("ppg", ppg), ("ecg", d["ecg_ii_mV"])):
            counted, spectral = _nk_edr_rate(nk, x, fs, w.start_s, w.end_s, kind)
            errors[f"nk_{kind}"].append(abs(counted - w.rate))
            errors[f"nk_{kind}_spec"].append(abs(spectral - w.rate))
    e = {k: np.array(v) for k, v in errors.items()}
    consistent = np.array([w.consistent for w in windows])
    out = {
        "cardiac_v102s_breathing_clean_windows": _row(len(windows), "32-s windows"),
        "cardiac_v102s_breathing_belt_consistent_windows": _row(consistent.sum(), "32-s windows"),
    }
    for stat, f in (("median", np.nanmedian), ("mean", np.nanmean)):
        out[f"cardiac_v102s_breathing_ppg_{stat}_error"] = _row(f(e["ours"]), "breaths/min", f(e["nk_ppg"]))
        out[f"cardiac_v102s_breathing_ppg_{stat}_error_vs_nk_ecg_edr"] = _row(
            f(e["ours"]), "breaths/min", f(e["nk_ecg"])
        )
        out[f"cardiac_v102s_breathing_ppg_{stat}_error_vs_nk_ppg_edr_spectral"] = _row(
            f(e["ours"]), "breaths/min", f(e["nk_ppg_spec"])
        )
        out[f"cardiac_v102s_breathing_ppg_{stat}_error_vs_rsa_before"] = _row(
            f(e["ours"]), "breaths/min", f(e["rsa_ppg"])
        )
        out[f"cardiac_v102s_breathing_ecg_ii_rsa_{stat}_error"] = _row(
            f(e["rsa_ecg"]), "breaths/min", f(e["nk_ecg"])
        )
        out[f"cardiac_v102s_breathing_ppg_{stat}_error_belt_consistent"] = _row(
            f(e["ours"][consistent]), "breaths/min", f(e["nk_ppg"][consistent])
        )
    return out


def _heartpy() -> dict[str, dict]:
    """heartpy's PPG examples: positive predictivity of our beats (every beat, and SQI-accepted
    beats) against NeuroKit2's Elgendi peaks within 100 ms, and the share the SQI rejects."""
    import heartpy as hp
    import neurokit2 as nk

    out: dict[str, dict] = {}
    for index in (0, 1, 2):
        data, timer = hp.load_exampledata(index)
        if index == 0:
            fs = 100.0
        elif index == 1:
            fs = hp.get_samplerate_mstimer(timer)
        else:
            fs = hp.get_samplerate_datetime(timer, timeformat="%Y-%m-%d %H:%M:%S.%f")
        x = np.asarray(data, float)
        beats, sqi = detect_ppg_beats_with_quality(x, fs)
        theirs = _nk_ppg(nk, x, fs)
        se, ppv = match_beats(beats, theirs, 0.1 * fs)
        _, ppv_ok = match_beats(beats[accepted(sqi)], theirs, 0.1 * fs)
        out[f"cardiac_heartpy{index}_ppg_sensitivity_vs_nk"] = _row(100 * se, "%")
        out[f"cardiac_heartpy{index}_ppg_pos_predictivity_vs_nk"] = _row(100 * ppv, "%")
        out[f"cardiac_heartpy{index}_ppg_sqi_pos_predictivity_vs_nk"] = _row(100 * ppv_ok, "%")
        out[f"cardiac_heartpy{index}_ppg_rejected_by_sqi"] = _row(100 * np.mean(~accepted(sqi)), "%")
    return out


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

    # streaming PPG detector with its per-beat SQI, CPU per second of PPG (v102s at 250 Hz, 0.1 s chunks)
    ppg = np.load(DATA / "v102s_ecg_ppg_resp.npz")["pleth"].astype(float)
    ppg_det = PpgBeatDetector(250.0)
    started = time.process_time()
    for pos in range(0, ppg.size, 25):
        for b in ppg_det.push(ppg[pos : pos + 25]):
            ppg_det.pop_beat(b)
    out["cardiac_stream_ppg_detector_250hz"] = _row(
        1000 * (time.process_time() - started) / 300.0, "ms cpu/s"
    )

    out.update(_hrv_segments(nk, x, fs, ref, d["r_symbols"]))
    out.update(_v102s(nk))
    out.update(_v102s_fusion(nk))
    out.update(_v102s_breathing(nk))
    out.update(_heartpy())
    return out
