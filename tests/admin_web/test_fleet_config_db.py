"""The fleet's remote configuration on both databases (SQLite and a real PostgreSQL server): rooms,
settings per room and station as numbered versions, the effective configuration a station fetches,
what its heartbeats report, remote actions done once, and the audit lines."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, select

from admin_web import db, db_migrations, fleet_config
from admin_web.security import utcnow
from tests.admin_support import REPO, postgres_server
from wire import v1 as wire_v1


def _station(engine: Engine, station_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(db.stations).values(
                id=station_id, name=station_id, status="approved", first_seen_at=utcnow()
            )
        )


def _beat(station_id: str, **report: object) -> wire_v1.Heartbeat:
    return wire_v1.Heartbeat.model_validate(
        {"station_id": station_id, "state": "idle", "software_version": "1", "free_disk_bytes": 1, **report}
    )


def _exercise(engine: Engine) -> None:
    db_migrations.migrate(engine)
    for station_id in ("a", "b"):
        _station(engine, station_id)
    with engine.begin() as conn:
        room = fleet_config.add_room(conn, "济南中院", "一号驿站", "boss")
        v1 = fleet_config.assign_room(conn, "a", room, "boss")
        v2 = fleet_config.assign_room(conn, "b", room, "boss")
        assert fleet_config.assign_room(conn, "b", room, "boss") is None  # no change, no version
        text = (REPO / "protocols/library/quick-reset.toml").read_text(encoding="utf-8")
        assert fleet_config.add_protocol_file(conn, "2026.12", "quick-reset", text, "boss") == "quick-reset"
        v3 = fleet_config.save_settings(
            conn,
            "room",
            str(room),
            {"kiosk.programs": ["quick-reset"], "station.language": "en", "protocols.library": "2026.12"},
            "boss",
        )
        v4 = fleet_config.save_settings(conn, "station", "b", {"station.language": "zh-CN"}, "boss")
        assert fleet_config.save_settings(conn, "station", "b", {"station.language": "zh-CN"}, "boss") is None
    assert v1 is not None and v2 is not None and v3 is not None and v4 is not None
    assert v1 < v2 < v3 < v4
    with engine.connect() as conn:
        a, b = fleet_config.effective(conn, "a"), fleet_config.effective(conn, "b")
    assert (a.version, a.settings["station.language"], a.sources["station.language"]) == (v3, "en", "room")
    assert (b.version, b.settings["station.language"], b.sources["station.language"]) == (
        v4,
        "zh-CN",
        "station",
    )
    assert b.settings["kiosk.programs"] == ["quick-reset"] and [p.name for p in b.protocols] == [
        "quick-reset"
    ]
    with engine.begin() as conn:
        first = fleet_config.request_action(conn, "b", "maintenance_on", "boss")
        desired, actions = fleet_config.heartbeat_report(conn, "b", _beat("b", config_applied=0))
        assert desired == v4 and [(x.id, x.kind) for x in actions] == [(first, "maintenance_on")]
        refused = _beat("b", config_applied=v3, config_refused=v4, config_refusal="why", last_action=first)
        assert fleet_config.heartbeat_report(conn, "b", refused)[1] == []
        overview = fleet_config.overview(conn)
        lines = [
            r.target for r in conn.execute(select(db.audit.c.target).where(db.audit.c.action == "config"))
        ]
    status = overview["b"]["status"]
    assert (status.desired, status.applied, status.refused, status.refusal) == (v4, v3, v4, "why")
    assert overview["b"]["room"] == "济南中院 · 一号驿站" and "pending" not in overview["b"]
    assert f"v{v4} station b: station.language = zh-CN" in lines and len(lines) == 4


def test_fleet_configuration_on_sqlite_and_postgresql(tmp_path: Path) -> None:
    with postgres_server() as pg_url:
        for url in (f"sqlite:///{tmp_path / 'admin.sqlite'}", pg_url):
            engine = db.make_engine(url)
            try:
                _exercise(engine)
            finally:
                engine.dispose()
