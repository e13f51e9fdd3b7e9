"""A session whose disk fills while it runs ends cleanly with what was stored: the recordings live on a
64 KiB tmpfs (mounted in a private mount namespace, ``unshare -m``) that the XDF fills within
seconds; the simulator's ECG on a real LSL outlet, the real pipeline, engine, runtime and recorder,
the SQLite store on the ordinary disk. The XDF kept is read back with pyxdf."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyxdf

SESSION = r"""
import json, subprocess, sys, threading
from pathlib import Path
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from sensors.sim.officer_state import Scenario
from sensors.sim.outlets import SimPublisher
from sensors.sim.streams import build_generators
from station.session.runtime import SessionRuntime
from station.store import SessionStore
from tests.protocol_builder import Phase, protocol_toml, write_protocol

tmp = Path(sys.argv[1])
recordings = tmp / "recordings"
recordings.mkdir()
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(recordings)], check=True)
phases = [Phase("settle", 3, feedback=False), Phase("baseline", 6, baseline=True), Phase("training", 50)]
protocol = write_protocol(tmp, protocol_toml("disk-full", phases, max_session_s=120))
publisher = SimPublisher(build_generators(["ecg"], Scenario.named("relaxing", 300.0, 6.0), 0), "disk-full")
publisher.start()
registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
store = SessionStore(tmp / "sessions.db", "disk-station")
try:
    runtime = SessionRuntime(store, registry, protocol, None, recordings, "disk-station")
    outcome = runtime.run(store.new_officer(), 5, 3, 120.0)
finally:
    publisher.stop()
    registry.close()
record = store.session(outcome.session_uuid)
xdf = tmp / "kept.xdf"
xdf.write_bytes(outcome.xdf_path.read_bytes())  # out of the namespace's tmpfs, for pyxdf
print(json.dumps({
    "status": outcome.status.value, "reason": outcome.stopped_reason, "updates": outcome.updates,
    "stored_status": record.status.value, "phases": sorted(record.phase_summaries),
    "quality": record.data_quality, "xdf": str(xdf), "xdf_bytes": xdf.stat().st_size,
}))
"""


def test_a_disk_that_fills_mid_session_ends_it_cleanly_with_what_was_stored(tmp_path: Path) -> None:
    result = subprocess.run(
        ["unshare", "-m", sys.executable, "-c", SESSION, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == "aborted" and seen["stored_status"] == "aborted"
    assert seen["reason"] == "recording failed: No space left on device"
    assert seen["updates"] < 40 * 10  # it ended well before the 59-s protocol did
    assert "verdict" in seen["quality"] and seen["phases"]  # the store kept the summaries and quality
    assert 0 < seen["xdf_bytes"] <= 64 * 1024
    streams, _ = pyxdf.load_xdf(seen["xdf"])  # every whole chunk written before the disk filled
    features = next(s for s in streams if s["info"]["type"][0] == "Features")
    assert len(features["time_stamps"]) > 10  # more than a second of the session's features was kept
