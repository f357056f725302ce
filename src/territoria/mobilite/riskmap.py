"""Accident risk along the road network: each geolocated accident snapped onto the nearest edge
of a geo-referenced SUMO network, then a network-constrained kernel density (the "simple" NKDE
of Xie & Yan, 2008): the edges are cut into short pieces (lixels), distances are measured along
the roads (Dijkstra on the lixel graph, the two directions of a street counted once), and each
accident spreads its severity weight with a quartic kernel over the lixels within the bandwidth.
A risk zone is a connected run of lixels whose density reaches that of `min_weight` weighted
accidents at one point, as DBSCAN's zones do.

Known limit of the simple NKDE: at a junction the kernel is not split between the branches, so
a junction's neighbourhood is over-weighted compared with the mass-preserving variants
(Okabe's equal-split kernel); the zones are ranked, not read as absolute rates."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from territoria.mobilite.accidents import WEIGHTS, own_coordinates


class RiskMapError(Exception):
    pass


@dataclass
class Lixels:
    edge: list[str]  # the edge each lixel belongs to
    xy: list[tuple[float, float]]  # centre of each lixel (network coordinates)
    shape: list[list[tuple[float, float]]]  # its polyline
    graph: object  # scipy sparse matrix of the distances between neighbouring lixels


def _cut(shape: list[tuple[float, float]], step: float) -> list[list[tuple[float, float]]]:
    """A polyline cut into pieces of about `step` metres."""
    from sumolib import geomhelper

    length = geomhelper.polyLength(shape)
    count = max(1, round(length / step))
    pieces = []
    for k in range(count):
        a, b = length * k / count, length * (k + 1) / count
        inner = [p for p, d in zip(shape, _distances(shape), strict=True) if a < d < b]
        start = geomhelper.positionAtShapeOffset(shape, a)
        end = geomhelper.positionAtShapeOffset(shape, b)
        pieces.append([start, *inner, end])
    return pieces


def _distances(shape):
    total, out = 0.0, [0.0]
    for p, q in itertools.pairwise(shape):
        total += math.dist(p, q)
        out.append(total)
    return out


def lixels(net, step: float = 20.0) -> Lixels:
    """The road network as a graph of lixels; one direction of each street (the edge from the
    lower to the higher junction id, or the only one)."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from sumolib import geomhelper

    kept = {}
    for edge in net.getEdges():
        if edge.getFunction() == "internal":
            continue
        a, b = edge.getFromNode().getID(), edge.getToNode().getID()
        key = (min(a, b), max(a, b), round(edge.getLength()))
        kept.setdefault(key, edge)
    edges, centres, shapes = [], [], []
    rows, cols, weights = [], [], []
    ends: dict[str, list[int]] = {}  # junction → lixels touching it
    for edge in kept.values():
        pieces = _cut(edge.getShape(), step)
        first = len(edges)
        for k, piece in enumerate(pieces):
            index = first + k
            edges.append(edge.getID())
            shapes.append(piece)
            mid = _distances(piece)[-1] / 2
            centres.append(geomhelper.positionAtShapeOffset(piece, mid))
            if k:
                rows.append(index - 1)
                cols.append(index)
                weights.append(math.dist(centres[index - 1], centres[index]) or 0.01)
        ends.setdefault(edge.getFromNode().getID(), []).append(first)
        ends.setdefault(edge.getToNode().getID(), []).append(first + len(pieces) - 1)
    for touching in ends.values():  # lixels meeting at a junction are neighbours
        for i, a in enumerate(touching):
            for b in touching[i + 1 :]:
                rows.append(a)
                cols.append(b)
                weights.append(math.dist(centres[a], centres[b]) or 0.01)
    n = len(edges)
    graph = coo_matrix(
        (np.array(weights), (np.array(rows, dtype=int), np.array(cols, dtype=int))), shape=(n, n)
    ).tocsr()
    return Lixels(edges, centres, shapes, graph)


def snap(net, accidents, max_distance: float = 25.0) -> list[tuple[object, str, float, float]]:
    """(accident, edge, x, y) of each accident with its own coordinates (not one placed by the
    platform) within `max_distance` metres of an edge; the others are left out."""
    snapped = []
    for accident in accidents:
        if not own_coordinates(accident):
            continue
        x, y = net.convertLonLat2XY(accident.longitude, accident.latitude)
        near = [
            (distance, edge)
            for edge, distance in net.getNeighboringEdges(x, y, r=max_distance)
            if edge.getFunction() != "internal"
        ]
        if near:
            _, edge = min(near, key=lambda pair: pair[0])
            snapped.append((accident, edge.getID(), x, y))
    return snapped


