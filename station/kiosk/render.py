"""Draw kiosk widgets with pyglet (a window on the station monitor, or headless EGL in tests), and
check that every text fits its box."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyglet

from station.kiosk.widgets import Widget

FONT = "Noto Sans CJK SC"  # Debian fonts-noto-cjk: Chinese and Latin in one calm, even face
PAD_PX = 8.0
BACKGROUND = (22, 50, 63)
TEXT = (236, 241, 238, 255)
MUTED = (150, 165, 170, 255)
FILL = {
    "normal": (38, 78, 94),
    "primary": (58, 138, 126),
    "selected": (206, 160, 90),
    "disabled": (44, 60, 68),
}
# a scene's still not rendered yet: a calm dusk blue where the picture will be
STILL_PLACEHOLDER = (52, 86, 104)
# a quiet band under words over a picture (attract screen, program cards): the picture shows through
OVERLAY_FILL = (12, 30, 40, 178)
# an entry field, and a quiet button: staff-only entries kept small and dim (the technician's)
ENTRY_FILL = {"entry": (16, 38, 48), "quiet": (28, 60, 74)}
TEXT_COLOUR = {
    "notice": (238, 196, 120, 255),
    "good": (140, 206, 150, 255),
    "degraded": (238, 196, 120, 255),
    "bad": (232, 140, 128, 255),
    "disabled": MUTED,
    "muted": MUTED,
}


@dataclass(frozen=True)
class Overflow:
    """A text that does not fit its widget's box (width or height), in pixels."""

    text: str
    needed: tuple[float, float]
    available: tuple[float, float]


def font_available() -> bool:
    return bool(pyglet.font.have_font(FONT))


def draw(
    widgets: list[Widget], height: int, images: Mapping[str, np.ndarray] | None = None
) -> list[Overflow]:
    """Draw the widgets into the current GL context (origin flipped); returns texts that overflow.
    An "image" widget shows ``images[widget.action]`` (RGB, top row first) fitted in its box."""
    batch = pyglet.graphics.Batch()
    background, foreground = pyglet.graphics.Group(0), pyglet.graphics.Group(1)
    keep = []  # shapes and labels live until the batch is drawn
    overflows = []
    for wd in widgets:
        b = wd.box
        y = height - b.y - b.h
        if wd.kind == "still":
            keep += _still(wd, y, batch)
            continue
        if wd.kind == "shade":
            radius = min(14.0, b.h / 4)
            keep.append(
                pyglet.shapes.RoundedRectangle(
                    b.x, y, b.w, b.h, radius=radius, color=OVERLAY_FILL, batch=batch, group=background
                )
            )
            continue
        if wd.kind in ("trace", "bar"):
            keep += _series(wd, y, batch, background, foreground)
            continue
        if wd.kind == "ring":
            keep += _ring(wd, y, batch, background, foreground)
            continue
        if wd.kind == "qr":
            keep += _qr(wd, y, batch, background, foreground)
            continue
        if wd.kind == "image":
            image = (images or {}).get(wd.action)
            if image is not None:
                keep += _image(wd, y, image, batch, background)
            continue
        if wd.kind in ("button", "entry", "quiet"):
            fill = FILL.get(wd.style, FILL["normal"]) if wd.kind == "button" else ENTRY_FILL[wd.kind]
            radius = min(14.0, b.h / 4)
            keep.append(
                pyglet.shapes.RoundedRectangle(
                    b.x, y, b.w, b.h, radius=radius, color=fill, batch=batch, group=background
                )
            )
        colour = MUTED if wd.kind == "quiet" else TEXT_COLOUR.get(wd.style, TEXT)
        left = wd.align == "left" and wd.kind not in ("button", "quiet")
        label = pyglet.text.Label(
            wd.text,
            font_name=FONT,
            font_size=wd.font_px * 0.75,
            color=colour,
            x=b.x + (PAD_PX if left else b.w / 2),
            y=y + b.h / 2,
            anchor_x="left" if left else "center",
            anchor_y="center",
            batch=batch,
            group=foreground,
        )
        keep.append(label)
        available = (b.w - 2 * PAD_PX, b.h)
        if label.content_width > available[0] or label.content_height > available[1]:
            overflows.append(Overflow(wd.text, (label.content_width, label.content_height), available))
    red, green, blue = (c / 255 for c in BACKGROUND)
    pyglet.gl.glClearColor(red, green, blue, 1.0)
    pyglet.gl.glClear(pyglet.gl.GL_COLOR_BUFFER_BIT)
    batch.draw()
    return overflows


def _series(
    wd: Widget,
    y: float,
    batch: pyglet.graphics.Batch,
    back: pyglet.graphics.Group,
    front: pyglet.graphics.Group,
) -> list:
    """A trace (points scaled 0..1, drawn left to right in the box) or a progress bar (filled share)."""
    b = wd.box
    shapes: list = [pyglet.shapes.Rectangle(b.x, y, b.w, b.h, color=(16, 38, 48), batch=batch, group=back)]
    colour = TEXT_COLOUR.get(wd.style, TEXT)
    if wd.kind == "bar":
        share = min(1.0, max(0.0, wd.values[0])) if wd.values else 0.0
        if share > 0:
            shapes.append(
                pyglet.shapes.Rectangle(
                    b.x, y, b.w * share, b.h, color=FILL["primary"], batch=batch, group=front
                )
            )
    elif len(wd.values) >= 2:
        step = b.w / (len(wd.values) - 1)
        inner = b.h - 2 * PAD_PX
        points = [(b.x + i * step, y + PAD_PX + float(v) * inner) for i, v in enumerate(wd.values)]
        shapes.append(pyglet.shapes.MultiLine(*points, thickness=1.5, color=colour, batch=batch, group=front))
    return shapes


