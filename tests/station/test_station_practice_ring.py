"""The practice ring on the summary and history pages, drawn headless (pyglet on Mesa EGL): it fills
clockwise from the top with today's minutes towards 15, shows the minutes in its middle and a gentle
caption (the streak from two days on), and an empty day is a quiet track, never a warning colour."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyglet
import pytest

pyglet.options["headless"] = True

from station.kiosk.practice_ring import practice_ring, ring_share  # noqa: E402
from station.kiosk.render import RING_TRACK, TEXT_COLOUR  # noqa: E402
from station.kiosk.widgets import Grid  # noqa: E402
from station.store.practice_points import Practice  # noqa: E402
from tests.kiosk_render import kiosk_window, render  # noqa: E402

W, H = 1280, 800
GREEN = np.array(TEXT_COLOUR["good"][:3], float)


@pytest.fixture(scope="module")
def window() -> Iterator[pyglet.window.Window]:
    yield from kiosk_window()


def ring_page(p: Practice, language: str = "zh-CN") -> Grid:
    g = Grid(W, H, language)
    practice_ring(g, p, W / 2, 30.0, 20.0, caption=True)
    return g


def colour_at(pixels: np.ndarray, g: Grid, angle_deg: float) -> np.ndarray:
    """The colour on the ring's centre line at ``angle_deg`` clockwise from 12 o'clock."""
    ring = next(w for w in g.items if w.kind == "ring").box
    radius = ring.w / 2 - ring.w * 0.045
    cx, cy = ring.x + ring.w / 2, ring.y + ring.h / 2
    a = np.radians(angle_deg)
    x, y = cx + radius * np.sin(a), cy - radius * np.cos(a)  # rows grow downwards
    return pixels[round(y), round(x), :3].astype(float)


def close(colour: np.ndarray, expected) -> bool:  # type: ignore[no-untyped-def]
    return bool(np.abs(colour - np.asarray(expected, float)).max() <= 12)


def test_half_the_daily_practice_fills_the_right_half_of_the_ring(window) -> None:
    g = ring_page(Practice(7.5, False, 0, 7))
    problems, pixels = render(window, g.items, W, H)
    assert problems == []
    assert all(close(colour_at(pixels, g, a), GREEN) for a in (20, 90, 160))
    assert all(close(colour_at(pixels, g, a), RING_TRACK) for a in (200, 270, 340))
    texts = [w.text for w in g.items if w.kind == "text"]
    assert texts == ["8", "/ 15 分钟", "今日练习"]  # no streak of one day, nothing about what is missing


def test_a_reached_goal_closes_the_ring_and_names_the_streak(window) -> None:
    g = ring_page(Practice(21.0, True, 4, 95), "en")
    _, pixels = render(window, g.items, W, H)
    assert all(close(colour_at(pixels, g, a), GREEN) for a in range(0, 360, 30))
    assert [w.text for w in g.items if w.kind == "text"][1:] == [
        "/ 15 min",
        "Today's goal reached",
        "4 days in a row",
    ]
    assert ring_share(Practice(21.0, True, 4, 95)) == 1.0


def test_an_empty_day_is_a_quiet_track(window) -> None:
    g = ring_page(Practice(0.0, False, 0, 40))
    _, pixels = render(window, g.items, W, H)
    assert all(close(colour_at(pixels, g, a), RING_TRACK) for a in range(0, 360, 45))
    assert {w.style for w in g.items} <= {"good", "normal"}  # never a warning colour
