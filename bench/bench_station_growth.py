"""A station that runs for months, measured: the real kiosk controller plays consecutive sessions
with the simulated officer restarted between them, under liblsl's default configuration in a
private network namespace, as tests/station/test_station_default_lsl_soak.py runs it (about a minute).

Rows: the lasting per-session growth after the warm-up sessions (tests/station_growth.py's
growth_per_session) of OS threads, file descriptors, sockets on the LSL ports and resident memory;
the absolute figures after the last session; the UDP data ports of liblsl's default 32 held at a
session's busiest moment. There is no peer program to compare with: peer and ratio
are None."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.station_growth import Counts, growth_per_session, soak_in_private_network

SESSIONS = 6

GROWTH = {
    "threads": ("station.growth_threads_per_session", "threads"),
    "fds": ("station.growth_fds_per_session", "fds"),
    "lsl_sockets": ("station.growth_ports_per_session", "ports"),
    "rss_kib": ("station.growth_rss_kib_per_session", "KiB"),
}


def _row(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "peer": None, "ratio": None}


def run() -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="oasis-bench-growth-") as tmp:
        result = soak_in_private_network(SESSIONS, Path(tmp), timeout_s=600.0)
    counts = [Counts(**c) for c in result["counts"]]
    rows = {name: _row(growth_per_session(counts, what), unit) for what, (name, unit) in GROWTH.items()}
    last = counts[-1]
    rows[f"station.rss_mib_after_{SESSIONS}_sessions"] = _row(last.rss_kib / 1024, "MiB")
    rows[f"station.threads_after_{SESSIONS}_sessions"] = _row(float(last.threads), "threads")
    rows[f"station.lsl_ports_after_{SESSIONS}_sessions"] = _row(float(last.lsl_sockets), "ports")
    rows["station.lsl_udp_ports_peak_in_session"] = _row(float(len(result["peak_ports_held"])), "ports")
    return rows
