"""The runtime tells the pipeline about the protocol's baseline phase directly (no Markers round
trip): real LSL (a simulated ECG, isolated per test run by tests/conftest.py), the real pipeline
and engine, SQLite and the XDF recorder, no scene. The baseline phase is not called "baseline"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from protocols.engine import StepOutput
from protocols.loader import load_protocol
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.session.runtime import SessionRuntime
from station.store import SessionStatus, SessionStore
from tests.lsl_helpers import simulated_ecg
from tests.protocol_builder import Phase, protocol_toml

PROTOCOL = protocol_toml(
    "phase-test",
    [
        Phase("settle", 1, "请坐好。", "Sit down.", feedback=False),
        Phase("arrive", 3, "保持安静。", "Stay still.", baseline=True),
        Phase("training", 2, "放松。", "Relax."),
    ],
    name=("阶段测试", "Phase test"),
)


@pytest.fixture
def registry() -> Iterator[SourceRegistry]:
    with simulated_ecg("phase-test"):
        reg = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
        yield reg
        reg.close()


def test_the_pipeline_is_in_its_baseline_exactly_during_the_baseline_phase(
    registry: SourceRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "phase-test.toml"
    path.write_text(PROTOCOL, encoding="utf-8")
    protocol = load_protocol(path)
    seen: list[tuple[str, bool]] = []
    with SessionStore(tmp_path / "sessions.db", "test-station") as store:
        runtime = SessionRuntime(store, registry, protocol, None, tmp_path / "rec", "test-station")

        def on_output(out: StepOutput) -> None:
            assert runtime.pipeline is not None
            seen.append((out.phase, runtime.pipeline.in_baseline))

        runtime.on_output = on_output
        outcome = runtime.run(store.new_officer(), 5, 3, max_seconds=60.0)
    assert outcome.status is SessionStatus.COMPLETED
    assert runtime.pipeline is None
    phases = [phase for phase, _ in seen]
    assert {"settle", "arrive", "training"} <= set(phases)
    assert all(in_baseline == (phase == "arrive") for phase, in_baseline in seen), seen
