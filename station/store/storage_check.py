"""Can a session be recorded here? Free space and writability of the station's data directories,
checked before a session starts so the kiosk never runs a session that records nothing."""

from __future__ import annotations

import errno
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

MIN_FREE_BYTES = 200 * 2**20  # a long session's XDF, its frames and the store's growth, with a margin
_FULL = {errno.ENOSPC, errno.EDQUOT}


def storage_problem(directories: Iterable[Path], min_free_bytes: int = MIN_FREE_BYTES) -> str:
    """``""`` when every directory exists (or can be made), takes a new file and has
    ``min_free_bytes`` free; else ``"storage_full"`` or ``"storage_readonly"`` (kiosk text keys)."""
    for directory in directories:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".oasis-write-check-") as probe:
                probe.write(b"\0" * 4096)
                probe.flush()
            free = shutil.disk_usage(directory).free
        except OSError as exc:
            return "storage_full" if exc.errno in _FULL else "storage_readonly"
        if free < min_free_bytes:
            return "storage_full"
    return ""
