"""Demand from an origin–destination matrix (od2trips): zones or edges, errors naming the file,
line and field, trips that match the matrix, and a scenario run on that demand."""

import json
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from territoria.mobilite import network, od
from tests.mobilite.conftest import FIXTURES

NET = FIXTURES / "grid3.net.xml"


def edges():
    names, _, _ = network.elements(NET)
    return {e[0] for e in names["edges"]}


def test_matrix_errors_name_line_and_field():
    text = (
        "origine;destination;vehicules\n"
        "A0A1;C1C2;10\n"
        "A0A1;nulle_part;5\n"
        "B1C1;A0A1;-3\n"
        "B1C1;A0A1;beaucoup\n"
        "B1C1;B1C1;2\n"
    )
    with pytest.raises(od.ODError) as error:
        od.parse_matrix(text, edges(), name="od.csv")
    message = str(error.value)
    assert (
        "od.csv, ligne 3, champ « destination » : tronçon hors du réseau « nulle_part »" in message
    )
    assert "od.csv, ligne 4, champ « vehicules » : nombre impossible (-3)" in message
    assert "od.csv, ligne 5, champ « vehicules » : entier attendu ('beaucoup')" in message
    assert "od.csv, ligne 6 : origine et destination identiques" in message
    with pytest.raises(od.ODError, match="en-tête « origine ; destination ; vehicules »"):
        od.parse_matrix("de,vers,n\nA0A1,C1C2,3\n", edges())
    with pytest.raises(od.ODError, match="hors du réseau : XX"):
        od.parse_zones("zone;troncons\nouest;A0A1 XX\n", edges())


def test_od_trips_follow_the_matrix(tmp_path):
    zones = od.parse_zones("zone;troncons\nouest;A0A1 A1A2\nest;C1C2 C0C1\n", edges())
    pairs = od.parse_matrix(
        "origine;destination;vehicules\nouest;est;30\nest;ouest;12\n", edges(), zones
    )
    trips = od.od_trips(NET, pairs, zones, 600, 3, tmp_path)
    found = list(ET.parse(trips).getroot().iter("trip"))
    per_pair = Counter((t.get("fromTaz"), t.get("toTaz")) for t in found)
    assert per_pair == {("ouest", "est"): 30, ("est", "ouest"): 12}
    for t in found:
        assert t.get("from") in zones[t.get("fromTaz")] and t.get("to") in zones[t.get("toTaz")]
        assert 0 <= float(t.get("depart")) < 600
    again = od.od_trips(NET, pairs, zones, 600, 3, tmp_path / "bis")
    seeded = [t.attrib for t in ET.parse(again).getroot().iter("trip")]
    assert seeded == [t.attrib for t in found]  # the same seed, the same trips


@pytest.mark.django_db
def test_scenario_eval_on_od_demand(tmp_path):
    matrix = tmp_path / "od.csv"
    matrix.write_text("origine;destination;vehicules\nA0A1;C1C2;40\nC2C1;A1A0;20\n")
    out = tmp_path / "r.json"
    changes = json.dumps([{"type": "close_edge", "edge": "B1C1"}])
    call_command(
        "mobilite", "scenario-eval", "--net", str(NET), "--changes", changes, "--seeds", "1",
        "--duration", "300", "--od", str(matrix), "--output", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["demand"].startswith("matrice origine")
    assert result["runs"]["base"][0]["vehicles"] == 60
    assert result["runs"]["scenario"][0]["vehicles"] == 60


@pytest.mark.django_db
def test_scenario_eval_refuses_bad_matrix(tmp_path):
    matrix = tmp_path / "od.csv"
    matrix.write_text("origine;destination;vehicules\nA0A1;ailleurs;4\n")
    with pytest.raises(CommandError, match="od.csv, ligne 2, champ « destination »"):
        call_command(
            "mobilite", "scenario-eval", "--net", str(NET), "--changes", "[]",
            "--od", str(matrix), "--output", str(tmp_path / "r.json"),
        )  # fmt: skip
    assert not (tmp_path / "r.json").exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_matrix_from_the_page(client, agent, other_agent, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from territoria.mobilite import network as network_service
    from territoria.mobilite.models import Job, JobStatus, Scenario

    grid = network_service.import_network(NET, name="Grille", organisation=agent.organisation)
    scenario = Scenario.objects.create(
        network=grid, name="Demande +10 %", changes=[{"type": "demand", "percent": 10}]
    )
    url = reverse("mobilite:scenario_run_od", args=[grid.pk])
    form = {
        "scenario": str(scenario.pk),
        "graines": 2,
        "duree": 120,
        "zones": "zone;troncons\nouest;A0A1 A1A2\nest;C1C2 C0C1\n",
        "matrice": "origine;destination;vehicules\nouest;est;20\nest;nord;5\n",
    }
    client.force_login(agent)
    page = client.post(url, form, follow=True).content.decode()
    assert "matrice, ligne 3" in page and not Job.objects.exists()  # unknown zone, named
    client.force_login(other_agent)  # another organisation's network: not found
    assert client.post(url, form).status_code == 404
    client.force_login(agent)
    form["matrice"] = "origine;destination;vehicules\nouest;est;20\nest;ouest;8\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, form)
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert "matrice origine–destination" in job.message
    # 28 trips of the matrix on both sides (the +10 % scales the scenario's side)
    assert [r["vehicles"] for r in job.result["runs"]["base"]] == [28, 28]
