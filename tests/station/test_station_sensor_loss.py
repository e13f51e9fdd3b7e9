"""A sensor lost in mid-session, with real parts: the simulated officer's ECG on a real LSL outlet
(isolated per test run by tests/conftest.py) dropped by the simulator's fault machinery
(``drop:ecg:…``, as `oasis sim --fault`), the real pipeline, protocol engine and runtime, the
SQLite store and the XDF recorder, read back with pyxdf. Sessions use a 39-second protocol."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pylsl
import pytest
import pyxdf

from protocols.protocol_model import OnLoss, Protocol
from scenes.panel_status import PanelStatus
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.faults import parse_fault
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import build_generators
from station.recording.markers import parse_marker
from station.session.runtime import SessionOutcome, SessionRuntime
from station.session.scene_process import SceneProcess
from station.session.sensor_notice import SensorNotice
from station.store import SessionStatus, SessionStore
from tests.protocol_builder import Phase, protocol_toml, write_protocol

PHASES = [
    Phase("settle", 3, feedback=False),
    Phase("baseline", 6, baseline=True),
    Phase("training", 28, pacer={"rate": 6.0}),
    Phase("cooldown", 2, feedback=False),
]


def _protocol(tmp_path: Path, policy: OnLoss) -> Protocol:
    text = protocol_toml("loss-test", PHASES, max_session_s=120) + f'[sensors]\non_loss = "{policy.value}"\n'
    return write_protocol(tmp_path, text)


def _officer(fault: str) -> SimPublisher:
    generators = build_generators(["ecg"], Scenario.named("relaxing", 300.0, 6.0), 0)
    return SimPublisher(generators, "loss-test", faults=[parse_fault(fault, ["ecg"])])


class _RecordedScene(SceneProcess):
    """The real scene child process, noting every panel status the runtime sends it."""

    def __init__(self) -> None:
        super().__init__("night", "headless", {"width": 32, "height": 24}, pace_fps=10.0, fade_s=0.5)
        self.sent: list[PanelStatus] = []

    def set_status(self, status: PanelStatus) -> bool:
        sent = super().set_status(status)
        if sent:
            self.sent.append(status)
        return sent


def _session(
    tmp_path: Path, store: SessionStore, policy: OnLoss, fault: str, scene: SceneProcess | None = None
) -> tuple[SessionOutcome, list[SensorNotice | None]]:
    """One session while the simulator runs ``fault``; the runtime's notice at every engine step."""
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    notices: list[SensorNotice | None] = []
    runtime: SessionRuntime | None = None

    def seen(_out) -> None:
        assert runtime is not None
        notices.append(runtime.notice)

    publisher = _officer(fault)
    publisher.start()
    try:
        protocol = _protocol(tmp_path, policy)
        runtime = SessionRuntime(
            store, registry, protocol, scene, tmp_path / "rec", "loss-station", on_output=seen
        )
        result: list[SessionOutcome] = []
        worker = threading.Thread(target=lambda: result.append(runtime.run(store.new_officer(), 5, 3, 150.0)))
        worker.start()
        worker.join(timeout=240.0)
    finally:
        publisher.stop()
        registry.close()
    [outcome] = result
    return outcome, notices


def _sensor_markers(xdf: Path) -> list[tuple[str, dict, float]]:
    streams, _ = pyxdf.load_xdf(str(xdf))
    [markers] = [s for s in streams if s["info"]["type"][0] == "Markers"]
    out = []
    for row, t in zip(markers["time_series"], markers["time_stamps"], strict=True):
        kind, detail = parse_marker(row[0])
        if kind == "sensor":
            state, _, data = detail.partition(":")
            out.append((state, json.loads(data), float(t)))
    return out


