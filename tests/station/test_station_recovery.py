"""Startup recovery and retention on real files: a session and its recording killed mid-way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyxdf

from station.recording.retention import purge_recordings
from station.recording.xdf_writer import XdfWriter
from station.session.recovery import recover_interrupted
from station.store import SessionStatus, SessionStore


def _crashed_recording(path: Path) -> None:
    """An XDF file as a killed recorder leaves it: flushed chunks, no footers, a torn tail."""
    w = XdfWriter(path, fsync=False)
    sid = w.add_stream(
        "<info><name>ECG</name><type>ECG</type><channel_count>1</channel_count>"
        "<channel_format>float32</channel_format><nominal_srate>100</nominal_srate></info>",
        "float32",
        1,
    )
    w.write_samples(sid, 5.0 + np.arange(300) / 100, np.zeros((300, 1), np.float32))
    w.write_clock_offset(sid, 6.0, 0.0)
    w.flush()
    with path.open("ab") as f:
        f.write(b"\x04\x10\x00")  # the start of a chunk whose rest never reached the disk


def test_startup_recovery_interrupts_and_repairs(tmp_path: Path) -> None:
    xdf = tmp_path / "s.xdf"
    _crashed_recording(xdf)
    with SessionStore(tmp_path / "st.db", "st") as store:
        sid = store.start_session(store.new_officer(), "p", xdf_path=xdf)
        done = store.start_session(store.new_officer(), "p")
        store.finish_session(done, SessionStatus.COMPLETED)
        assert recover_interrupted(store) == [sid]
        assert store.session(sid).status is SessionStatus.INTERRUPTED
        assert store.session(done).status is SessionStatus.COMPLETED
    [stream], _ = pyxdf.load_xdf(str(xdf))
    assert len(stream["time_stamps"]) == 300
    assert int(stream["footer"]["info"]["sample_count"][0]) == 300


def test_unreadable_recording_is_noted_not_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xdf"
    bad.write_bytes(b"not xdf at all")
    with SessionStore(tmp_path / "st.db", "st") as store:
        sid = store.start_session(store.new_officer(), "p", xdf_path=bad)
        assert recover_interrupted(store) == [sid]
        assert store.events(sid)[-1].kind == "recording_unreadable"


def test_retention_deletes_old_raw_recordings_keeps_summaries(tmp_path: Path) -> None:
    now = [datetime(2026, 3, 1, tzinfo=UTC)]
    with SessionStore(tmp_path / "st.db", "st", clock=lambda: now[0]) as store:
        code = store.new_officer()
        paths = []
        for age_days in (60, 31, 29, 1):
            now[0] = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=age_days)
            path = tmp_path / f"{age_days}.xdf"
            path.write_bytes(b"XDF:")
            sid = store.start_session(code, "p", xdf_path=path)
            store.record_phase_summary(sid, "session", {"hr": 70.0})
            store.finish_session(sid, SessionStatus.COMPLETED)
            paths.append(path)
        now[0] = datetime(2026, 3, 1, tzinfo=UTC)
        removed = purge_recordings(store, 30, now[0])
        assert sorted(removed) == sorted(paths[:2])
        assert [p.exists() for p in paths] == [False, False, True, True]
        assert purge_recordings(store, 30, now[0]) == []
        assert all(r.phase_summaries == {"session": {"hr": 70.0}} for r in store.sessions())
        oldest_first = store.sessions()[::-1]
        assert [r.recording_deleted_at is not None for r in oldest_first] == [True, True, False, False]
