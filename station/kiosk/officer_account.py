"""The officer's private account as the kiosk reads it: their history, from the admin server when it
answers (every station of the room), merged with this station's own store (a session not yet synced
is there too), or from this store alone when the admin is out of reach."""

from __future__ import annotations

from collections.abc import Callable

from station.store import SessionStore
from station.store.officer_history import HistoryEntry, history, local_summaries
from wire import v1 as wire_v1

RemoteHistory = Callable[[str], list[wire_v1.SessionSummary] | None]


class OfficerAccount:
    """Reads one officer's history; ``remote`` (set by the sync wiring) asks the admin server."""

    def __init__(self, store: SessionStore, remote: RemoteHistory | None = None) -> None:
        self.store = store
        self.remote = remote

    def history(self, officer_code: str) -> tuple[list[HistoryEntry], str]:
        """(entries oldest first, source): source "admin" when the admin server answered, else "station"."""
        local = local_summaries(self.store.officer_sessions(officer_code))
        remote = self.remote(officer_code) if self.remote is not None else None
        if remote is None:
            return history(local), "station"
        return history([*remote, *local]), "admin"
