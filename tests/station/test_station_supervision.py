"""The sensor watcher, step by step (pure: update counts, no LSL, no clock), and the notice texts."""

from __future__ import annotations

from protocols.protocol_model import OnLoss
from sensors.types import Level, Verdict
from station.session.sensor_notice import sensor_notice
from station.session.supervision import Reading, SensorChange, SensorWatch

GOOD, BAD = Verdict.good(), Verdict(Level.BAD, "too few beats")


def _watch(**kwargs: float) -> SensorWatch:
    # 10 updates a second: lost after 30 quiet or bad updates, back after 20 good ones, 200 to warm up
    return SensorWatch(["heart", "eda"], rate_hz=10.0, **kwargs)


class Feed:
    """Drives a watcher: every update both sensors deliver 25 new samples unless told otherwise."""

    def __init__(self, watch: SensorWatch) -> None:
        self.watch = watch
        self.samples = {"heart": 0, "eda": 0}
        self.changes: list[tuple[int, SensorChange]] = []
        self.updates = 0

    def run(self, n: int, heart: Verdict = GOOD, flowing: bool = True, signal: Verdict | None = None) -> None:
        for _ in range(n):
            self.samples["eda"] += 25
            if flowing:
                self.samples["heart"] += 25
            readings = {
                "heart": Reading(self.samples["heart"], heart, signal),
                "eda": Reading(self.samples["eda"], GOOD),
            }
            self.updates += 1
            self.changes += [(self.updates, c) for c in self.watch.step(readings)]


def test_no_samples_is_lost_after_three_seconds_of_updates_and_back_after_two() -> None:
    feed = Feed(_watch())
    feed.run(50)
    feed.run(80, flowing=False)  # stopped at update 50
    assert feed.watch.lost == {"heart": "no samples"}
    feed.run(40)
    assert feed.changes == [
        (80, SensorChange("heart", True, "no samples")),
        (150, SensorChange("heart", False, "no samples")),
    ]
    assert feed.watch.lost == {}


def test_a_bad_verdict_is_named_by_the_raw_signal() -> None:
    for signal, reason in [
        (Verdict(Level.BAD, "flatline"), "flat line"),
        (Verdict(Level.BAD, "clipping (40%)"), "railed"),
        (Verdict(Level.BAD, "50 Hz mains noise (60%)"), "bad quality"),
        (None, "bad quality"),
    ]:
        feed = Feed(_watch())
        feed.run(50)
        feed.run(29, heart=BAD, signal=signal)
        assert feed.changes == []  # 2.9 s of bad data is not yet a loss
        feed.run(1, heart=BAD, signal=signal)
        assert feed.changes == [(80, SensorChange("heart", True, reason))]


def test_back_needs_good_quality_not_just_samples() -> None:
    feed = Feed(_watch())
    feed.run(50)
    feed.run(40, flowing=False)
    feed.run(100, heart=BAD)  # samples flow again, but the features are still bad
    assert feed.watch.lost == {"heart": "no samples"}
    feed.run(19)
    assert len(feed.changes) == 1
    feed.run(1)
    assert feed.changes[-1] == (210, SensorChange("heart", False, "no samples"))


def test_a_sensor_that_never_worked_is_judged_only_after_the_warm_up() -> None:
    feed = Feed(_watch(warmup_s=20.0))
    feed.run(199, flowing=False, heart=BAD)
    assert feed.changes == []
    feed.run(1, flowing=False, heart=BAD)
    assert feed.changes == [(200, SensorChange("heart", True, "no samples"))]


def test_a_replacement_stream_counting_from_zero_counts_as_samples() -> None:
    watch = _watch()
    for n in range(1, 60):
        watch.step({"heart": Reading(n * 25, GOOD), "eda": Reading(n * 25, GOOD)})
    changes = []
    for n in range(1, 40):  # a new stream: its count starts again below the old one
        changes += watch.step({"heart": Reading(n, GOOD), "eda": Reading(5000 + n, GOOD)})
    assert changes == [] and watch.lost == {}


def test_a_sensor_with_no_reading_is_quiet() -> None:
    watch = _watch(warmup_s=1.0)
    changes = []
    for _ in range(30):
        changes += watch.step({"eda": Reading(1, GOOD)})
    assert SensorChange("heart", True, "no samples") in changes


def test_the_notice_names_the_sensor_the_reason_and_the_policy() -> None:
    assert sensor_notice({}, OnLoss.FREEZE) is None
    freeze = sensor_notice({"eda": "no samples"}, OnLoss.FREEZE)
    assert freeze is not None and freeze.lost == {"eda": "no samples"}
    assert freeze.zh == "皮肤电传感器没有信号。画面反馈暂停，请继续跟随呼吸引导。"
    assert (
        freeze.en
        == "Skin-conductance sensor: no signal. Feedback is on hold; keep following the breathing guide."
    )
    both = sensor_notice({"heart": "flat line", "eeg": "railed"}, OnLoss.PAUSE)
    assert both is not None
    assert both.text("zh-CN") == "脑电传感器信号饱和；心率传感器信号平直。练习已暂停，请工作人员检查传感器。"
    assert both.text("en").startswith("EEG sensor: saturated signal; heart-rate sensor: flat signal. ")
