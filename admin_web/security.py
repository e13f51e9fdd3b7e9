"""Passwords (argon2id), station tokens (random, stored as SHA-256), web sessions and login rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, case, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from admin_web import db
from admin_web.password_policy import check_password

ROLES = ("admin", "technician")
SESSION_LIFETIME = timedelta(hours=8)
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal user names.
_DUMMY_HASH = _hasher.hash("not-a-password")


def utcnow() -> datetime:
    """The current UTC time as a naive datetime (how the database stores times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def hash_password(password: str, user_name: str = "") -> str:
    """argon2id hash of ``password``; raises WeakPassword when the password policy refuses it."""
    check_password(password, user_name)
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
    """Add a user; raises ValueError on a bad role, an existing name or a password the policy refuses."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 64 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ValueError("user name: 1-64 letters, digits, '.', '_' or '-'")
    if user_id(conn, name) is not None:
        raise ValueError(f"user {name!r} already exists")
    result = conn.execute(
        insert(db.users).values(
            name=name,
            role=role,
            password_hash=hash_password(password, name),
            disabled=False,
            created_at=utcnow(),
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


MAX_KEY_CHARS = 400  # longer keys are stored as their hash


def _stored_key(key: str) -> str:
    return key if len(key) <= MAX_KEY_CHARS else "sha256:" + sha256_hex(key)


class RateLimiter:
    """Counts events (failed logins, pairing requests) per key with exponential back-off, in the
    database table ``rate_limits`` under its ``scope``: every worker process of the admin sees the
    same counts. Each method works in the caller's transaction ``conn``.

    The ``limit``-th event within ``forget_after_s`` of the previous one blocks the key for
    ``block_s``; each further event doubles the block, up to ``max_block_s``. A key quiet for
    ``forget_after_s`` starts again from zero and is deleted. At most ``max_keys`` keys are held per
    scope: the least recently used go first, so the table stays bounded whatever the callers send.
    """

    def __init__(
        self,
        scope: str,
        limit: int = 5,
        block_s: float = 60.0,
        max_block_s: float = 3600.0,
        forget_after_s: float = 3600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.scope, self.limit, self.block_s, self.max_block_s = scope, limit, block_s, max_block_s
        self.forget_after_s, self.max_keys, self.clock = forget_after_s, max_keys, clock

    def count(self, conn: Connection) -> int:
        """How many keys this scope holds."""
        t = db.rate_limits
        return int(conn.execute(select(func.count()).where(t.c.scope == self.scope)).scalar_one())

    def blocked(self, conn: Connection, *keys: str) -> bool:
        """True when any of ``keys`` is blocked now."""
        t = db.rate_limits
        stored = [_stored_key(k) for k in keys]
        query = select(func.count()).where(
            t.c.scope == self.scope, t.c.key.in_(stored), t.c.blocked_until > self.clock()
        )
        return int(conn.execute(query).scalar_one()) > 0

    def fail(self, conn: Connection, *keys: str) -> None:
        """Count one event for each key (and block it once it reaches the limit). The count is one
        atomic upsert, so events sent to different workers at once all count."""
        now, t = self.clock(), db.rate_limits
        module = postgresql if conn.dialect.name == "postgresql" else sqlite
        for key in sorted({_stored_key(k) for k in keys}):  # a fixed order: no deadlock between workers
            stmt = module.insert(t).values(scope=self.scope, key=key, count=1, last=now, blocked_until=0.0)
            stale = and_(now - t.c.last > self.forget_after_s, t.c.blocked_until <= now)
            stmt = stmt.on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={"count": case((stale, 1), else_=t.c.count + 1), "last": now},
            )
            count = int(conn.execute(stmt.returning(t.c["count"])).scalar_one())
            over = count - self.limit
            if over >= 0:
                until = now + min(self.max_block_s, self.block_s * 2.0 ** min(over, 32))
                mine = and_(t.c.scope == self.scope, t.c.key == key)
                conn.execute(update(t).where(mine).values(blocked_until=until))
        self._trim(conn, now)

    def _trim(self, conn: Connection, now: float) -> None:
        t = db.rate_limits
        forgotten = and_(t.c.last < now - self.forget_after_s, t.c.blocked_until <= now)
        conn.execute(delete(t).where(t.c.scope == self.scope, forgotten))
        excess = self.count(conn) - self.max_keys
        if excess > 0:
            oldest = select(t.c.key).where(t.c.scope == self.scope).order_by(t.c.last).limit(excess)
            conn.execute(delete(t).where(t.c.scope == self.scope, t.c.key.in_(oldest)))

    def reset(self, conn: Connection, *keys: str) -> None:
        """Forget these keys (after a successful login)."""
        t = db.rate_limits
        conn.execute(delete(t).where(t.c.scope == self.scope, t.c.key.in_([_stored_key(k) for k in keys])))
