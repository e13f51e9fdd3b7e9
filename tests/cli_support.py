"""Running `oasis station run` as a real subprocess in tests: its argv and an environment without a
display (so it takes its headless path even where the developer has one)."""

from __future__ import annotations

import os
import sys

STATION_RUN = [sys.executable, "-m", "station.cli", "station", "run"]


def no_display_env() -> dict[str, str]:
    """This process's environment without DISPLAY and WAYLAND_DISPLAY."""
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
