"""Passwords (argon2id), station tokens (random, stored as SHA-256), web sessions and login rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select

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


@dataclass
class _Strikes:
    count: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


class RateLimiter:
    """Counts events (failed logins, pairing requests) per key with exponential back-off; thread-safe,
    in memory, bounded.

    The ``limit``-th event within ``forget_after_s`` of the previous one blocks the key for
    ``block_s``; each further event doubles the block, up to ``max_block_s``. A key quiet for
    ``forget_after_s`` is forgotten. At most ``max_keys`` keys are held: the least recently used is
    dropped first, so memory stays bounded whatever the callers send.
    """

    def __init__(
        self,
        limit: int = 5,
        block_s: float = 60.0,
        max_block_s: float = 3600.0,
        forget_after_s: float = 3600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.block_s, self.max_block_s = limit, block_s, max_block_s
        self.forget_after_s, self.max_keys, self.clock = forget_after_s, max_keys, clock
        self._keys: OrderedDict[str, _Strikes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def _current(self, key: str, now: float) -> _Strikes | None:
        strikes = self._keys.get(key)
        if strikes is not None and now - strikes.last > self.forget_after_s and now >= strikes.blocked_until:
            del self._keys[key]
            return None
        return strikes

    def blocked(self, *keys: str) -> bool:
        """True when any of ``keys`` is blocked now."""
        now = self.clock()
        with self._lock:
            return any((s := self._current(k, now)) is not None and now < s.blocked_until for k in keys)

    def fail(self, *keys: str) -> None:
        """Count one event for each key (and block it once it reaches the limit)."""
        now = self.clock()
        with self._lock:
            for key in keys:
                strikes = self._current(key, now) or _Strikes()
                strikes.count += 1
                strikes.last = now
                over = strikes.count - self.limit
                if over >= 0:
                    strikes.blocked_until = now + min(self.max_block_s, self.block_s * 2.0 ** min(over, 32))
                self._keys[key] = strikes
                self._keys.move_to_end(key)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)

    def reset(self, *keys: str) -> None:
        """Forget these keys (after a successful login)."""
        with self._lock:
            for key in keys:
                self._keys.pop(key, None)
