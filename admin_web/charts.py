"""Charts as inline SVG strings: no JavaScript, no CDN, readable by screen readers (role=img + title)."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

_INK, _BAR, _TARGET, _GRID = "#1f2933", "#2f6f8f", "#c0392b", "#d9e2ec"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    title = escape(label)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{title}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, s: object, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{_INK}" '
        f'text-anchor="{anchor}">{escape(str(s))}</text>'
    )


def _axis(x1: float, x2: float, y: float) -> str:
    return f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{_GRID}"/>'


def hbar_chart(items: list[tuple[str, float]], label: str, target: float | None = None) -> Markup:
    """Horizontal bars, one per item, with an optional vertical target line."""
    left, right, row = 120, 60, 18
    width, height = 640, 30 + row * max(len(items), 1)
    top = max([v for _, v in items] + [target or 0, 1e-9]) * 1.1
    scale = (width - left - right) / top
    body = []
    for i, (name, value) in enumerate(items):
        y = 20 + i * row
        body.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{value * scale:.1f}" height="{row - 4}" '
            f'fill="{_BAR}"><title>{escape(name)}: {value:.2f}</title></rect>'
        )
        body.append(_text(left - 6, y + row - 7, name, "end"))
        body.append(_text(left + value * scale + 4, y + row - 7, f"{value:.2f}"))
    if target is not None:
        x = left + target * scale
        body.append(
            f'<line class="target" x1="{x:.1f}" y1="12" x2="{x:.1f}" y2="{height - 6}" '
            f'stroke="{_TARGET}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        body.append(_text(x, 10, f"{target:g}", "middle"))
    return _svg(width, height, label, body)


def line_chart(points: list[tuple[date, float]], label: str, target: float | None = None) -> Markup:
    """A daily series as a polyline with dots, with an optional horizontal target line."""
    left, bottom, width, height = 40, 24, 640, 220
    top = max([v for _, v in points] + [target or 0, 1e-9]) * 1.15
    n = max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * (width - left - 10) / n, height - bottom - v * (height - bottom - 10) / top

    body = [_axis(left, width - 10, height - bottom)]
    for frac in (0.25, 0.5, 0.75, 1.0):
        _, y = xy(0, top * frac / 1.15)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{_GRID}"/>')
        body.append(_text(left - 4, y + 4, f"{top * frac / 1.15:.1f}", "end", 10))
    if points:
        coords = [xy(i, v) for i, (_, v) in enumerate(points)]
        body.append(
            '<polyline class="series" fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                _BAR, " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            )
        )
        for (x, y), (d, v) in zip(coords, points, strict=True):
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{_BAR}">'
                f"<title>{d.isoformat()}: {v:.2f}</title></circle>"
            )
        body.append(_text(left, height - 6, points[0][0].isoformat(), "start", 10))
        body.append(_text(width - 10, height - 6, points[-1][0].isoformat(), "end", 10))
    if target is not None:
        _, y = xy(0, target)
        body.append(
            f'<line class="target" x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
            f'stroke="{_TARGET}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    return _svg(width, height, label, body)


def heatmap(matrix: list[list[int]], row_labels: list[str], label: str) -> Markup:
    """Weekday × hour counts as shaded cells (darker = more sessions)."""
    left, cell, top_pad = 48, 24, 18
    width, height = left + 24 * cell + 4, top_pad + 7 * cell + 4
    peak = max((v for row in matrix for v in row), default=0) or 1
    body = [_text(left + h * cell + cell / 2, 12, h, "middle", 9) for h in range(0, 24, 3)]
    for d, row in enumerate(matrix):
        body.append(_text(left - 6, top_pad + d * cell + cell * 0.65, row_labels[d], "end"))
        for h, v in enumerate(row):
            opacity = 0.06 + 0.94 * v / peak
            body.append(
                f'<rect class="cell" x="{left + h * cell}" y="{top_pad + d * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{_BAR}" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(row_labels[d])} {h:02d}:00 — {v}</title></rect>"
            )
    return _svg(width, height, label, body)


def histogram(counts: dict[int, int], label: str, lo: int = -10, hi: int = 10) -> Markup:
    """Bars for each integer value in [lo, hi] (e.g. the post − pre stress change)."""
    left, bottom, width, height = 30, 24, 640, 200
    slot = (width - left - 10) / (hi - lo + 1)
    peak = max(counts.values(), default=0) or 1
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
        body.append(_text(x + slot / 2, height - 8, f"{value:+d}" if value else "0", "middle", 9))
    return _svg(width, height, label, body)


def phase_chart(phases: list[dict], metric: str, label: str) -> Markup:
    """One bar per session phase for ``metric`` (the summary plot on a session's detail page)."""
    items = [(str(p["phase"]), float(p["metrics"][metric])) for p in phases if metric in p.get("metrics", {})]
    return hbar_chart(items, label)
