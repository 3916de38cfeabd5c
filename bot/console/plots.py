"""Plots drawn on the server as SVG, put in the page as they are: no script, no inline
style (the console's CSP stays ``default-src 'self'``): colours are SVG attributes and
classes of console.css. Framework-free but for ``markupsafe`` (Jinja's)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 58
COLOURS = ("#1f6fb2", "#d9822b", "#7a9a01", "#a23b72")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _frame(title: str, body: list[str], legend: Sequence[str], top: float) -> Markup:
    """The SVG around ``body``: its title, a legend, the value axis from 0 to ``top``."""
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="{LEFT}" y="16" class="plot-title">{escape(title)}</text>']
    for tick in range(5):
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="plot-axis">{escape(_tick(top * tick / 4, top))}</text>')
    for index, name in enumerate(legend):
        x = WIDTH - RIGHT - 150 * (len(legend) - index)
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" '
                     f'fill="{COLOURS[index % len(COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="15" class="plot-axis">{escape(name)}</text>')
    return Markup("".join(parts + body) + "</svg>")


def _tick(value: float, top: float) -> str:
    if top <= 1.0:
        return f"{value * 100:.0f}%"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _scale(values: Sequence[float | None]) -> float:
    highest = max((v for v in values if v is not None), default=0.0)
    return 1.0 if highest <= 0 else float(highest)


def _label(x: float, label: str) -> str:
    y = HEIGHT - BOTTOM + 14
    return (f'<text x="{x:.1f}" y="{y}" text-anchor="end" class="plot-axis" '
            f'transform="rotate(-35 {x:.1f} {y})">{escape(label)}</text>')


def bars(title: str, labels: Sequence[str], series: Sequence[Series], *,
         line_at: int | None = None, line_label: str = "") -> Markup:
    """Grouped bars, one group per label; ``line_at``: a vertical line before that group
    (the service level's Y between the buckets of a distribution)."""
    # counts: the axis ends at a multiple of 4, so that its quarter ticks are whole
    top = 4.0 * math.ceil(_scale([v for s in series for v in s.values]) / 4)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(1, len(labels))
    width = group * 0.8 / max(1, len(series))
    body = []
    for index, label in enumerate(labels):
        x0 = LEFT + group * index + group * 0.1
        for number, one in enumerate(series):
            value = one.values[index] or 0
            h = plot_h * value / top
            body.append(f'<rect class="bar" x="{x0 + width * number:.1f}" '
                        f'y="{TOP + plot_h - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[number % len(COLOURS)]}"><title>{escape(label)}: '
                        f'{escape(_tick(value, max(top, 2)))}</title></rect>')
        body.append(_label(LEFT + group * (index + 0.5) + 4, label))
    if line_at is not None:
        x = LEFT + group * line_at
        body.append(f'<line class="service-level" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" '
                    f'y2="{TOP + plot_h}" stroke="#c0392b" stroke-width="2" '
                    f'stroke-dasharray="6 4"/><text x="{x + 4:.1f}" y="{TOP + 12}" '
                    f'class="plot-axis" fill="#c0392b">{escape(line_label)}</text>')
    return _frame(title, body, [s.name for s in series], top)


def lines(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Lines of ratios (0 to 100%), one point per label; a missing value breaks the line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels))
    body = [_label(LEFT + step * (i + 0.5) + 4, label) for i, label in enumerate(labels)]
    for number, one in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        points = [(LEFT + step * (i + 0.5), TOP + plot_h - plot_h * value)
                  for i, value in enumerate(one.values) if value is not None]
        if len(points) > 1:
            body.append(f'<polyline class="line" fill="none" stroke="{colour}" '
                        f'stroke-width="2" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        body += [f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'
                 for x, y in points]
    return _frame(title, body, [s.name for s in series], 1.0)
