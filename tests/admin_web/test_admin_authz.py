"""Authorization matrix over every route and every kind of caller, plus CSRF, login rate limit,
cookies, security headers and the audit log."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from admin_web import db, db_migrations, fleet_config, sample
from admin_web.app import create_app
from admin_web.page_access import SESSION_COOKIE
from admin_web.security import create_user, open_web_session
from tests.admin_support import REPO, pair
from wire import v1 as wire_v1

PASSWORD = "correct-horse-9"
ANON, STATION, TECH, ADMIN = "anonymous", "station", "technician", "admin"
PUBLIC = {ANON, STATION, TECH, ADMIN}
STAFF = {TECH, ADMIN}

# (method, path) -> callers allowed. A route missing here fails test_matrix_covers_every_route.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/pair"): PUBLIC,
    ("POST", "/api/v1/sessions"): {STATION},
    ("POST", "/api/v1/heartbeat"): {STATION},
    ("POST", "/api/v1/officer-history"): {STATION},
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): STAFF,
    ("GET", "/"): STAFF,
    ("GET", "/dashboard"): {ADMIN},
    ("GET", "/sessions"): {ADMIN},
    ("GET", "/sessions/{uuid}"): {ADMIN},
    ("GET", "/stations"): STAFF,
    ("POST", "/stations/{station_id}/approve"): {ADMIN},
    ("GET", "/stations/{station_id}/revoke"): {ADMIN},
    ("POST", "/stations/{station_id}/revoke"): {ADMIN},
    ("POST", "/stations/pending/clear"): {ADMIN},
    ("GET", "/calibrations"): STAFF,
    ("GET", "/topics"): {ADMIN},
    ("GET", "/users"): {ADMIN},
    ("POST", "/users"): {ADMIN},
    ("POST", "/users/{user_id}/disable"): {ADMIN},
    ("POST", "/users/{user_id}/enable"): {ADMIN},
    ("POST", "/users/{user_id}/password"): {ADMIN},
    ("GET", "/account"): STAFF,
    ("POST", "/account/password"): STAFF,
    ("GET", "/settings"): {ADMIN},
    ("POST", "/settings"): {ADMIN},
    ("GET", "/audit"): {ADMIN},
    ("GET", "/export/sessions.csv"): {ADMIN},
    ("GET", "/export/stations.csv"): STAFF,
    ("GET", "/export/calibrations.csv"): STAFF,
    ("GET", "/export/users.csv"): {ADMIN},
    ("GET", "/export/audit.csv"): {ADMIN},
    ("GET", "/api/v1/configuration"): {STATION},
    ("POST", "/api/v1/diagnostics"): {STATION},
    ("POST", "/api/v1/officer-pin"): {STATION},
    ("POST", "/api/v1/reminder-counts"): {STATION},
    ("GET", "/rooms"): {ADMIN},
    ("POST", "/rooms"): {ADMIN},
    ("POST", "/stations/{station_id}/room"): {ADMIN},
    ("GET", "/config/{scope}/{scope_id}"): {ADMIN},
    ("POST", "/config/{scope}/{scope_id}"): {ADMIN},
    ("GET", "/protocols"): {ADMIN},
    ("POST", "/protocols"): {ADMIN},
    ("GET", "/stations/{station_id}/actions/{kind}"): {ADMIN},
    ("POST", "/stations/{station_id}/actions/{kind}"): {ADMIN},
    ("GET", "/stations/{station_id}/diagnostics/{bundle_id}"): {ADMIN},
}
DIAGNOSTICS = {"action_id": 1, "created_at": "2026-01-01T00:00:00+00:00", "text": "check output"}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A database with an admin, a technician, an approved station with data and a pending station."""
    path = tmp_path_factory.mktemp("authz") / "template.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        boss_id = create_user(conn, "boss", "admin", PASSWORD)
        tech_id = create_user(conn, "tech", "technician", PASSWORD)
        create_user(conn, "other", "technician", PASSWORD)
        # logged-in sessions made once, so the matrix does not pay for an argon2 check per case
        cookies = {ADMIN: open_web_session(conn, boss_id)[0], TECH: open_web_session(conn, tech_id)[0]}
    rows = sample.sessions("room-1", 12, seed=1)
    with TestClient(create_app(engine, retention=False)) as client:
        token = pair(client, engine, "room-1")
        cal = sample.calibration("room-1", random.Random(2), sample.datetime.now(sample.CHINA))
        client.post(
            "/api/v1/sessions",
            json={"sessions": rows, "calibrations": [cal]},
            headers={"Authorization": f"Bearer {token}"},
        )
        with engine.begin() as conn:  # a room, and a diagnostics action the station answered
            fleet_config.add_room(conn, "济南中院", "一号驿站", "boss")
            fleet_config.request_action(conn, "room-1", "diagnostics", "boss")
            fleet_config.store_diagnostics(
                conn, "room-1", wire_v1.DiagnosticsBundle.model_validate(DIAGNOSTICS)
            )
        client.post(
            "/api/v1/pair",
            json={"station_id": "room-2", "name": "二号", "software_version": "0.1.0", "claim": "q" * 40},
        )
    engine.dispose()
    return {"path": path, "token": token, "uuid": rows[0]["uuid"], "tech_id": tech_id, "cookies": cookies}


