"""Importing factor layers from real GIS files: GeoPackage, GeoJSON, Shapefile (.shp or .zip),
CSV with a WKT column, or an OpenStreetMap extract (.osm.pbf, several layers at once).

Every layer is reprojected into the territory's working CRS, its invalid geometries repaired
(and the repairs reported), and refused with a message a person can act on when it has no CRS
or an unknown one, is outside the territory, or is too big. All the layers of one import are
written in one transaction: nothing partial.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction
from pyproj import CRS

from territoria.core.templatetags.french import accord, count_words
from territoria.plantabilite.errors import LayerError, parse_crs
from territoria.plantabilite.factors import BY_KEY
from territoria.plantabilite.models import FactorLayer, Territory

FORMATS = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "Shapefile",
    ".zip": "Shapefile (zip)",
    ".csv": "CSV (WKT)",
    ".pbf": "OpenStreetMap (.osm.pbf)",
}
MAX_BYTES = int(os.environ.get("TERRITORIA_PLANTABILITE_MAX_MB", "500")) * 2**20
MAX_FEATURES = int(os.environ.get("TERRITORIA_PLANTABILITE_MAX_FEATURES", "2000000"))
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom")


@dataclass
class ReadLayer:
    geometries: np.ndarray  # in the territory's CRS
    source_crs: str
    source_format: str
    repaired: int = 0
    notes: list[str] = field(default_factory=list)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise LayerError(
            f"Format « {path.suffix or path.name} » non pris en charge : attendu GeoPackage "
            "(.gpkg), GeoJSON (.geojson), Shapefile (.shp ou .zip), CSV avec une colonne WKT "
            "(.csv) ou extrait OpenStreetMap (.osm.pbf)."
        )
    return FORMATS[suffix]


def _read_csv(path: Path) -> tuple[np.ndarray, None]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {name.lower().strip(): name for name in reader.fieldnames or []}
    column = next((columns[c] for c in WKT_COLUMNS if c in columns), None)
    if column is None:
        raise LayerError(
            f"Le CSV n'a pas de colonne de géométrie en WKT : attendu l'une de "
            f"{', '.join(WKT_COLUMNS)} ; colonnes trouvées : {', '.join(reader.fieldnames or [])}."
        )
    geoms = []
    for line, row in enumerate(reader, start=2):
        value = (row.get(column) or "").strip()
        try:
            geoms.append(shapely.from_wkt(value))
        except shapely.errors.GEOSException:
            raise LayerError(
                f"Ligne {line}, colonne « {column} » : « {value[:40]} » n'est pas une géométrie "
                "WKT (attendu par exemple POLYGON((x y, …)) ou LINESTRING(x y, …))."
            ) from None
        if len(geoms) > MAX_FEATURES:
            raise LayerError(f"Plus de {MAX_FEATURES} objets : découpez le fichier.")
    return np.asarray(geoms, dtype=object), None


def _read_vector(path: Path):
    import pyogrio
    import pyogrio.errors

    target = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        info = pyogrio.read_info(target)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise LayerError(f"Fichier illisible comme couche SIG ({error}).") from None
    if info.get("features", 0) > MAX_FEATURES:
        raise LayerError(
            f"{info['features']} objets : plus que la limite de {MAX_FEATURES} ; découpez le fichier."
        )
    try:
        frame = pyogrio.read_dataframe(target, columns=[])
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise LayerError(f"Fichier illisible comme couche SIG ({error}).") from None
    return frame.geometry.to_numpy(), frame.crs


def read_file(path: Path, territory: Territory, declared_crs: str = "") -> ReadLayer:
    """One layer (not OSM) read, checked, repaired and reprojected into the territory's CRS."""
    path = Path(path)
    kind = _format_of(path)
    if path.stat().st_size > MAX_BYTES:
        raise LayerError(
            f"Fichier de {path.stat().st_size / 2**20:.0f} Mo : plus que la limite de "
            f"{MAX_BYTES / 2**20:.0f} Mo (TERRITORIA_PLANTABILITE_MAX_MB) ; découpez-le."
        )
    if kind.startswith("CSV"):
        geoms, crs = _read_csv(path)
    else:
        geoms, crs = _read_vector(path)
    if declared_crs:
        crs = parse_crs(declared_crs)
    if crs is None:
        raise LayerError(
            "La couche n'indique pas son système de coordonnées (CRS) : indiquez-le dans le "
            "formulaire (par exemple EPSG:2154 pour le Lambert-93)."
        )
    crs = CRS.from_user_input(crs)
    return checked(geoms, crs, territory, kind)


