"""The sync client's persistent state (pairing claim, token, admin URL, last outcome) in one JSON file.

Written atomically (temporary file + rename) with mode 0600, so a station restarted at any moment
keeps its pairing and the status shown by ``oasis station sync --status``.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "sync-state.json"


@dataclass
class SyncState:
    claim: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str | None = None
    pairing: str = "unpaired"  # unpaired | pending | paired | refused
    pairing_code: str | None = None
    admin_url: str | None = None  # last URL used (configured or discovered)
    last_success_at: float | None = None
    last_attempt_at: float | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_attempt_at: float | None = None
    sent_total: int = 0

    @classmethod
    def load(cls, state_dir: Path) -> SyncState:
        """The saved state, or a fresh one (with a new claim) if there is none or it is unreadable."""
        path = Path(state_dir) / STATE_FILE
        try:
            data = json.loads(path.read_text())
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, state_dir: Path) -> None:
        """Write atomically, readable only by the owner (the file holds the station token)."""
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        tmp = state_dir / f".{STATE_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(self), f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, state_dir / STATE_FILE)
