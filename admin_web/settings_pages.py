"""The Settings page (admins only): k-anonymity threshold, daily target, retention periods and the
time zone every page shows times in."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection, insert, update

from admin_web import db
from admin_web.audit_log import record
from admin_web.data_retention import apply_retention
from admin_web.display_names import valid_time_zone
from admin_web.page_access import AdminForm, AdminUser, engine_of
from admin_web.page_render import render

SETTING_LIMITS: dict[str, tuple[float, float, type]] = {
    "k_anonymity": (2, 100, int),
    "target_per_day": (0.1, 100.0, float),
    "retention_days": (30, 36500, int),
    "audit_retention_days": (30, 36500, int),
}
TIME_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "UTC")


def settings_page(request: Request, user: AdminUser) -> HTMLResponse:
    """The settings form with the current values."""
    with engine_of(request).begin() as conn:
        settings = db.get_settings(conn)
        record(conn, user.name, "view", "settings")
    return render(
        request,
        "settings.html",
        user,
        settings=settings,
        limits=SETTING_LIMITS,
        time_zones=TIME_ZONES,
        errors=[],
        removed=None,
    )


def _store(conn: Connection, key: str, value: str) -> None:
    """Set one setting, adding its row when the database predates it."""
    if conn.execute(update(db.settings).where(db.settings.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(db.settings).values(key=key, value=value))


async def save_settings(request: Request, user: AdminForm) -> Response:
    """Save every setting when all are valid, then apply retention at once; otherwise name each
    setting that is out of its limits and change nothing. A form without ``time_zone`` keeps it."""
    form = await request.form()
    values: dict[str, str] = {}
    errors: list[str] = []
    for key, (lo, hi, kind) in SETTING_LIMITS.items():
        try:
            value = kind(str(form.get(key, "")))
            if not lo <= value <= hi:
                raise ValueError
            values[key] = str(value)
        except ValueError:
            errors.append(key)
    zone = form.get("time_zone")  # absent: unchanged
    if zone is not None and valid_time_zone(str(zone).strip()):
        values["time_zone"] = str(zone).strip()
    elif zone is not None:
        errors.append("time_zone")
    removed = None
    with engine_of(request).begin() as conn:
        if not errors:
            for key, value in values.items():
                _store(conn, key, value)
            removed = apply_retention(conn)
            record(conn, user.name, "settings", " ".join(f"{k}={v}" for k, v in values.items()))
        settings = db.get_settings(conn)
    return render(
        request,
        "settings.html",
        user,
        status_code=400 if errors else 200,
        settings=settings,
        limits=SETTING_LIMITS,
        time_zones=TIME_ZONES,
        errors=errors,
        removed=removed,
    )
