"""Road times (issue 17, `culture.network`): is the network computation fast enough for a
whole département, and does it give the same times as a textbook Dijkstra?

    TERRITORIA_SHARED_DATA=../shared/data python -m benchmarks culture_network

No road network of France ships with the platform, so the graph is SYNTHETIC: a square grid
of two-way roads 250 m apart at 50 km/h over the Seine-Maritime and 0.3° around it (about
430 000 nodes and 1.7 million directed edges, the order of size of a département's OSM driving
graph), randomly thinned (10 % of the roads removed) so that paths are not all straight. The
origins are the REAL centres of the 711 commune outlines of Seine-Maritime and the venues the
REAL 1 227 Muséofile museums (those outside the grid are off the network, which exercises the
« extract too small » rule).

Measured in the same run:
- the tool: `network.nearest_along` (KD-tree snapping, one multi-source Dijkstra on the reversed
  graph, `scipy.sparse.csgraph`), against the issue's 5 s target for 711 communes × museums;
- the straight-line computation of the same origins and venues (the tool without a network);
- a textbook multi-source Dijkstra in pure Python (heapq) on the same graph and the same
  snapping: the times must agree (max difference reported) and its time is the baseline.

Writes benchmarks/results/culture_network.json.
"""

from __future__ import annotations

import csv
import heapq
import json
import os
import time
from pathlib import Path

import numpy as np

from benchmarks import write_result

SPACING_M = 250.0
MARGIN_DEG = 0.3
DROP = 0.10
SEED = 17


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from territoria.culture import geo

    folder = Path(os.environ.get("TERRITORIA_SHARED_DATA", "../shared/data")) / "culture"
    features = json.loads((folder / "communes-76-seine-maritime.geojson").read_text())["features"]
    centres = [geo.area_and_centroid(f["geometry"]) for f in features]
    c_lat = np.array([c[1] for c in centres])
    c_lon = np.array([c[2] for c in centres])
    lat, lon = [], []
    with (folder / "musees-de-france-base-museofile.csv").open(encoding="utf-8") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        reader = csv.DictReader(
            handle, delimiter=";" if sample.count(";") > sample.count(",") else ","
        )
        for row in reader:
            keys = {k.lower(): k for k in row}
            la = row.get(keys.get("latitude", ""), "")
            lo = row.get(keys.get("longitude", ""), "")
            try:
                lat.append(float(la)), lon.append(float(lo))
            except (TypeError, ValueError):
                continue
    return c_lat, c_lon, np.array(lat), np.array(lon)


def _grid(c_lat, c_lon):
    from territoria.culture import network

    rng = np.random.default_rng(SEED)
    south, north = c_lat.min() - MARGIN_DEG, c_lat.max() + MARGIN_DEG
    west, east = c_lon.min() - MARGIN_DEG, c_lon.max() + MARGIN_DEG
    lat_step = SPACING_M / 111_195
    lon_step = SPACING_M / (111_195 * np.cos(np.radians((south + north) / 2)))
    lats = np.arange(south, north, lat_step)
    lons = np.arange(west, east, lon_step)
    ids = np.arange(len(lats) * len(lons)).reshape(len(lats), len(lons))
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    keep = rng.random(len(u)) >= DROP
    u, v = u[keep], v[keep]
    metres = np.full(len(u), SPACING_M)
    seconds = metres / (50 / 3.6)
    return network.RoadGraph(
        np.tile(lons, len(lats)),
        np.repeat(lats, len(lons)),
        np.concatenate([u, v]),
        np.concatenate([v, u]),
        np.concatenate([metres, metres]),
        np.concatenate([seconds, seconds]),
    )


def _snaps(graph, lat, lon) -> np.ndarray:
    from scipy.spatial import cKDTree

    from territoria.culture import network

    lat0, lon0 = float(np.mean(graph.lat)), float(np.mean(graph.lon))
    tree = cKDTree(network._project(graph.lat, graph.lon, lat0, lon0))
    return tree.query(network._project(lat, lon, lat0, lon0))[0]


