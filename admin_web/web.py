"""Server-rendered pages: login, dashboard, sessions, stations, calibration log, users, settings, audit
log and CSV exports. Every route declares the roles that may use it; every form carries a CSRF token."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, true, update

from admin_web import charts, db, rollup
from admin_web.i18n import LANGS, WEEKDAYS, translator
from admin_web.security import (
    create_user,
    hash_password,
    open_web_session,
    same,
    sha256_hex,
    utcnow,
    verify_password,
)

router = APIRouter(include_in_schema=False)
SESSION_COOKIE = "oasis_session"
LOGIN_CSRF_COOKIE = "oasis_login_csrf"
LANG_COOKIE = "oasis_lang"
ONLINE_WITHIN = timedelta(seconds=90)
PAGE_SIZE = 50
ROLE_ADMIN = ("admin",)
ROLE_ANY = ("admin", "technician")
FormText = Annotated[str, Form()]


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    csrf: str


class LoginRequired(Exception):
    """Raised by a page dependency when nobody is logged in; answered with a redirect to /login."""


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def current_user(request: Request) -> User | None:
    """The logged-in user of this request, from the session cookie (None if absent or expired)."""
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    with engine_of(request).connect() as conn:
        row = conn.execute(
            select(db.users.c.id, db.users.c.name, db.users.c.role, db.web_sessions.c.csrf)
            .join(db.users, db.users.c.id == db.web_sessions.c.user_id)
            .where(
                db.web_sessions.c.id_hash == sha256_hex(sid),
                db.web_sessions.c.expires_at > utcnow(),
                db.users.c.disabled.is_(False),
            )
        ).first()
    return User(row.id, row.name, row.role, row.csrf) if row else None


def require(*roles: str) -> Callable[[Request], User]:
    """A dependency admitting only logged-in users with one of ``roles`` (403 for the others)."""

    def dependency(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise LoginRequired
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")
        return user

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the authorization-matrix test
    return dependency


def require_form(*roles: str) -> Callable[..., User]:
    """Like :func:`require`, and also checks the form's CSRF token against the session's."""
    base = require(*roles)

    def dependency(request: Request, csrf: FormText = "") -> User:
        user = base(request)
        if not same(csrf, user.csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
        return user

    dependency.roles = roles  # type: ignore[attr-defined]
    return dependency


AdminUser = Annotated[User, Depends(require(*ROLE_ADMIN))]
AnyUser = Annotated[User, Depends(require(*ROLE_ANY))]
AdminForm = Annotated[User, Depends(require_form(*ROLE_ADMIN))]
AnyForm = Annotated[User, Depends(require_form(*ROLE_ANY))]


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else "zh"


def record(conn: Connection, actor: str, action: str, target: str) -> None:
    """Append one line to the audit log."""
    conn.execute(insert(db.audit).values(at=utcnow(), actor=actor, action=action, target=target[:200]))


def render(
    request: Request, template: str, user: User | None, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render a page in the request's language; remembers a language chosen with ?lang=."""
    lang = lang_of(request)
    html = request.app.state.templates.get_template(template).render(
        request=request, user=user, lang=lang, t=translator(lang), **ctx
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=request.url.scheme == "https"
        )
    return response


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _setting(conn: Connection, key: str) -> str:
    return db.get_settings(conn)[key]


# ---------------------------------------------------------------- login / logout


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, csrf=token, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.post("/login")
def login(
    request: Request, username: FormText = "", password: FormText = "", csrf: FormText = ""
) -> Response:
    limiter = request.app.state.login_limiter
    ip = request.client.host if request.client else "?"
    keys = (f"ip:{ip}", f"user:{username}")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same(csrf, expected):
        return render(request, "login.html", None, status_code=403, csrf=expected, error="csrf")
    if limiter.blocked(*keys):
        return render(request, "login.html", None, status_code=429, csrf=expected, error="rate_limited")
    with engine_of(request).begin() as conn:
        row = conn.execute(select(db.users).where(db.users.c.name == username[:64])).first()
        ok = (
            verify_password(row.password_hash if row else None, password)
            and row is not None
            and not row.disabled
        )
        if not ok:
            limiter.fail(*keys)
            record(conn, username[:64] or "?", "login_failed", ip)
        else:
            limiter.reset(*keys)
            sid, _csrf = open_web_session(conn, row.id)
            record(conn, row.name, "login", ip)
    if not ok:
        return render(request, "login.html", None, status_code=401, csrf=expected, error="bad_login")
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, user: AnyForm) -> Response:
    with engine_of(request).begin() as conn:
        conn.execute(
            delete(db.web_sessions).where(
                db.web_sessions.c.id_hash == sha256_hex(request.cookies.get(SESSION_COOKIE, ""))
            )
        )
        record(conn, user.name, "logout", "")
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(user: AnyUser) -> Response:
    return RedirectResponse("/dashboard" if user.role == "admin" else "/stations", status.HTTP_303_SEE_OTHER)


