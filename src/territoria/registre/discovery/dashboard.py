"""Adoption dashboards: projects by theme, maturity, type of collectivité, algorithm, year, risk.

The figures are the facet counts of the query service over the projects this reader may see
(with the filters of the query string), so the dashboard, the list and the API never disagree,
and a restricted dimension (type of algorithm) exists only for readers of restricted fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from territoria.registre.discovery.facets import UNSET, facets_for
from territoria.registre.discovery.service import (
    SearchQuery,
    parse_query,
    search_projects,
    unset_mask,
)
from territoria.registre.discovery.table import get_table

# The dimensions shown, in this order (the booklet's questions: what, how mature, who, how, when, risk).
DIMENSIONS = [
    "theme",
    "projet_status",
    "coll_type",
    "type_algorithme",
    "annee",
    "risque_categorie",
    "sous_theme",
    "audience",
]
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 300
CHART_WIDTH = 640


@dataclass
class Bar:
    code: str
    label: str
    count: int
    share: float  # of the projects counted, 0..1
    y: int
    width: float  # SVG units


@dataclass
class Chart:
    name: str
    label: str
    total: int  # projects counted
    bars: list[Bar]
    restricted: bool

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + BAR_GAP)

    @property
    def bar_area(self) -> int:
        return CHART_WIDTH - LABEL_WIDTH - 60

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "total": self.total,
            "restricted": self.restricted,
            "values": [
                {"code": b.code, "label": b.label, "count": b.count, "share": round(b.share, 4)}
                for b in self.bars
            ],
        }


@dataclass
class Dashboard:
    query: SearchQuery
    total: int
    charts: list[Chart]

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "filters": self.query.filters,
            "messages": self.query.messages,
            "charts": [chart.as_dict() for chart in self.charts],
        }


def build_dashboard(params, user) -> Dashboard:
    query = parse_query(params, user)
    query.text = ""  # dashboards count projects by filters; a text query belongs to the list
    result = search_projects(params, user, with_facets=False, load_projects=False, query=query)
    table = get_table()
    rows = result.rows
    allowed = {facet.name: facet for facet in facets_for(user, dashboard=True)}
    charts = []
    for name in DIMENSIONS:
        facet = allowed.get(name)
        if facet is None:
            continue
        counts = table.columns[name].counts(rows)
        if facet.unset_label:  # records without a value: counted, not hidden (AI-Act category)
            unset = int(unset_mask(table.columns[name])[rows].sum())
            if unset:
                counts[UNSET] = unset
        if name == "annee":
            order = sorted(counts)
        elif facet.choices:
            order = [code for code, _label in facet.choices if code in counts]
            order += [code for code in counts if code not in order]
        else:
            order = sorted(counts, key=lambda code: -counts[code])
        largest = max(counts.values(), default=0)
        bar_area = CHART_WIDTH - LABEL_WIDTH - 60
        bars = [
            Bar(
                code=code,
                label=facet.label_of(code),
                count=counts[code],
                share=counts[code] / result.total if result.total else 0.0,
                y=i * (BAR_HEIGHT + BAR_GAP),
                width=round(bar_area * counts[code] / largest, 1) if largest else 0,
            )
            for i, code in enumerate(order)
        ]
        charts.append(Chart(name, facet.label, result.total, bars, facet.restricted))
    return Dashboard(query, result.total, charts)
