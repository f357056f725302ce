"""Demand from a SUMO routes file: vehicles (inline or named routes) and trips become trips that
SUMO routes on each network; bad files are refused naming the vehicle; the page queues a job."""

import pytest
from django.urls import reverse

from territoria.mobilite import routes, simulation
from territoria.mobilite.models import Job, Scenario
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db

EDGES = {"A0A1", "A1A2", "C1C2", "C0C1", "B1C1"}
FILE = b"""<routes>
  <route id="r1" edges="A0A1 A1A2"/>
  <vehicle id="v2" depart="30" route="r1"/>
  <vehicle id="v1" depart="10"><route edges="C0C1 C1C2"/></vehicle>
  <trip id="t1" depart="20" from="A1A2" to="B1C1"/>
  <vehicle id="tard" depart="900" route="r1"/>
</routes>"""


def test_vehicles_and_trips_become_trips_routed_by_sumo(tmp_path):
    found = routes.parse_routes(FILE, EDGES, 600, "demande.rou.xml")
    # sorted by departure; the vehicle leaving after the simulated period is left out
    assert found == [
        ["v1", 10.0, "C0C1", "C1C2"],
        ["t1", 20.0, "A1A2", "B1C1"],
        ["v2", 30.0, "A0A1", "A1A2"],
    ]
    spec = simulation.RunSpec(duration=600, seeds=(1,), routes=found)
    trips = simulation.demand(FIXTURES / "grid3.net.xml", 1, spec, tmp_path)
    simulation.check_connected(FIXTURES / "grid3.net.xml", trips, tmp_path)  # duarouter: all routed


def test_bad_routes_files_name_the_vehicle():
    with pytest.raises(routes.RoutesError, match="XML illisible"):
        routes.parse_routes(b"<routes><vehicle", EDGES, 600, "a.rou.xml")
    with pytest.raises(routes.RoutesError, match="les flux"):
        routes.parse_routes(
            b'<routes><flow id="f" from="A0A1" to="A1A2"/></routes>', EDGES, 600, "a"
        )
    bad = b"""<routes><trip id="x" depart="5" from="Z9" to="A1A2"/>
      <vehicle id="y" depart="matin" route="r"/><vehicle id="z" depart="1" route="absente"/></routes>"""
    with pytest.raises(routes.RoutesError) as error:
        routes.parse_routes(bad, EDGES, 600, "b.rou.xml")
    assert str(error.value) == (
        "b.rou.xml, véhicule « x » : tronçon(s) hors du réseau : Z9. "
        "b.rou.xml, véhicule « y » : départ « matin » illisible. "
        "b.rou.xml, véhicule « z » : sans itinéraire (ni route, ni from/to)."
    )
    with pytest.raises(routes.RoutesError, match="aucun véhicule ne part"):
        routes.parse_routes(FILE, EDGES, 5, "c.rou.xml")


def test_routes_from_the_page(client, agent, grid, tmp_path):
    grid.organisation = agent.organisation
    grid.save()
    scenario = Scenario.objects.create(
        network=grid, name="Fermeture", changes=[{"type": "close_edge", "edge": "B1C1"}]
    )
    url = reverse("mobilite:scenario_run_routes", args=[grid.pk])
    client.force_login(agent)
    path = tmp_path / "demande.rou.xml"
    path.write_bytes(FILE.replace(b"C0C1 C1C2", b"C0C1 Z9"))
    with path.open("rb") as handle:
        page = client.post(url, {"scenario": scenario.pk, "fichier": handle}, follow=True).text
    assert "demande.rou.xml, véhicule « v1 » : tronçon(s) hors du réseau : Z9." in page
    assert not Job.objects.exists()
    path.write_bytes(FILE)
    with path.open("rb") as handle:
        client.post(url, {"scenario": scenario.pk, "fichier": handle, "graines": 2, "duree": 120})
    job = Job.objects.get()  # queued: the worker runs it (the OD test runs one through SUMO)
    assert job.params["routes"] == [
        ["v1", 10.0, "C0C1", "C1C2"],
        ["t1", 20.0, "A1A2", "B1C1"],
        ["v2", 30.0, "A0A1", "A1A2"],
    ]
    assert job.params["seeds"] == [1, 2] and job.params["duration"] == 120