def test_a_dropped_ecg_is_lost_recorded_frozen_and_back(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "sessions.db", "loss-station") as store:
        scene = _RecordedScene().start()
        outcome, notices = _session(tmp_path, store, OnLoss.FREEZE, "drop:ecg:8@17", scene)
        events = store.events(outcome.session_uuid)
        record = store.session(outcome.session_uuid)
    assert outcome.status is SessionStatus.COMPLETED  # freeze: the guide went on to the end

    [(lost, lost_data, lost_t), (back, back_data, back_t)] = _sensor_markers(outcome.xdf_path)
    assert (lost, lost_data) == ("lost", {"kind": "heart", "reason": "no samples"})
    assert back == "back" and back_data["kind"] == "heart"
    assert back_data["lost_s"] == pytest.approx(back_t - lost_t, abs=2e-3)
    assert back_data["lost_s"] >= 8.0 - 3.0  # the outage less the 3 s it takes to judge it lost
    stored = [(e.kind, e.detail, e.lsl_time) for e in events if e.kind.startswith("sensor_")]
    assert [s[:2] for s in stored] == [("sensor_lost", lost_data), ("sensor_back", back_data)]
    assert [s[2] for s in stored] == pytest.approx([lost_t, back_t], abs=1e-3)  # XDF clock-corrected

    # the notice was up exactly while the heart was lost, in both languages
    shown = [n for n in notices if n is not None]
    assert shown and all(n.lost == {"heart": "no samples"} for n in shown)
    assert "心率传感器没有信号" in shown[0].zh and "Heart-rate sensor: no signal" in shown[0].en
    assert notices[-1] is None

    # the headset's panel was told, gently: lost (the practice goes on), then back, then closing
    notes = [(s.notice_zh, s.notice_back) for s in scene.sent]
    lost_i = notes.index(("心率传感器信号中断，练习继续", False))
    back_i = notes.index(("心率传感器信号已恢复", True))
    assert 0 < lost_i < back_i and scene.sent[-1].closing
    assert scene.sent[lost_i].notice_en == "Heart-rate sensor signal lost — keep breathing with the guide"
    assert scene.statuses_applied.value >= back_i + 1 and scene.stats["frames"] > 0

    # the engine saw the heart's features as bad while it was lost: the mapping went inactive
    mapping_off = [e.detail for e in events if e.kind == "mapping" and not e.detail["active"]]
    assert any(d["reason"] == "hr quality bad: sensor lost: no samples" for d in mapping_off), mapping_off

    assert record is not None
    quality = record.data_quality
    assert quality["flagged"] is True
    assert quality["sensor_losses"] == [
        {"kind": "heart", "reason": "no samples", "lost_s": back_data["lost_s"]}
    ]
    assert "heart sensor lost (no samples, back after" in quality["notes"]
    training = record.phase_summaries["training"]["duration_s"]
    assert 0.0 < quality["usable_feedback_min"] * 60.0 < training - back_data["lost_s"] + 1.0
    assert outcome.sensor_losses == quality["sensor_losses"]


def test_pause_policy_pauses_while_the_heart_is_lost_and_resumes_when_back(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "sessions.db", "loss-station") as store:
        outcome, notices = _session(tmp_path, store, OnLoss.PAUSE, "drop:ecg:8@17")
        events = [(e.kind, e.detail, e.lsl_time) for e in store.events(outcome.session_uuid)]
    assert outcome.status is SessionStatus.COMPLETED
    kinds = [k for k, _, _ in events if k in ("sensor_lost", "pause", "sensor_back", "resume")]
    assert kinds == ["sensor_lost", "pause", "sensor_back", "resume"]
    [pause] = [d for k, d, _ in events if k == "pause"]
    assert pause["reason"] == "sensor lost: heart"
    [lost_t] = [t for k, _, t in events if k == "sensor_lost"]
    [back_t] = [t for k, _, t in events if k == "sensor_back"]
    assert lost_t is not None and back_t is not None
    assert outcome.paused_s == pytest.approx(back_t - lost_t, abs=0.5)  # a loop turn either side
    assert all(n is not None and "练习已暂停" in n.zh for n in notices if n is not None)


def test_end_policy_ends_the_session_on_a_flat_line(tmp_path: Path) -> None:
    with SessionStore(tmp_path / "sessions.db", "loss-station") as store:
        outcome, _ = _session(tmp_path, store, OnLoss.END, "flat:ecg:30@17")
    assert outcome.status is SessionStatus.ABORTED
    assert outcome.stopped_reason == "sensor lost: heart (flat line)"
    [(state, data, _)] = _sensor_markers(outcome.xdf_path)
    assert (state, data) == ("lost", {"kind": "heart", "reason": "flat line"})
    assert outcome.sensor_losses == [{"kind": "heart", "reason": "flat line", "lost_s": None}]
    # the session's own streams left the network with it (a leftover would be recorded next time)
    own = " or ".join(f"source_id='oasis-{s}-loss-station'" for s in ("markers", "sceneparams", "features"))
    assert pylsl.resolve_bypred(own, 1, 2.0) == []
