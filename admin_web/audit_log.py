"""The audit log: every page view, change, login and export leaves one line; admins read it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, insert, select

from admin_web import db
from admin_web.page_access import AdminUser, engine_of
from admin_web.page_render import render
from admin_web.security import utcnow


def record(conn: Connection, actor: str, action: str, target: str) -> None:
    """Append one line to the audit log."""
    conn.execute(insert(db.audit).values(at=utcnow(), actor=actor, action=action, target=target[:200]))


def audit_page(request: Request, user: AdminUser) -> HTMLResponse:
    """The newest 500 lines of the audit log."""
    with engine_of(request).begin() as conn:
        rows = conn.execute(select(db.audit).order_by(db.audit.c.id.desc()).limit(500)).all()
        record(conn, user.name, "view", "audit")
    return render(request, "audit.html", user, rows=rows)
