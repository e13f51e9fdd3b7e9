"""Bound glibc's malloc arenas for a process that runs for months.

glibc gives a thread that finds the existing arenas busy a new arena, up to 8 per CPU core, and
keeps each arena's freed memory for reuse. liblsl starts short-lived threads for every outlet,
inlet and resolve, so a kiosk's resident memory climbed by 4–10 MiB per session over its first
dozen sessions (137 → 204 MiB in 14 sessions, still rising) while its Python objects stayed flat;
with two arenas it stayed within 139–150 MiB over the same sessions (docs/station.md, "A station
that runs for months").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

M_ARENA_MAX = -8  # glibc's malloc.h
STATION_ARENAS = 2


def limit_malloc_arenas(arenas: int = STATION_ARENAS) -> bool:
    """Ask glibc to use at most ``arenas`` malloc arenas from now on (call it before threads
    start); False where the C library is not glibc or refuses."""
    if platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return bool(libc.mallopt(M_ARENA_MAX, arenas))