# ---------------------------------------------------------------- dashboard


@router.get("/dashboard")
def dashboard_page(request: Request, user: AdminUser) -> HTMLResponse:
    q = request.query_params
    today = utcnow().date()
    date_to = _day(q.get("to"), today)
    date_from = min(_day(q.get("from"), date_to - timedelta(days=29)), date_to)
    station = q.get("station") or None
    t = translator(lang_of(request))
    with engine_of(request).begin() as conn:
        settings = db.get_settings(conn)
        k, target = int(settings["k_anonymity"]), float(settings["target_per_day"])
        board = request.app.state.dashboard_cache.get(conn, date_from, date_to, k, station)
        station_ids = [r.id for r in conn.execute(select(db.stations.c.id).order_by(db.stations.c.id))]
        record(conn, user.name, "view", f"dashboard {date_from}..{date_to} {station or ''}".strip())
    svg = {}
    if not board.hidden:
        svg["per_station"] = charts.hbar_chart(
            list(board.per_station.items()), t("chart_per_station"), target
        )
        svg["per_day"] = charts.line_chart(board.per_day, t("chart_per_day"), target)
        svg["heatmap"] = charts.heatmap(board.heatmap, WEEKDAYS[lang_of(request)], t("chart_heatmap"))
        if not board.stress_change_hidden:
            svg["stress"] = charts.histogram(board.stress_change, t("chart_stress"))
    return render(
        request,
        "dashboard.html",
        user,
        board=board,
        svg=svg,
        k=k,
        target=target,
        station=station,
        station_ids=station_ids,
    )


# ---------------------------------------------------------------- sessions


def _session_filter(q: Any) -> tuple[Any, dict[str, str]]:
    chosen = {key: q.get(key, "") for key in ("from", "to", "station", "program", "status")}
    clauses = []
    if chosen["from"]:
        clauses.append(db.sessions.c.local_date >= _day(chosen["from"], date.min))
    if chosen["to"]:
        clauses.append(db.sessions.c.local_date <= _day(chosen["to"], date.max))
    for key, column in (
        ("station", db.sessions.c.station_id),
        ("program", db.sessions.c.program),
        ("status", db.sessions.c.status),
    ):
        if chosen[key]:
            clauses.append(column == chosen[key])
    return (and_(*clauses) if clauses else true()), chosen