@pytest.fixture
def fresh(template_db: dict, tmp_path: Path) -> Iterator[tuple]:
    path = tmp_path / "admin.sqlite"
    shutil.copy(template_db["path"], path)
    engine = db.make_engine(f"sqlite:///{path}")
    yield create_app(engine, retention=False), engine
    engine.dispose()


def login(app, name: str, base_url: str = "http://testserver") -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=base_url, follow_redirects=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf": csrf})
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/calibrations").text).group(1)  # type: ignore[union-attr]


def _request(client: TestClient, method: str, path: str, template: dict, caller: str):  # type: ignore[no-untyped-def]
    path = (
        path.replace("{uuid}", template["uuid"])
        .replace("{station_id}", "room-2" if "approve" in path else "room-1")
        .replace("{user_id}", str(template["tech_id"]))
        .replace("{scope}/{scope_id}", "room/1")
        .replace("{kind}", "diagnostics")
        .replace("{bundle_id}", "1")
    )
    headers = {"Authorization": f"Bearer {template['token']}"} if caller == STATION else {}
    if path.startswith("/api/"):
        body = {
            "/api/v1/pair": {"station_id": "room-9", "name": "x", "software_version": "1", "claim": "z" * 40},
            "/api/v1/sessions": {"sessions": sample.sessions("room-1", 1, seed=9)},
            "/api/v1/heartbeat": {
                "station_id": "room-1",
                "state": "idle",
                "software_version": "1",
                "free_disk_bytes": 1,
            },
            "/api/v1/officer-history": {"officer_code": "OF0001"},
            "/api/v1/configuration": None,
            "/api/v1/diagnostics": DIAGNOSTICS,
            "/api/v1/officer-pin": {"officer_code": "OF0001", "action": "status"},
            "/api/v1/reminder-counts": {"months": [{"month": "2026-11", "shown": 2}]},
        }[path]
        return client.request(method, path, json=body, headers=headers)
    if method == "GET":
        return client.get(path, headers=headers)
    data: dict[str, str] = {}
    if caller in STAFF:
        data["csrf"] = csrf_of(client)
    if path == "/login":
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        return client.post(path, data={"username": "nobody", "password": "wrong-password", "csrf": csrf})
    if path.endswith("/approve"):
        # the admin types the code the station's screen shows (the page never prints it)
        data["pairing_code"] = wire_v1.pairing_code("q" * 40) if caller == ADMIN else "000000"
    if path.endswith("/revoke"):
        data["confirm"] = "room-1"
    if path == "/users":
        data.update(name="newtech", role="technician", password=PASSWORD)
    if path.endswith("/password"):
        data.update(password=PASSWORD, current=PASSWORD, confirm=PASSWORD)  # unchanged: later callers log in
    if path == "/rooms":
        data.update(court="court", name="room")
    if path.endswith("/room"):
        data["room"] = "1"
    if path == "/protocols":
        data["library"] = "2026.12"
        toml = (REPO / "protocols/library/quick-reset.toml").read_bytes()
        return client.post(path, data=data, headers=headers, files={"file": ("quick-reset.toml", toml)})
    if path == "/settings":
        data.update(k_anonymity="5", target_per_day="4.2", retention_days="1095", audit_retention_days="1825")
    return client.post(path, data=data, headers=headers)


