"""Public-transport times from a GTFS feed (transit.py). No real feed is available offline: the
feeds here are INVENTED, a few stops and trips around Rouen, written in the test, with times
worked out by hand."""

import csv
import io
import itertools
import math
import zipfile

import numpy as np
import pytest
from django.urls import reverse

from territoria.culture import access, geo, transit
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Commune, Observatory, TransitFeed, Venue

from .conftest import ROUEN_METROPOLE

STOPS = {"A": (49.44, 1.09), "B": (49.44, 1.13), "C": (49.44, 1.17), "D": (49.47, 1.17)}
ORIGIN = (49.4405, 1.0905)  # about 70 m from A
VENUE = (49.4705, 1.1705)  # about 70 m from D
TRIPS = {  # trip: service, [(stop, time)]
    "T0": ("SEM", [("C", "10:14:00"), ("D", "10:24:00")]),  # leaves C before T1 gets there
    "T1": ("SEM", [("A", "10:05:00"), ("B", "10:10:00"), ("C", "10:15:00")]),
    "T2": ("SEM", [("C", "10:20:00"), ("D", "10:30:00")]),
    "T3": ("SEM", [("A", "10:01:00"), ("D", "10:50:00")]),  # direct but slower
    "T4": ("WE", [("A", "10:02:00"), ("D", "10:12:00")]),  # weekends only
}
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "SEM,1,1,1,1,1,0,0,20240101,20241231\n"
    "WE,0,0,0,0,0,1,1,20240101,20241231\n"
)


def _feed(stops=STOPS, trips=TRIPS, calendar=CALENDAR, dates="", drop=()) -> io.BytesIO:
    files = {
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(f"{k},{k},{lat},{lon}\n" for k, (lat, lon) in stops.items()),
        "trips.txt": "route_id,service_id,trip_id\n"
        + "".join(f"L,{service},{trip}\n" for trip, (service, _) in trips.items()),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + "".join(
            f"{trip},{time},{time},{stop},{n}\n"
            for trip, (_, calls) in trips.items()
            for n, (stop, time) in enumerate(calls, start=1)
        ),
        "calendar.txt": calendar,
    }
    if dates:
        files["calendar_dates.txt"] = "service_id,date,exception_type\n" + dates
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            if name not in drop:
                archive.writestr(name, text)
    buffer.seek(0)
    return buffer


def _walk_s(a, b) -> float:
    km = geo.distance_matrix_km(
        np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]])
    )
    return 1000 * float(km[0, 0]) / (transit.WALK_KMH / 3.6)


def test_earliest_arrival_by_hand_with_a_change_and_a_weekday():
    table, summary = transit.read_gtfs(_feed(), "essai.zip")
    assert str(summary["date"]) == "2024-01-02"  # the first Tuesday with services
    assert summary["trips"] == 4  # T4 runs on weekends only
    answer = transit.earliest_arrival(table, [ORIGIN[0]], [ORIGIN[1]], [VENUE[0]], [VENUE[1]])
    # Walk to A, T1 to C (10:15; T0 left at 10:14), T2 to D at 10:30, walk to the venue.
    expected = (30 * 60 + _walk_s(STOPS["D"], VENUE)) / 60
    assert answer.minutes[0] == pytest.approx(expected, abs=1e-6) and answer.venue[0] == 0
    # Leaving later (10:06), T1 is missed: T3 left at 10:01 too; nothing else until… none.
    late = transit.earliest_arrival(
        table, [ORIGIN[0]], [ORIGIN[1]], [VENUE[0]], [VENUE[1]], depart=10 * 3600 + 6 * 60
    )
    assert math.isnan(late.minutes[0]) and "pas de lieu joignable" in late.reasons[0]


def test_a_cancelled_day_moves_the_reference_date_and_far_origins_are_said():
    dates = "SEM,20240102,2\n"  # no service on Tuesday 2 January
    table, summary = transit.read_gtfs(_feed(dates=dates), "essai.zip")
    assert str(summary["date"]) == "2024-01-09"
    far = transit.earliest_arrival(table, [49.60], [1.09], [VENUE[0]], [VENUE[1]])
    assert math.isnan(far.minutes[0]) and "aucun arrêt à moins de 1 km" in far.reasons[0]
    # A venue within walking distance of the centre is reached on foot.
    near = transit.earliest_arrival(table, [ORIGIN[0]], [ORIGIN[1]], [49.441], [1.0905])
    assert near.minutes[0] == pytest.approx(_walk_s(ORIGIN, (49.441, 1.0905)) / 60)


