"""A radar chart of the 7 trust requirements, drawn server-side as SVG (no JavaScript)."""

import math

from django.utils.html import format_html, format_html_join


def radar_svg(
    axes: list[tuple[str, float | None]],
    *,
    previous: list[float | None] | None = None,
    size: int = 340,
) -> str:
    """axes: [(label, share 0..1 or None)]; previous: the same shares of an older assessment."""
    centre, radius = size / 2, size / 2 - 62
    count = len(axes)

    def point(index, value):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        return centre + radius * value * math.cos(angle), centre + radius * value * math.sin(angle)

    def polygon(values):
        return " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, v or 0) for i, v in enumerate(values))
        )

    rings = format_html_join(
        "",
        '<polygon points="{}" fill="none" stroke="#b8b8b8" stroke-width="1"/>',
        ((polygon([level] * count),) for level in (0.25, 0.5, 0.75, 1.0)),
    )
    spokes = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#b8b8b8"/>',
        ((centre, centre, *(f"{v:.1f}" for v in point(i, 1))) for i in range(count)),
    )
    labels = []
    for i, (label, value) in enumerate(axes):
        x, y = point(i, 1.18)
        anchor = "middle" if abs(x - centre) < 10 else ("start" if x > centre else "end")
        shown = "n.a." if value is None else f"{round(value * 100)} %"
        labels.append((f"{x:.1f}", f"{y:.1f}", anchor, i + 1, shown))
    texts = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="{}" font-size="13" fill="#1e1e1e">{}. {}</text>',
        labels,
    )
    older = (
        format_html(
            '<polygon points="{}" fill="none" stroke="#6a6a6a" stroke-dasharray="4 3" stroke-width="2"/>',
            polygon(previous),
        )
        if previous
        else ""
    )
    current = polygon([v for _label, v in axes])
    summary = ", ".join(
        f"{label} : {'sans objet' if v is None else f'{round(v * 100)} %'}" for label, v in axes
    )
    return format_html(
        '<svg viewBox="0 0 {0} {0}" width="{0}" height="{0}" role="img" aria-label="{1}" class="radar">'
        '{2}{3}{4}<polygon points="{5}" fill="rgba(0,83,179,0.25)" stroke="#0053b3" stroke-width="2"/>{6}</svg>',
        size,
        f"Profil par exigence — {summary}",
        rings,
        spokes,
        older,
        current,
        texts,
    )