def test_matrix_covers_every_route(fresh) -> None:  # type: ignore[no-untyped-def]
    app, _ = fresh

    def walk(routes: list) -> Iterator[APIRoute]:  # type: ignore[type-arg]
        for route in routes:  # FastAPI keeps included routers as nodes holding the original router
            inner = getattr(route, "original_router", None)
            yield from (
                walk(inner.routes) if inner is not None else ([route] if isinstance(route, APIRoute) else [])
            )

    routes = {(m, r.path) for r in walk(app.routes) for m in r.methods}
    routes -= {(m, p) for m, p in routes if p.startswith(("/docs", "/redoc", "/openapi"))}
    assert routes == set(MATRIX)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_admits_exactly_its_roles(fresh, template_db: dict, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    app, _ = fresh
    clients = {who: TestClient(app, follow_redirects=False) for who in (ANON, STATION, TECH, ADMIN)}
    for who in (TECH, ADMIN):
        clients[who].cookies.set(SESSION_COOKIE, template_db["cookies"][who])
    for caller in (ANON, STATION, TECH, ADMIN):  # admin last: allowed POSTs change state
        response = _request(clients[caller], method, path, template_db, caller)
        allowed = caller in MATRIX[(method, path)]
        code = response.status_code
        if allowed:
            assert code < 400 or (path == "/login" and code == 401), (caller, code, response.text[:300])
            assert response.headers.get("location") != "/login" or path == "/logout", caller
        elif path.startswith("/api/"):
            assert code == 401, (caller, code)
        elif caller in (ANON, STATION):
            assert code == 303 and response.headers["location"] == "/login", (caller, code)
        else:
            assert code == 403, (caller, code)


def test_forms_without_csrf_are_refused(fresh) -> None:  # type: ignore[no-untyped-def]
    app, engine = fresh
    admin = login(app, "boss")
    assert admin.post("/stations/room-1/revoke", data={}).status_code == 403
    assert admin.post("/stations/room-1/revoke", data={"csrf": "forged"}).status_code == 403
    assert admin.post("/users", data={"name": "x", "role": "admin", "password": PASSWORD}).status_code == 403
    with engine.connect() as conn:
        assert (
            conn.execute(select(db.stations.c.status).where(db.stations.c.id == "room-1")).scalar_one()
            == "approved"
        )
    fresh_client = TestClient(app, follow_redirects=False)
    assert (
        fresh_client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": "x"}).status_code
        == 403
    )


def test_login_is_rate_limited(fresh) -> None:  # type: ignore[no-untyped-def]
    app, _ = fresh
    client = TestClient(app, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    codes = [
        client.post("/login", data={"username": "boss", "password": "wrong-guess", "csrf": csrf}).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    right = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": csrf})
    assert right.status_code == 429  # even the right password waits out the window


def test_cookies_and_security_headers(fresh) -> None:  # type: ignore[no-untyped-def]
    app, _ = fresh
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": csrf})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    page = client.get("/dashboard")
    for header in (
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "strict-transport-security",
    ):
        assert header in page.headers, header
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_technician_never_sees_ratings_or_officers(fresh, template_db: dict) -> None:  # type: ignore[no-untyped-def]
    app, engine = fresh
    tech = login(app, "tech")
    with engine.connect() as conn:
        codes = {r.officer_code for r in conn.execute(select(db.sessions.c.officer_code))}
    for path in ("/stations", "/calibrations", "/export/stations.csv", "/export/calibrations.csv"):
        body = tech.get(path).text
        assert not any(code in body for code in codes), path
        assert "stress" not in body.lower(), path


def test_views_and_exports_are_audited(fresh, template_db: dict) -> None:  # type: ignore[no-untyped-def]
    app, engine = fresh
    admin = login(app, "boss")
    admin.get(f"/sessions/{template_db['uuid']}")
    admin.get("/export/sessions.csv")
    with engine.connect() as conn:
        lines = {(r.actor, r.action, r.target) for r in conn.execute(select(db.audit))}
    assert ("boss", "view", f"session {template_db['uuid']}") in lines
    assert ("boss", "export", "sessions.csv") in lines
    assert ("boss", "login", "testclient") in lines


def test_csv_export_neutralises_formulas_and_omits_secrets(fresh) -> None:  # type: ignore[no-untyped-def]
    app, engine = fresh
    with engine.begin() as conn:
        conn.execute(
            db.audit.insert().values(
                at=sample.datetime.now(), actor="x", action="view", target='=HYPERLINK("http://evil")'
            )
        )
    admin = login(app, "boss")
    audit_csv = admin.get("/export/audit.csv").text
    assert "'=HYPERLINK" in audit_csv and "\n=HYPERLINK" not in audit_csv
    users_csv = admin.get("/export/users.csv").text
    assert "password_hash" not in users_csv and "$argon2" not in users_csv
    assert "token_hash" not in admin.get("/export/stations.csv").text


def test_retention_settings_delete_old_records(fresh, template_db: dict) -> None:  # type: ignore[no-untyped-def]
    app, engine = fresh
    old = sample.datetime(2020, 1, 1)
    with engine.begin() as conn:
        conn.execute(
            update(db.sessions).where(db.sessions.c.uuid == template_db["uuid"]).values(local_date=old.date())
        )
        conn.execute(db.audit.insert().values(at=old, actor="x", action="view", target="ancient"))
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, template_db["cookies"][ADMIN])
    bad = client.post(
        "/settings",
        data={
            "csrf": csrf_of(client),
            "k_anonymity": "1",
            "target_per_day": "4.2",
            "retention_days": "400",
            "audit_retention_days": "400",
        },
    )
    assert bad.status_code == 400  # k below 2 is refused, nothing saved or deleted
    with engine.connect() as conn:
        assert conn.execute(
            select(db.sessions.c.uuid).where(db.sessions.c.uuid == template_db["uuid"])
        ).first()
    saved = client.post(
        "/settings",
        data={
            "csrf": csrf_of(client),
            "k_anonymity": "5",
            "target_per_day": "4.2",
            "retention_days": "400",
            "audit_retention_days": "400",
        },
    )
    assert saved.status_code == 200
    with engine.connect() as conn:
        assert db.get_settings(conn)["retention_days"] == "400"
        remaining = {r.uuid for r in conn.execute(select(db.sessions.c.uuid))}
        targets = {r.target for r in conn.execute(select(db.audit.c.target))}
    assert template_db["uuid"] not in remaining and len(remaining) == 11 and "ancient" not in targets
