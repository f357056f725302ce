"""`{% load maps %}{% territoria_map "carte" points label="…" %}`: the platform's map (core/maps.py)."""

from django import template
from django.conf import settings

from territoria.core.maps import as_feature_collection, legend_entries

register = template.Library()


@register.inclusion_tag("core/_map.html", takes_context=True)
def territoria_map(
    context, map_id: str, points, label: str, cluster: bool = False, css_class: str = "", legend=()
):
    """The map container, its points (GeoJSON) and its scripts.

    `label` names the region for screen readers (say where the same information is given as
    text); `cluster` groups nearby markers (many points); tiles come from
    TERRITORIA_MAP_TILE_URL, or an offline graticule is drawn when it is empty; `legend`
    (LegendEntry list) is shown under the map as text.

    A page may hold several maps: Leaflet and map.js are written with the first one only
    (map.js draws every container of the page), markercluster with the first that clusters.
    The flags live in the page's render state, shared with its includes and its layout.
    """
    state = context.render_context
    with_scripts = "territoria_map_scripts" not in state
    with_cluster_scripts = cluster and "territoria_map_cluster" not in state
    state["territoria_map_scripts"] = True
    if cluster:
        state["territoria_map_cluster"] = True
    return {
        "with_scripts": with_scripts,
        "with_cluster_scripts": with_cluster_scripts,
        "map_id": map_id,
        "data_id": f"{map_id}-donnees",
        "geojson": as_feature_collection(points),
        "label": label,
        "cluster": cluster,
        "css_class": css_class,
        "legend": legend_entries(legend),
        "tile_url": settings.TERRITORIA_MAP_TILE_URL,
        "tile_attribution": settings.TERRITORIA_MAP_TILE_ATTRIBUTION,
    }
