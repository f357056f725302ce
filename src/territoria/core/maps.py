"""The one map component of the platform: the data a view hands to `{% territoria_map %}`.

Contract (docs/architecture.md, ADR 9):
- a view passes a list of points, each a `MapPoint` or a mapping with the same keys:
  `lat`, `lon`, `label` (text), optionally `detail` (text) and `links` (`MapLink`s or
  mappings with `text` and `url`);
- `{% load maps %}{% territoria_map "carte" points label="…" cluster=True %}` renders the
  container (`core/_map.html`), the points as a GeoJSON FeatureCollection in a `json_script`
  element (`<id>-donnees`) and the scripts; `core/static/territoria/map.js` draws it.
- Everything in a point is shown as text, never as HTML: the values are published data.
Points without numeric coordinates are left out. One map per page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


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


def _link(link: MapLink | Mapping) -> dict:
    if isinstance(link, Mapping):
        return {"text": str(link["text"]), "url": str(link["url"])}
    return {"text": str(link.text), "url": str(link.url)}


def _get(point: MapPoint | Mapping, name: str, default=None):
    return point.get(name, default) if isinstance(point, Mapping) else getattr(point, name)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_feature_collection(points: Iterable[MapPoint | Mapping]) -> dict:
    """The GeoJSON the map script reads: properties `label`, `detail`, `links` only."""
    features = []
    for point in points:
        lat, lon = _get(point, "lat"), _get(point, "lon")
        if not (_is_number(lat) and _is_number(lon)):
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "label": str(_get(point, "label", "")),
                    "detail": str(_get(point, "detail", "") or ""),
                    "links": [_link(link) for link in _get(point, "links", ()) or ()],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
