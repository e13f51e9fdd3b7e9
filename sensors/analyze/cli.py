"""``oasis analyze FILE --kind ecg|ppg|eeg|eda|resp``: offline analysis of a recording, as JSON."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

KINDS = ("ecg", "ppg", "eeg", "eda", "resp")
FS_RANGE = {
    "ecg": (100.0, 5000.0),
    "ppg": (50.0, 5000.0),
    "eeg": (50.0, 10000.0),
    "eda": (1.0, 5000.0),
    "resp": (5.0, 5000.0),
}
PROGRESS_MIN_S = 600.0  # show a progress bar for recordings longer than this


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
        "--json", action="store_true", help="print JSON (the default output; kept for scripts)"
    )
    parser.add_argument(
        "--plot", type=Path, metavar="PNG", help="draw the signal, events and metrics to this file"
    )


def _fail(message: str) -> int:
    print(f"oasis analyze: error: {message}", file=sys.stderr)
    return 2


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
    import numpy as np
    from tqdm import tqdm

    from sensors.analyze.readers import UserError, pick_channel, read_recording

    kind: str = args.kind
    try:
        rec = read_recording(args.file, kind, args.key)
        fs = float(args.fs) if args.fs is not None else rec.fs
        if not math.isfinite(fs):
            raise UserError(f"no sampling rate in {args.file.name}: give --fs HZ")
        low, high = FS_RANGE[kind]
        if not low <= fs <= high:
            raise UserError(
                f"sampling rate {fs:g} Hz is implausible for {kind.upper()} ({low:g}-{high:g} Hz)"
            )
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
        finite = np.isfinite(data)
        if not finite.any():
            raise UserError("the signal has no finite samples")
        if data.shape[0] < 2 * fs:
            raise UserError(f"recording too short: {data.shape[0] / fs:.1f} s")
    except UserError as exc:
        return _fail(str(exc))

    duration = data.shape[0] / fs
    bar = tqdm(
        total=data.shape[0],
        unit="sample",
        unit_scale=True,
        file=sys.stderr,
        disable=duration < PROGRESS_MIN_S,
        desc=f"analyze {kind}",
    )
    try:
        if kind in ("ecg", "ppg"):
            from sensors.analyze.cardiac import analyze_cardiac

            report = analyze_cardiac(data, fs, kind, args.window, bar.update)
            if len(report["beats"]) < 2:
                return _fail(f"no heart beats found: is this really {kind.upper()} at {fs:g} Hz?")
        elif kind == "resp":
            from sensors.analyze.cardiac import analyze_resp

            report = analyze_resp(data, fs, bar.update)
        elif kind == "eeg":
            try:
                from sensors.features.eeg import analyze_eeg
            except ImportError:
                return _fail("EEG analysis (sensors.features.eeg) is not part of this build")
            report = analyze_eeg(data, fs, labels, args.window or 2.0)
        else:
            try:
                from sensors.features.eda import analyze_eda
            except ImportError:
                return _fail("EDA analysis (sensors.features.eda) is not part of this build")
            report = analyze_eda(data, fs)
    finally:
        bar.close()
    if args.plot is not None:
        from sensors.analyze.plot import plot_report

        signal_1d = data if data.ndim == 1 else data[:, 0]
        plot_report(args.plot, signal_1d, fs, kind, report)
    print(json.dumps(_clean_json(report), ensure_ascii=False))
    return 0
