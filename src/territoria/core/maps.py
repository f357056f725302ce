"""The one map component of the platform: the data a view hands to `{% territoria_map %}`.

Contract (docs/architecture.md, ADR 9):
- a view passes a list of points, each a `MapPoint` or a mapping with the same keys:
  `lat`, `lon`, `label` (text), optionally `detail` (text) and `links` (`MapLink`s or
  mappings with `text` and `url`);
- `{% load maps %}{% territoria_map "carte" points label="…" cluster=True %}` renders the
  container (`core/_map.html`), the points as a GeoJSON FeatureCollection in a `json_script`
  element (`<id>-donnees`) and the scripts; `core/static/territoria/map.js` draws it.
- lines and areas (a network, commune outlines, a grid) are `MapShape`s: a GeoJSON geometry
  in WGS 84 (longitude, latitude) with the same `label`, `detail`, `links`, and a `colour`
  that names a palette token of territoria.css (`PALETTE`), never a raw colour, so that the
  map, its legend and the charts share one set of colours (`sequential_colour` picks the
  class of a value for a choropleth); a point may have a `colour` too (drawn as a disc);
- `legend=` takes `LegendEntry`s (colour token, text), rendered as an HTML list under the
  map, readable without JavaScript.
- Everything in a point is shown as text, never as HTML: the values are published data.
Points without numeric coordinates and shapes with an invalid geometry are left out. A page
may hold several maps (the scripts come with the first one).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Colour tokens of territoria.css a map feature, a legend or a chart may use: a sequential
# scale (viridis, 7 classes, readable by colour-blind people, low → high) and a categorical
# set (Okabe–Ito), plus the interface's own colours.
SCALE = tuple(f"scale-{i}" for i in range(1, 8))
CATEGORIES = tuple(f"cat-{i}" for i in range(1, 8))
PALETTE = frozenset((*SCALE, *CATEGORIES, "brand", "accent", "danger", "warning", "muted"))
GEOMETRY_TYPES = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


@dataclass(frozen=True)
class MapLink:
    text: str
    url: str


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    label: str
    detail: str = ""
    links: tuple[MapLink, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MapShape:
    geometry: Mapping  # GeoJSON geometry, WGS 84 (longitude, latitude)
    label: str
    detail: str = ""
    links: tuple[MapLink, ...] = field(default_factory=tuple)
    colour: str = "brand"  # a PALETTE token


@dataclass(frozen=True)
class LegendEntry:
    colour: str  # a PALETTE token
    label: str


def sequential_colour(value: float, breaks: Sequence[float]) -> str:
    """The scale token of `value` for class limits `breaks` (ascending, at most 6 limits)."""
    if len(breaks) >= len(SCALE):
        raise ValueError(f"au plus {len(SCALE) - 1} bornes de classes pour {len(SCALE)} couleurs")
    return SCALE[bisect_right(list(breaks), value)]


def _link(link: MapLink | Mapping) -> dict:
    if isinstance(link, Mapping):
        return {"text": str(link["text"]), "url": str(link["url"])}
    return {"text": str(link.text), "url": str(link.url)}


def _get(point, name: str, default=None):
    return point.get(name, default) if isinstance(point, Mapping) else getattr(point, name, default)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid_coordinates(coordinates, depth: int) -> bool:
    """Nested lists `depth` deep around [longitude, latitude] pairs of finite numbers."""
    if depth == 0:
        return (
            isinstance(coordinates, (list, tuple))
            and len(coordinates) >= 2
            and all(_is_number(c) and math.isfinite(c) for c in coordinates[:2])
            and -180 <= coordinates[0] <= 180
            and -90 <= coordinates[1] <= 90
        )
    return (
        isinstance(coordinates, (list, tuple))
        and len(coordinates) > 0
        and all(_valid_coordinates(part, depth - 1) for part in coordinates)
    )


def _geometry(item) -> dict | None:
    geometry = _get(item, "geometry", None)
    if geometry is not None:
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        coordinates = geometry.get("coordinates") if kind else None
        if kind not in GEOMETRY_TYPES or not _valid_coordinates(coordinates, GEOMETRY_TYPES[kind]):
            return None
        return {"type": kind, "coordinates": coordinates}
    lat, lon = _get(item, "lat", None), _get(item, "lon", None)
    if not (_is_number(lat) and _is_number(lon)):
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def as_feature_collection(items: Iterable[MapPoint | MapShape | Mapping]) -> dict:
    """The GeoJSON the map script reads: properties `label`, `detail`, `links`, `colour` only."""
    features = []
    for item in items:
        geometry = _geometry(item)
        if geometry is None:
            continue
        properties = {
            "label": str(_get(item, "label", "")),
            "detail": str(_get(item, "detail", "") or ""),
            "links": [_link(link) for link in _get(item, "links", ()) or ()],
        }
        colour = _get(item, "colour", None)
        if colour:
            if colour not in PALETTE:
                raise ValueError(f"couleur de carte inconnue : {colour!r} (jetons : PALETTE)")
            properties["colour"] = colour
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def legend_entries(entries: Iterable[LegendEntry | tuple]) -> list[LegendEntry]:
    legend = [e if isinstance(e, LegendEntry) else LegendEntry(*e) for e in entries or ()]
    for entry in legend:
        if entry.colour not in PALETTE:
            raise ValueError(f"couleur de légende inconnue : {entry.colour!r} (jetons : PALETTE)")
    return legend
