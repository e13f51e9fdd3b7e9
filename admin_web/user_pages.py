"""The Users page (admins only): add a user, disable or enable one, set a forgotten password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, delete, select, update

from admin_web import db
from admin_web.audit_log import record
from admin_web.page_access import AdminForm, AdminUser, FormText, User, engine_of
from admin_web.page_render import render
from admin_web.password_policy import WeakPassword
from admin_web.security import create_user, hash_password

UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a user id (a 32-bit database key)")]


def user_rows(conn: Connection) -> list[Any]:
    """Every user (no password hashes), by name."""
    rows = conn.execute(
        select(
            db.users.c.id, db.users.c.name, db.users.c.role, db.users.c.disabled, db.users.c.created_at
        ).order_by(db.users.c.name)
    ).all()
    return list(rows)


def _refused(request: Request, user: User, error: str) -> HTMLResponse:
    with engine_of(request).connect() as conn:
        rows = user_rows(conn)
    return render(request, "users.html", user, status_code=400, rows=rows, error=error)


def users_page(request: Request, user: AdminUser, error: str = "") -> HTMLResponse:
    """The list of users with their forms."""
    with engine_of(request).begin() as conn:
        rows = user_rows(conn)
        record(conn, user.name, "view", "users")
    return render(request, "users.html", user, rows=rows, error=error)


def add_user(
    request: Request, user: AdminForm, name: FormText = "", role: FormText = "", password: FormText = ""
) -> Response:
    """Create a user (admin or technician)."""
    try:
        with engine_of(request).begin() as conn:
            create_user(conn, name, role, password)
            record(conn, user.name, "create_user", f"{name} ({role})")
    except WeakPassword as exc:
        return _refused(request, user, exc.key)
    except ValueError as exc:
        return _refused(request, user, str(exc))
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


def disable_user(user_id: UserId, request: Request, user: AdminForm) -> Response:
    """Disable another user and end their logins."""
    if user_id == user.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "you cannot disable yourself")
    with engine_of(request).begin() as conn:
        if conn.execute(update(db.users).where(db.users.c.id == user_id).values(disabled=True)).rowcount != 1:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        conn.execute(delete(db.web_sessions).where(db.web_sessions.c.user_id == user_id))
        record(conn, user.name, "disable_user", str(user_id))
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


def enable_user(user_id: UserId, request: Request, user: AdminForm) -> Response:
    """Let a disabled user log in again."""
    with engine_of(request).begin() as conn:
        enabled = conn.execute(update(db.users).where(db.users.c.id == user_id).values(disabled=False))
        if enabled.rowcount != 1:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
        record(conn, user.name, "enable_user", str(user_id))
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)


def reset_password(user_id: UserId, request: Request, user: AdminForm, password: FormText = "") -> Response:
    """An admin sets a new password for another user (a forgotten one); their logins end."""
    if user_id == user.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "change your own password on the account page")
    with engine_of(request).connect() as conn:
        name = conn.execute(select(db.users.c.name).where(db.users.c.id == user_id)).scalar()
    if name is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such user")
    try:
        new_hash = hash_password(password, name)
    except WeakPassword as exc:
        return _refused(request, user, exc.key)
    with engine_of(request).begin() as conn:
        conn.execute(update(db.users).where(db.users.c.id == user_id).values(password_hash=new_hash))
        conn.execute(delete(db.web_sessions).where(db.web_sessions.c.user_id == user_id))
        record(conn, user.name, "reset_password", name)
    return RedirectResponse("/users", status.HTTP_303_SEE_OTHER)