def _python_dijkstra(graph, o_lat, o_lon, v_lat, v_lon):
    """The baseline: snapping as the tool does, then a heapq Dijkstra from every venue at once
    on the reversed graph (adjacency lists), in pure Python."""
    from scipy.spatial import cKDTree

    from territoria.culture import network

    lat0, lon0 = float(np.mean(graph.lat)), float(np.mean(graph.lon))
    tree = cKDTree(network._project(graph.lat, graph.lon, lat0, lon0))
    o_snap, o_node = tree.query(network._project(o_lat, o_lon, lat0, lon0))
    v_snap, v_node = tree.query(network._project(v_lat, v_lon, lat0, lon0))
    leg = network.LEG_SPEED_KMH / 3.6
    started = time.perf_counter()
    incoming: list[list[tuple[int, float]]] = [[] for _ in range(len(graph.lon))]
    for a, b, s in zip(graph.src.tolist(), graph.dst.tolist(), graph.seconds.tolist(), strict=True):
        incoming[b].append((a, s))
    best = [float("inf")] * len(graph.lon)
    heap = []
    for snap, node in zip(v_snap, v_node, strict=True):
        if snap <= network.SNAP_MAX_M and snap / leg < best[node]:
            best[node] = snap / leg
            heap.append((snap / leg, int(node)))
    heapq.heapify(heap)
    while heap:
        t, node = heapq.heappop(heap)
        if t > best[node]:
            continue
        for prev, s in incoming[node]:
            if t + s < best[prev]:
                best[prev] = t + s
                heapq.heappush(heap, (t + s, prev))
    minutes = np.array(
        [
            (best[n] + d / leg) / 60 if d <= network.SNAP_MAX_M else np.nan
            for d, n in zip(o_snap, o_node, strict=True)
        ]
    )
    return minutes, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    from territoria.culture import geo, network

    c_lat, c_lon, v_lat, v_lon = _data()
    started = time.perf_counter()
    graph = _grid(c_lat, c_lon)
    build = time.perf_counter() - started
    started = time.perf_counter()
    stored = graph.to_bytes()
    graph = network.RoadGraph.from_bytes(stored)
    reload = time.perf_counter() - started

    started = time.perf_counter()
    straight = geo.distance_matrix_km(c_lat, c_lon, v_lat, v_lon).min(axis=1)
    straight_s = time.perf_counter() - started
    network.nearest_along(graph, c_lat[:2], c_lon[:2], v_lat, v_lon)  # scipy imports, once
    started, cpu = time.perf_counter(), time.process_time()
    answer = network.nearest_along(graph, c_lat, c_lon, v_lat, v_lon)
    tool_s, tool_cpu = time.perf_counter() - started, time.process_time() - cpu
    reference, python_s = _python_dijkstra(graph, c_lat, c_lon, v_lat, v_lon)
    both = ~np.isnan(answer.minutes)
    # The tool drops an answer when a venue off the grid is nearer as the crow flies; the
    # baseline does not apply that rule: compare where the tool answers.
    difference = float(np.abs(answer.minutes[both] - reference[both]).max()) if both.any() else None
    ratio = answer.km[both] / np.maximum(straight[both], 1e-9)
    # Length check: on this grid every road is SPACING_M long, so a path's length minus its
    # two straight legs is a whole number of roads.
    o_snap = _snaps(graph, c_lat, c_lon)
    venue_snap = _snaps(graph, v_lat[answer.venue[both]], v_lon[answer.venue[both]])
    roads = (answer.km[both] * 1000 - o_snap[both] - venue_snap) / SPACING_M
    length_error = float(np.abs(roads - np.round(roads)).max()) if both.any() else None
    figures = {
        "graph": "SYNTHETIC grid, 250 m, two-way roads at 50 km/h, 10 % removed (seed 17)",
        "nodes": len(graph.lon),
        "directed_edges": len(graph.src),
        "stored_megabytes": round(len(stored) / 1e6, 1),
        "build_seconds": round(build, 2),
        "compress_and_reload_seconds": round(reload, 2),
        "origins_communes_76": len(c_lat),
        "museums": len(v_lat),
        "tool_seconds": round(tool_s, 3),
        "tool_cpu_seconds": round(tool_cpu, 3),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "target_seconds": 5,
        "straight_line_same_run_seconds": round(straight_s, 4),
        "baseline_pure_python_dijkstra_seconds": round(python_s, 2),
        "communes_with_a_road_time": int(both.sum()),
        "communes_without": {r: answer.reasons.count(r) for r in set(answer.reasons) if r},
        "max_difference_minutes_vs_baseline": difference,
        "max_path_length_error_in_roads": length_error,
        "median_road_to_straight_ratio": round(float(np.median(ratio)), 3) if both.any() else None,
    }
    write_result("culture_network", figures)
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
