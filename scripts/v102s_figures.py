"""Figures of docs/sensors.md's issue-18 work on PhysioNet v102s (tests/data): what unwrapping the
export overflow does to each channel, and the breathing rate from the clip against the belt.
Usage: ``.venv/bin/python scripts/v102s_figures.py [OUT_DIR]`` (default docs/sensors)."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sensors.analyze.overflow import unwrap_overflow
from sensors.features.breathing_agreement import belt_windows, wrap_bursts
from sensors.features.ppg_beats import detect_ppg_pulses
from sensors.features.pulse_quality import accepted
from sensors.features.pulse_respiration import PulseModulations, pulse_breathing

ROOT = Path(__file__).resolve().parents[1]


def _unwrap_figure(d: np.lib.npyio.NpzFile, fs: float, out: Path) -> None:
    panels = (
        ("ecg_ii_mV", 10.0, 3.0, "ECG II (mV)"),
        ("pleth", 10.0, 5.0, "PLETH"),
        ("resp", 0.0, 150.0, "RESP belt"),
    )
    fig, axes = plt.subplots(len(panels), 1, figsize=(12, 8))
    for ax, (key, start, length, title) in zip(axes, panels, strict=True):
        x = d[key].astype(float)
        sel = slice(round(start * fs), round((start + length) * fs))
        t = np.arange(sel.start, sel.stop) / fs
        unwrapped = unwrap_overflow(x)
        ax.plot(t, x[sel], lw=0.6, label="as stored (wraps at ±max)")
        if key == "ecg_ii_mV":
            drift = unwrapped[sel] - np.nanmedian(unwrapped[sel])
            ax.plot(t, drift, lw=0.8, label="unwrapped, minus its median: steps at every QRS (not usable)")
        else:
            ax.plot(t, unwrapped[sel], lw=0.8, label="unwrapped")
        if key == "resp":
            for b in wrap_bursts(x, fs):
                if start <= b <= start + length:
                    ax.axvline(b, color="r", lw=0.3, alpha=0.4)
            ax.set_ylim(-0.12, 0.12)
        ax.set_title(title)
        ax.set_xlabel("s")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def _breathing_figure(d: np.lib.npyio.NpzFile, fs: float, out: Path) -> None:
    beats, measured = detect_ppg_pulses(unwrap_overflow(d["pleth"]), fs)
    ok = accepted(np.array([m.sqi for m in measured]))
    kept = [m for m, k in zip(measured, ok, strict=True) if k]
    pulses = PulseModulations(
        beats[ok] / fs, np.array([m.intensity for m in kept]), np.array([m.amplitude for m in kept])
    )
    windows = belt_windows(d["resp"], fs)
    ends = np.arange(32.0, 300.0, 4.0)
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.plot(ends, [pulse_breathing(pulses, e).rate for e in ends], "o-", ms=3, label="clip (PPG modulations)")
    ax.plot(
        [w.end_s for w in windows],
        [w.rate for w in windows],
        "ks",
        ms=5,
        mfc="none",
        label="belt, clean windows",
    )
    for b in wrap_bursts(d["resp"], fs):
        ax.axvspan(b - 1, b + 1, color="r", alpha=0.05, lw=0)
    ax.set_xlabel("end of the 32-s window (s)")
    ax.set_ylabel("breaths/min")
    ax.set_title("v102s: breathing rate from the clip without a belt (red: belt unusable)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "sensors"
    out.mkdir(parents=True, exist_ok=True)
    d = np.load(ROOT / "tests" / "data" / "v102s_ecg_ppg_resp.npz")
    fs = float(d["fs"])
    _unwrap_figure(d, fs, out / "v102s_unwrap.png")
    _breathing_figure(d, fs, out / "v102s_breathing.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
