"""`{% load charts %}{% territoria_chart chart %}`: the platform's charts (core/charts.py)."""

import itertools

from django import template

from territoria.core.charts import render_chart

register = template.Library()
_ids = itertools.count(1)


@register.inclusion_tag("core/_chart.html")
def territoria_chart(chart):
    """An inline SVG of `chart` (a LineChart or BarChart) followed by its data table."""
    return {"chart": render_chart(chart), "chart_id": f"graphique-{next(_ids)}"}
