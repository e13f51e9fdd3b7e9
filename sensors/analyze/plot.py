"""``--plot out.png``: the signal with its detected events, and the metrics, in one figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_POINTS = 200_000
ZOOM_S = 10.0
CJK_FONTS = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC"]


def plot_report(path: Path, x: np.ndarray, fs: float, kind: str, report: dict) -> None:
    """Draw the signal (decimated for display), detected events and a metrics summary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = [*CJK_FONTS, *plt.rcParams["font.sans-serif"]]
    events = np.asarray(report.get("beats", report.get("breaths", [])), dtype=np.int64)
    cardiac = kind in ("ecg", "ppg")
    fig, axes = plt.subplots(3 if cardiac else 2, 1, figsize=(14, 10 if cardiac else 7), squeeze=False)
    zoom = min(x.size, int(ZOOM_S * fs))
    for ax, end, title in (
        (axes[0, 0], x.size, "whole recording 全程"),
        (axes[1, 0], zoom, f"first {ZOOM_S:.0f} s 前段"),
    ):
        step = max(1, end // MAX_POINTS)
        ax.plot(np.arange(0, end, step) / fs, x[:end:step], lw=0.6, color="0.3")
        shown = events[events < end]
        if shown.size:
            ax.plot(
                shown / fs,
                x[shown],
                "v",
                color="tab:red",
                ms=4,
                label="beats 心搏" if cardiac else "breaths 呼吸",
            )
            ax.legend(loc="upper right")
        ax.set_xlabel("时间 time (s)")
        ax.set_title(
            f"{kind.upper()} — {title} — {len(events)} {'心搏 beats' if cardiac else '呼吸 breaths'}"
        )
    if cardiac:
        hrv = report["hrv"]
        ibi = np.asarray(report["ibi_ms"])
        axes[2, 0].plot(events[1:] / fs, ibi, ".-", lw=0.6, ms=3)
        axes[2, 0].set_ylabel("IBI (ms)")
        axes[2, 0].set_xlabel("时间 time (s)")
        text = "  ".join(f"{k}={v:.3g}" for k, v in hrv.items() if v is not None)
        axes[2, 0].set_title(f"{text}  corrected={report['corrected']}", fontsize=9)
    elif report.get("resp_rate") is not None:
        axes[0, 0].set_title(f"RESP — {len(events)} 呼吸 breaths, {report['resp_rate']:.1f} /min")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