@router.get("/sessions")
def sessions_page(request: Request, user: AdminUser) -> HTMLResponse:
    where, chosen = _session_filter(request.query_params)
    try:
        page = max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        page = 1
    with engine_of(request).begin() as conn:
        total = conn.execute(select(func.count()).select_from(db.sessions).where(where)).scalar_one()
        rows = conn.execute(
            select(db.sessions)
            .where(where)
            .order_by(db.sessions.c.started_at.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        programs = [
            r[0]
            for r in conn.execute(select(db.sessions.c.program).distinct().order_by(db.sessions.c.program))
        ]
        station_ids = [r.id for r in conn.execute(select(db.stations.c.id).order_by(db.stations.c.id))]
        record(conn, user.name, "view", "sessions " + " ".join(f"{k}={v}" for k, v in chosen.items() if v))
    return render(
        request,
        "sessions.html",
        user,
        rows=rows,
        total=total,
        page=page,
        pages=-(-total // PAGE_SIZE),
        chosen=chosen,
        programs=programs,
        station_ids=station_ids,
        query=urlencode({k: v for k, v in chosen.items() if v}),
    )


@router.get("/sessions/{uuid}")
def session_detail(uuid: str, request: Request, user: AdminUser) -> HTMLResponse:
    with engine_of(request).begin() as conn:
        row = conn.execute(select(db.sessions).where(db.sessions.c.uuid == uuid[:36])).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")
        record(conn, user.name, "view", f"session {row.uuid}")
    t = translator(lang_of(request))
    metrics = sorted({m for p in row.phases for m in p.get("metrics", {})})
    plots = {m: charts.phase_chart(row.phases, m, f"{t('phase_metric')}: {m}") for m in metrics}
    return render(request, "session_detail.html", user, s=row, plots=plots)


# ---------------------------------------------------------------- stations


def _calibration_due(conn: Connection) -> dict[str, date | None]:
    latest: dict[tuple[str, str, str], Any] = {}
    for row in conn.execute(
        select(
            db.calibrations.c.station_id,
            db.calibrations.c.device,
            db.calibrations.c.sensor,
            db.calibrations.c.next_due,
        ).order_by(db.calibrations.c.performed_at)
    ):
        latest[(row.station_id, row.device, row.sensor)] = row.next_due
    due: dict[str, date | None] = {}
    for (station, _d, _s), next_due in latest.items():
        if next_due is not None and (due.get(station) is None or next_due < due[station]):
            due[station] = next_due
    return due


@router.get("/stations")
def stations_page(request: Request, user: AnyUser) -> HTMLResponse:
    now = utcnow()
    with engine_of(request).begin() as conn:
        rows = conn.execute(select(db.stations).order_by(db.stations.c.id)).all()
        due = _calibration_due(conn)
        record(conn, user.name, "view", "stations")
    discovered = request.app.state.discovered_stations()
    known = {r.id for r in rows}
    listing = [
        {
            "row": r,
            "online": r.last_heartbeat_at is not None and now - r.last_heartbeat_at <= ONLINE_WITHIN,
            "on_network": r.id in discovered,
            "due": due.get(r.id),
            "due_now": due.get(r.id) is not None and due[r.id] <= now.date() + timedelta(days=7),
        }
        for r in rows
    ]
    unpaired = [info for sid, info in sorted(discovered.items()) if sid not in known]
    return render(request, "stations.html", user, listing=listing, unpaired=unpaired)


@router.post("/stations/{station_id}/approve")
def approve_station(
    station_id: str, request: Request, user: AdminForm, pairing_code: FormText = ""
) -> Response:
    with engine_of(request).begin() as conn:
        result = conn.execute(
            update(db.stations)
            .where(
                db.stations.c.id == station_id,
                db.stations.c.status == "pending",
                db.stations.c.pairing_code == pairing_code,
            )
            .values(status="approved", approved_by=user.name, approved_at=utcnow(), token_issued=False)
        )
        if result.rowcount != 1:
            raise HTTPException(status.HTTP_409_CONFLICT, "station is not pending with that pairing code")
        record(conn, user.name, "approve", f"station {station_id}")
    return RedirectResponse("/stations", status.HTTP_303_SEE_OTHER)


@router.post("/stations/{station_id}/revoke")
def revoke_station(station_id: str, request: Request, user: AdminForm) -> Response:
    with engine_of(request).begin() as conn:
        result = conn.execute(
            update(db.stations)
            .where(db.stations.c.id == station_id)
            .values(status="revoked", token_hash=None, token_issued=False, claim_hash=None)
        )
        if result.rowcount != 1:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such station")
        record(conn, user.name, "revoke", f"station {station_id}")
    return RedirectResponse("/stations", status.HTTP_303_SEE_OTHER)


# ---------------------------------------------------------------- calibration log


@router.get("/calibrations")
def calibrations_page(request: Request, user: AnyUser) -> HTMLResponse:
    station = request.query_params.get("station", "")
    query = select(db.calibrations).order_by(db.calibrations.c.performed_at.desc()).limit(500)
    if station:
        query = query.where(db.calibrations.c.station_id == station)
    with engine_of(request).begin() as conn:
        rows = conn.execute(query).all()
        station_ids = [r.id for r in conn.execute(select(db.stations.c.id).order_by(db.stations.c.id))]
        record(conn, user.name, "view", f"calibrations {station}".strip())
    return render(
        request,
        "calibrations.html",
        user,
        rows=rows,
        station=station,
        station_ids=station_ids,
        today=utcnow().date(),
    )


# ---------------------------------------------------------------- users, settings, audit


@router.get("/users")
def users_page(request: Request, user: AdminUser, error: str = "") -> HTMLResponse:
    with engine_of(request).begin() as conn:
        rows = _user_rows(conn)
        record(conn, user.name, "view", "users")
    return render(request, "users.html", user, rows=rows, error=error)


@router.post("/users")
def add_user(
    request: Request, user: AdminForm, name: FormText = "", role: FormText = "", password: FormText = ""
) -> Response:
    try:
        with engine_of(request).begin() as conn:
            create_user(conn, name, role, password)
            record(conn, user.name, "create_user", f"{name} ({role})")
    except ValueError as exc:
        with engine_of(request).connect() as conn:
            rows = _user_rows(conn)
        return render(request, "users.html", user, status_code=400, rows=rows, error=str(exc))
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


@router.post("/users/{user_id}/disable")
def disable_user(user_id: int, request: Request, user: AdminForm) -> Response:
    if user_id == user.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "you cannot disable yourself")
    with engine_of(request).begin() as conn:
        if conn.execute(update(db.users).where(db.users.c.id == user_id).values(disabled=True)).rowcount != 1:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        conn.execute(delete(db.web_sessions).where(db.web_sessions.c.user_id == user_id))
        record(conn, user.name, "disable_user", str(user_id))
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


@router.post("/users/{user_id}/enable")
def enable_user(user_id: int, request: Request, user: AdminForm) -> Response:
    with engine_of(request).begin() as conn:
        enabled = conn.execute(update(db.users).where(db.users.c.id == user_id).values(disabled=False))
        if enabled.rowcount != 1:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        record(conn, user.name, "enable_user", str(user_id))
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


@router.post("/users/{user_id}/password")
def reset_password(user_id: int, request: Request, user: AdminForm, password: FormText = "") -> Response:
    """An admin sets a new password for another user (a forgotten one); their logins end."""
    if user_id == user.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "change your own password on the account page")
    try:
        new_hash = hash_password(password)
    except ValueError as exc:
        with engine_of(request).connect() as conn:
            rows = _user_rows(conn)
        return render(request, "users.html", user, status_code=400, rows=rows, error=str(exc))
    with engine_of(request).begin() as conn:
        name = conn.execute(select(db.users.c.name).where(db.users.c.id == user_id)).scalar()
        if name is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        conn.execute(update(db.users).where(db.users.c.id == user_id).values(password_hash=new_hash))
        conn.execute(delete(db.web_sessions).where(db.web_sessions.c.user_id == user_id))
        record(conn, user.name, "reset_password", name)
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


@router.get("/account")
def account_page(request: Request, user: AnyUser) -> HTMLResponse:
    return render(request, "account.html", user, error="", changed=False)


@router.post("/account/password")
def change_password(
    request: Request, user: AnyForm, current: FormText = "", password: FormText = "", confirm: FormText = ""
) -> Response:
    """Any user changes their own password; their other logins end, this one stays."""
    limiter = request.app.state.login_limiter
    key = f"user:{user.name}"
    error = ""
    if limiter.blocked(key):
        error = "err_rate_limited"
    elif password != confirm:
        error = "err_password_mismatch"
    with engine_of(request).begin() as conn:
        stored = conn.execute(select(db.users.c.password_hash).where(db.users.c.id == user.id)).scalar_one()
        if not error and not verify_password(stored, current):
            limiter.fail(key)
            record(conn, user.name, "change_password_failed", "")
            error = "err_wrong_password"
        if not error:
            try:
                new_hash = hash_password(password)
            except ValueError:
                error = "err_password_short"
        if not error:
            conn.execute(update(db.users).where(db.users.c.id == user.id).values(password_hash=new_hash))
            conn.execute(
                delete(db.web_sessions).where(
                    db.web_sessions.c.user_id == user.id,
                    db.web_sessions.c.id_hash != sha256_hex(request.cookies.get(SESSION_COOKIE, "")),
                )
            )
            record(conn, user.name, "change_password", "")
    code = status.HTTP_400_BAD_REQUEST if error else status.HTTP_200_OK
    return render(request, "account.html", user, status_code=code, error=error, changed=not error)


def _user_rows(conn: Connection) -> list:
    return conn.execute(
        select(
            db.users.c.id, db.users.c.name, db.users.c.role, db.users.c.disabled, db.users.c.created_at
        ).order_by(db.users.c.name)
    ).all()


def apply_retention(conn: Connection) -> tuple[int, int]:
    """Delete sessions and calibrations, and audit lines, older than the retention settings."""
    settings = db.get_settings(conn)
    today = utcnow().date()
    cutoff = today - timedelta(days=int(settings["retention_days"]))
    removed = conn.execute(delete(db.sessions).where(db.sessions.c.local_date < cutoff)).rowcount
    rollup.drop_before(conn, cutoff)
    removed += conn.execute(delete(db.calibrations).where(db.calibrations.c.performed_at < cutoff)).rowcount
    audit_cutoff = utcnow() - timedelta(days=int(settings["audit_retention_days"]))
    removed_audit = conn.execute(delete(db.audit).where(db.audit.c.at < audit_cutoff)).rowcount
    return removed, removed_audit


SETTING_LIMITS = {
    "k_anonymity": (2, 100, int),
    "target_per_day": (0.1, 100.0, float),
    "retention_days": (30, 36500, int),
    "audit_retention_days": (30, 36500, int),
}


@router.get("/settings")
def settings_page(request: Request, user: AdminUser) -> HTMLResponse:
    with engine_of(request).begin() as conn:
        settings = db.get_settings(conn)
        record(conn, user.name, "view", "settings")
    return render(
        request, "settings.html", user, settings=settings, limits=SETTING_LIMITS, error="", removed=None
    )


@router.post("/settings")
async def save_settings(request: Request, user: AdminForm) -> Response:
    form = await request.form()
    values: dict[str, str] = {}
    error = ""
    for key, (lo, hi, kind) in SETTING_LIMITS.items():
        try:
            value = kind(str(form.get(key, "")))
            if not lo <= value <= hi:
                raise ValueError
            values[key] = str(value)
        except ValueError:
            error = f"{key}: {lo}..{hi}"
    engine = engine_of(request)
    with engine.begin() as conn:
        if not error:
            for key, value in values.items():
                conn.execute(update(db.settings).where(db.settings.c.key == key).values(value=value))
            removed = apply_retention(conn)
            record(conn, user.name, "settings", " ".join(f"{k}={v}" for k, v in values.items()))
        else:
            removed = None
        settings = db.get_settings(conn)
    return render(
        request,
        "settings.html",
        user,
        status_code=400 if error else 200,
        settings=settings,
        limits=SETTING_LIMITS,
        error=error,
        removed=removed,
    )


@router.get("/audit")
def audit_page(request: Request, user: AdminUser) -> HTMLResponse:
    with engine_of(request).begin() as conn:
        rows = conn.execute(select(db.audit).order_by(db.audit.c.id.desc()).limit(500)).all()
        record(conn, user.name, "view", "audit")
    return render(request, "audit.html", user, rows=rows)


# ---------------------------------------------------------------- CSV exports

EXPORTS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "sessions": (db.sessions, ROLE_ADMIN),
    "stations": (db.stations, ROLE_ANY),
    "calibrations": (db.calibrations, ROLE_ANY),
    "users": (db.users, ROLE_ADMIN),
    "audit": (db.audit, ROLE_ADMIN),
}
_NEVER_EXPORTED = {"password_hash", "token_hash", "claim_hash"}


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formula injection


def _csv_rows(engine: Engine, table: Any, columns: list[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in columns])
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(select(*columns))
        for partition in result.partitions():
            for row in partition:
                writer.writerow([_csv_cell(v) for v in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _export_route(name: str, table: Any, roles: tuple[str, ...]) -> None:
    allowed = Depends(require(*roles))

    def export(request: Request, user: User = allowed) -> StreamingResponse:
        engine = engine_of(request)
        with engine.begin() as conn:
            record(conn, user.name, "export", f"{name}.csv")
        columns = [c for c in table.columns if c.name not in _NEVER_EXPORTED]
        return StreamingResponse(
            _csv_rows(engine, table, columns),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="oasis-{name}.csv"'},
        )

    router.add_api_route(f"/export/{name}.csv", export, methods=["GET"], name=f"export_{name}")


for _name, (_table, _roles) in EXPORTS.items():
    _export_route(_name, _table, _roles)
