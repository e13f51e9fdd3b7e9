"""Retention: raw recordings are deleted after a number of days; the session rows (ratings,
per-phase summaries, data quality) stay in the store and at the admin server."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from station.store import SessionStore

log = logging.getLogger(__name__)


def purge_recordings(store: SessionStore, retention_days: int, now: datetime) -> list[Path]:
    """Delete the XDF files of finished sessions started more than ``retention_days`` ago.

    Returns the files removed. A file already gone is recorded as deleted too; a file that cannot
    be removed (permissions) is left, logged, and tried again next time.
    """
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    removed = []
    for record in store.recordings_started_before(now - timedelta(days=retention_days)):
        path = Path(record.xdf_path)  # type: ignore[arg-type]
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete old recording %s: %s", path, exc)
            continue
        store.mark_recording_deleted(record.uuid)
        removed.append(path)
    return removed
