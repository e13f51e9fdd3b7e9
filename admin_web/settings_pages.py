"""The Settings page (admins only): k-anonymity threshold, daily target and retention periods."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import update

from admin_web import db
from admin_web.audit_log import record
from admin_web.data_retention import apply_retention
from admin_web.page_access import AdminForm, AdminUser, engine_of
from admin_web.page_render import render

SETTING_LIMITS: dict[str, tuple[float, float, type]] = {
    "k_anonymity": (2, 100, int),
    "target_per_day": (0.1, 100.0, float),
    "retention_days": (30, 36500, int),
    "audit_retention_days": (30, 36500, int),
}


def settings_page(request: Request, user: AdminUser) -> HTMLResponse:
    """The settings form with the current values."""
    with engine_of(request).begin() as conn:
        settings = db.get_settings(conn)
        record(conn, user.name, "view", "settings")
    return render(
        request, "settings.html", user, settings=settings, limits=SETTING_LIMITS, error="", removed=None
    )


async def save_settings(request: Request, user: AdminForm) -> Response:
    """Save every setting when all are within their limits, then apply retention at once."""
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
    removed = None
    with engine_of(request).begin() as conn:
        if not error:
            for key, value in values.items():
                conn.execute(update(db.settings).where(db.settings.c.key == key).values(value=value))
            removed = apply_retention(conn)
            record(conn, user.name, "settings", " ".join(f"{k}={v}" for k, v in values.items()))
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
