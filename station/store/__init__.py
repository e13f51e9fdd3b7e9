"""Session store: SQLite (WAL) with migrations, officers, sessions, events, calibrations, resonance
results, sync outbox."""

from station.store.models import OutboxItem, ResonanceResult, SessionEvent, SessionRecord, SessionStatus
from station.store.store import SessionStore, StoreError, SyncRecordRefused

__all__ = [
    "OutboxItem",
    "ResonanceResult",
    "SessionEvent",
    "SessionRecord",
    "SessionStatus",
    "SessionStore",
    "StoreError",
    "SyncRecordRefused",
]
