"""What the station does at startup, before any new session: finish what a crash left behind."""

from __future__ import annotations

import logging
from pathlib import Path

from station.recording.xdf_repair import XdfFormatError, repair
from station.store import SessionStore

log = logging.getLogger(__name__)


def recover_interrupted(store: SessionStore) -> list[str]:
    """Mark sessions left running as interrupted (queued for sync) and repair their XDF files.

    Returns the interrupted sessions' UUIDs.
    """
    interrupted = store.interrupt_running()
    for sid in interrupted:
        record = store.session(sid)
        if record is None or not record.xdf_path:
            continue
        path = Path(record.xdf_path)
        try:
            if path.exists() and repair(path):
                log.info("repaired the recording of interrupted session %s: %s", sid, path)
        except (OSError, XdfFormatError) as exc:
            log.warning("could not repair %s: %s", path, exc)
            store.add_event(sid, "recording_unreadable", {"reason": str(exc)})
    return interrupted
