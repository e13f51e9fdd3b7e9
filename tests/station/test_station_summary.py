"""Phases from markers, per-phase means, and the plain-words summary."""

from __future__ import annotations

import numpy as np

from station.session.summary import (
    Phase,
    describe_changes,
    describe_unmeasured,
    phase_means,
    phases_from_markers,
)


def test_phases_from_markers() -> None:
    times = [0.0, 0.0, 60.0, 100.0, 110.0, 300.0]
    texts = ["session_start:p", "phase:baseline", "phase:session", "pause", "resume", "session_end:completed"]
    expected = [Phase("baseline", 0.0, 60.0), Phase("session", 60.0, 300.0)]
    assert phases_from_markers(times, texts, 400.0) == expected
    # interrupted: no session_end, the last phase runs to the end of the data
    assert phases_from_markers(times[:3], texts[:3], 90.0)[-1] == Phase("session", 60.0, 90.0)


def test_phase_means_ignore_nan_and_missing() -> None:
    t = np.arange(10.0)
    values = {"hr": np.array([70, 70, np.nan, 70, 70, 60, 60, 60, 60, 60.0]), "scl": np.full(10, np.nan)}
    means = phase_means(t, values, [Phase("baseline", 0, 5), Phase("session", 5, 10)])
    assert means == {"baseline": {"hr": 70.0}, "session": {"hr": 60.0}}


def test_describe_changes_in_both_languages() -> None:
    means = {
        "baseline": {"hr": 74.2, "coherence": 0.40, "scl": 5.0},
        "session": {"hr": 68.0, "coherence": 0.41, "scl": float("nan")},
    }
    english = ["Heart rate fell from 74 to 68 bpm", "Heart coherence stayed about 0.40"]
    assert describe_changes(means, "en") == english
    assert describe_changes(means, "zh-CN") == ["心率：从 74 降到 68 次/分", "心律协调度：基本不变，约 0.40"]
    assert describe_changes({"baseline": {"hr": 70.0}}, "en") == []


def test_describe_unmeasured_says_what_was_lost_and_left_out() -> None:
    means = {"baseline": {"hr": 74.2, "scl": 5.0}, "session": {"hr": 68.0, "scl": float("nan")}}
    quality = {"sensor_losses": [{"kind": "eda", "reason": "no samples", "lost_s": None}]}
    assert describe_unmeasured(means, ["hr", "scl", "alpha_rel"], quality, "zh-CN") == [
        "练习中皮肤电传感器没有信号，之后未恢复；这段时间的数据未计入",
        "未能测量：皮肤电导 (紧张度)",
        "未能测量：放松脑波 α 占比",
    ]
    back = {"sensor_losses": [{"kind": "heart", "reason": "flat line", "lost_s": 12.4}]}
    assert describe_unmeasured(means, ["hr"], back, "en") == [
        "The heart-rate sensor was lost during the session (flat signal, back after about 12 s); "
        "that time is left out"
    ]
    assert describe_unmeasured(means, ["hr"], {}, "en") == []
