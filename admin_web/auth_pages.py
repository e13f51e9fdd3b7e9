"""Logging in and out, the home redirect, and each user's own password (the Account page).

Failed logins are throttled per (user name, address) with back-off, and per address; the right
password from another address is never refused. Wrong current passwords on the Account page count
per user.
"""

from __future__ import annotations

import secrets

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, select, update

from admin_web import db
from admin_web.audit_log import record
from admin_web.page_access import SESSION_COOKIE, AnyForm, AnyUser, FormText, engine_of
from admin_web.page_render import render
from admin_web.password_policy import MAX_PASSWORD_CHARS, WeakPassword
from admin_web.security import hash_password, open_web_session, same, sha256_hex, verify_password

LOGIN_CSRF_COOKIE = "oasis_login_csrf"
MAX_USER_NAME_CHARS = 64


def login_page(request: Request) -> HTMLResponse:
    """The login form, with a CSRF token in a cookie and in the form."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, csrf=token, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


def login(
    request: Request, username: FormText = "", password: FormText = "", csrf: FormText = ""
) -> Response:
    """Check the password; on success open a web session (cookie) and go home."""
    ip = request.client.host if request.client else "?"
    username, password = username[:MAX_USER_NAME_CHARS], password[:MAX_PASSWORD_CHARS]
    pair_key, source_key = f"user:{username}|ip:{ip}", f"ip:{ip}"
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same(csrf, expected):
        return render(request, "login.html", None, status_code=403, csrf=expected, error="csrf")
    login_limiter, source_limiter = request.app.state.login_limiter, request.app.state.source_limiter
    with engine_of(request).connect() as conn:
        blocked = login_limiter.blocked(conn, pair_key) or source_limiter.blocked(conn, source_key)
    if blocked:
        return render(request, "login.html", None, status_code=429, csrf=expected, error="rate_limited")
    sid = None
    with engine_of(request).begin() as conn:
        row = conn.execute(select(db.users).where(db.users.c.name == username)).first()
        password_ok = verify_password(row.password_hash if row else None, password)
        if row is not None and password_ok and not row.disabled:
            login_limiter.reset(conn, pair_key)
            sid, _csrf = open_web_session(conn, row.id)
            record(conn, row.name, "login", ip)
        else:
            login_limiter.fail(conn, pair_key)
            source_limiter.fail(conn, source_key)
            record(conn, username or "?", "login_failed", ip)
    if sid is None:
        return render(request, "login.html", None, status_code=401, csrf=expected, error="bad_login")
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def logout(request: Request, user: AnyForm) -> Response:
    """End this web session."""
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


def home(user: AnyUser) -> Response:
    """Admins start on the dashboard, technicians on the stations page."""
    return RedirectResponse("/dashboard" if user.role == "admin" else "/stations", status.HTTP_303_SEE_OTHER)


def account_page(request: Request, user: AnyUser) -> HTMLResponse:
    """The form for changing one's own password."""
    return render(request, "account.html", user, error="", changed=False)


def change_password(
    request: Request, user: AnyForm, current: FormText = "", password: FormText = "", confirm: FormText = ""
) -> Response:
    """Any user changes their own password; their other logins end, this one stays."""
    limiter = request.app.state.login_limiter
    key = f"user:{user.name}|account"
    error = ""
    with engine_of(request).begin() as conn:
        if limiter.blocked(conn, key):
            error = "err_rate_limited"
        elif password != confirm:
            error = "err_password_mismatch"
        stored = conn.execute(select(db.users.c.password_hash).where(db.users.c.id == user.id)).scalar_one()
        if not error and not verify_password(stored, current):
            limiter.fail(conn, key)
            record(conn, user.name, "change_password_failed", "")
            error = "err_wrong_password"
        new_hash = ""
        if not error:
            try:
                new_hash = hash_password(password, user.name)
            except WeakPassword as exc:
                error = exc.key
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
