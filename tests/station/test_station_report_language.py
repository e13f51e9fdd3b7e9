"""The session report in the officer's language: with zh-CN every title, axis, phase, legend and
event on it is Chinese; the heading names the program, the officer code, the local start time in the
station's time zone and the ratings; times read minutes:seconds; every axis is labelled and spans at
least its sensible minimum. The recording is a real XDF file written by the station's writer."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from station.cli import main
from station.recording.xdf_writer import XdfWriter
from station.session.report_figure import MIN_SPAN, load_traces, report_figure
from station.session.report_texts import mm_ss, report_heading
from station.store import SessionStatus, SessionStore

FEATURES = ["hr", "rmssd", "coherence", "alpha_rel", "scl"]
# Latin words allowed on the Chinese report: units and the names of measures
LATIN_ALLOWED = {"RMSSD", "UTC", "µS"}


def write_recording(path: Path) -> None:
    """A 6-minute session (settle, baseline, training, cooldown) whose heart rate moves 1.5 bpm only."""
    rng = np.random.default_rng(3)
    with XdfWriter(path, fsync=False) as w:
        labels = "".join(f"<channel><label>{f}</label></channel>" for f in FEATURES)
        feats = w.add_stream(
            "<info><name>OasisFeatures</name><type>Features</type><channel_count>5</channel_count>"
            "<channel_format>double64</channel_format><nominal_srate>1</nominal_srate>"
            f"<desc><channels>{labels}</channels></desc></info>",
            "double64",
            5,
        )
        markers = w.add_stream(
            "<info><name>OasisMarkers</name><type>Markers</type><channel_count>1</channel_count>"
            "<channel_format>string</channel_format><nominal_srate>0</nominal_srate></info>",
            "string",
            1,
        )
        t = 5000.0 + np.arange(360.0)
        later = np.clip((t - 5090.0) / 200.0, 0, 1)
        values = np.column_stack(
            [
                72.0 - 1.5 * later + rng.normal(0, 0.2, 360),
                30.0 + 12 * later + rng.normal(0, 1, 360),
                0.3 + 0.3 * later,
                0.2 + 0.1 * later,
                5.0 - 0.6 * later,
            ]
        )
        w.write_samples(feats, t, values)
        events = [
            (5000.0, "phase:settle"),
            (5030.0, "phase:baseline"),
            (5090.0, "phase:training"),
            (5200.0, "pause"),
            (5210.0, "resume"),
            (5300.0, "phase:cooldown"),
            (5360.0, "session_end:completed"),
        ]
        w.write_samples(markers, [e[0] for e in events], [[e[1]] for e in events])


def test_the_chinese_report_has_no_english_left(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    xdf = tmp_path / "s.xdf"
    write_recording(xdf)
    title = report_heading(
        program="正念十五分钟",
        officer_code="K7PQ3XM",
        started_at="2026-12-02T01:30:00.000+00:00",
        status="completed",
        ratings=(7, 2, 3, 4),
        language="zh-CN",
        tz=timezone(timedelta(hours=8)),
    )
    fig, lines = report_figure(load_traces(xdf), title, "zh-CN")
    try:
        texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        words = {w for t in texts for w in re.findall(r"[A-Za-zµ]{2,}", t.replace("K7PQ-3XM", ""))}
        assert words <= LATIN_ALLOWED, words - LATIN_ALLOWED
        joined = "\n".join(texts)
        for expected in (
            "安顿",
            "静息基线",
            "放松训练",
            "平复收尾",
            "暂停",
            "继续",
            "心率 (次/分)",
            "心律协调度 (0–1)",
        ):
            assert expected in joined, expected
        assert "K7PQ-3XM" in joined and "2026-12-02 09:30 (UTC+08:00)" in joined  # the station's local time
        assert "压力 7 → 3 · 心情 较差 → 较好" in joined and "正念十五分钟" in joined
        assert any(line.startswith("心率") for line in lines)
        panels = fig.axes[:4] + fig.axes[5:]  # the summary panel (index 4) has no axes; twins come last
        for ax in panels:
            assert ax.get_ylabel(), "every axis is labelled"
        hr_axis = fig.axes[0]
        low, high = hr_axis.get_ylim()
        assert high - low >= MIN_SPAN["hr"]  # 1.5 bpm on a 20 bpm axis: not dramatic
        fig.canvas.draw()
        ticks = [t.get_text() for t in hr_axis.get_xticklabels() if t.get_text()]
        assert ticks and all(re.fullmatch(r"-?\d+:\d\d", t) for t in ticks), ticks
        assert hr_axis.get_xlabel() == "开始后的时间 (分:秒)"
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (75.4, "1:15"), (3599.6, "60:00"), (-30, "-0:30")]
)
def test_minutes_and_seconds(seconds: float, text: str) -> None:
    assert mm_ss(seconds) == text


def test_oasis_report_writes_the_heading_in_the_station_time_zone(
    tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "st"\ntimezone = "Asia/Shanghai"\n[storage]\ndata_dir = "{data}"\n',
        encoding="utf-8",
    )
    xdf = data / "s.xdf"
    write_recording(xdf)
    with SessionStore(data / "sessions.db", "st") as store:
        sid = store.start_session(
            store.new_officer(), "mindfulness-15", pre_stress=7, pre_mood=2, xdf_path=xdf
        )
        store.finish_session(sid, SessionStatus.COMPLETED)
        store.set_post_ratings(sid, 3, 4)
    out = tmp_path / "r.png"
    assert main(["report", sid, "--out", str(out), "--config", str(config), "--lang", "zh-CN"]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "心率" in capsys.readouterr().out
    monkeypatch.setenv("TZ", "UTC")  # the heading follows the station's zone, not the computer's
    from station.config import load_config

    assert load_config(config).tz is not None and str(load_config(config).tz) == "Asia/Shanghai"
    bad = tmp_path / "bad.toml"
    bad.write_text('[station]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    assert main(["report", sid, "--out", str(out), "--config", str(bad)]) == 2
    assert "not a known time zone" in capsys.readouterr().err
