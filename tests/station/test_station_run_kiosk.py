"""`oasis station run`'s controller with real parts: simulated sensors on real LSL outlets (isolated
per test run by tests/conftest.py), the real pipeline, protocol engine and flow, a tiny headless
scene in its own process, and the SQLite store. Sessions use a 22-second protocol."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.kiosk.controller import KioskController, SceneSettings, program_for, startup_recovery
from station.kiosk.flow import FlowTimeouts, Screen
from station.kiosk.layout import layout
from station.kiosk.script import parse_script, run_script, run_until
from station.store import SessionStatus, SessionStore
from tests.cli_support import STATION_RUN, no_display_env
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import HR_MOTION, protocol_toml, write_protocol

HR_MAPPING = HR_MOTION
SCL_MAPPING = HR_MAPPING.replace('"motion"', '"fog"').replace('"hr"', '"scl"')

CHECK_IN = ["begin", "new_code", "submit_code"]
RATE_BEFORE = ["stress:6", "mood:2", "rate"]


def _protocol(tmp_path: Path, pid: str, mappings: str):
    return write_protocol(tmp_path, protocol_toml(pid, tables=mappings))


@pytest.fixture(scope="module")
def ecg_only() -> Iterator[None]:
    """One simulated officer's ECG on LSL for the whole module (no EDA: the missing-sensor case)."""
    with simulated_ecg("kiosk-test"):
        yield


@pytest.fixture
def make(tmp_path: Path, ecg_only) -> Iterator:
    made: list[tuple[KioskController, SessionStore, SourceRegistry]] = []

    def factory(protocols, timeouts: FlowTimeouts | None = None) -> KioskController:
        store = SessionStore(tmp_path / "sessions.db", "test-station")
        registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
        controller = KioskController(
            store,
            registry,
            protocols,
            station_id="test-station",
            recordings_dir=tmp_path / "recordings",
            timeouts=timeouts or FlowTimeouts(interaction_s=120.0, sensor_check_s=60.0, summary_s=60.0),
            language="en",
            scene=SceneSettings("lakeside", "headless", {"width": 64, "height": 36}, 10.0),
        )
        made.append((controller, store, registry))
        return controller

    yield factory
    for controller, store, registry in made:
        controller.shutdown("test over")
        registry.close()
        store.close()


def _taps(*actions: str):
    return parse_script(json.dumps({"steps": [{"tap": a} for a in actions]}))


def test_program_split_follows_the_protocol_timeline(tmp_path: Path) -> None:
    program = program_for(_protocol(tmp_path, "short", HR_MAPPING))
    assert (program.baseline_s, program.session_s) == (11.0, 11.0)  # settle + baseline | training + cooldown


def test_a_full_session_is_stored_completed_with_ratings_and_summaries(make, tmp_path: Path) -> None:
    controller = make([_protocol(tmp_path, "short", HR_MAPPING)])
    steps = _taps(*CHECK_IN, "program:short", *RATE_BEFORE)
    steps += parse_script('{"steps": [{"wait_for": "post_rating", "timeout_s": 150}]}')
    steps += _taps("stress:3", "mood:4", "rate")
    assert run_script(controller, steps) == []
    assert controller.screen is Screen.SUMMARY
    [outcome] = controller.outcomes
    record = controller.store.session(outcome.session_uuid)
    assert record is not None and record.status is SessionStatus.COMPLETED
    assert (record.pre_stress, record.pre_mood, record.post_stress, record.post_mood) == (6, 2, 3, 4)
    assert {"baseline", "training"} <= set(record.phase_summaries)
    assert record.phase_summaries["training"]["hr"] > 30
    assert any(line.startswith("Heart rate") for line in controller.model.summary["en"])
    assert controller.heartbeat_state()[1] == [{"sensor": "ecg", "level": "green"}]
    controller.tap("done")
    assert controller.screen is Screen.IDLE and controller.model.summary == {}


def test_stop_during_the_session_stores_it_aborted(make, tmp_path: Path) -> None:
    controller = make([_protocol(tmp_path, "short", HR_MAPPING)])
    steps = _taps(*CHECK_IN, "program:short", *RATE_BEFORE)
    steps += parse_script('{"steps": [{"wait_for": "baseline", "timeout_s": 60}, {"sleep_s": 2}]}')
    steps += _taps("stop", "skip")
    assert run_script(controller, steps) == []
    assert controller.screen is Screen.SUMMARY
    [outcome] = controller.outcomes
    record = controller.store.session(outcome.session_uuid)
    assert record is not None and record.status is SessionStatus.ABORTED
    assert record.post_stress is None


