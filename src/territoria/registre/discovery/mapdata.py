"""Points of the map: the organisations carrying the projects of a query, with those projects.

Same query string, same visibility and same result set as the list (`search_projects`), so a
filter applied on the list shows the same projects on the map. Only public values are used
(name, type and position of the organisation, names of its visible projects).
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from territoria.core.maps import MapLink, MapPoint
from territoria.core.models import OrganisationType
from territoria.registre.discovery.service import SearchQuery, search_projects
from territoria.registre.discovery.table import get_table

TYPE_LABELS = dict(OrganisationType.choices)


def map_points(params, user) -> tuple[SearchQuery, list[dict], int]:
    """(query, organisations with their matching projects, number of projects)."""
    result = search_projects(params, user, with_facets=False, load_projects=False)
    table = get_table()
    projects_by_org: dict[int, list[dict]] = defaultdict(list)
    for row in result.rows:
        pk = table.ids[row]
        projects_by_org[int(table.organisation_row[row])].append(
            {"id": str(pk), "name": table.names[row], "url": reverse("registre:detail", args=[pk])}
        )
    organisations = []
    for org_row, projects in projects_by_org.items():
        org = table.organisations[org_row]
        organisations.append(
            {
                "id": str(org["id"]),
                "name": org["name"],
                "type": TYPE_LABELS.get(org["type"], org["type"]),
                "region": org["region"],
                "latitude": org["latitude"],
                "longitude": org["longitude"],
                "projects": sorted(projects, key=lambda p: p["name"].casefold()),
            }
        )
    organisations.sort(key=lambda org: org["name"].casefold())
    return result.query, organisations, result.total


def as_geojson(organisations: list[dict]) -> dict:
    """GeoJSON FeatureCollection (organisations without coordinates are left out)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [org["longitude"], org["latitude"]]},
            "properties": {k: v for k, v in org.items() if k not in ("latitude", "longitude")},
        }
        for org in organisations
        if org["latitude"] is not None and org["longitude"] is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def map_points_of(organisations: list[dict]) -> list[MapPoint]:
    """The organisations as points of the platform's map (core/maps.py): name, type, projects."""
    return [
        MapPoint(
            lat=org["latitude"],
            lon=org["longitude"],
            label=org["name"],
            detail=org["type"],
            links=tuple(MapLink(p["name"], p["url"]) for p in org["projects"]),
        )
        for org in organisations
        if org["latitude"] is not None and org["longitude"] is not None
    ]
