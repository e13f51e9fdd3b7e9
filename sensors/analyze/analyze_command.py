"""``oasis analyze FILE --kind ecg|ppg|eeg|eda|resp``: offline analysis of a recording, as JSON."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

KINDS = ("ecg", "ppg", "eeg", "eda", "resp")
FS_RANGE = {
    "ecg": (100.0, 5000.0),
    "ppg": (50.0, 5000.0),
    "eeg": (50.0, 10000.0),
    "eda": (1.0, 5000.0),
    "resp": (5.0, 5000.0),
}
PROGRESS_MIN_S = 600.0  # show a progress bar for recordings longer than this
MIN_WINDOW_S = {"ecg": 10.0, "ppg": 10.0, "eeg": 1.0, "eda": 1.0, "resp": 1.0}  # --window's lower bound


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="recording: .csv/.txt, .npy/.npz, .edf/.bdf or .xdf")
    parser.add_argument("--kind", required=True, choices=KINDS, help="what the signal is")
    parser.add_argument("--fs", type=float, help="sampling rate in Hz (overrides the file's)")
    parser.add_argument(
        "--channel", help="channel label or index (default: one named like --kind, else the first)"
    )
    parser.add_argument("--key", help="array name in an .npz, or stream name in an .xdf")
    parser.add_argument(
        "--window", type=float, help="window in s (EEG: band-power window; ECG/PPG: add per-window features)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as one JSON object (default: a summary)"
    )
    parser.add_argument(
        "--plot", type=Path, metavar="PNG", help="draw the signal, events and metrics to this file"
    )


def _fail(message: str) -> int:
    print(f"oasis analyze: error: {message}", file=sys.stderr)
    return 2


LABELS = {  # report key -> "中文 English (unit)"
    "fs": "采样率 sampling rate (Hz)",
    "beats": "心搏 beats",
    "breaths": "呼吸 breaths",
    "corrected": "校正间期 corrected intervals",
    "mean_nn": "平均NN mean NN (ms)",
    "sdnn": "SDNN (ms)",
    "rmssd": "RMSSD (ms)",
    "pnn50": "pNN50 (%)",
    "lf": "低频功率 LF (ms²)",
    "hf": "高频功率 HF (ms²)",
    "lf_hf": "LF/HF",
    "coherence": "相干性 coherence",
    "resp_rate": "呼吸频率 breathing rate (/min)",
    "iaf": "个体α频率 IAF (Hz)",
    "bands": "频带功率 band power",
    "alpha_rel": "相对α alpha (relative)",
    "scl_mean": "平均皮电水平 mean SCL",
    "scr_count": "皮电反应 SCRs",
    "scr_per_min": "皮电反应率 SCRs per min",
}


def summary_text(kind: str, report: dict) -> str:
    """A readable summary of a report: scalar metrics one per line, lists as counts."""
    lines = [f"{kind.upper()}"]
    flat = {**{k: v for k, v in report.items() if k != "hrv"}, **report.get("hrv", {})}
    for key, value in flat.items():
        if key in ("ibi_ms", "breath_interval_s", "windows"):
            continue
        if isinstance(value, dict):  # per channel (EEG): one line per channel
            for channel, inner in value.items():
                shown = (
                    _fmt(inner)
                    if not isinstance(inner, dict)
                    else ", ".join(f"{k}={_fmt(v)}" for k, v in inner.items())
                )
                lines.append(f"  {LABELS.get(key, key)} [{channel}]: {shown}")
            continue
        lines.append(f"  {LABELS.get(key, key)}: {len(value) if isinstance(value, list) else _fmt(value)}")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    return "—" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def _clean_json(obj: object) -> object:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_json(v) for v in obj]
    if hasattr(obj, "item"):  # numpy scalars
        return _clean_json(obj.item())
    return obj


def run(args: argparse.Namespace) -> int:
    """Analyse one recording; print a summary (or JSON) and optionally draw a plot."""
    from tqdm import tqdm

    from sensors.analyze.readers import UserError

    kind: str = args.kind
    try:
        data, labels, fs = _load_signal(args)
    except UserError as exc:
        return _fail(str(exc))
    bar = tqdm(
        total=data.shape[0],
        unit="sample",
        unit_scale=True,
        file=sys.stderr,
        disable=data.shape[0] / fs < PROGRESS_MIN_S,
        desc=f"analyze {kind}",
    )
    try:
        report = _analyze(kind, data, fs, labels, args.window, bar.update)
    except UserError as exc:
        return _fail(str(exc))
    finally:
        bar.close()
    if args.plot is not None:
        from sensors.analyze.plot import plot_report

        signal_1d = data if data.ndim == 1 else data[:, 0]
        try:
            plot_report(args.plot, signal_1d, fs, kind, report)
        except OSError as exc:
            return _fail(f"cannot write the plot {args.plot}: {exc.strerror or exc}")
    cleaned = {str(key): _clean_json(value) for key, value in report.items()}
    print(json.dumps(cleaned, ensure_ascii=False) if args.json else summary_text(kind, cleaned))
    return 0


def _load_signal(args: argparse.Namespace) -> tuple[np.ndarray, list[str], float]:
    """The checked options' signal (samples, or samples × channels for EEG), its labels and rate."""
    import numpy as np

    from sensors.analyze.readers import UserError, pick_channel, read_recording

    kind: str = args.kind
    if args.fs is not None and not (math.isfinite(args.fs) and args.fs > 0):
        raise UserError("--fs must be a positive number of hertz")
    rec = read_recording(args.file, kind, args.key)
    fs = float(args.fs) if args.fs is not None else rec.fs
    if not math.isfinite(fs):
        raise UserError(f"no sampling rate in {args.file.name}: give --fs HZ")
    low, high = FS_RANGE[kind]
    if not low <= fs <= high:
        raise UserError(f"sampling rate {fs:g} Hz is implausible for {kind.upper()} ({low:g}-{high:g} Hz)")
    if args.window is not None and not (math.isfinite(args.window) and args.window > 0):
        raise UserError("--window must be a positive number of seconds")
    if args.plot is not None and not args.plot.parent.is_dir():
        raise UserError(f"cannot write the plot: no folder {args.plot.parent}")
    if kind == "eeg":
        picks = (
            list(range(rec.data.shape[1]))
            if args.channel is None
            else [pick_channel(rec, args.channel, kind)]
        )
        data, labels = rec.data[:, picks], [rec.labels[i] for i in picks]
    else:
        index = pick_channel(rec, args.channel, kind)
        data, labels = rec.data[:, index], [rec.labels[index]]
    if not np.isfinite(data).any():
        raise UserError("the signal has no finite samples")
    duration_s = data.shape[0] / fs
    if data.shape[0] < 2 * fs:
        raise UserError(f"recording too short: {duration_s:.1f} s")
    if args.window is not None and args.window < MIN_WINDOW_S[kind]:
        raise UserError(f"--window must be at least {MIN_WINDOW_S[kind]:g} s for {kind.upper()}")
    if args.window is not None and args.window > duration_s:
        raise UserError(f"--window {args.window:g} s is longer than the recording ({duration_s:.1f} s)")
    return data, labels, fs


def _analyze(
    kind: str,
    data: np.ndarray,
    fs: float,
    labels: list[str],
    window: float | None,
    progress: Callable[[int], None],
) -> dict:
    """The report of one kind of signal, from the same feature code the real-time pipeline uses."""
    from sensors.analyze.readers import UserError

    if kind in ("ecg", "ppg"):
        from sensors.analyze.cardiac_analysis import analyze_cardiac

        report = analyze_cardiac(data, fs, kind, window, progress)
        if len(report["beats"]) < 2:
            raise UserError(f"no heart beats found: is this really {kind.upper()} at {fs:g} Hz?")
        return report
    if kind == "resp":
        from sensors.analyze.cardiac_analysis import analyze_resp

        return analyze_resp(data, fs, progress)
    if kind == "eeg":
        from sensors.features.eeg_bands import analyze_eeg

        return analyze_eeg(data, fs, labels, window or 2.0)
    from sensors.features.skin_conductance import analyze_eda

    return analyze_eda(data, fs)
