"""The kiosk's widgets and the grid that places them: what station/kiosk/layout.py (officer screens),
technician_layout.py and technician_devices.py (technician pages) build on. Pure data, no drawing.

Units: ``u`` is 1 % of the window height; boxes are in pixels with a top-left origin (the renderer
flips them for OpenGL).
"""

from __future__ import annotations

from dataclasses import dataclass

from station.kiosk.texts import text


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # top edge, from the top of the window
    w: float
    h: float

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h


@dataclass(frozen=True)
class Widget:
    # "title" | "text" | "button" | "quiet" (a small staff-only button) | "entry" | "trace" | "bar" | "qr"
    # | "still" (a scene's picture: text is its PNG path, "" for the placeholder) | "shade" (a dark band)
    kind: str
    box: Box
    text: str
    font_px: float
    action: str = ""  # buttons: what a tap does (see KioskModel.tap)
    style: str = "normal"  # "primary" | "selected" | "disabled" | "good" | "degraded" | "bad" | "notice"
    align: str = "center"  # "left" | "center"
    # "trace": points scaled to 0..1; "bar": (filled share,); "still": (zoom, dx, dy) drift
    values: tuple[float, ...] = ()


class Grid:
    """Places widgets on one window size (units of ``u`` = 1 % of its height) in one language."""

    def __init__(self, width: float, height: float, language: str) -> None:
        self.w, self.h, self.lang = width, height, language
        self.u = height / 100
        self.m = max(4 * self.u, width * 0.03)
        self.items: list[Widget] = []

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def add(
        self,
        kind: str,
        x: float,
        y: float,
        w: float,
        h: float,
        label: str,
        font_u: float,
        action: str = "",
        style: str = "normal",
        align: str = "center",
    ) -> None:
        """A widget at x, w in pixels and y, h in ``u``, its font ``font_u`` u high."""
        box = Box(x, y * self.u, w, h * self.u)
        self.items.append(Widget(kind, box, label, font_u * self.u, action, style, align))

    def title(self, label: str, y: float = 4, h: float = 9, font_u: float = 5.0) -> None:
        self.add("title", self.m, y, self.w - 2 * self.m, h, label, font_u)

    def line(
        self,
        label: str,
        y: float,
        h: float = 5,
        font_u: float = 2.8,
        style: str = "normal",
        align: str = "center",
    ) -> None:
        self.add("text", self.m, y, self.w - 2 * self.m, h, label, font_u, style=style, align=align)

    def row(
        self,
        y: float,
        h: float,
        labels: list[tuple[str, str, str]],
        font_u: float = 3.4,
        gap_u: float = 1.5,
        x0: float | None = None,
        width: float | None = None,
    ) -> None:
        """Buttons side by side: (label, action, style) each."""
        x0 = self.m if x0 is None else x0
        width = (self.w - 2 * self.m) if width is None else width
        gap = gap_u * self.u
        bw = (width - gap * (len(labels) - 1)) / len(labels)
        for i, (label, action, style) in enumerate(labels):
            self.add("button", x0 + i * (bw + gap), y, bw, h, label, font_u, action=action, style=style)

    def footer(self, right: list[tuple[str, str, str]]) -> None:
        fw = 0.22 * self.w
        self.add("button", self.m, 86, fw, 10, self.t("language"), 3.4, action="language")
        for i, (label, action, style) in enumerate(reversed(right)):
            x = self.w - self.m - (i + 1) * fw - i * 1.5 * self.u
            self.add("button", x, 86, fw, 10, label, 3.4, action=action, style=style)
