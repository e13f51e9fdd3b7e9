"""Charts as inline SVG strings: no JavaScript, no CDN, readable by screen readers (role=img + title).

Every chart is drawn twice, ``wide`` for desks and ``compact`` for phones (the stylesheet shows one),
each with a viewBox close to the width it is shown at, so its labels stay at least ~11 CSS px: a
640-unit chart squeezed onto a 390-px phone would shrink 11-unit labels to ~6 px."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

_INK, _BAR, _TARGET, _GRID = "#1f2933", "#2f6f8f", "#c0392b", "#d9e2ec"


@dataclass(frozen=True)
class Layout:
    """A chart's drawing width and label size (viewBox units)."""

    name: str
    width: int
    font: int


WIDE = Layout("wide", 640, 15)  # shown at >= ~500 px: labels >= 11.7 px
COMPACT = Layout("compact", 360, 13)  # shown at ~350 px on a 390-px phone: labels ~12.7 px
LAYOUTS = (WIDE, COMPACT)


def _svg(layout: Layout, height: int, label: str, body: list[str]) -> Markup:
    title = escape(label)
    return Markup(
        f'<svg class="chart {layout.name}" viewBox="0 0 {layout.width} {height}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, s: object, size: int, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{_INK}" '
        f'text-anchor="{anchor}">{escape(str(s))}</text>'
    )


def _axis(x1: float, x2: float, y: float) -> str:
    return f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{_GRID}"/>'


def _short(name: str, chars: int) -> str:
    return name if len(name) <= chars else name[: chars - 1] + "…"


def both(draw: Callable[..., Markup], *args: Any) -> Markup:
    """The wide and the compact drawing of one chart, one after the other."""
    return Markup("").join(draw(*args, layout=layout) for layout in LAYOUTS)


def hbar_chart(
    items: list[tuple[str, float]],
    label: str,
    target: float | None = None,
    decimals: int = 2,
    layout: Layout = WIDE,
) -> Markup:
    """Horizontal bars, one per item (values shown with ``decimals``), with an optional vertical
    target line. Wide: the names left of the bars; compact: each name above its bar, so long names
    need no squeezing."""
    f, compact = layout.font, layout is COMPACT
    left = 8 if compact else 190
    row = 2 * f + 16 if compact else f + 14
    width, right = layout.width, 56
    height = 2 * f + 8 + row * max(len(items), 1)
    top = max([v for _, v in items] + [target or 0, 1e-9]) * 1.1
    scale = (width - left - right) / top
    body = []
    for i, (name, value) in enumerate(items):
        y = f + 10 + i * row
        bar_y = y + f + 4 if compact else y
        bar_h = row - f - 10 if compact else row - 6
        body.append(
            f'<rect class="bar" x="{left}" y="{bar_y}" width="{value * scale:.1f}" height="{bar_h}" '
            f'fill="{_BAR}"><title>{escape(name)}: {value:.{decimals}f}</title></rect>'
        )
        if compact:
            body.append(_text(left, y + f - 2, _short(name, 24), f))
        else:
            body.append(_text(left - 8, y + bar_h / 2 + f * 0.35, _short(name, 12), f, "end"))
        body.append(_text(left + value * scale + 4, bar_y + bar_h / 2 + f * 0.35, f"{value:.{decimals}f}", f))
    if target is not None:
        x = left + target * scale
        body.append(
            f'<line class="target" x1="{x:.1f}" y1="{f + 4}" x2="{x:.1f}" y2="{height - 4}" '
            f'stroke="{_TARGET}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        body.append(_text(x, f, f"{target:g}", f, "middle"))
    return _svg(layout, height, label, body)


def line_chart(
    points: list[tuple[date, float]], label: str, target: float | None = None, layout: Layout = WIDE
) -> Markup:
    """A daily series as a polyline with dots, with an optional horizontal target line."""
    f, width = layout.font, layout.width
    left, bottom, height = 3 * f, 2 * f, 240 if layout is WIDE else 220
    top = max([v for _, v in points] + [target or 0, 1e-9]) * 1.15
    n = max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * (width - left - 10) / n, height - bottom - v * (height - bottom - 10) / top

    body = [_axis(left, width - 10, height - bottom)]
    for frac in (0.5, 1.0) if layout is COMPACT else (0.25, 0.5, 0.75, 1.0):
        _, y = xy(0, top * frac / 1.15)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{_GRID}"/>')
        body.append(_text(left - 4, y + f * 0.35, f"{top * frac / 1.15:.1f}", f, "end"))
    if points:
        coords = [xy(i, v) for i, (_, v) in enumerate(points)]
        body.append(
            '<polyline class="series" fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                _BAR, " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            )
        )
        for (x, y), (d, v) in zip(coords, points, strict=True):
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_BAR}">'
                f"<title>{d.isoformat()}: {v:.2f}</title></circle>"
            )
        body.append(_text(left, height - 4, points[0][0].strftime("%m-%d"), f))
        body.append(_text(width - 10, height - 4, points[-1][0].strftime("%m-%d"), f, "end"))
    if target is not None:
        _, y = xy(0, target)
        body.append(
            f'<line class="target" x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
            f'stroke="{_TARGET}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    return _svg(layout, height, label, body)


def heatmap(matrix: list[list[int]], row_labels: list[str], label: str, layout: Layout = WIDE) -> Markup:
    """Weekday × hour counts as shaded cells (darker = more sessions)."""
    f = layout.font
    left = 3 * f + 4
    cell = (layout.width - left - 4) / 24
    top_pad = f + 8
    height = round(top_pad + 7 * max(cell, f + 6) + 4)
    row_h = max(cell, f + 6)
    peak = max((v for row in matrix for v in row), default=0) or 1
    step = 3 if layout is WIDE else 6
    body = [_text(left + h * cell + cell / 2, f, h, f, "middle") for h in range(0, 24, step)]
    for d, row in enumerate(matrix):
        body.append(_text(left - 6, top_pad + d * row_h + row_h / 2 + f * 0.35, row_labels[d], f, "end"))
        for h, v in enumerate(row):
            opacity = 0.06 + 0.94 * v / peak
            body.append(
                f'<rect class="cell" x="{left + h * cell:.1f}" y="{top_pad + d * row_h:.1f}" '
                f'width="{cell - 2:.1f}" height="{row_h - 2:.1f}" fill="{_BAR}" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(row_labels[d])} {h:02d}:00 — {v}</title></rect>"
            )
    return _svg(layout, height, label, body)


def histogram(
    counts: dict[int, int], label: str, lo: int = -10, hi: int = 10, layout: Layout = WIDE
) -> Markup:
    """Bars for each integer value in [lo, hi] (e.g. the post − pre stress change)."""
    f, width = layout.font, layout.width
    left, bottom, height = 10, 2 * f, 200
    slot = (width - left - 10) / (hi - lo + 1)
    peak = max(counts.values(), default=0) or 1
    every = 2 if layout is WIDE else 5
    body = [_axis(left, width - 10, height - bottom)]
    for i, value in enumerate(range(lo, hi + 1)):
        n = counts.get(value, 0)
        h = n / peak * (height - bottom - 16)
        x = left + i * slot
        fill = "#2e8b57" if value < 0 else (_TARGET if value > 0 else "#7b8794")
        body.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{slot - 2:.1f}" '
            f'height="{h:.1f}" fill="{fill}"><title>{value:+d}: {n}</title></rect>'
        )
        if value % every == 0:
            body.append(_text(x + slot / 2, height - 4, f"{value:+d}" if value else "0", f, "middle"))
    return _svg(layout, height, label, body)