def test_bad_feeds_are_refused_naming_file_line_and_column(db):
    with pytest.raises(ImportProblem, match="pas un flux GTFS"):
        transit.import_gtfs(io.BytesIO(b"stop_id;nom\n"), name="arrets.csv")
    with pytest.raises(ImportProblem, match="stop_times.txt absent"):
        transit.import_gtfs(_feed(drop=("stop_times.txt",)), name="f.zip")
    broken = dict(TRIPS)
    broken["T9"] = ("SEM", [("A", "10:65:00"), ("Z", "11:00:00")])
    with pytest.raises(ImportProblem) as refused:
        transit.import_gtfs(_feed(trips=broken), name="f.zip")
    text = str(refused.value)
    assert "stop_times.txt ligne 13 : horaire « 10:65:00 »" in text
    assert "stop_times.txt ligne 14 : stop_id « Z » absent de stops.txt" in text
    assert not TransitFeed.objects.exists()
    weekend_only = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWE,0,0,0,0,0,1,1,20240101,20241231\n"
    with pytest.raises(ImportProblem, match="aucun jour de circulation"):
        transit.import_gtfs(_feed(calendar=weekend_only), name="f.zip")


def test_observatory_shows_public_transport_times_when_a_feed_is_imported(client, culture_data):
    observatory = Observatory.objects.create(
        slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE, published=True
    )
    rouen = Commune.objects.get(code="76540")
    museum = Venue.objects.filter(city__icontains="Rouen", latitude__isnull=False).first()
    # An invented line from 100 m north of Rouen's centre to 100 m south of a Rouen museum.
    stops = {
        "A": (rouen.latitude + 0.0009, rouen.longitude),
        "D": (museum.latitude - 0.0009, museum.longitude),
    }
    trips = {"T1": ("SEM", [("A", "10:05:00"), ("D", "10:20:00")])}
    summary = transit.import_gtfs(_feed(stops=stops, trips=trips), name="ligne-inventee.zip")
    assert summary["connexions"] == 1
    result = access.compute_access(list(observatory.communes()))
    assert result.transit == ["ligne-inventee.zip (02/01/2024)"]
    rows = {r.code: r for r in result.rows}
    assert 0 < rows["76540"].transit_minutes <= 21
    without = [r for r in result.rows if r.transit_minutes is None]
    assert without and all(r.transit_reason for r in without)
    assert any("hors de l'emprise" in r.transit_reason for r in without)
    html = client.get(reverse("culture:observatory", args=[observatory.slug])).content.decode()
    assert (
        "En transports en commun (min)" in html and "départ du centre de la commune à 10 h" in html
    )
    text = client.get(reverse("culture:observatory_csv", args=[observatory.slug])).content
    lines = {line["code"]: line for line in csv.DictReader(io.StringIO(text.decode()))}
    assert float(lines["76540"]["transports_minutes"]) == pytest.approx(
        rows["76540"].transit_minutes, abs=0.05
    )


def _time_expanded_minutes(table, origin, venue, depart):
    """An independent reference: the earliest arrival on a time-expanded graph (networkx):
    an event node per departure and arrival at a stop, waiting edges between the events of a
    stop in time order, riding edges along each trip, walking edges from the origin and to the
    venue; the answer is the shortest elapsed time from the origin to the venue."""
    import networkx as nx

    walk = transit.WALK_KMH / 3.6
    graph = nx.DiGraph()
    events: dict[int, set] = {}
    for c in range(len(table.dep_time)):
        dep = ("d", c)
        arr = ("a", c)
        graph.add_edge(dep, arr, weight=float(table.arr_time[c] - table.dep_time[c]))
        events.setdefault(int(table.dep_stop[c]), set()).add((int(table.dep_time[c]), dep))
        events.setdefault(int(table.arr_stop[c]), set()).add((int(table.arr_time[c]), arr))
    for c in range(len(table.dep_time)):  # stay on the trip: arrival → next departure
        for d in range(len(table.dep_time)):
            if table.trip[d] == table.trip[c] and table.dep_stop[d] == table.arr_stop[c]:
                graph.add_edge(
                    ("a", c), ("d", d), weight=float(table.dep_time[d] - table.arr_time[c])
                )
    for stop, found in events.items():  # wait at a stop (same stop changes only)
        ordered = sorted(found, key=lambda e: (e[0], e[1][0] == "d"))
        for (t1, e1), (t2, e2) in itertools.pairwise(ordered):
            graph.add_edge(e1, e2, weight=float(t2 - t1))
    lat, lon = table.stop_lat, table.stop_lon
    to_stop = (
        1000 * geo.distance_matrix_km(np.array([origin[0]]), np.array([origin[1]]), lat, lon)[0]
    )
    to_venue = (
        1000 * geo.distance_matrix_km(lat, lon, np.array([venue[0]]), np.array([venue[1]]))[:, 0]
    )
    for stop, found in events.items():
        if to_stop[stop] <= transit.WALK_MAX_M:
            reach = depart + to_stop[stop] / walk
            for t, event in found:
                if event[0] == "d" and t >= reach:
                    graph.add_edge("origine", event, weight=float(t - depart))
        if to_venue[stop] <= transit.WALK_MAX_M:
            for t, event in found:
                if event[0] == "a":
                    graph.add_edge(event, ("lieu", t), weight=float(to_venue[stop] / walk))
                    graph.add_edge(("lieu", t), "lieu", weight=0.0)
    if "origine" not in graph or "lieu" not in graph or not nx.has_path(graph, "origine", "lieu"):
        return math.nan
    seconds = nx.shortest_path_length(graph, "origine", "lieu", weight="weight")
    return seconds / 60 if seconds <= transit.MAX_MINUTES * 60 else math.nan