def checked(geoms: np.ndarray, crs: CRS, territory: Territory, kind: str) -> ReadLayer:
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    notes = []
    if missing.all():
        raise LayerError("La couche ne contient aucune géométrie.")
    if missing.any():
        lines = ", ".join(str(i + 1) for i in np.flatnonzero(missing)[:5])
        notes.append(
            f"{count_words(int(missing.sum()), 'objet')} sans géométrie "
            f"ignoré{accord(int(missing.sum()))} (objets n° {lines}…)."
        )
        geoms = geoms[~missing]
    invalid = ~shapely.is_valid(geoms)
    repaired = int(invalid.sum())
    if repaired:
        first = int(np.flatnonzero(invalid)[0])
        reason = shapely.is_valid_reason(geoms[first])
        notes.append(
            f"{count_words(repaired, 'géométrie|f')} invalide{accord(repaired)} "
            f"réparée{accord(repaired)} (auto-intersections…), "
            f"la première : objet n° {first + 1}, {reason}."
        )
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    work = parse_crs(territory.crs, "Territoire : ")
    if not crs.equals(work):
        from pyproj import Transformer

        transformer = Transformer.from_crs(crs, work, always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
        if not np.isfinite(shapely.bounds(geoms)).all():
            raise LayerError(
                f"La reprojection de {crs.to_string()} vers {work.to_string()} échoue pour "
                "certains objets : le CRS déclaré est-il le bon ?"
            )
    extent = territory.extent
    if extent is not None:
        inside = shapely.intersects(geoms, shapely.box(*extent))
        if not inside.any():
            bounds = ", ".join(f"{v:.0f}" for v in shapely.total_bounds(geoms))
            area = ", ".join(f"{v:.0f}" for v in extent)
            raise LayerError(
                f"La couche est entièrement hors du territoire : son emprise ({bounds}) ne "
                f"croise pas celle du territoire ({area}) en {work.to_string()}. Le CRS "
                "déclaré est-il le bon ?"
            )
        if not inside.all():
            outside = int((~inside).sum())
            notes.append(
                f"{count_words(outside, 'objet')} hors du territoire ignoré{accord(outside)}."
            )
            geoms = geoms[inside]
    return ReadLayer(geoms, crs.to_string(), kind, repaired, notes)


def digest(geoms: np.ndarray, buffer_m: float) -> str:
    blob = shapely.to_wkb(shapely.GeometryCollection(list(geoms)))
    return hashlib.sha256(blob + f"|{buffer_m:.3f}".encode()).hexdigest()


def _layer(territory, read: ReadLayer, *, name, factor, buffer_m, source_name, **meta):
    if factor not in BY_KEY:
        raise LayerError(f"Facteur inconnu « {factor} ».")
    if buffer_m is None:
        buffer_m = BY_KEY[factor].buffer_m
    if not 0 <= float(buffer_m) <= 100:
        raise LayerError(f"Distance tampon {buffer_m} m : attendu entre 0 et 100 m.")
    return FactorLayer(
        territory=territory,
        name=name,
        factor=factor,
        buffer_m=float(buffer_m),
        source_name=source_name,
        source_format=read.source_format,
        source_crs=read.source_crs,
        feature_count=len(read.geometries),
        repaired_count=read.repaired,
        report="\n".join(read.notes),
        geometry_wkb=shapely.to_wkb(shapely.GeometryCollection(list(read.geometries))),
        digest=digest(read.geometries, float(buffer_m)),
        **meta,
    )


def _grow_extent(territory: Territory, layers: list[FactorLayer]) -> None:
    if territory.extent is not None:
        return
    bounds = np.array([shapely.total_bounds(geometries(layer)) for layer in layers])
    territory.xmin, territory.ymin = bounds[:, 0].min(), bounds[:, 1].min()
    territory.xmax, territory.ymax = bounds[:, 2].max(), bounds[:, 3].max()
    territory.save()


def geometries(layer: FactorLayer) -> np.ndarray:
    collection = shapely.from_wkb(bytes(layer.geometry_wkb))
    return np.asarray(shapely.get_parts(collection), dtype=object)


def import_file(
    territory: Territory,
    path: Path,
    *,
    name: str,
    factor: str,
    owner: str,
    buffer_m: float | None = None,
    declared_crs: str = "",
    source_name: str = "",
    **meta,
) -> FactorLayer:
    read = read_file(Path(path), territory, declared_crs)
    layer = _layer(
        territory,
        read,
        name=name,
        factor=factor,
        buffer_m=buffer_m,
        owner=owner,
        source_name=source_name or Path(path).name,
        **meta,
    )
    with transaction.atomic():
        layer.save()
        _grow_extent(territory, [layer])
    return layer


def import_osm(
    territory: Territory, path: Path, *, owner: str = "Contributeurs OpenStreetMap", **meta
) -> list[FactorLayer]:
    """Every layer the OSM rules find in the extract (osm.RULES), in one transaction."""
    from territoria.plantabilite import osm

    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise LayerError(f"Extrait de {path.stat().st_size / 2**20:.0f} Mo : trop gros.")
    try:
        found = osm.read_layers(path)
    except ValueError as error:
        raise LayerError(str(error)) from None
    if not found:
        raise LayerError("L'extrait OpenStreetMap ne contient aucun objet des facteurs connus.")
    layers = []
    for rule, frame in found:
        try:
            read = checked(
                frame.geometry.to_numpy(), CRS.from_epsg(4326), territory, FORMATS[".pbf"]
            )
        except LayerError as error:
            raise LayerError(f"Couche « {rule.name} » : {error}") from None
        layers.append(
            _layer(
                territory,
                read,
                name=f"OSM – {rule.name}",
                factor=rule.factor,
                buffer_m=rule.buffer_m,
                owner=owner,
                source_name=path.name,
                provenance=f"OpenStreetMap ({rule.tags}), licence ODbL",
                **meta,
            )
        )
    with transaction.atomic():
        for layer in layers:
            layer.save()
        _grow_extent(territory, layers)
    return layers
