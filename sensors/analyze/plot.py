"""``--plot out.png``: the signal with its detected events, and the metrics, in one figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAX_POINTS = 200_000
ZOOM_S = 10.0
CJK_FONTS = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC"]
EVENT_NAMES = {"ecg": "心搏 beats", "ppg": "心搏 beats", "resp": "呼吸 breaths"}


def _summary(report: dict) -> str:
    """The report's scalar metrics (top level and ``hrv``) as ``name=value`` text."""
    flat = {**{k: v for k, v in report.items() if k != "fs"}, **report.get("hrv", {})}
    return "  ".join(f"{k}={v:.3g}" for k, v in flat.items() if isinstance(v, int | float) and v is not None)


def plot_report(path: Path, x: np.ndarray, fs: float, kind: str, report: dict) -> None:
    """Draw the whole signal and its first 10 s with detected events, the IBI series for ECG/PPG,
    and the metrics (decimated for display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = [*CJK_FONTS, *plt.rcParams["font.sans-serif"]]
    events = np.asarray(report.get("beats", report.get("breaths", [])), dtype=np.int64)
    event_name = EVENT_NAMES.get(kind)
    cardiac = kind in ("ecg", "ppg")
    fig, axes = plt.subplots(3 if cardiac else 2, 1, figsize=(14, 10 if cardiac else 7), squeeze=False)
    zoom = min(x.size, int(ZOOM_S * fs))
    for ax, end, title in (
        (axes[0, 0], x.size, "全程 whole recording"),
        (axes[1, 0], zoom, f"前段 first {ZOOM_S:.0f} s"),
    ):
        step = max(1, end // MAX_POINTS)
        ax.plot(np.arange(0, end, step) / fs, x[:end:step], lw=0.6, color="0.3")
        shown = events[events < end]
        if shown.size and event_name:
            ax.plot(shown / fs, x[shown], "v", color="tab:red", ms=4, label=event_name)
            ax.legend(loc="upper right")
        ax.set_xlabel("时间 time (s)")
        count = f" — {len(events)} {event_name}" if event_name else ""
        ax.set_title(f"{kind.upper()} — {title}{count}")
    summary = _summary(report)
    if cardiac:
        axes[2, 0].plot(events[1:] / fs, np.asarray(report["ibi_ms"]), ".-", lw=0.6, ms=3)
        axes[2, 0].set_ylabel("IBI (ms)")
        axes[2, 0].set_xlabel("时间 time (s)")
        axes[2, 0].set_title(summary, fontsize=9)
    elif summary:
        fig.suptitle(summary, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
