"""Server-side SVG for the culture pages (readable without JavaScript; every chart has a
title and the page gives the same figures in a table): a choropleth of communes, line
charts with a confidence band, stacked yearly bars. Values are escaped: they are data."""

from __future__ import annotations

import hashlib

from django.utils.html import escape
from django.utils.safestring import mark_safe

from territoria.culture import geo

# Sequential palette, colour-blind safe (ColorBrewer YlGnBu, 5 classes): low access = light.
PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
PRIORITY_STROKE = "#b10026"


def _dec(value: float) -> str:
    return f"{value:.2f}".replace(".", ",").replace("-", "−")


def _svg(
    width: int, height: int, title: str, body: list[str], css: str, standalone: bool = False
) -> str:
    # A stable id (the same drawing gives the same bytes in every process: ETag, caches).
    ident = "t" + hashlib.sha256(title.encode()).hexdigest()[:8]
    # standalone: a file of its own (served as image/svg+xml), with its intrinsic size.
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    size = f' width="{width}" height="{height}"' if standalone else ""
    return mark_safe(
        f'{head}<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}" '
        f'viewBox="0 0 {width} {height}"{size} class="{css}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{ident}">{escape(title)}</title>{"".join(body)}</svg>'
    )


def choropleth(
    features: list[dict],
    venues: list[dict],
    title: str,
    width: int = 640,
    height: int = 520,
    standalone: bool = False,
) -> str:
    """features: {geometry, label, value (0–1) or None, priority}; venues: {lat, lon, label}.
    standalone: an SVG file of its own (the observatory's no-JavaScript map route)."""
    if not features:
        return ""
    box = geo.bounds(f["geometry"] for f in features)
    body = []
    for feature in features:
        value = feature.get("value")
        colour = "#dddddd" if value is None else PALETTE[min(int(value * 5), 4)]
        stroke = (
            f' stroke="{PRIORITY_STROKE}" stroke-width="2.5"'
            if feature.get("priority")
            else ' stroke="#555" stroke-width="0.5"'
        )
        path = geo.svg_path(feature["geometry"], box, width, height)
        body.append(
            f'<path d="{path}" fill="{colour}"{stroke}><title>{escape(feature["label"])}</title></path>'
        )
    min_lon, min_lat, max_lon, max_lat = box
    for venue in venues:
        if not (min_lon <= venue["lon"] <= max_lon and min_lat <= venue["lat"] <= max_lat):
            continue
        x, y = geo.project(venue["lon"], venue["lat"], box, width, height)
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#000" stroke="#fff" stroke-width="1.2">'
            f"<title>{escape(venue['label'])}</title></circle>"
        )
    return _svg(width, height, title, body, "culture-map", standalone=standalone)


def legend() -> list[dict]:
    labels = [
        "0 – 0,2 (accès le plus faible)",
        "0,2 – 0,4",
        "0,4 – 0,6",
        "0,6 – 0,8",
        "0,8 – 1 (meilleur accès)",
    ]
    return [
        {"colour": colour, "label": label} for colour, label in zip(PALETTE, labels, strict=True)
    ]


def line_chart(
    years: list[int],
    series: list[dict],
    title: str,
    band: tuple[list[float], list[float]] | None = None,
    marker_year: int | None = None,
    zero_line: bool = False,
    y_label: str = "",
    width: int = 640,
    height: int = 300,
) -> str:
    """series: {values, label, colour, dash}; band: (low, high) drawn behind series[0]."""
    left, right, top, bottom = 56, 16, 16, 40
    values = [v for s in series for v in s["values"] if v is not None]
    if band:
        values += band[0] + band[1]
    if zero_line:
        values.append(0.0)
    if not values or len(years) < 2:
        return ""
    low, high = min(values), max(values)
    if high == low:
        high = low + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad

    def x(year):
        return left + (year - years[0]) / (years[-1] - years[0]) * (width - left - right)

    def y(value):
        return top + (high - value) / (high - low) * (height - top - bottom)

    body = [
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" fill="#fff" stroke="#999"/>'
    ]
    for i in range(5):
        value = low + (high - low) * i / 4
        body.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">{_dec(value)}</text>'
        )
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#eee"/>'
        )
    for year in years:
        body.append(
            f'<text x="{x(year):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">{year}</text>'
        )
    if y_label:
        body.append(f'<text x="{left}" y="{height - 6}" font-size="11">{escape(y_label)}</text>')
    if zero_line:
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#333" stroke-dasharray="4 3"/>'
        )
    if marker_year is not None:
        mx = x(marker_year - 0.5)
        body.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{height - bottom}" stroke="#b10026" stroke-width="1.5"/>'
        )
        body.append(
            f'<text x="{mx + 4:.1f}" y="{top + 12}" font-size="11" fill="#b10026">début de l\'action</text>'
        )
    if band:
        upper = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in zip(years, band[1], strict=True))
        lower = " ".join(
            f"{x(yr):.1f},{y(v):.1f}" for yr, v in reversed(list(zip(years, band[0], strict=True)))
        )
        body.append(
            f'<polygon points="{upper} {lower}" fill="#2c7fb8" fill-opacity="0.18" stroke="none"/>'
        )
    for s in series:
        points = " ".join(
            f"{x(yr):.1f},{y(v):.1f}"
            for yr, v in zip(years, s["values"], strict=True)
            if v is not None
        )
        dash = ' stroke-dasharray="6 4"' if s.get("dash") else ""
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{s["colour"]}" stroke-width="2.2"{dash}/>'
        )
        for yr, v in zip(years, s["values"], strict=True):
            if v is not None:
                body.append(
                    f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3" fill="{s["colour"]}"><title>{escape(s["label"])} {yr} : {v:.3f}</title></circle>'
                )
    return _svg(width, height, title, body, "culture-chart")


def yearly_bars(rows: list[dict], title: str, width: int = 640, height: int = 260) -> str:
    """rows: {year, paying, free, total, flagged}: stacked paying/free bars per year."""
    rows = [r for r in rows if r.get("total")]
    if not rows:
        return ""
    left, right, top, bottom = 64, 10, 12, 34
    top_value = max(r["total"] for r in rows) * 1.05
    step = (width - left - right) / len(rows)
    body = []
    for i in range(5):
        value = top_value * i / 4
        yy = top + (1 - i / 4) * (height - top - bottom)
        body.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11">{value:,.0f}</text>'.replace(
                ",", " "
            )
        )
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eee"/>'
        )
    scale = (height - top - bottom) / top_value
    for index, row in enumerate(rows):
        x0 = left + index * step + step * 0.15
        w = step * 0.7
        paying = row.get("paying") or 0
        free = row.get("free") or 0
        unknown = (
            row["total"] - paying - free
            if (row.get("paying") is None and row.get("free") is None)
            else 0
        )
        base = height - bottom
        for value, colour, label in (
            (paying, "#2c7fb8", "payantes"),
            (free, "#a1dab4", "gratuites"),
            (unknown, "#bbbbbb", "non ventilées"),
        ):
            if value:
                h = value * scale
                base -= h
                body.append(
                    f'<rect x="{x0:.1f}" y="{base:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"><title>{row["year"]} : {value} entrées {label}</title></rect>'
                )
        if row.get("flagged"):
            body.append(
                f'<text x="{x0 + w / 2:.1f}" y="{base - 3:.1f}" text-anchor="middle" font-size="12" fill="#b10026">!</text>'
            )
        body.append(
            f'<text x="{x0 + w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" font-size="10">{row["year"]}</text>'
        )
    return _svg(width, height, title, body, "culture-chart")
