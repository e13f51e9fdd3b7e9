"""Retention: raw recordings and drawn session reports (PNG/PDF under ``reports/``) are deleted after
a number of days; the session rows (ratings, per-phase summaries, data quality) stay in the store and
at the admin server."""

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


REPORT_SUFFIXES = (".png", ".pdf")


def purge_reports(reports_dir: Path, retention_days: int, now: datetime) -> list[Path]:
    """Delete the report files in ``reports_dir`` last written more than ``retention_days`` ago.

    Returns the files removed; a file that cannot be removed is logged and tried again next time.
    """
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    cutoff = (now - timedelta(days=retention_days)).timestamp()
    removed = []
    for path in sorted(reports_dir.glob("*")) if reports_dir.is_dir() else []:
        if path.suffix.lower() not in REPORT_SUFFIXES or not path.is_file() or path.stat().st_mtime >= cutoff:
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete old report %s: %s", path, exc)
            continue
        removed.append(path)
    return removed
