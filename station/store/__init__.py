"""Session store: SQLite (WAL) with migrations, officers, sessions, events, calibrations, sync outbox."""

from station.store.models import OutboxItem, SessionEvent, SessionRecord, SessionStatus
from station.store.store import SessionStore, StoreError

__all__ = ["OutboxItem", "SessionEvent", "SessionRecord", "SessionStatus", "SessionStore", "StoreError"]