def _image(
    wd: Widget, y: float, image: np.ndarray, batch: pyglet.graphics.Batch, group: pyglet.graphics.Group
) -> list:
    """An RGB image (top row first) scaled to fit the widget's box, centred."""
    rows, cols = image.shape[:2]
    data = np.ascontiguousarray(image[::-1, :, :3], dtype=np.uint8)  # OpenGL rows start at the bottom
    texture = pyglet.image.ImageData(cols, rows, "RGB", data.tobytes(), pitch=cols * 3).get_texture()
    b = wd.box
    scale = min(b.w / cols, b.h / rows)
    sprite = pyglet.sprite.Sprite(
        texture, b.x + (b.w - cols * scale) / 2, y + (b.h - rows * scale) / 2, batch=batch, group=group
    )
    sprite.scale = scale
    return [sprite, texture]


class _ClipGroup(pyglet.graphics.Group):
    """Draws its members only inside one box (GL scissor), under every other widget."""

    def __init__(self, x: float, y: float, w: float, h: float) -> None:
        super().__init__(order=-1)
        self.rect = (round(x), round(y), round(w), round(h))

    def set_state(self) -> None:
        pyglet.gl.glEnable(pyglet.gl.GL_SCISSOR_TEST)
        pyglet.gl.glScissor(*self.rect)

    def unset_state(self) -> None:
        pyglet.gl.glDisable(pyglet.gl.GL_SCISSOR_TEST)

    def __eq__(self, other: object) -> bool:  # one group per box: pyglet merges equal groups
        return isinstance(other, _ClipGroup) and self.rect == other.rect

    def __hash__(self) -> int:
        return hash((_ClipGroup, self.rect))


@functools.cache
def _still_image(path: str) -> pyglet.image.AbstractImage:
    return pyglet.image.load(path)


def _still(wd: Widget, y: float, batch: pyglet.graphics.Batch) -> list:
    """A scene still covering its box (cropped to the box, never stretched), or the placeholder
    colour while it is not on disk. ``values`` = (zoom, dx, dy): a slow drift, shifts in box widths."""
    b = wd.box
    clip = _ClipGroup(b.x, y, b.w, b.h)
    if not wd.text:
        return [pyglet.shapes.Rectangle(b.x, y, b.w, b.h, color=STILL_PLACEHOLDER, batch=batch, group=clip)]
    zoom, dx, dy = wd.values if len(wd.values) == 3 else (1.0, 0.0, 0.0)
    image = _still_image(wd.text)
    scale = max(b.w / image.width, b.h / image.height) * zoom
    x = b.x + (b.w - image.width * scale) / 2 + dx * b.w
    bottom = y + (b.h - image.height * scale) / 2 + dy * b.h
    sprite = pyglet.sprite.Sprite(image, x=x, y=bottom, batch=batch, group=clip)
    sprite.scale = scale
    return [sprite]


RING_TRACK = (16, 38, 48)


def _ring(
    wd: Widget,
    y: float,
    batch: pyglet.graphics.Batch,
    back: pyglet.graphics.Group,
    front: pyglet.graphics.Group,
) -> list:
    """A progress ring: a quiet full track, and the filled share clockwise from 12 o'clock."""
    b = wd.box
    thickness = b.w * 0.09
    radius = b.w / 2 - thickness / 2
    cx, cy = b.x + b.w / 2, y + b.h / 2
    share = min(1.0, max(0.0, wd.values[0])) if wd.values else 0.0
    shapes: list = [
        pyglet.shapes.Arc(cx, cy, radius, 96, thickness=thickness, color=RING_TRACK, batch=batch, group=back)
    ]
    if share > 0:
        colour = TEXT_COLOUR.get(wd.style, TEXT)[:3]
        angle = 360.0 * share
        segments = max(8, round(96 * share))
        arc = pyglet.shapes.Arc(
            cx,
            cy,
            radius,
            segments,
            angle,
            90.0 - angle,
            thickness=thickness,
            color=colour,
            batch=batch,
            group=front,
        )
        shapes.append(arc)
    return shapes


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of ``text`` (error correction M) as rows of dark (True) modules, quiet zone included."""
    import segno

    code = segno.make(text, micro=False, error="m")
    border = 4
    return [[bool(v) for v in row] for row in code.matrix_iter(scale=1, border=border)]


def _qr(
    wd: Widget,
    y: float,
    batch: pyglet.graphics.Batch,
    back: pyglet.graphics.Group,
    front: pyglet.graphics.Group,
) -> list:
    """A QR code of the widget's text, dark modules on a white square (phones read it from the screen)."""
    b = wd.box
    side = min(b.w, b.h)
    x0, y0 = b.x + (b.w - side) / 2, y + (b.h - side) / 2
    shapes: list = [
        pyglet.shapes.Rectangle(x0, y0, side, side, color=(255, 255, 255), batch=batch, group=back)
    ]
    rows = qr_modules(wd.text)
    module = side / len(rows)
    for r, row in enumerate(rows):
        top = y0 + side - (r + 1) * module
        for c, dark in enumerate(row):
            if dark:
                shapes.append(
                    pyglet.shapes.Rectangle(
                        x0 + c * module, top, module, module, color=(0, 0, 0), batch=batch, group=front
                    )
                )
    return shapes


def hit(widgets: list[Widget], x: float, y_from_top: float) -> str:
    """The action of the enabled button under a tap ("" if none)."""
    for wd in widgets:
        tappable = wd.kind in ("button", "quiet") or (wd.kind == "still" and wd.action)
        if tappable and wd.style != "disabled" and wd.box.contains(x, y_from_top):
            return wd.action
    return ""
