"""The officer's resonance history on real SQLite files: migration 2, the current rate, bad input,
the summary's wording, and that none of it reaches the sync wire."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.session.summary import describe_resonance
from station.store import SessionStatus, SessionStore, StoreError
from station.store.migrations import MIGRATIONS
from wire import v1 as wire_v1

DETAILS = {
    "rate": 5.5,
    "method": "lf_power",
    "metric": "lf",
    "reason": "",
    "blocks": [{"phase": "rate-6-0", "rate": 6.0, "amplitude": 812.0, "valid_share": 0.9, "breaths": 0}],
}


@pytest.fixture
def store(tmp_path: Path):
    with SessionStore(tmp_path / "station.db", "st-1") as s:
        yield s


def _assessed(store: SessionStore, code: str, rate: float | None) -> str:
    sid = store.start_session(code, "resonance-assessment")
    store.record_resonance(sid, rate, {**DETAILS, "rate": rate})
    store.finish_session(sid, SessionStatus.COMPLETED)
    return sid


def test_a_version_1_database_is_migrated_and_keeps_its_sessions(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT)")
    conn.execute("INSERT INTO schema_version VALUES (1, 'then')")
    conn.execute("INSERT INTO officers VALUES ('ABCDEFG', 'then')")
    conn.execute(
        "INSERT INTO sessions (uuid, station_id, officer_code, program, started_at, status, "
        "updated_at) VALUES ('u-1', 'st-1', 'ABCDEFG', 'quick-reset', 'then', 'completed', 'then')"
    )
    conn.commit()
    conn.close()
    with SessionStore(db, "st-1") as store:
        assert store.schema_version == len(MIGRATIONS) >= 2
        assert store.session("u-1").program == "quick-reset"
        assert store.resonance_rate("ABCDEFG") is None
        store.record_resonance("u-1", 5.0, {"rate": 5.0})
        assert store.resonance_rate("ABCDEFG") == 5.0


def test_the_current_rate_is_the_latest_that_found_one(store: SessionStore) -> None:
    officer, other = store.new_officer(), store.new_officer()
    assert store.resonance_rate(officer) is None
    first = _assessed(store, officer, 5.5)
    _assessed(store, other, 4.5)
    assert store.resonance_rate(officer) == 5.5
    _assessed(store, officer, None)  # a failed assessment is history, not the current rate
    assert store.resonance_rate(officer) == 5.5
    latest = _assessed(store, officer, 6.0)
    assert store.resonance_rate(officer) == 6.0 and store.resonance_rate(other) == 4.5
    history = store.resonance_history(officer)
    assert [r.rate for r in history] == [5.5, None, 6.0]
    assert history[0].session_uuid == first and history[0].details["blocks"] == DETAILS["blocks"]
    assert store.resonance_result(latest).rate == 6.0
    store.record_resonance(latest, 5.0, {"rate": 5.0})  # the same session again: replaced, not added
    assert store.resonance_rate(officer) == 5.0 and len(store.resonance_history(officer)) == 3


def test_bad_results_are_refused_with_the_reason_and_lose_nothing(store: SessionStore) -> None:
    officer = store.new_officer()
    sid = _assessed(store, officer, 5.5)
    for bad in (2.0, 9.5, math.nan, math.inf):
        with pytest.raises(StoreError, match="breaths/min"):
            store.record_resonance(sid, bad, {})
    with pytest.raises(StoreError, match="no session"):
        store.record_resonance("no-such-session", 5.0, {})
    with pytest.raises(ValueError):
        store.record_resonance(sid, 5.0, {"amplitude": math.nan})  # not JSON: refused whole
    assert store.resonance_rate(officer) == 5.5
    assert store.resonance_result(sid).details == {**DETAILS, "rate": 5.5}


@settings(max_examples=60, deadline=None)
@given(rate=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-20, 20)))
def test_any_rate_is_stored_exactly_or_refused(tmp_path_factory, rate) -> None:
    with SessionStore(tmp_path_factory.mktemp("fuzz") / "s.db", "st-1") as store:
        officer = store.new_officer()
        sid = store.start_session(officer, "resonance-assessment")
        try:
            store.record_resonance(sid, rate, {"rate": rate if rate is None or math.isfinite(rate) else None})
        except StoreError:
            assert not (isinstance(rate, int | float) and 3.0 <= rate <= 8.0)
            assert store.resonance_result(sid) is None
        else:
            assert rate is None or 3.0 <= rate <= 8.0
            assert store.resonance_result(sid).rate == rate
            assert store.resonance_rate(officer) == rate


def test_the_rate_stays_off_the_sync_wire(store: SessionStore) -> None:
    officer = store.new_officer()
    sid = store.start_session(officer, "resonance-assessment")
    store.add_event(sid, "phase", {"id": "rate-5-5", "pacer_rate": 5.5, "index": 3})
    store.add_event(sid, "pacer", {"cue": "inhale", "rate": 5.5})
    store.add_event(sid, "assessment_block", DETAILS["blocks"][0])
    store.add_event(sid, "resonance_result", DETAILS)
    store.record_resonance(sid, 5.5, DETAILS)
    store.finish_session(sid, SessionStatus.COMPLETED)
    [item] = store.pending(10)
    wire = wire_v1.SessionSummary.model_validate(item.payload)
    text = wire.model_dump_json()
    assert "5.5" not in text and "812" not in text and "pacer_rate" not in text
    details = {e.kind: e.detail for e in wire.events}
    assert json.loads(details["phase"]) == {"id": "rate-5-5", "index": 3}
    assert json.loads(details["resonance_result"]) == {"method": "lf_power", "metric": "lf", "reason": ""}


def test_the_summary_says_the_result_in_plain_words() -> None:
    assert describe_resonance(5.5, "zh-CN") == [
        "您的共振呼吸频率：每分钟 5.5 次",
        "以后的共振呼吸练习将按这个节奏进行",
    ]
    assert describe_resonance(5.0, "en")[0] == "Your resonance breathing rate: 5 breaths a minute"
    assert describe_resonance(None, "zh-CN")[0] == "这次未能测出您的共振呼吸频率"
    assert describe_resonance(None, "en")[0] == "Your resonance breathing rate could not be measured"
