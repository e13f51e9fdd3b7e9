"""The kiosk tells the room when a sensor is lost, and the summary says what was not measured: the
real KioskController running a real session (the simulator's ECG on a real LSL outlet, dropped by
its fault machinery as `oasis sim --fault drop:ecg:…`; pipeline, engine, runtime, SQLite store),
ticked at 10 Hz as the kiosk window does. A 39-second protocol; ~50 s of test."""

from __future__ import annotations

import time
from pathlib import Path

from protocols.protocol_model import OnLoss
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.faults import parse_fault
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import build_generators
from station.kiosk import flow as f
from station.kiosk.controller import KioskController, program_for
from station.kiosk.layout import layout
from station.store import SessionStore
from tests.protocol_builder import Phase, protocol_toml, write_protocol

PHASES = [
    Phase("settle", 3, feedback=False),
    Phase("baseline", 6, baseline=True),
    Phase("training", 28, pacer={"rate": 6.0}),
    Phase("cooldown", 2, feedback=False),
]


def test_the_session_screen_shows_the_lost_sensor_and_the_summary_says_what_was_not_measured(
    tmp_path: Path,
) -> None:
    protocol = write_protocol(
        tmp_path, protocol_toml("notice-test", PHASES, max_session_s=120) + '[sensors]\non_loss = "freeze"\n'
    )
    assert protocol.on_loss is OnLoss.FREEZE
    generators = build_generators(["ecg"], Scenario.named("relaxing", 300.0, 6.0), 0)
    # the ECG goes 22 s after the simulator starts: about 17-20 s into the session, after the heart
    # has been good, and it is back with time to spare before the 39 s are over
    publisher = SimPublisher(generators, "notice-test", faults=[parse_fault("drop:ecg:8@22", ["ecg"])])
    store = SessionStore(tmp_path / "sessions.db", "notice-station")
    registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
    kiosk = KioskController(
        store, registry, [protocol], station_id="notice-station", recordings_dir=tmp_path / "rec"
    )
    program = program_for(protocol)
    seen: list[tuple[dict[str, str], list[str]]] = []  # per tick: the notice, the session screen's texts
    views: list[bool] = []  # per tick: the session screen shows the headset's view
    publisher.start()
    try:
        kiosk.handle(f.Begin())
        kiosk.handle(f.CheckedIn(store.new_officer()))
        kiosk.handle(f.ProgramChosen(program.id, program.baseline_s, program.session_s))
        kiosk.handle(f.Rated(6, 2))
        for _ in range(300):  # the kiosk's sensor check: start once the heart is good (≤ 30 s)
            kiosk.tick()
            kiosk.handle(f.SensorsReady())
            if kiosk.flow.screen in f.RUNNING:
                break
            time.sleep(0.1)
        assert kiosk.flow.screen in f.RUNNING
        for _ in range(900):  # the session, ticked at 10 Hz until the runtime has stored it
            kiosk.tick()
            if kiosk.flow.screen in f.RUNNING:
                widgets = layout(kiosk.model, kiosk.flow, kiosk.clock(), 1280, 800)
                seen.append((dict(kiosk.model.sensor_notice), [w.text for w in widgets]))
                views.append(any(w.kind == "image" for w in widgets))
            if kiosk.outcomes:
                break
            time.sleep(0.1)
    finally:
        kiosk.shutdown(timeout_s=30.0)
        publisher.stop()
        registry.close()
    assert kiosk.outcomes, "the session did not end"
    assert sum(views) > 0.5 * len(views), "the scene process's mirror did not reach the session screen"
    shown = [i for i, (notice, _) in enumerate(seen) if notice]
    assert shown, "the notice never reached the kiosk"
    first, last = shown[0], shown[-1]
    assert shown == list(range(first, last + 1))  # one stretch: lost, then back
    assert first > 0 and last < len(seen) - 1  # not at the start, and gone again before the end
    notice, texts = seen[first]
    assert notice["zh-CN"] == "心率传感器没有信号。画面反馈暂停，请继续跟随呼吸引导。"
    assert notice["en"].startswith("Heart-rate sensor: no signal.")
    assert "心率传感器没有信号。" in texts and "画面反馈暂停，请继续跟随呼吸引导。" in texts  # zh-CN kiosk
    assert not any("传感器" in t for t in seen[-1][1])
    assert 20 <= last - first + 1 <= 150  # ticks while lost: the 8 s drop, give or take detection
    zh, en = kiosk.model.summary["zh-CN"], kiosk.model.summary["en"]
    assert any(line.startswith("练习中心率传感器没有信号，约") for line in zh), zh
    assert any(line.startswith("The heart-rate sensor was lost during the session (no signal") for line in en)
    store.close()
