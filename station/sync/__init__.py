"""Station → admin synchronisation: outbox draining, pairing, heartbeats, zeroconf discovery."""

from station.sync.client import SyncClient, SyncConfig, sync_status
from station.sync.outbox import Outbox, OutboxItem, SQLiteOutbox

__all__ = ["Outbox", "OutboxItem", "SQLiteOutbox", "SyncClient", "SyncConfig", "sync_status"]
