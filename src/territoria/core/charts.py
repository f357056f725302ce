"""The platform's charts: server-drawn SVG with its data table, for every app.

A view builds a `LineChart` (time series, curves) or a `BarChart` (values per category) and
the page renders it with `{% load charts %}{% territoria_chart chart %}`: an inline SVG
(`role="img"`, its title and a one-line summary for screen readers), followed by the same
figures as a table in a `<details>`, so that the chart reads without JavaScript, without
colours and with a screen reader. Colours are palette tokens of territoria.css
(`core.maps.PALETTE`), shared with the maps. No script, no CDN: nothing to load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from territoria.core.maps import CATEGORIES, PALETTE

WIDTH, HEIGHT = 720, 300
MARGIN = {"left": 64, "right": 16, "top": 16, "bottom": 48}
MAX_POINTS = 2000  # per series: longer series are thinned in the drawing
MAX_TABLE_ROWS = 400  # longer tables show one row in N, and say so


@dataclass
class Series:
    label: str
    points: Sequence[tuple]  # (x, y): x a number, date or datetime; y a number or None (gap)
    colour: str = ""  # a PALETTE token; by default the categories in order


@dataclass
class LineChart:
    title: str
    series: list[Series]
    x_label: str = ""
    y_label: str = ""
    summary: str = ""  # one sentence: what the reader should see
    markers: list[tuple] = field(default_factory=list)  # (x, label): vertical lines (events)


@dataclass
class BarChart:
    title: str
    bars: Sequence[tuple]  # (label, value)
    y_label: str = ""
    summary: str = ""
    colour: str = "brand"


def _number(x) -> float:
    if isinstance(x, datetime):
        return x.timestamp()
    if isinstance(x, date):
        return datetime(x.year, x.month, x.day).timestamp()
    return float(x)


def _text(x) -> str:
    if isinstance(x, datetime):
        return x.strftime("%d/%m/%Y %H:%M")
    if isinstance(x, date):
        return x.strftime("%d/%m/%Y")
    if isinstance(x, float):
        return f"{x:,.4g}".replace(",", " ").replace(".", ",")
    return str(x)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 5 × 10^k steps)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def _colour(colour: str, index: int) -> str:
    colour = colour or CATEGORIES[index % len(CATEGORIES)]
    if colour not in PALETTE:
        raise ValueError(f"couleur de graphique inconnue : {colour!r} (jetons : PALETTE)")
    return colour


def _thin(points: list[tuple]) -> list[tuple]:
    if len(points) <= MAX_POINTS:
        return points
    step = math.ceil(len(points) / MAX_POINTS)
    return points[::step]


def render_line_chart(chart: LineChart) -> dict:
    """The geometry of the SVG (paths, ticks) and the table, for core/_chart.html."""
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    values = [(_number(x), float(y)) for s in chart.series for x, y in s.points if y is not None]
    xs = [x for x, _ in values] or [0.0, 1.0]
    ys = [y for _, y in values] or [0.0, 1.0]
    x_low, x_high = min(xs), max(xs)
    if x_high == x_low:
        x_high = x_low + 1
    y_ticks = nice_ticks(min(0.0, min(ys)), max(ys))
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def px(x):
        return MARGIN["left"] + (_number(x) - x_low) / (x_high - x_low) * plot_w

    def py(y):
        return MARGIN["top"] + plot_h - (y - y_low) / (y_high - y_low) * plot_h

    paths = []
    for index, series in enumerate(chart.series):
        commands, pen_down = [], False
        for x, y in _thin(list(series.points)):
            if y is None:
                pen_down = False
                continue
            commands.append(f"{'L' if pen_down else 'M'}{px(x):.1f},{py(float(y)):.1f}")
            pen_down = True
        paths.append(
            {
                "d": " ".join(commands),
                "colour": _colour(series.colour, index),
                "label": series.label,
            }
        )
    first = chart.series[0].points if chart.series else []
    x_values = [x for x, _ in first]
    x_tick_values = (
        [x_values[round(i * (len(x_values) - 1) / 4)] for i in range(5)] if x_values else []
    )
    return {
        "kind": "line",
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {
            "left": MARGIN["left"],
            "top": MARGIN["top"],
            "right": WIDTH - MARGIN["right"],
            "bottom": MARGIN["top"] + plot_h,
        },
        "y_ticks": [{"y": round(py(t), 1), "text": _text(float(t))} for t in y_ticks],
        "x_ticks": [{"x": round(px(x), 1), "text": _text(x)} for x in dict.fromkeys(x_tick_values)],
        "markers": [{"x": round(px(x), 1), "text": str(label)} for x, label in chart.markers],
        "paths": paths,
        "legend": [{"colour": p["colour"], "label": p["label"]} for p in paths],
        "table_head": ["", *[s.label for s in chart.series]],
        "table_rows": _line_rows(chart.series),
    }


def _line_rows(series: list[Series]) -> list[list[str]]:
    by_x: dict = {}
    for index, s in enumerate(series):
        for x, y in s.points:
            by_x.setdefault(x, [""] * len(series))[index] = "" if y is None else _text(float(y))
    return [[_text(x), *cells] for x, cells in by_x.items()]


def _table(drawing: dict) -> dict:
    rows = drawing["table_rows"]
    if len(rows) > MAX_TABLE_ROWS:
        step = math.ceil(len(rows) / MAX_TABLE_ROWS)
        drawing["table_rows"] = rows[::step]
        drawing["table_note"] = f"Une ligne sur {step} ({len(rows)} valeurs en tout)."
    return drawing


def render_bar_chart(chart: BarChart) -> dict:
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    values = [float(v) for _, v in chart.bars] or [0.0]
    y_ticks = nice_ticks(min(0.0, min(values)), max(values))
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def py(y):
        return MARGIN["top"] + plot_h - (y - y_low) / (y_high - y_low) * plot_h

    slot = plot_w / max(1, len(chart.bars))
    bars = []
    for index, (label, value) in enumerate(chart.bars):
        top, zero = py(max(float(value), 0.0)), py(min(float(value), 0.0))
        bars.append(
            {
                "x": round(MARGIN["left"] + index * slot + slot * 0.15, 1),
                "y": round(top, 1),
                "width": round(slot * 0.7, 1),
                "height": round(max(zero - top, 0.5), 1),
                "label": str(label),
                "label_x": round(MARGIN["left"] + (index + 0.5) * slot, 1),
                "value": _text(float(value)),
            }
        )
    return {
        "kind": "bar",
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {
            "left": MARGIN["left"],
            "top": MARGIN["top"],
            "right": WIDTH - MARGIN["right"],
            "bottom": MARGIN["top"] + plot_h,
        },
        "y_ticks": [{"y": round(py(t), 1), "text": _text(float(t))} for t in y_ticks],
        "bars": bars,
        "colour": _colour(chart.colour, 0),
        "table_head": ["", chart.y_label or "Valeur"],
        "table_rows": [[str(label), _text(float(value))] for label, value in chart.bars],
    }


def render_chart(chart: LineChart | BarChart) -> dict:
    drawing = render_line_chart(chart) if isinstance(chart, LineChart) else render_bar_chart(chart)
    drawing.update(title=chart.title, summary=chart.summary, y_label=chart.y_label)
    drawing["x_label"] = getattr(chart, "x_label", "")
    return _table(drawing)
