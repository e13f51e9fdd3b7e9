"""Passwords (argon2id), station tokens (random, stored as SHA-256), web sessions and login rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select

from admin_web import db

ROLES = ("admin", "technician")
SESSION_LIFETIME = timedelta(hours=8)
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal user names.
_DUMMY_HASH = _hasher.hash("not-a-password")


def utcnow() -> datetime:
    """The current UTC time as a naive datetime (how the database stores times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def hash_password(password: str) -> str:
    """argon2id hash of ``password``; rejects passwords shorter than 8 characters."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash`` (constant work when the user is unknown)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def sha256_hex(secret: str) -> str:
    """Hash of a high-entropy secret (token, claim, session id): a fast hash is enough for those."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> str:
    """A fresh random secret for a station token or web session."""
    return secrets.token_urlsafe(32)


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def user_id(conn: Connection, name: str) -> int | None:
    """The id of the user called ``name``, or None."""
    found = conn.execute(select(db.users.c.id).where(db.users.c.name == name)).scalar()
    return None if found is None else int(found)


def create_user(conn: Connection, name: str, role: str, password: str) -> int:
    """Add a user; raises ValueError on a bad role, short password or an existing name."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 64 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ValueError("user name: 1-64 letters, digits, '.', '_' or '-'")
    if user_id(conn, name) is not None:
        raise ValueError(f"user {name!r} already exists")
    result = conn.execute(
        insert(db.users).values(
            name=name, role=role, password_hash=hash_password(password), disabled=False, created_at=utcnow()
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def open_web_session(conn: Connection, user_id: int) -> tuple[str, str]:
    """Create a web session; returns (cookie value, CSRF token). Only the cookie's hash is stored."""
    sid, csrf = new_token(), secrets.token_urlsafe(24)
    conn.execute(delete(db.web_sessions).where(db.web_sessions.c.expires_at < utcnow()))
    conn.execute(
        insert(db.web_sessions).values(
            id_hash=sha256_hex(sid), user_id=user_id, csrf=csrf, expires_at=utcnow() + SESSION_LIFETIME
        )
    )
    return sid, csrf


class RateLimiter:
    """At most ``limit`` failures per key within ``window_s``; thread-safe, in memory."""

    def __init__(self, limit: int = 5, window_s: float = 300.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] < now - self.window_s:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        """True when any key has used up its failures."""
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        """Record one failure for each key."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def reset(self, *keys: str) -> None:
        """Forget the failures of these keys (after a successful login)."""
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