@pytest.mark.slow
def test_connection_scan_agrees_with_a_time_expanded_graph_on_random_feeds():
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(4):
        stops = {
            f"S{i}": (49.40 + rng.uniform(0, 0.06), 1.00 + rng.uniform(0, 0.1)) for i in range(12)
        }
        trips = {}
        for t in range(25):
            calls = rng.choice(12, size=int(rng.integers(2, 6)), replace=False)
            clock = int(rng.integers(10 * 60, 11 * 60))
            listed = []
            for s in calls:
                listed.append((f"S{s}", f"{clock // 60:02d}:{clock % 60:02d}:00"))
                clock += int(rng.integers(2, 9))
            trips[f"T{t}"] = ("SEM", listed)
        table, _ = transit.read_gtfs(_feed(stops=stops, trips=trips), "aleatoire.zip")
        origins = [(49.40 + rng.uniform(0, 0.06), 1.00 + rng.uniform(0, 0.1)) for _ in range(6)]
        venue = (49.40 + rng.uniform(0, 0.06), 1.00 + rng.uniform(0, 0.1))
        answer = transit.earliest_arrival(
            table, [o[0] for o in origins], [o[1] for o in origins], [venue[0]], [venue[1]]
        )
        for i, origin in enumerate(origins):
            direct = (
                1000
                * geo.distance_matrix_km(
                    np.array([origin[0]]),
                    np.array([origin[1]]),
                    np.array([venue[0]]),
                    np.array([venue[1]]),
                )[0, 0]
            )
            expected = _time_expanded_minutes(table, origin, venue, transit.DEPART)
            if direct <= transit.WALK_MAX_M:
                on_foot = direct / (transit.WALK_KMH / 3.6) / 60
                expected = on_foot if math.isnan(expected) else min(expected, on_foot)
            if math.isnan(expected):
                assert math.isnan(answer.minutes[i])
            else:
                assert answer.minutes[i] == pytest.approx(expected, abs=1e-6)
                checked += 1
    assert checked >= 8


def test_the_imports_page_takes_a_feed_and_refuses_a_bad_network_file(client, agent, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from territoria.culture.models import CultureJob, RoadNetwork

    client.force_login(agent)
    page = client.get(reverse("culture:imports")).content.decode()
    assert "Horaires de transport en commun : flux GTFS (.zip)" in page
    assert "Réseau routier : extrait OpenStreetMap (.osm.pbf)" in page
    upload = SimpleUploadedFile("astuce.zip", _feed().read(), content_type="application/zip")
    client.post(reverse("culture:imports"), {"kind": "gtfs", "file": upload})
    job = CultureJob.objects.get()
    assert job.status == CultureJob.Status.DONE
    assert job.report["résultats"]["jour de référence"] == "2024-01-02"
    assert TransitFeed.objects.get().name == "astuce.zip"
    wrong = SimpleUploadedFile("routes.geojson", b'{"type": "FeatureCollection"}')
    client.post(reverse("culture:imports"), {"kind": "reseau", "file": wrong})
    failed = CultureJob.objects.exclude(pk=job.pk).get()
    assert failed.status == CultureJob.Status.FAILED and not RoadNetwork.objects.exists()
    text = client.get(failed.get_absolute_url()).content.decode()
    assert "pas un extrait OpenStreetMap au format .osm.pbf" in text
