"""The chart contract (core/charts.py): an SVG for the eye and the same figures as a table."""

from datetime import date

import pytest
from django.template import Context, Template

from territoria.core.charts import BarChart, LineChart, Series, nice_ticks, render_chart


def _render(chart) -> str:
    return Template("{% load charts %}{% territoria_chart chart %}").render(
        Context({"chart": chart})
    )


def test_ticks_are_round_and_cover_the_values():
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0.2, 0.93)[0] <= 0.2 and nice_ticks(0.2, 0.93)[-1] >= 0.93
    assert nice_ticks(5, 5)[-1] > 5  # a flat series still gets an axis


def test_a_line_chart_renders_one_path_per_series_gaps_and_a_table_of_every_value():
    chart = LineChart(
        "Débit entrant",
        [
            Series("PUMP_1", [(date(2018, 1, d), float(d)) for d in range(1, 6)]),
            Series(
                "PUMP_2",
                [(date(2018, 1, 1), 3.0), (date(2018, 1, 2), None), (date(2018, 1, 3), 4.0)],
            ),
        ],
        y_label="m³/h",
        summary="Le débit monte.",
        markers=[(date(2018, 1, 3), "Fuite <b>déclarée</b>")],
    )
    drawing = render_chart(chart)
    assert [p["d"].count("M") for p in drawing["paths"]] == [1, 2]  # the None starts a new stroke
    html = _render(chart)
    assert 'role="img"' in html and "Le débit monte." in html
    assert "<caption>Débit entrant</caption>" in html
    assert '<th scope="row">03/01/2018</th>' in html
    assert "Fuite &lt;b&gt;déclarée&lt;/b&gt;" in html  # labels are text, never HTML
    assert "stroke-cat-1" in html and "stroke-cat-2" in html
    assert "<script" not in html and "style=" not in html  # nothing the CSP would refuse


def test_a_bar_chart_draws_negative_values_below_zero_and_refuses_unknown_colours():
    drawing = render_chart(BarChart("Écart", [("A", 3), ("B", -2)]))
    zero = next(t["y"] for t in drawing["y_ticks"] if t["text"] == "0")
    assert drawing["bars"][0]["y"] < zero <= drawing["bars"][1]["y"] + 0.1
    with pytest.raises(ValueError, match="couleur"):
        render_chart(BarChart("x", [("A", 1)], colour="#ff0000"))


def test_long_series_are_thinned_in_the_drawing_and_the_table_says_so():
    chart = LineChart("Long", [Series("s", [(i, float(i % 7)) for i in range(10_000)])])
    drawing = render_chart(chart)
    assert drawing["paths"][0]["d"].count("L") < 2100
    assert len(drawing["table_rows"]) <= 400 and "10000 valeurs" in drawing["table_note"]


def test_svg_coordinates_are_not_localised_with_a_decimal_comma():
    """In French « 252,0 » would be read by SVG as two per-glyph positions (252 then 0): a
    tick's first letter in place and the others piled at the left edge."""
    import re

    chart = LineChart(
        "Débit", [Series("a", [(1, 0.5), (2, 250.25), (3, 100.0)])], markers=[(2, "x")]
    )
    svg = _render(chart).split("</svg>")[0]
    coordinates = re.findall(r'\b(?:x|y|x1|x2|y1|y2)="([^"]*)"', svg)
    assert coordinates and all("," not in value for value in coordinates), coordinates
    assert all(" " not in value for value in coordinates)