def test_shutdown_ends_a_running_session_as_aborted_with_its_reason(make, tmp_path: Path) -> None:
    """What `oasis station run` and `oasis demo` do on exit (KioskProcess.close)."""
    controller = make([_protocol(tmp_path, "short", HR_MAPPING)])
    for action in (*CHECK_IN, "program:short", *RATE_BEFORE):
        controller.tap(action)
    assert run_until(controller, lambda: controller.screen is Screen.BASELINE, 60.0)
    assert controller.session_running
    assert controller.shutdown("the station is shutting down")
    assert not controller.session_running
    [outcome] = controller.outcomes
    assert outcome.stopped_reason == "the station is shutting down"
    record = controller.store.session(outcome.session_uuid)
    assert record is not None and record.status is SessionStatus.ABORTED
    assert controller.shutdown("again: nothing is running")  # idempotent


def test_a_missing_sensor_keeps_the_sensor_check_then_times_out(make, tmp_path: Path) -> None:
    timeouts = FlowTimeouts(interaction_s=120.0, sensor_check_s=6.0)
    controller = make([_protocol(tmp_path, "eda", HR_MAPPING + SCL_MAPPING)], timeouts)
    run_script(controller, _taps(*CHECK_IN, "program:eda", *RATE_BEFORE))
    assert run_until(
        controller, lambda: any(s.kind == "ECG" and s.level == "good" for s in controller.model.sensors), 30.0
    )
    assert controller.screen is Screen.SENSOR_CHECK
    statuses = {s.kind: s.level for s in controller.model.sensors}
    assert statuses["EDA"] == "bad"
    texts = [w.text for w in layout(controller.model, controller.flow, controller.clock(), 320, 200)]
    assert "Moisten the EDA finger electrodes and fit them snugly" in texts
    controller.tap("sensors_ready")  # the disabled button, tapped anyway: ignored
    assert controller.screen is Screen.SENSOR_CHECK and not controller.session_running
    assert run_until(controller, lambda: controller.screen is Screen.IDLE, 30.0)
    assert controller.store.sessions() == [] and controller.outcomes == []


def test_cli_marks_a_crashed_session_interrupted_then_runs_a_session(ecg_only, tmp_path: Path) -> None:
    protocol_file = tmp_path / "short.toml"
    protocol_file.write_text(protocol_toml("short"), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    with SessionStore(data / "sessions.db", "cli-station") as store:  # a crash left this one running
        crashed = store.start_session(store.new_officer(), "short", pre_stress=5, pre_mood=3)
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "cli-station"\n[storage]\ndata_dir = "{data}"\n[admin]\ndiscover = false\n',
        encoding="utf-8",
    )
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            {
                "steps": [
                    *({"tap": a} for a in (*CHECK_IN, "program:short", *RATE_BEFORE)),
                    {"wait_for": "post_rating", "timeout_s": 150},
                    *({"tap": a} for a in ("stress:2", "mood:5", "rate")),
                ]
            }
        ),
        encoding="utf-8",
    )
    env = no_display_env()
    result = subprocess.run(
        [
            *STATION_RUN,
            "--config",
            str(config),
            "--output",
            "headless",
            "--protocol",
            str(protocol_file),
            "--headless-script",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "1 interrupted session(s) marked" in result.stdout
    done = re.search(r"session ([0-9a-f-]{36}) completed", result.stdout)
    assert done, result.stdout
    with SessionStore(data / "sessions.db", "cli-station") as store:
        assert store.session(crashed).status is SessionStatus.INTERRUPTED
        record = store.session(done.group(1))
        assert (record.post_stress, record.post_mood) == (2, 5)
        assert Path(record.xdf_path).stat().st_size > 0


def test_sync_thread_sends_the_interrupted_session_to_the_admin_server(make, tmp_path: Path) -> None:
    from station.commands.kiosk_process import start_sync
    from station.config import load_config
    from station.sync.embedded_admin import EmbeddedAdmin
    from station.sync.sync_state import SyncState

    admin = EmbeddedAdmin(tmp_path / "admin.db").start()
    stop = threading.Event()
    thread = None
    try:
        admin.ensure_admin()
        config = tmp_path / "station.toml"
        config.write_text(
            f'[station]\nid = "test-station"\n[storage]\ndata_dir = "{tmp_path}"\n'
            f'[admin]\nurl = "{admin.url}"\n',
            encoding="utf-8",
        )
        cfg = load_config(config)
        controller = make([_protocol(tmp_path, "short", HR_MAPPING)])
        store = controller.store
        crashed = store.start_session(store.new_officer(), "short", pre_stress=4, pre_mood=3)
        assert startup_recovery(store, cfg.retention_days) == ([crashed], 0)
        thread = start_sync(cfg, store, controller, stop)
        assert thread is not None

        def synced() -> bool:
            code = SyncState.load(cfg.data_dir / "sync").pairing_code
            if code:
                admin.approve("test-station", code)
            return admin.session_count() == 1 and store.backlog() == 0

        assert run_until(controller, synced, 90.0)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=60.0)
        admin.stop()
