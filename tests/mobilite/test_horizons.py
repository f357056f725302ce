"""Short- and long-term effects of a scenario, on SUMO: the base at its user equilibrium
(duaIterate.py), the short term on the usual routes with a detour only at a closure (SUMO
rerouters), the long term re-equilibrated on the changed network."""

import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from territoria.mobilite import simulation
from territoria.mobilite.models import Job, JobStatus, Scenario
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_closure_rerouters_sit_on_the_edges_leading_to_the_closure(tmp_path):
    path = simulation.closure_rerouters(
        FIXTURES / "grid3.net.xml", {"B1C1"}, tmp_path / "fermetures.add.xml"
    )
    (rerouter,) = ET.parse(path).getroot().iter("rerouter")
    # the edges entering junction B1 (where B1C1 starts), and B1C1 itself
    assert sorted(rerouter.get("edges").split()) == ["A1B1", "B0B1", "B1C1", "B2B1", "C1B1"]
    closing = rerouter.find("interval/closingReroute")
    assert closing.get("id") == "B1C1" and closing.get("disallow") == "all"


def test_run_form_asks_for_horizons(client, agent, grid, django_capture_on_commit_callbacks):
    scenario = Scenario.objects.create(
        network=grid, name="Pont", changes=[{"type": "close_edge", "edge": "B1C1"}]
    )
    client.force_login(agent)
    url = reverse("mobilite:scenario_run", args=[scenario.pk])
    page = client.get(reverse("mobilite:network", args=[grid.pk])).content.decode()
    assert "Effets à court et à long terme" in page
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, {"graines": 2, "duree": 120})
        client.post(url, {"graines": 2, "duree": 120, "horizons": "1", "iterations": 99})
    without, with_horizons = Job.objects.order_by("created_at")
    assert "equilibrium_steps" not in without.params
    assert with_horizons.params["equilibrium_steps"] == 50  # bounded


def test_cli_refuses_a_single_iteration(tmp_path):
    with pytest.raises(CommandError, match="--horizons : de 2 à 50 itérations"):
        call_command(
            "mobilite", "scenario-eval", "--net", str(FIXTURES / "grid3.net.xml"),
            "--changes", '[{"type": "close_edge", "edge": "B1C1"}]', "--horizons", "1",
            "--output", str(tmp_path / "r.json"),
        )  # fmt: skip
    assert not (tmp_path / "r.json").exists()


@pytest.mark.slow
def test_short_and_long_term_on_sumo(client, agent, grid, django_capture_on_commit_callbacks):
    """A closed edge and a closed lane, 2 seeds, equilibria of 2 iterations: the usual routes
    of some vehicles cross the closure; in the short term they detour there (no vehicle stuck:
    no teleport, all served); the long term re-routes the same trips; both tables on the page
    with their definitions."""
    scenario = Scenario.objects.create(
        network=grid,
        name="Pont",
        changes=[
            {"type": "close_edge", "edge": "B1C1"},
            {"type": "close_lane", "lane": "A1B1_1"},
        ],
    )
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mobilite:scenario_run", args=[scenario.pk]),
            {"graines": 2, "duree": 300, "periode": 0.5, "horizons": "1", "iterations": 2},
        )
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == 1 + 3 * 2 + 3 * 2
    horizons = job.result["horizons"]
    assert horizons["equilibrium_steps"] == 2
    assert all(n > 0 for n in horizons["usual_routes_through_closures"])
    runs = horizons["runs"]
    for side in ("base", "short_term", "long_term"):
        assert [r["vehicles"] for r in runs[side]] == [r["vehicles"] for r in runs["base"]]
        assert all(r["not_served"] == 0 and r["teleports"] == 0 for r in runs[side]), runs
    for key in ("short_term", "long_term"):
        assert set(horizons[key]) == set(simulation.METRICS)
    # the short term keeps the usual routes: not the same runs as the long term's
    assert [r["travel_time"] for r in runs["short_term"]] != [
        r["travel_time"] for r in runs["long_term"]
    ]
    page = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "Effets à court et à long terme" in page
    assert "Court terme : itinéraires habituels, détour à la fermeture" in page
    assert "Long terme : demande ré-équilibrée sur le réseau modifié" in page
    assert "duaIterate.py, 2 itérations" in page
    # the closed lane on the difference map: its edge open, drawn apart from the closed edge
    assert "Voie fermée (tronçon ouvert)" in page
    answer = client.get(reverse("mobilite:job", args=[job.pk]))
    drawn = str(answer.context["netmap"]["geojson"])
    assert "voie A1B1_1 fermée, tronçon ouvert sur ses autres voies" in drawn
