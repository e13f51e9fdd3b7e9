"""Issue 16, admin server: each hole the probe found, reproduced against the real app (FastAPI's
TestClient or the ASGI app called directly, on a real SQLite file) and shown closed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from admin_web import db, db_migrations, sample, stats
from admin_web.api import MAX_PENDING_STATIONS, PENDING_EXPIRES_AFTER
from admin_web.app import MAX_CONCURRENT_UPLOADS, PAIR_REQUESTS_PER_SOURCE, SOURCE_FAILURES, create_app
from admin_web.csv_exports import csv_cell
from admin_web.password_policy import WeakPassword, check_password, common_passwords
from admin_web.security import RateLimiter, create_user, utcnow
from tests.admin_support import pair
from wire import v1 as wire_v1

PASSWORD = "correct-horse-9"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[object, Engine]]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "admin", PASSWORD)
        create_user(conn, "tech", "technician", PASSWORD)
    yield create_app(engine, retention=False), engine
    engine.dispose()


def client_from(app: object, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 40000))  # type: ignore[arg-type]


def login(app: object, name: str, address: str = "10.0.0.1", password: str = PASSWORD) -> TestClient:
    client = client_from(app, address)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"username": name, "password": password, "csrf": csrf})
    assert response.status_code == 303, response.text
    return client


def try_login(client: TestClient, name: str, password: str) -> int:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"username": name, "password": password, "csrf": csrf}).status_code


def page_csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/account").text).group(1)  # type: ignore[union-attr]


def pair_body(station_id: str, claim: str) -> dict[str, str]:
    return {"station_id": station_id, "name": station_id, "software_version": "0.1.0", "claim": claim}


def station(engine: Engine, station_id: str) -> object:
    with engine.connect() as conn:
        return conn.execute(select(db.stations).where(db.stations.c.id == station_id)).first()


# 1. pairing hijack -------------------------------------------------------------------------------


def test_a_pending_claim_cannot_be_replaced_and_the_page_never_prints_the_code(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    real, attacker = client_from(app, "10.0.0.5"), client_from(app, "10.6.6.6")
    real_claim, bad_claim = "r" * 40, "a" * 40
    assert real.post("/api/v1/pair", json=pair_body("room-1", real_claim)).json()["status"] == "pending"
    hijack = attacker.post("/api/v1/pair", json=pair_body("room-1", bad_claim))
    assert hijack.status_code == 409
    assert station(engine, "room-1").pairing_code == wire_v1.pairing_code(real_claim)  # type: ignore[attr-defined]
    admin = login(app, "boss")
    page = admin.get("/stations").text
    for claim in (real_claim, bad_claim):
        assert wire_v1.pairing_code(claim) not in page
    # the admin types the code the real kiosk shows; the attacker's code approves nothing
    form = {"csrf": page_csrf(admin)}
    assert (
        admin.post("/stations/room-1/approve", data={**form, "pairing_code": wire_v1.pairing_code(bad_claim)})
    ).status_code == 409
    assert (
        admin.post(
            "/stations/room-1/approve", data={**form, "pairing_code": wire_v1.pairing_code(real_claim)}
        )
    ).status_code == 303
    assert attacker.post("/api/v1/pair", json=pair_body("room-1", bad_claim)).status_code == 409
    token = real.post("/api/v1/pair", json=pair_body("room-1", real_claim)).json()["token"]
    assert token and station(engine, "room-1").status == "approved"  # type: ignore[attr-defined]


# 2. pairing flood --------------------------------------------------------------------------------


def test_a_pairing_flood_is_capped_per_address_and_in_all_and_cleared_in_one_action(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    flooder = client_from(app, "10.6.6.6")
    codes = [
        flooder.post("/api/v1/pair", json=pair_body(f"fake-{i}", f"{i:040d}")).status_code
        for i in range(PAIR_REQUESTS_PER_SOURCE + 5)
    ]
    assert codes == [200] * PAIR_REQUESTS_PER_SOURCE + [429] * 5
    # many addresses together reach the global cap, and nothing beyond it is stored
    stored = PAIR_REQUESTS_PER_SOURCE
    address = 0
    while stored < MAX_PENDING_STATIONS:
        address += 1
        one = client_from(app, f"10.7.{address}.1")
        for i in range(min(PAIR_REQUESTS_PER_SOURCE, MAX_PENDING_STATIONS - stored)):
            assert one.post("/api/v1/pair", json=pair_body(f"f-{address}-{i}", "b" * 40)).status_code == 200
            stored += 1
    real = client_from(app, "10.0.0.5")
    assert real.post("/api/v1/pair", json=pair_body("room-1", "r" * 40)).status_code == 429
    with engine.connect() as conn:
        pending = conn.execute(select(func.count()).where(db.stations.c.status == "pending")).scalar_one()
    assert pending == MAX_PENDING_STATIONS
    # one admin action clears them; the real station's next request is accepted
    admin = login(app, "boss")
    page = admin.get("/stations").text
    assert 'id="clear-pending"' in page
    assert admin.post("/stations/pending/clear", data={"csrf": page_csrf(admin)}).status_code == 303
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.stations)).scalar_one() == 0
        audit = conn.execute(
            select(db.audit.c.target).where(db.audit.c.action == "clear_pending")
        ).scalar_one()
    assert audit == f"{MAX_PENDING_STATIONS} pairing requests"
    assert real.post("/api/v1/pair", json=pair_body("room-1", "r" * 40)).json()["status"] == "pending"


def test_pending_requests_expire(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    client = client_from(app, "10.0.0.5")
    assert client.post("/api/v1/pair", json=pair_body("squat", "s" * 40)).status_code == 200
    assert client.post("/api/v1/pair", json=pair_body("squat", "t" * 40)).status_code == 409
    with engine.begin() as conn:  # as if the request had been made a day and a minute ago
        conn.execute(
            update(db.stations).values(requested_at=utcnow() - PENDING_EXPIRES_AFTER - timedelta(minutes=1))
        )
    # the squatter's claim expired: another claim may now ask
    assert client.post("/api/v1/pair", json=pair_body("squat", "t" * 40)).json()["status"] == "pending"
    assert station(engine, "squat").pairing_code == wire_v1.pairing_code("t" * 40)  # type: ignore[attr-defined]


# 3. authenticate before reading the body; per-route caps ---------------------------------------


def call_asgi(app: object, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, int]:
    """POST ``body`` to the ASGI app; returns (status, how many times the app asked for the body)."""
    asked, answer = 0, {}

    async def receive() -> dict:  # type: ignore[type-arg]
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:  # type: ignore[type-arg]
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("10.6.6.6", 40000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return answer["status"], asked


def test_station_routes_refuse_a_missing_or_wrong_token_before_reading_the_body(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    with TestClient(app) as client:
        token = pair(client, engine, "room-1")
    body = b'{"sessions": [' + b",".join([b"{}"] * 1000) + b"]}"
    length = (b"content-length", str(len(body)).encode())
    for path in ("/api/v1/sessions", "/api/v1/heartbeat"):
        for auth in ([], [(b"authorization", b"Bearer not-a-token")], [(b"authorization", b"Basic eA==")]):
            assert call_asgi(app, path, [*auth, length], body) == (401, 0), (path, auth)
    # with the right token the body is read (and refused by the schema)
    assert call_asgi(
        app, "/api/v1/sessions", [(b"authorization", f"Bearer {token}".encode()), length], body
    ) == (
        422,
        1,
    )


def test_at_most_two_uploads_are_read_and_parsed_at_once(served) -> None:  # type: ignore[no-untyped-def]
    """Ten 8-MiB uploads at once cost 767 MiB peak RSS unthrottled, 330 MiB two at a time (measured
    against ``oasis admin serve``); here: the third upload's body is not read while two are open."""
    app, engine = served
    with TestClient(app) as client:
        token = pair(client, engine, "room-1")
    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/sessions",
        "raw_path": b"/api/v1/sessions",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("10.0.0.5", 40000),
        "server": ("testserver", 80),
    }

    async def scenario() -> tuple[int, list[int]]:
        release, reading, statuses = asyncio.Event(), [], []

        async def receive() -> dict:  # type: ignore[type-arg]
            reading.append(1)
            await release.wait()
            return {"type": "http.request", "body": b'{"sessions": []}', "more_body": False}

        async def send(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        tasks = [asyncio.create_task(app(dict(scope), receive, send)) for _ in range(3)]  # type: ignore[operator]
        for _ in range(200):  # yield until two bodies are being read (token checks run in threads)
            if len(reading) >= 2:
                break
            await asyncio.sleep(0.01)
        for _ in range(20):
            await asyncio.sleep(0.01)
        open_at_once = len(reading)
        release.set()
        await asyncio.gather(*tasks)
        return open_at_once, statuses

    open_at_once, statuses = asyncio.run(scenario())
    assert open_at_once == MAX_CONCURRENT_UPLOADS == 2 and statuses == [200, 200, 200]


@pytest.mark.parametrize(
    ("path", "size"),
    [("/api/v1/pair", 5 * 1024), ("/login", 100 * 1024), ("/account/password", 100 * 1024)],
)
def test_small_routes_cap_their_bodies_before_parsing(served, path: str, size: int) -> None:  # type: ignore[no-untyped-def]
    app, _ = served
    body = b"x" * size
    assert call_asgi(app, path, [(b"content-length", str(size).encode())], body) == (413, 0)
    assert call_asgi(app, path, [], body)[0] == 413  # no Content-Length: counted while read


# 5. lockout as a weapon, bounded limiter ---------------------------------------------------------


def test_failures_from_one_address_never_lock_the_user_out_elsewhere(served) -> None:  # type: ignore[no-untyped-def]
    app, _ = served
    attacker = client_from(app, "10.6.6.6")
    assert [try_login(attacker, "boss", "wrong-guess") for _ in range(7)] == [401] * 5 + [429] * 2
    assert try_login(attacker, "boss", PASSWORD) == 429  # this address waits, with the right password too
    assert try_login(client_from(app, "10.0.0.1"), "boss", PASSWORD) == 303  # the real user does not


def test_an_address_spraying_user_names_is_throttled_too(served) -> None:  # type: ignore[no-untyped-def]
    app, _ = served
    attacker = client_from(app, "10.6.6.6")
    codes = [try_login(attacker, f"user{i}", "wrong-guess") for i in range(SOURCE_FAILURES + 1)]
    assert codes == [401] * SOURCE_FAILURES + [429]


def test_the_limiter_backs_off_and_holds_a_bounded_number_of_keys(served) -> None:  # type: ignore[no-untyped-def]
    _, engine = served
    now = [0.0]  # an injected clock: the back-off is checked in simulated seconds, not wall time
    limiter = RateLimiter(
        "test",
        limit=3,
        block_s=60.0,
        max_block_s=240.0,
        forget_after_s=3600.0,
        max_keys=100,
        clock=lambda: now[0],
    )
    with engine.begin() as conn:
        for _ in range(3):
            limiter.fail(conn, "k")
        blocks = []
        for _ in range(4):
            start = now[0]
            while limiter.blocked(conn, "k"):
                now[0] += 1.0
            blocks.append(now[0] - start)
            limiter.fail(conn, "k")
        assert blocks == [60.0, 120.0, 240.0, 240.0]
        for i in range(300):
            limiter.fail(conn, "x" * 1000 + str(i))
        assert limiter.count(conn) == 100
        now[0] += 10_000.0  # a key quiet for longer than forget_after_s is forgotten
        assert not limiter.blocked(conn, "k")
        limiter.fail(conn, "k")
        assert limiter.count(conn) == 1 and not limiter.blocked(conn, "k")


def test_a_megabyte_user_name_is_refused_before_the_limiter(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    client = client_from(app, "10.6.6.6")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    big = client.post("/login", data={"username": "u" * 1_000_000, "password": "x", "csrf": csrf})
    assert big.status_code == 413
    with engine.connect() as conn:
        assert app.state.login_limiter.count(conn) == 0  # type: ignore[attr-defined]


# 6. out-of-range numbers are 4xx -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", "/sessions?page=99999999999999999999999", "page must be at most 1000000"),
        ("GET", "/dashboard?to=0001-01-05", "dates must lie between 2000-01-01 and 2100-01-01"),
        ("GET", "/dashboard?from=9999-12-31", "dates must lie between"),
        ("GET", "/sessions?from=0001-01-01&to=9999-12-31", "dates must lie between"),
        ("POST", "/users/100000000000000000000000/disable", "less than or equal to 2147483647"),
        ("POST", "/users/-1/enable", "greater than or equal to 1"),
        ("POST", "/users/9223372036854775808/password", "less than or equal to 2147483647"),
    ],
)
def test_out_of_range_numbers_are_4xx_with_a_message(served, method: str, path: str, message: str) -> None:  # type: ignore[no-untyped-def]
    app, _ = served
    admin = login(app, "boss")
    if method == "GET":
        response = admin.get(path)
    else:
        response = admin.post(path, data={"csrf": page_csrf(admin), "password": "a-fine-new-pw-7"})
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert message in response.text


