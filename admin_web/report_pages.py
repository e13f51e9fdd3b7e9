"""The pages that report what stations did: the dashboard (use, outcomes, station health), the
sessions list and one session, and the calibration log. Every view is audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import Connection, and_, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from admin_web import charts, db
from admin_web.audit_log import record
from admin_web.display_names import station_names, time_zone, today
from admin_web.fleet_health import (
    RoomUse,
    approved_stations,
    fleet_health,
    problem_counts,
    room_grouping,
    use_by_room,
)
from admin_web.i18n import WEEKDAYS, translator
from admin_web.page_access import AdminUser, AnyUser, engine_of
from admin_web.page_render import lang_of, parse_day, render
from admin_web.security import utcnow
from admin_web.stats import Dashboard
from admin_web.vocabulary import METRICS, Vocabulary

PAGE_SIZE = 50
MAX_PAGE = 1_000_000


def station_ids(conn: Connection) -> list[str]:
    """Every known station id, sorted (for the filter menus)."""
    return [r.id for r in conn.execute(select(db.stations.c.id).order_by(db.stations.c.id))]


def dashboard_page(request: Request, user: AdminUser) -> HTMLResponse:
    """Utilization, outcomes and station health over a date range (30 days by default), k-anonymous."""
    q = request.query_params
    station = q.get("station") or None
    lang = lang_of(request)
    with engine_of(request).begin() as conn:
        settings = db.get_settings(conn)
        zone = time_zone(settings)
        date_to = parse_day(q.get("to"), today(zone))
        date_from = min(parse_day(q.get("from"), date_to - timedelta(days=29)), date_to)
        k, target = int(settings["k_anonymity"]), float(settings["target_per_day"])
        board = request.app.state.dashboard_cache.get(conn, date_from, date_to, k, station)
        outcomes = request.app.state.outcome_cache
        outcome = None if board.hidden else outcomes.get(conn, board.ranges, k, station, board.officers)
        names = station_names(conn)
        in_use = [station] if station else approved_stations(conn)
        rooms = use_by_room(board.per_station, in_use, room_grouping(conn, names), target)
        health = [h for h in fleet_health(conn, utcnow(), today(zone)) if station in (None, h.station_id)]
        stations = station_ids(conn)
        record(conn, user.name, "view", f"dashboard {date_from}..{date_to} {station or ''}".strip())
    return render(
        request,
        "dashboard.html",
        user,
        board=board,
        outcome=outcome,
        rooms=rooms,
        health=health,
        health_counts=problem_counts(health),
        today=today(zone),
        svg={} if board.hidden else dashboard_charts(board, rooms, lang, target),
        k=k,
        target=target,
        station=station,
        station_ids=stations,
    )


def dashboard_charts(board: Dashboard, rooms: list[RoomUse], lang: str, target: float) -> dict[str, Markup]:
    """The dashboard's charts, each drawn wide and compact (admin_web.charts)."""
    t = translator(lang)
    svg = {
        "per_room": charts.both(
            charts.hbar_chart, [(r.name, r.per_station_day) for r in rooms], t("chart_per_room"), target, 1
        ),
        "per_day": charts.both(charts.line_chart, board.per_day, t("chart_per_day"), target),
        "heatmap": charts.both(charts.heatmap, board.heatmap, WEEKDAYS[lang], t("chart_heatmap")),
    }
    if not board.stress_change_hidden:
        svg["stress"] = charts.both(charts.histogram, board.stress_change, t("chart_stress"))
    return svg


def session_filter(query: Any) -> tuple[ColumnElement[bool], dict[str, str]]:
    """The SQL condition for the sessions page's filters, and the filter values chosen."""
    chosen = {key: query.get(key, "") for key in ("from", "to", "station", "program", "status")}
    clauses: list[ColumnElement[bool]] = []
    if chosen["from"]:
        clauses.append(db.sessions.c.local_date >= parse_day(chosen["from"], date.min))
    if chosen["to"]:
        clauses.append(db.sessions.c.local_date <= parse_day(chosen["to"], date.max))
    for key, column in (
        ("station", db.sessions.c.station_id),
        ("program", db.sessions.c.program),
        ("status", db.sessions.c.status),
    ):
        if chosen[key]:
            clauses.append(column == chosen[key])
    return (and_(*clauses) if clauses else true()), chosen


def sessions_page(request: Request, user: AdminUser) -> HTMLResponse:
    """Sessions, newest first, filtered and paged."""
    where, chosen = session_filter(request.query_params)
    try:
        page = max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        page = 1
    if page > MAX_PAGE:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"page must be at most {MAX_PAGE}")
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
        stations = station_ids(conn)
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
        station_ids=stations,
        query=urlencode({k: v for k, v in chosen.items() if v}),
    )


def session_detail(uuid: str, request: Request, user: AdminUser) -> HTMLResponse:
    """One session: ratings, quality, events and a chart per phase metric."""
    with engine_of(request).begin() as conn:
        row = conn.execute(select(db.sessions).where(db.sessions.c.uuid == uuid[:36])).first()
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such session")
        record(conn, user.name, "view", f"session {row.uuid}")
    words = Vocabulary(lang_of(request))
    metrics = sorted({m for p in row.phases for m in p.get("metrics", {})})
    plots = {}
    for metric in metrics:
        items = [
            (words.phase(str(p["phase"])).text, float(p["metrics"][metric]))
            for p in row.phases
            if metric in p.get("metrics", {})
        ]
        decimals = METRICS[metric].decimals if metric in METRICS else 2
        plots[metric] = charts.both(charts.hbar_chart, items, words.metric(metric).text, None, decimals)
    events = [words.event(e.get("kind", ""), e.get("detail", ""), float(e.get("t_s", 0))) for e in row.events]
    return render(request, "session_detail.html", user, s=row, metrics=metrics, plots=plots, events=events)


def calibrations_page(request: Request, user: AnyUser) -> HTMLResponse:
    """The newest 500 calibrations, optionally of one station."""
    station = request.query_params.get("station", "")
    query = select(db.calibrations).order_by(db.calibrations.c.performed_at.desc()).limit(500)
    if station:
        query = query.where(db.calibrations.c.station_id == station)
    with engine_of(request).begin() as conn:
        rows = conn.execute(query).all()
        stations = station_ids(conn)
        record(conn, user.name, "view", f"calibrations {station}".strip())
        shown_today = today(time_zone(db.get_settings(conn)))
    return render(
        request,
        "calibrations.html",
        user,
        rows=rows,
        station=station,
        station_ids=stations,
        today=shown_today,
    )
