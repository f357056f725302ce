"""A radar chart of the six criteria as server-side SVG (no script; the table beside it is the
accessible alternative). Colours are distinct for up to five solutions, with dashes too so
that they do not rely on colour alone."""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe

from territoria.catalogue import grid

COLOURS = ["#1f5fa8", "#b3401d", "#2e7d32", "#6a3d9a", "#8a6100"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2"]
SIZE, RADIUS = 420, 140


def _point(index: int, value: float, count: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    r = RADIUS * value / grid.MAX_SCORE
    return SIZE / 2 + r * math.cos(angle), SIZE / 2 + r * math.sin(angle)


def _wrap(label: str, width: int = 18) -> list[str]:
    """A long criterion label on two lines (cut at the space nearest its middle), so that the
    labels left and right of the chart stay inside it."""
    if len(label) <= width or " " not in label:
        return [label]
    middle = len(label) / 2
    cut = min((i for i, c in enumerate(label) if c == " "), key=lambda i: abs(i - middle))
    return [label[:cut], label[cut + 1 :]]


def radar_svg(series: list[tuple[str, dict[str, float]]], title: str) -> str:
    """series: [(name, {criterion code: score 0–4})]."""
    count = len(grid.CRITERIA)
    parts = [
        (
            f'<svg class="catalogue-radar" viewBox="-110 -10 {SIZE + 220} {SIZE + 20}" role="img" '
            f'aria-labelledby="radar-title" xmlns="http://www.w3.org/2000/svg">'
        ),
        f'<title id="radar-title">{escape(title)}</title>',
    ]
    for level in range(1, grid.MAX_SCORE + 1):
        ring = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (_point(i, level, count) for i in range(count))
        )
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#c8c8c8"/>')
    for index, criterion in enumerate(grid.CRITERIA):
        x, y = _point(index, grid.MAX_SCORE, count)
        parts.append(
            f'<line x1="{SIZE / 2}" y1="{SIZE / 2}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c8c8c8"/>'
        )
        lx, ly = _point(index, grid.MAX_SCORE + 0.9, count)
        anchor = "middle" if abs(lx - SIZE / 2) < 10 else ("start" if lx > SIZE / 2 else "end")
        lines = _wrap(criterion.label)
        if ly < SIZE / 2 - 10 and len(lines) > 1:
            ly -= 20  # a two-line label above the centre grows upwards, off the chart
        spans = "".join(
            f'<tspan x="{lx:.1f}" dy="{0 if i == 0 else 20}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="17" '
            f'fill="#222">{spans}</text>'
        )
    for number, (name, scores) in enumerate(series):
        colour, dash = COLOURS[number % len(COLOURS)], DASHES[number % len(DASHES)]
        points = " ".join(
            f"{x:.1f},{y:.1f}"
            for x, y in (
                _point(i, scores.get(c.code, 0), count) for i, c in enumerate(grid.CRITERIA)
            )
        )
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polygon points="{points}" fill="{colour}" fill-opacity="0.12" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}><title>{escape(name)}</title></polygon>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def legend(names: list[str]) -> list[dict]:
    return [
        {"name": name, "colour": COLOURS[i % len(COLOURS)], "dash": DASHES[i % len(DASHES)]}
        for i, name in enumerate(names)
    ]
