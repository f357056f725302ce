"""The layer and the planting sites on the platform's map (core.maps: MapShape, LegendEntry).

The map draws vector shapes in WGS 84: the classes are grouped into five bands, each one
MultiPolygon outlining its cells (simplified by half a cell), so the whole layer is five
features; beyond MAX_VERTICES the page keeps the image and the table only.
"""

from __future__ import annotations

import numpy as np

from territoria.core.maps import LegendEntry, MapShape
from territoria.core.templatetags.french import count_words
from territoria.plantabilite.sites import to_wgs84

BANDS = (
    ((0, 0), "muted", "Classe 0 : non plantable"),
    ((1, 3), "scale-1", "Classes 1 à 3 : difficile"),
    ((4, 5), "scale-3", "Classes 4 et 5 : moyen"),
    ((6, 7), "scale-5", "Classes 6 et 7 : plutôt facile"),
    ((8, 10), "scale-7", "Classes 8 à 10 : facile"),
)
MAX_VERTICES = 60_000


def legend() -> list[LegendEntry]:
    return [LegendEntry(colour, label) for _, colour, label in BANDS]


def class_bands(result, crs: str) -> list[MapShape] | None:
    import shapely
    from pyproj import Transformer
    from rasterio.features import shapes

    grid = result.grid
    band = np.zeros(grid.shape, dtype=np.uint8)
    for number, ((low, high), _, _) in enumerate(BANDS):
        band[(result.classes >= low) & (result.classes <= high)] = number
    parts: dict[int, list] = {}
    for geometry, value in shapes(band, transform=grid.transform):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geometry))
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    out, vertices = [], 0
    for number, (_, colour, label) in enumerate(BANDS):
        if number not in parts:
            continue
        merged = shapely.simplify(shapely.MultiPolygon(parts[number]), grid.cell / 2)
        vertices += shapely.get_num_coordinates(merged)
        if vertices > MAX_VERTICES:
            return None
        cells = int(
            (
                (result.classes >= BANDS[number][0][0]) & (result.classes <= BANDS[number][0][1])
            ).sum()
        )
        out.append(
            MapShape(
                to_wgs84(merged, transformer),
                label,
                detail=f"{count_words(cells, 'maille|f')} de 5 m",
                colour=colour,
            )
        )
    return out


def cached_bands(computation, result) -> list[dict] | None:
    """class_bands, kept beside the computation's files (the same for every reader)."""
    import json
    from dataclasses import asdict

    path = computation.folder / "bandes.json"
    if path.exists():
        return json.loads(path.read_text()) or None
    shapes = class_bands(result, computation.territory.crs)
    data = [asdict(shape) for shape in shapes] if shapes else []
    path.write_text(json.dumps(data))
    return data or None


def site_shapes(sites: list[dict], limit: int = 50) -> list[MapShape]:
    shapes = []
    for site in sites[:limit]:
        if not site.get("geometry_wgs84"):
            continue
        colour = "scale-7" if site["rank"] <= 10 else "scale-5" if site["rank"] <= 30 else "scale-3"
        shapes.append(
            MapShape(
                site["geometry_wgs84"],
                f"Site n° {site['rank']}",
                detail=f"{site['area_m2']:.0f} m², {site['trees']} arbres, classe moyenne {site['mean_class']:.1f}",
                colour=colour,
            )
        )
    return shapes


def site_legend() -> list[LegendEntry]:
    return [
        LegendEntry("scale-7", "Sites 1 à 10"),
        LegendEntry("scale-5", "Sites 11 à 30"),
        LegendEntry("scale-3", "Sites 31 à 50"),
    ]
