"""Who is asking: the logged-in user from the session cookie, and the role checks every page declares.

Forms also carry a CSRF token, checked against the one stored with the user's web session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request, status
from sqlalchemy import Engine, select

from admin_web import db
from admin_web.security import same, sha256_hex, utcnow

SESSION_COOKIE = "oasis_session"
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
    """The database engine of the app serving ``request``."""
    engine: Engine = request.app.state.engine
    return engine


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