# 7. password policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("password", "err_password_common"),
        ("12345678", "err_password_common"),
        ("Password2026!", "err_password_common"),
        ("woaini1314", "err_password_common"),
        ("qwertyuiop", "err_password_common"),
        ("zyxwvuts", "err_password_simple"),
        ("abababab", "err_password_simple"),
        ("tech-2026-station", "err_password_name"),
        ("x" * 129, "err_password_long"),
        ("short", "err_password_short"),
    ],
)
def test_the_password_policy_refuses_weak_passwords(password: str, key: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password(password, "tech")
    assert refused.value.key == key


def test_the_bundled_list_is_there_and_good_passwords_pass() -> None:
    assert len(common_passwords()) > 250 and "password" in common_passwords()
    for good in (PASSWORD, "river-lamp-orchid", "湖面平静的傍晚-7", "x" * 60 + "Yz-9"):
        check_password(good, "tech")


def test_pages_refuse_weak_passwords_in_both_languages(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    admin = login(app, "boss")
    csrf = page_csrf(admin)
    added = admin.post(
        "/users", data={"csrf": csrf, "name": "newtech", "role": "technician", "password": "12345678"}
    )
    assert added.status_code == 400 and "这个密码太常见" in added.text
    own = admin.post(
        "/account/password?lang=en",
        data={"csrf": csrf, "current": PASSWORD, "password": "boss-boss-1", "confirm": "boss-boss-1"},
    )
    assert own.status_code == 400 and "must not contain the user name" in own.text
    with engine.connect() as conn:
        tech_id = conn.execute(select(db.users.c.id).where(db.users.c.name == "tech")).scalar_one()
    reset = admin.post(f"/users/{tech_id}/password", data={"csrf": csrf, "password": "password1"})
    assert reset.status_code == 400
    assert try_login(client_from(app, "10.0.0.9"), "tech", PASSWORD) == 303  # unchanged


# 10. CSV and /docs -------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=1+1", " =1+1", "\t=1+1", "  +cmd", "\n-2", "\u3000@SUM(A1)", "\r=x"])
def test_csv_cells_that_a_spreadsheet_reads_as_formulas_are_defused(cell: str) -> None:
    assert csv_cell(cell).startswith("'")


def test_no_swagger_page_loads_a_script_from_a_cdn(served) -> None:  # type: ignore[no-untyped-def]
    app, _ = served
    client = client_from(app, "10.0.0.1")
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/api/v1/pair", "/api/v1/sessions"}


# 11. revoke needs a confirmation and can be undone by re-approval --------------------------------


def test_revoking_asks_for_confirmation_and_the_station_can_be_approved_again(served) -> None:  # type: ignore[no-untyped-def]
    app, engine = served
    kiosk = client_from(app, "10.0.0.5")
    claim = "k" * 40
    assert kiosk.post("/api/v1/pair", json=pair_body("room-1", claim)).status_code == 200
    admin = login(app, "boss")
    csrf = page_csrf(admin)
    admin.post("/stations/room-1/approve", data={"csrf": csrf, "pairing_code": wire_v1.pairing_code(claim)})
    token = kiosk.post("/api/v1/pair", json=pair_body("room-1", claim)).json()["token"]
    assert (
        '<a href="/stations/room-1/revoke"' in admin.get("/stations").text
    )  # a link to a confirmation, not a form
    confirm_page = admin.get("/stations/room-1/revoke?lang=en")
    assert confirm_page.status_code == 200
    assert 'Type the station id to confirm: <strong translate="no">room-1</strong>' in confirm_page.text
    one_tap = admin.post("/stations/room-1/revoke", data={"csrf": csrf})
    wrong = admin.post("/stations/room-1/revoke", data={"csrf": csrf, "confirm": "room-2"})
    assert one_tap.status_code == wrong.status_code == 400
    assert station(engine, "room-1").status == "approved"  # type: ignore[attr-defined]
    assert admin.post("/stations/room-1/revoke", data={"csrf": csrf, "confirm": "room-1"}).status_code == 303
    heartbeat = {"station_id": "room-1", "state": "idle", "software_version": "1", "free_disk_bytes": 1}
    assert (
        kiosk.post(
            "/api/v1/heartbeat", json=heartbeat, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
    # the way back: the station asks again with its claim, the admin approves with the kiosk's code
    assert kiosk.post("/api/v1/pair", json=pair_body("room-1", claim)).json()["status"] == "pending"
    admin.post("/stations/room-1/approve", data={"csrf": csrf, "pairing_code": wire_v1.pairing_code(claim)})
    again = kiosk.post("/api/v1/pair", json=pair_body("room-1", claim)).json()["token"]
    assert (
        kiosk.post(
            "/api/v1/heartbeat", json=heartbeat, headers={"Authorization": f"Bearer {again}"}
        ).status_code
        == 200
    )
    with engine.connect() as conn:
        actions = [
            a for (a,) in conn.execute(select(db.audit.c.action).where(db.audit.c.target == "station room-1"))
        ]
    assert actions == ["approve", "revoke", "approve"]


# 8. k-anonymity by differencing ------------------------------------------------------------------


def _session_on(base: dict, day: str, officer: str) -> dict:  # type: ignore[type-arg]
    return {
        **base,
        "officer_code": officer,
        "started_at": day + base["started_at"][10:],
        "ended_at": day + base["ended_at"][10:],
    }


def test_overlapping_date_ranges_do_not_reveal_a_single_officer(served) -> None:  # type: ignore[no-untyped-def]
    """The probe: 11-20 alone (6 officers) against 11-20..11-21 (one more officer on 11-21) gave that
    officer's stress change as the difference. Now both views cover whole weeks, and a week with
    fewer than k officers (the lone officer of 11-23) is left out."""
    app, engine = served
    with TestClient(app) as client:
        token = pair(client, engine, "room-1")
        rows = sample.sessions("room-1", 8, seed=21)
        sessions = [_session_on(rows[i], "2026-11-20", f"OF{i:04d}") for i in range(6)]
        sessions += [
            _session_on(rows[6], "2026-11-21", "OF0999"),
            _session_on(rows[7], "2026-11-23", "OF0998"),
        ]
        upload = client.post(
            "/api/v1/sessions", json={"sessions": sessions}, headers={"Authorization": f"Bearer {token}"}
        )
        assert upload.status_code == 200 and len(upload.json()["accepted"]) == 8
    admin = login(app, "boss")

    def shown(date_from: str, date_to: str) -> str:
        page = admin.get(f"/dashboard?from={date_from}&to={date_to}&lang=en").text
        return page[page.index('<section class="kpis"') : page.index("</main>")]

    alone, with_next_day = shown("2026-11-20", "2026-11-20"), shown("2026-11-20", "2026-11-21")
    assert alone == with_next_day and 'id="kpi-sessions">7<' in alone
    with_next_week = shown("2026-11-20", "2026-11-23")
    assert (
        'id="kpi-sessions">7<' in with_next_week and "1 week(s) with fewer than 5 officers" in with_next_week
    )
    lone_week = shown("2026-11-23", "2026-11-23")  # the lone officer's week alone: nothing shown
    assert "aggregates hidden for privacy" in lone_week and 'id="kpi-sessions">0<' in lone_week
    with engine.connect() as conn:
        exact = stats.dashboard(conn, date(2026, 11, 20), date(2026, 11, 20), 5)
    assert exact.sessions == 6  # the function keeps exact day ranges for callers that need them