def along_street(net, lix: Lixels, accidents, max_distance: float = 25.0) -> list:
    """(accident, its street's lixels, the street's length in m) of each accident placed on its
    street from its address (`located` = "voie"), the street found again in this network: the
    run of edges bearing the name its address names, passing where the import placed it."""
    from territoria.mobilite.streets import StreetIndex

    placed = [
        a for a in accidents if getattr(a, "located", "") == "voie" and a.latitude is not None
    ]
    if not placed:
        return []
    streets = StreetIndex(net)
    by_edge: dict[str, list[int]] = {}
    for index, edge in enumerate(lix.edge):
        by_edge.setdefault(edge, []).append(index)
    found = []
    for accident in placed:
        x, y = net.convertLonLat2XY(accident.longitude, accident.latitude)
        run = streets.run_at(accident.address, x, y, max_distance)
        members = [i for edge in run for i in by_edge.get(edge.getID(), [])]
        if members:
            length = sum(_distances(lix.shape[m])[-1] for m in members)
            found.append((accident, members, max(length, 1.0)))
    return found


def density(
    net_file: Path,
    accidents,
    bandwidth: float = 150.0,
    step: float = 20.0,
    min_weight: float = 3.0,
    max_distance: float = 25.0,
) -> dict:
    """The density per lixel and the risk zones, ranked by their accidents' weight."""
    import numpy as np
    import sumolib
    from scipy.sparse.csgraph import connected_components, dijkstra

    net = sumolib.net.readNet(str(net_file))
    if not net.hasGeoProj():
        raise RiskMapError(
            "Ce réseau n'a pas de géoréférencement (projection) : les accidents, en latitude et "
            "longitude, ne peuvent pas y être placés. Construisez-le depuis un extrait "
            "OpenStreetMap."
        )
    lix = lixels(net, step)
    accidents = list(accidents)
    snapped = snap(net, accidents, max_distance)
    spread = along_street(net, lix, accidents, max_distance)
    values = np.zeros(len(lix.edge))
    if not snapped and not spread:
        return {"snapped": 0, "accidents": len(accidents), "zones": [], "lixels": lix,
                "density": values}  # fmt: skip
    centres = np.array(lix.xy)
    sources, weights, home = [], [], []
    for accident, _edge, x, y in snapped:
        nearest = int(np.argmin(np.hypot(centres[:, 0] - x, centres[:, 1] - y)))
        sources.append(nearest)
        home.append(nearest)
        weights.append(WEIGHTS.get(accident.severity, 1))
    if sources:
        distances = dijkstra(lix.graph, directed=False, indices=sources, limit=bandwidth)
        for row, weight in zip(distances, weights, strict=True):
            near = np.isfinite(row)
            u = row[near] / bandwidth
            # quartic kernel, per km of road
            values[near] += weight * (15 / 16) * (1 - u**2) ** 2 / bandwidth * 1000
    for accident, members, length_m in spread:
        # where on its street is unknown: its weight evenly along the street, per km of road
        values[members] += WEIGHTS.get(accident.severity, 1) / length_m * 1000
        snapped.append((accident, None, *lix.xy[members[len(members) // 2]]))
        home.append(members[len(members) // 2])
    threshold = min_weight * (15 / 16) / bandwidth * 1000
    hot = np.flatnonzero(values >= threshold - 1e-9)
    zones = []
    if len(hot):
        sub = lix.graph[hot][:, hot]
        count, labels = connected_components(sub, directed=False)
        for label in range(count):
            members = set(hot[labels == label].tolist())
            inside = [snapped[i][0] for i, h in enumerate(home) if h in members]
            if len(inside) < 2:
                continue  # one place is not a zone, however grave (as for DBSCAN)
            peak = max(members, key=lambda m: values[m])
            lon, lat = net.convertXY2LonLat(*lix.xy[peak])
            zones.append(
                {
                    "accidents": len(inside),
                    "weight": sum(WEIGHTS.get(a.severity, 1) for a in inside),
                    "killed": sum(a.killed for a in inside),
                    "hospitalised": sum(a.hospitalised for a in inside),
                    "peak_density": round(float(values[peak]), 1),
                    "length_m": round(sum(_distances(lix.shape[m])[-1] for m in members)),
                    "edges": sorted({lix.edge[m] for m in members}),
                    "lat": lat,
                    "lon": lon,
                    "lines": [
                        [list(net.convertXY2LonLat(x, y)) for x, y in lix.shape[m]]
                        for m in sorted(members)
                    ],
                }
            )
    zones.sort(key=lambda z: (-z["weight"], -z["peak_density"]))
    for rank, zone in enumerate(zones, start=1):
        zone["rank"] = rank
    return {
        "snapped": len(snapped),
        "along_street": len(spread),
        "accidents": len(accidents),
        "zones": zones,
        "bandwidth_m": bandwidth,
        "lixel_m": step,
        "threshold": round(threshold, 2),
        "lixels": lix,
        "density": values,
    }
