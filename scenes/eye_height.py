"""The seated officer's eye height above the real floor, from the OpenXR runtime.

OpenXR's LOCAL space has its origin at the head when the session starts; the scene's world has
the floor at y = 0. The runtime knows where the floor is in its LOCAL_FLOOR space
(XR_EXT_local_floor, core in OpenXR 1.1: LOCAL moved down to the floor) or its STAGE space (the
room's floor, set up in the headset's guardian/boundary). Locating LOCAL's origin in either gives
the height of the eyes above the floor; LOCAL keeps the officer's own position and facing.

Where the runtime offers neither, or reports a height no seated person has (a tracking origin at
the floor, a stage not set up), the scene uses ``SEATED_EYE_HEIGHT`` (1.2 m: the eye height of a
seated adult of average stature, which is also what the headless and window outputs use).
"""

from __future__ import annotations

from scenes.camera import SEATED_EYE_HEIGHT

PLAUSIBLE_M = (0.6, 2.0)  # seated eyes of small and tall adults, chair heights included
FLOOR_SPACES = ("LOCAL_FLOOR", "STAGE")  # in order of preference
DEFAULT_SOURCE = "default"


def floor_space_choice(available: set[str]) -> str | None:
    """The floor-based reference space to use among the runtime's ``available`` ones, if any."""
    return next((name for name in FLOOR_SPACES if name in available), None)


def eye_height_from_floor(height: float | None, source: str) -> tuple[float, str]:
    """(eye height in metres, where it came from): the runtime's ``height`` of the head above the
    floor from ``source`` when it is plausible, else the seated default."""
    if height is not None and PLAUSIBLE_M[0] <= height <= PLAUSIBLE_M[1]:
        return float(height), source
    return SEATED_EYE_HEIGHT, DEFAULT_SOURCE
