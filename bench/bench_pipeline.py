"""Benchmarks of the real-time pipeline (EEG, EDA, quality, Features over LSL).

- latency: push_sample of each sample → arrival of the first Features sample that includes it
  (Features t ≥ the sample's timestamp), p50/p99, with 8-ch EEG 250 Hz + ECG 500 Hz + PPG 100 Hz +
  EDA 32 Hz live, `oasis pipeline` in its own process at 10 Hz;
- CPU share of that process (its update loop) with one 8-ch 250 Hz EEG stream;
- capacity: the most 1000 Hz EEG channels the compute core processes in real time on one core;
- EEG band-power update (filter the new hop, one segment PSD, window mean, artifact flags, quality)
  vs a peer that recomputes per update without carried state: filter the 2 s window from scratch +
  mne's Welch on it (or scipy.signal.welch) + the same quality verdicts (window_stats). The peer does
  no artifact flagging, so it does a little less work. ratio = ours / peer (< 1: ours is cheaper).

The LSL parts run in a worker subprocess with a private LSL session (LSLAPICFG), so streams of other
programs on the machine cannot be picked up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RATE_HZ = 10.0
LATENCY_S = 20.0
CPU_S = 20.0


def _eeg(fs: float, channels: int, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(fs * seconds)) / fs
    return 20 * np.sin(2 * np.pi * 10 * t)[:, None] + 8 * rng.standard_normal((t.size, channels))


# -- compute-only figures (this process) -------------------------------------------------------
def band_power_update(fs: float = 250.0, channels: int = 8) -> dict[str, dict]:
    from mne.time_frequency import psd_array_welch
    from scipy import signal

    from sensors.features.eeg_bands import EEGWindowing
    from sensors.features.filters import bandpass_notch_sos
    from sensors.quality import verdicts_from, window_stats
    from sensors.types import StreamKind

    data = _eeg(fs, channels, 40)
    core = EEGWindowing(fs, channels)
    core.push(data[: core.window])
    hop, updates = core.hop, 100
    start = core.window
    began = time.perf_counter()
    for k in range(updates):
        core.push(data[start + k * hop : start + (k + 1) * hop])
    ours = (time.perf_counter() - began) / updates

    sos = bandpass_notch_sos(fs, (1.0, 45.0))
    masks = [(lo, hi) for lo, hi in ((1, 4), (4, 8), (8, 13), (13, 30), (30, 45))]

    def peer_mne(window: np.ndarray) -> np.ndarray:
        verdicts_from(window_stats(window, fs, StreamKind.EEG), StreamKind.EEG)
        zi = signal.sosfilt_zi(sos)[:, :, None] * window[0][None, None, :]
        filtered, _ = signal.sosfilt(sos, window, axis=0, zi=zi)
        psd, freqs = psd_array_welch(
            filtered.T,
            fs,
            fmin=1.0,
            fmax=45.0,
            n_fft=core.n_fft,
            n_per_seg=core.segment,
            n_overlap=core.segment - core.hop,
            verbose=False,
        )
        return np.stack([psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) for lo, hi in masks], axis=1)

    def peer_scipy(window: np.ndarray) -> np.ndarray:
        verdicts_from(window_stats(window, fs, StreamKind.EEG), StreamKind.EEG)
        zi = signal.sosfilt_zi(sos)[:, :, None] * window[0][None, None, :]
        filtered, _ = signal.sosfilt(sos, window, axis=0, zi=zi)
        freqs, psd = signal.welch(
            filtered.T, fs, nperseg=core.segment, noverlap=core.segment - core.hop, nfft=core.n_fft
        )
        return np.stack([psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) for lo, hi in masks], axis=1)

    timings = {}
    for name, peer in (("mne", peer_mne), ("scipy", peer_scipy)):
        began = time.perf_counter()
        for k in range(updates):
            end = start + (k + 1) * hop
            peer(data[end - core.window : end])
        timings[name] = (time.perf_counter() - began) / updates
    tag = f"{channels}ch_{fs:g}Hz"
    return {
        f"pipeline.eeg_band_update_{tag}_vs_mne_window": {
            "value": ours * 1e3,
            "unit": "ms",
            "peer": timings["mne"] * 1e3,
            "ratio": ours / timings["mne"],
        },
        f"pipeline.eeg_band_update_{tag}_vs_scipy_welch": {
            "value": ours * 1e3,
            "unit": "ms",
            "peer": timings["scipy"] * 1e3,
            "ratio": ours / timings["scipy"],
        },
    }


def realtime_factor(channels: int, fs: float = 1000.0, seconds: float = 4.0) -> float:
    """Compute seconds per second of data for a channels × fs EEG stream, 20 ms chunks, 10 Hz updates."""
    from sensors.features.eeg_extractor import EEGExtractor
    from sensors.pipeline.core import FeaturePipeline
    from sensors.types import StreamKind

    data = _eeg(fs, channels, seconds + 2.0, seed=channels)
    stamps = np.arange(len(data)) / fs
    pipeline = FeaturePipeline([EEGExtractor(fs, [f"E{i}" for i in range(channels)])])
    chunk, warm = int(0.02 * fs), int(2.0 * fs)
    pipeline.push(StreamKind.EEG, data[:warm], stamps[:warm], 0.0)
    began = time.perf_counter()
    for i, start in enumerate(range(warm, len(data), chunk)):
        pipeline.push(StreamKind.EEG, data[start : start + chunk], stamps[start : start + chunk], 0.0)
        if i % 5 == 4:
            pipeline.update()
    return (time.perf_counter() - began) / seconds


def capacity() -> dict[str, dict]:
    best, channels = 0, 8
    while channels <= 1024:
        if realtime_factor(channels) > 0.8:  # leave 20 % of the core for pulling and publishing
            break
        best, channels = channels, channels * 2
    return {
        "pipeline.eeg_1000Hz_max_channels_one_core": {
            "value": best,
            "unit": "channels",
            "peer": None,
            "ratio": None,
        }
    }


# -- LSL figures (worker subprocess, private LSL session) --------------------------------------
class _Pushers:
    """push_sample, one sample at a time at each stream's rate, recording each push's local_clock."""

    def __init__(self, streams: list[tuple[str, int, float]]) -> None:
        import pylsl

        self.pylsl = pylsl
        self.streams = []
        for kind, channels, rate in streams:
            info = pylsl.StreamInfo(
                f"bench-{kind}",
                kind,
                channels,
                rate,
                pylsl.cf_float32,
                f"bench-{kind}-{uuid.uuid4().hex[:6]}",
            )
            chans = info.desc().append_child("channels")
            for i in range(channels):
                chans.append_child("channel").append_child_value(
                    "label", ["O1", "O2", "F3", "F4"][i] if i < 4 else f"C{i}"
                )
            signal = _eeg(rate, channels, 120) if kind == "EEG" else 5 + 0.01 * _eeg(rate, channels, 120)
            self.streams.append(
                {
                    "kind": kind,
                    "rate": rate,
                    "outlet": pylsl.StreamOutlet(info),
                    "signal": signal,
                    "sent": 0,
                    "times": [],
                }
            )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        clock = self.pylsl.local_clock
        start = clock()
        while not self._stop.is_set():
            now = clock()
            soonest = np.inf
            for s in self.streams:
                while start + s["sent"] / s["rate"] <= now:
                    row = s["signal"][s["sent"] % len(s["signal"])]
                    t = clock()
                    s["outlet"].push_sample(row.tolist(), t)
                    s["times"].append(t)
                    s["sent"] += 1
                soonest = min(soonest, start + s["sent"] / s["rate"])
            time.sleep(max(0.0, min(0.002, soonest - clock())))

    def __enter__(self) -> _Pushers:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _pipeline(duration: float, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "station.cli",
            "pipeline",
            "--duration",
            str(duration),
            "--name",
            name,
            "--rate",
            str(RATE_HZ),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _latency() -> dict:
    import pylsl

    name = f"bench-features-{uuid.uuid4().hex[:6]}"
    streams = [("EEG", 8, 250.0), ("ECG", 1, 500.0), ("PPG", 1, 100.0), ("EDA", 1, 32.0)]
    with _Pushers(streams) as pushers:
        proc = _pipeline(LATENCY_S + 10, name)
        inlet = pylsl.StreamInlet(pylsl.resolve_byprop("name", name, timeout=30)[0])
        inlet.open_stream(timeout=10)
        received = []  # (Features t, local arrival)
        end = pylsl.local_clock() + LATENCY_S + 5
        while pylsl.local_clock() < end:
            sample, t = inlet.pull_sample(timeout=0.5)
            if sample is not None:
                received.append((t, pylsl.local_clock()))
        _, err = proc.communicate(timeout=60)
    f_t = np.array([r[0] for r in received])
    f_at = np.array([r[1] for r in received])
    latencies = {}
    for s in pushers.streams:
        pushed = np.array(s["times"])
        pushed = pushed[(pushed > f_t[0] + 5) & (pushed < f_t[-1])]  # after start-up, before the end
        idx = np.searchsorted(f_t, pushed, side="left")  # first Features sample with t >= pushed
        ok = idx < len(f_t)
        latencies[s["kind"]] = (f_at[idx[ok]] - pushed[ok]) * 1e3
    summary = err.strip().splitlines()[-1]
    return {"latencies": {k: v.tolist() for k, v in latencies.items()}, "summary": summary}


def _cpu() -> dict:
    name = f"bench-features-{uuid.uuid4().hex[:6]}"
    with _Pushers([("EEG", 8, 250.0)]):
        proc = _pipeline(CPU_S, name)
        _, err = proc.communicate(timeout=120)
    summary = err.strip().splitlines()[-1]
    share = float(summary.split("CPU ")[1].split(" %")[0])
    return {"cpu_percent": share, "summary": summary}


def _worker() -> None:
    print(json.dumps({"latency": _latency(), "cpu": _cpu()}))


def lsl_figures() -> dict[str, dict]:
    cfg = Path(tempfile.mkdtemp(prefix="oasis-bench-lsl-")) / "lsl_api.cfg"
    cfg.write_text(
        f"[lab]\nSessionID = oasis-bench-{uuid.uuid4().hex[:12]}\n\n[multicast]\n"
        "ResolveScope = machine\n\n[log]\nlevel = -2\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_pipeline", "--worker"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "LSLAPICFG": str(cfg), "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"   latency run: {result['latency']['summary']}", flush=True)
    print(f"   cpu run: {result['cpu']['summary']}", flush=True)
    period_ms = 1e3 / RATE_HZ
    rows = {}
    all_latencies = np.concatenate([np.array(v) for v in result["latency"]["latencies"].values()])
    for label, values in (("all", all_latencies), *result["latency"]["latencies"].items()):
        values = np.asarray(values)
        if values.size == 0:
            continue
        p50, p99 = np.percentile(values, [50, 99])
        rows[f"pipeline.latency_{label}_p50"] = {"value": p50, "unit": "ms", "peer": None, "ratio": None}
        rows[f"pipeline.latency_{label}_p99"] = {"value": p99, "unit": "ms", "peer": None, "ratio": None}
    rows["pipeline.latency_all_p99_beyond_period"] = {
        "value": rows["pipeline.latency_all_p99"]["value"] - period_ms,
        "unit": "ms",
        "peer": None,
        "ratio": None,
    }
    rows["pipeline.cpu_8ch_250Hz"] = {
        "value": result["cpu"]["cpu_percent"],
        "unit": "% core",
        "peer": None,
        "ratio": None,
    }
    return rows


def run() -> dict[str, dict]:
    results = {}
    results.update(band_power_update(250.0, 8))
    results.update(band_power_update(1000.0, 64))
    results.update(capacity())
    results.update(lsl_figures())
    return results


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    else:
        for key, row in run().items():
            print(key, row)
