"""Rendering a page in the visitor's language (中文 by default, English by ?lang=en, remembered), with
the words, names and local times every template uses (``w``, ``station_name``, ``program_name``,
``when``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse

from admin_web import db
from admin_web.display_names import local, program_title, station_names, time_zone
from admin_web.i18n import LANGS, translator
from admin_web.page_access import User, engine_of
from admin_web.vocabulary import Vocabulary

LANG_COOKIE = "oasis_lang"
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 1, 1)


def lang_of(request: Request) -> str:
    """The page language: ?lang= first, then the remembered choice, else Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else "zh"


def render(
    request: Request, template: str, user: User | None, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render a page in the request's language; remembers a language chosen with ?lang=."""
    lang = lang_of(request)
    html = request.app.state.templates.get_template(template).render(
        request=request, user=user, lang=lang, t=translator(lang), **page_helpers(request, lang), **ctx
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=request.url.scheme == "https"
        )
    return response


def parse_day(text: str | None, default: date) -> date:
    """An ISO date from a query parameter, or ``default`` when it is missing or malformed; 400 when it
    lies outside FIRST_DAY..LAST_DAY (the years the wire schema admits)."""
    try:
        day = date.fromisoformat(text) if text else default
    except ValueError:
        return default
    if text and not FIRST_DAY <= day <= LAST_DAY:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"dates must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def page_helpers(request: Request, lang: str) -> dict[str, Any]:
    """What every template may call: ``w`` (the words for tokens), ``station_name(id)``,
    ``program_name(id)``, ``when(utc_time, format)`` (in the admin's time zone) and ``tz_name``."""
    with engine_of(request).connect() as conn:
        zone = time_zone(db.get_settings(conn))
        names = station_names(conn)
    return {
        "w": Vocabulary(lang),
        "station_name": lambda station_id: names.get(station_id, station_id),
        "program_name": lambda program: program_title(program, lang),
        "when": local_formatter(zone),
        "tz_name": zone.key,
    }


def local_formatter(zone: ZoneInfo) -> Callable[[datetime | None, str], str]:
    """``when(moment, fmt)``: a stored UTC time formatted in ``zone`` ("–" for none)."""

    def when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        shown = local(moment, zone)
        return shown.strftime(fmt) if shown else "–"

    return when
