"""The officer's PIN across the stations of a room, with a real admin server (uvicorn on loopback)
and two stations, each with its own SQLite store, kiosk controller and sync wiring (start_sync):

- a PIN set at station A lives with the admin (argon2) and is asked for and checked at station B;
  wrong tries back off at the admin; the audit log has each set and try without the code or PIN;
  no admin page shows a PIN or a hash;
- a PIN set at a station while the admin was away moves to the admin the first time it is typed
  right with the admin in reach;
- with the admin out of reach a station falls back to its own store;
- the stations' monthly counts of counsellor suggestions reach the admin as counts only, summed and
  suppressed below k on the topics page."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from admin_web import db
from admin_web.security import utcnow
from admin_web.topic_stats import reminder_months
from protocols.loader import find_protocol
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.commands.kiosk_process import SyncLoop, start_sync
from station.config import hash_pin, load_config
from station.kiosk import flow as f
from station.kiosk.controller import KioskController
from station.kiosk.script import run_until
from station.store import SessionStore
from station.store.officer_codes import new_code
from station.sync.embedded_admin import EmbeddedAdmin
from tests.officer_history_support import FIRST, SECOND, add_session, stepping_clock


@dataclass
class Station:
    store: SessionStore
    registry: SourceRegistry
    controller: KioskController
    sync: SyncLoop


@pytest.fixture
def room(tmp_path: Path) -> Iterator[tuple[EmbeddedAdmin, dict[str, Station]]]:
    admin = EmbeddedAdmin(tmp_path / "admin.db").start()
    stop = threading.Event()
    stations: dict[str, Station] = {}
    try:
        for name, counts in (("station-a", 2), ("station-b", 3)):
            folder = tmp_path / name
            folder.mkdir()
            store = SessionStore(folder / "sessions.db", name, clock=stepping_clock())
            for _ in range(counts):  # suggestions shown this month, before the station syncs
                store.count_reminder_shown("2026-12")
            registry = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
            controller = KioskController(
                store,
                registry,
                [find_protocol("quick-reset")],
                station_id=name,
                recordings_dir=folder / "recordings",
                language="zh-CN",
            )
            config = folder / "station.toml"
            config.write_text(
                f'[station]\nid = "{name}"\n[storage]\ndata_dir = "{folder}"\n[admin]\nurl = "{admin.url}"\n',
                encoding="utf-8",
            )
            sync = start_sync(load_config(config), store, controller, stop)
            assert sync is not None
            assert run_until(controller, lambda c=controller: c.model.pairing_code != "", 60.0)
            assert admin.approve(name, controller.model.pairing_code)
            sync.client.wake()  # ask again now rather than at the next pairing poll
            assert run_until(controller, lambda s=sync: s.client.state.pairing == "paired", 60.0)
            stations[name] = Station(store, registry, controller, sync)
        yield admin, stations
    finally:
        stop.set()
        for s in stations.values():
            s.sync.thread.join(timeout=60.0)
            s.registry.close()
            s.store.close()
        admin.stop()


def check_in(controller: KioskController, code: str) -> None:
    controller.tap("begin")
    for ch in code:
        controller.tap(f"key:{ch}")
    controller.tap("submit_code")
    assert controller.screen is f.Screen.PROGRAM


def type_pin(controller: KioskController, pin: str) -> None:
    for d in pin:
        controller.tap(f"opin_key:{d}")
    controller.tap("opin_ok")


def leave(controller: KioskController) -> None:
    controller.tap("history_close")
    controller.tap("opin_cancel")
    controller.tap("stop")
    assert controller.screen is f.Screen.IDLE


def audit_lines(admin: EmbeddedAdmin) -> list[tuple[str, str, str]]:
    with admin.engine.connect() as conn:
        rows = conn.execute(select(db.audit.c.actor, db.audit.c.action, db.audit.c.target)).all()
    return [tuple(r) for r in rows if r.action.startswith("officer_pin")]  # type: ignore[misc]


def test_a_pin_set_at_one_station_is_asked_for_and_checked_at_another(room) -> None:  # type: ignore[no-untyped-def]
    admin, stations = room
    a, b = stations["station-a"], stations["station-b"]
    me = new_code()
    add_session(a.store, me, *FIRST)
    add_session(b.store, me, *SECOND)

    check_in(a.controller, me)
    a.controller.tap("history")  # no PIN anywhere yet: the last session only, and the offer
    assert a.controller.model.history_limited
    a.controller.tap("history_set_pin")
    type_pin(a.controller, "1357")
    type_pin(a.controller, "1357")
    assert a.controller.model.notice == "opin_saved" and not a.controller.model.history_limited
    assert a.store.officer_pin(me) is None  # it lives with the admin, not on station A
    with admin.engine.connect() as conn:
        row = conn.execute(select(db.officer_pins).where(db.officer_pins.c.officer_code == me)).one()
    assert row.pin_hash.startswith("$argon2id$") and "1357" not in row.pin_hash
    assert row.set_by_station == "station-a"
    leave(a.controller)

    check_in(b.controller, me)  # another station of the room asks for the same PIN
    b.controller.tap("history")
    model = b.controller.model
    assert model.officer_pin_mode == "unlock" and not model.history_open
    type_pin(b.controller, "0000")
    type_pin(b.controller, "1111")
    assert model.notice == "opin_wrong" and not model.history_open
    type_pin(b.controller, "2222")  # the third wrong try: the admin locks the PIN for 30 s
    assert model.notice == "opin_locked" and 25 <= model.officer_pin_wait_s <= 30
    type_pin(b.controller, "1357")  # not even checked while locked
    assert model.notice == "opin_locked" and not model.history_open
    with admin.engine.begin() as conn:  # the half minute passes (the admin's clock is the wall clock)
        conn.execute(
            update(db.officer_pins)
            .where(db.officer_pins.c.officer_code == me)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    type_pin(b.controller, "1357")
    assert model.history_open and not model.history_limited and model.history_source == "admin"
    with admin.engine.connect() as conn:
        assert conn.execute(select(db.officer_pins.c.failures)).scalar_one() == 0

    lines = audit_lines(admin)
    assert [action for _, action, _ in lines] == [
        "officer_pin_set",
        "officer_pin_wrong",
        "officer_pin_wrong",
        "officer_pin_wrong",
        "officer_pin_locked",
        "officer_pin_right",
    ]
    assert {actor for actor, _, _ in lines} == {"station:station-a", "station:station-b"}
    assert all(me not in " ".join(line) and "1357" not in " ".join(line) for line in lines)

    password = admin.ensure_admin()
    assert password is not None
    with httpx.Client(base_url=admin.url) as web:  # what an admin can read: no hash, no code
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/login").text).group(1)  # type: ignore[union-attr]
        web.post("/login", data={"username": "demo-admin", "password": password, "csrf": csrf})
        for page in ("/audit", "/topics", "/stations"):
            html = web.get(page).text
            assert "officer_pin_set" in html or page != "/audit"
            assert "$argon2" not in html and me not in html


def test_a_pin_set_while_the_admin_was_away_moves_to_it_and_the_store_answers_when_it_is_gone(room) -> None:  # type: ignore[no-untyped-def]
    admin, stations = room
    a, b = stations["station-a"], stations["station-b"]
    me = new_code()
    add_session(a.store, me, *FIRST)
    add_session(b.store, me, *SECOND)
    b.store.set_officer_pin(me, hash_pin("2468"))  # set at station B while the admin was out of reach

    check_in(b.controller, me)
    b.controller.tap("history")
    assert b.controller.model.officer_pin_mode == "unlock"
    type_pin(b.controller, "2468")  # right, checked by station B's store ...
    assert b.controller.model.history_open
    assert b.store.officer_pin(me) is None  # ... and now kept by the admin only
    with admin.engine.connect() as conn:
        assert conn.execute(select(db.officer_pins.c.set_by_station)).scalar_one() == "station-b"
    leave(b.controller)

    check_in(a.controller, me)  # station A asks for it too
    a.controller.tap("history")
    type_pin(a.controller, "2468")
    assert a.controller.model.history_open and not a.controller.model.history_limited
    leave(a.controller)

    late = new_code()  # two stations offer to set a PIN at once: the first one kept wins
    add_session(a.store, late, *FIRST)
    check_in(a.controller, late)
    a.controller.tap("history")
    a.controller.tap("history_set_pin")
    type_pin(a.controller, "1111")
    assert b.controller.account.set_pin(late, "2222") == "admin"  # meanwhile, at station B
    type_pin(a.controller, "1111")  # A's confirmation: the admin keeps B's, A asks for it
    assert (a.controller.model.officer_pin_mode, a.controller.model.notice) == ("unlock", "opin_exists")
    assert a.store.officer_pin(late) is None
    type_pin(a.controller, "2222")
    assert a.controller.model.history_open and not a.controller.model.history_limited
    leave(a.controller)

    # the monthly suggestion counts arrived as counts: 2 + 3 in the room, shown at k = 5, hidden at 6
    with admin.engine.connect() as conn:
        assert run_until(a.controller, lambda: bool(conn.execute(select(db.reminder_counts)).all()), 30.0)
    with admin.engine.connect() as conn:
        assert run_until(a.controller, lambda: len(conn.execute(select(db.reminder_counts)).all()) == 2, 30.0)
        stored = conn.execute(select(db.reminder_counts.c.station_id, db.reminder_counts.c.shown)).all()
        assert sorted(map(tuple, stored)) == [("station-a", 2), ("station-b", 3)]
        since = utcnow().date().replace(year=2026, month=1, day=1)
        assert reminder_months(conn, since, k=5) == [("2026-12", 5)]
        assert reminder_months(conn, since, k=6) == [("2026-12", None)]

    admin.stop()  # out of reach: station A answers from its own store, which holds no PIN
    check_in(a.controller, me)
    a.controller.tap("history")
    assert a.controller.model.history_open and a.controller.model.history_limited
    assert a.controller.model.history_source == "station"
