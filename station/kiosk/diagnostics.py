"""The diagnostics bundle an admin can ask a station for: the output of ``oasis station check`` and
the kiosk's recent log lines, with every officer code replaced by ``[officer]`` (officers' data never
leaves the station in a bundle)."""

from __future__ import annotations

import logging
import re
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from station.store.officer_codes import ALPHABET

RECENT_LINES = 500
_CODE = re.compile(rf"(?<![A-Za-z0-9])[{ALPHABET}]{{4}}-?[{ALPHABET}]{{3}}(?![A-Za-z0-9])")


def without_officer_codes(text: str) -> str:
    """``text`` with anything shaped like an officer code (``K7PQ3XM`` or ``K7PQ-3XM``) replaced."""
    return _CODE.sub("[officer]", text)


class RecentLogs(logging.Handler):
    """Keeps the newest log lines in memory (officer codes already removed), for a bundle."""

    def __init__(self, lines: int = RECENT_LINES) -> None:
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=lines)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(without_officer_codes(self.format(record)))
        except Exception:  # a logging handler never raises (logging.Handler.handleError's contract)
            self.handleError(record)


def bundle_text(config_path: Path | None, logs: RecentLogs | None, sensor_wait_s: float = 1.0) -> str:
    """The bundle: ``oasis station check`` lines, then the recent log lines."""
    from station.commands.station_checks import run_checks

    checks = run_checks(str(config_path) if config_path else None, sensor_wait_s)
    made = datetime.now(UTC).isoformat(timespec="seconds")
    lines = [f"Oasis diagnostics {made}", "", "$ oasis station check"]
    lines += [f"{c.level.upper():<5} {c.name:<15} {c.detail}" for c in checks]
    lines += ["", f"recent log ({len(logs.lines) if logs else 0} lines, officer codes removed)"]
    lines += list(logs.lines) if logs else []
    return without_officer_codes("\n".join(lines)) + "\n"
