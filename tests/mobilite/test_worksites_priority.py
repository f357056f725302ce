"""Scenario changes: worksites with dates (closures in force on the simulated day only, taken as
fixed worksites by the roadworks calendar), the road priority of an edge and lane permissions —
with French errors naming the change, and nothing saved or started when one is wrong."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.urls import reverse

from territoria.mobilite import simulation
from territoria.mobilite.models import Job, JobStatus, Scenario
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db

DATED = {"type": "close_edge", "edge": "B1C1", "worksite": "Réseau d'eau", "from": "2027-03-01"}


def _form(client, network, **fields):
    return client.post(
        reverse("mobilite:scenario_create", args=[network.pk]), {"nom": "Travaux", **fields}
    )


def test_worksite_dates_from_the_form(client, agent, grid):
    client.force_login(agent)
    _form(
        client,
        grid,
        fermer_troncons="B1C1",
        fermer_voies="A1B1_0",
        chantier_nom="Réseau d'eau",
        chantier_debut="2027-03-01",
        chantier_fin="10/03/2027",
    )
    scenario = Scenario.objects.get()
    assert scenario.changes == [
        {**DATED, "to": "2027-03-10"},
        {"type": "close_lane", "lane": "A1B1_0", "worksite": "Réseau d'eau",
         "from": "2027-03-01", "to": "2027-03-10"},
    ]  # fmt: skip
    page = client.get(reverse("mobilite:network", args=[grid.pk])).content.decode()
    assert "tronçon B1C1 fermé (chantier « Réseau d&#x27;eau » du 01/03/2027 au 10/03/2027)" in page
    assert 'name="jour" type="date" value="2027-03-01"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"fermer_troncons": "Z9", "chantier_debut": "2027-03-01", "chantier_fin": "2027-03-05"},
            (
                "modification 1 (chantier « Travaux ») : le tronçon « Z9 » n'est pas dans le réseau — "
                "le chantier doit être sur le réseau simulé."
            ),
        ),
        (
            {
                "fermer_troncons": "B1C1",
                "chantier_debut": "2027-03-05",
                "chantier_fin": "2027-03-01",
            },
            (
                "modification 1 (chantier « Travaux ») : le chantier finit le 01/03/2027, avant son "
                "début le 05/03/2027."
            ),
        ),
        (
            {"fermer_troncons": "B1C1", "chantier_debut": "demain", "chantier_fin": "2027-03-01"},
            "Début du chantier : date illisible « demain » (attendu JJ/MM/AAAA ou AAAA-MM-JJ).",
        ),
        (
            {"demande": "10", "chantier_debut": "2027-03-01", "chantier_fin": "2027-03-02"},
            "Dates du chantier : aucun tronçon ni voie fermé à dater.",
        ),
        (
            {"priorites": "B1C1 : haute"},
            (
                "Priorités des tronçons, ligne 1 : « tronçon : priorité » attendu, la priorité étant "
                "un nombre entier (« B1C1 : haute » donné)."
            ),
        ),
        (
            {"acces_voies": "B1C1_0 bus"},
            (
                "Accès aux voies, ligne 1 : « voie : catégories » attendu (par exemple « E12_0 : bus "
                "taxi »), « B1C1_0 bus » donné."
            ),
        ),
    ],
)
def test_bad_worksite_or_priority_is_refused_whole(client, agent, grid, fields, message):
    client.force_login(agent)
    page = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {"nom": "Travaux", **fields},
        follow=True,
    )
    assert message.replace("'", "&#x27;") in page.content.decode()
    assert Scenario.objects.count() == 0


def test_priority_and_lane_access_errors_name_the_change(grid):
    errors = simulation.validate_changes(
        grid,
        [
            {"type": "priority", "edge": "Z9", "priority": 5},
            {"type": "priority", "edge": "B1C1", "priority": 0},
            {"type": "lane_access", "lane": "B1C1_7", "allow": ["bus"]},
            {"type": "lane_access", "lane": "B1C1_0", "allow": ["bus", "tramway"]},
            {"type": "bus_lane", "lane": "B1C1_0"},
        ],
    )
    assert errors == [
        "modification 1 : le tronçon « Z9 » n'est pas dans le réseau.",
        "modification 2 : la priorité d'un tronçon est un entier de 1 à 100 (« 0 » donné).",
        "modification 3 : la voie « B1C1_7 » n'est pas dans le réseau.",
        (
            "modification 4 : catégorie(s) de véhicules inconnue(s) : tramway (connues : passenger, "
            "bus, coach, taxi, emergency, delivery, truck, motorcycle, bicycle)."
        ),
        (
            "modification 5 : la voie « B1C1_0 » a déjà une règle dans ce scénario (fermeture, voie "
            "bus ou accès) : une seule par voie."
        ),
    ]


def test_in_force_on_the_simulated_day():
    changes = [{**DATED, "to": "2027-03-10"}, {"type": "demand", "percent": 10}]
    assert simulation.in_force(changes, date(2027, 3, 10)) == changes
    assert simulation.in_force(changes, date(2027, 3, 11)) == changes[1:]
    assert simulation.in_force(changes, None) == changes
    assert simulation.first_worksite_day(changes) == date(2027, 3, 1)


def test_priority_and_lane_access_in_the_variant(grid, tmp_path):
    """netconvert writes the new priority (and recomputes the right of way of a priority
    junction) and the lane's permissions."""
    base = (FIXTURES / "grid3.net.xml").resolve()
    changes = [
        {"type": "junction", "junction": "B1", "regime": "priority"},
        {"type": "priority", "edge": "A1B1", "priority": 10},
        {"type": "lane_access", "lane": "C1B1_0", "allow": ["bus", "taxi"]},
    ]
    assert simulation.validate_changes(grid, changes) == []
    net, _, _ = simulation.build_variant(base, changes, tmp_path)
    root = ET.parse(net).getroot()
    edges = {e.get("id"): e for e in root.iter("edge")}
    assert edges["A1B1"].get("priority") == "10" and edges["B1A1"].get("priority") == "-1"
    lanes = {lane.get("id"): lane for lane in root.iter("lane")}
    assert set(lanes["C1B1_0"].get("allow").split()) == {"bus", "taxi"}
    assert lanes["C1B1_1"].get("allow") is None
    # without the priority, the same junction answers otherwise: the right of way changed
    (tmp_path / "sans").mkdir()
    plain, _, _ = simulation.build_variant(base, changes[:1], tmp_path / "sans")

    def requests(path):
        junction = next(j for j in ET.parse(path).getroot().iter("junction") if j.get("id") == "B1")
        return [r.get("response") for r in junction.iter("request")]

    assert requests(net) != requests(plain)


def test_lane_access_that_cuts_the_network_is_refused(grid, tmp_path):
    """Both lanes of A1B1 opened to bicycles only: a car trip that needs it has no route."""
    base = (FIXTURES / "grid3.net.xml").resolve()
    changes = [{"type": "lane_access", "lane": f"A1B1_{i}", "allow": ["bicycle"]} for i in range(2)]
    net, _, _ = simulation.build_variant(base, changes, tmp_path)
    trips = tmp_path / "t.trips.xml"
    trips.write_text('<routes><trip id="t0" depart="0" from="A0A1" to="A1B1"/></routes>')
    with pytest.raises(simulation.ScenarioError, match="Le scénario coupe le réseau : 1 trajet"):
        simulation.check_connected(net, trips, tmp_path)


def test_run_on_a_day_without_worksite_is_refused(client, agent, grid):
    client.force_login(agent)
    scenario = Scenario.objects.create(
        network=grid, name="Eau", changes=[{**DATED, "to": "2027-03-10"}]
    )
    url = reverse("mobilite:scenario_run", args=[scenario.pk])
    page = client.post(url, {"graines": 2, "duree": 60, "jour": "2027-04-02"}, follow=True)
    assert "Le 02/04/2027, aucun chantier du scénario « Eau » n&#x27;est en cours" in (
        page.content.decode()
    )
    page = client.post(url, {"graines": 2, "duree": 60, "jour": "32/13/2027"}, follow=True)
    assert "Jour simulé : date illisible « 32/13/2027 »" in page.content.decode()
    assert Job.objects.count() == 0


@pytest.mark.slow
def test_dated_worksite_honoured_by_the_run(
    client, agent, grid, django_capture_on_commit_callbacks
):
    """On a day of its dates, the worksite closes its edge (no traffic there in the scenario)."""
    client.force_login(agent)
    scenario = Scenario.objects.create(
        network=grid,
        name="Eau",
        changes=[{**DATED, "to": "2027-03-10"}, {"type": "demand", "percent": 10}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mobilite:scenario_run", args=[scenario.pk]),
            {"graines": 2, "duree": 120, "jour": "2027-03-04"},
        )
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert job.result["day"] == "2027-03-04"
    assert job.result["worksites"] == [
        {"name": "Réseau d'eau", "closed": "B1C1", "from": "2027-03-01", "to": "2027-03-10",
         "in_force": True}
    ]  # fmt: skip
    assert "B1C1" in job.result["edges_noise_db"]["base"]
    assert "B1C1" not in job.result["edges_noise_db"]["scenario"]
    page = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "Chantiers datés du scénario" in page and "en cours" in page


def test_roadworks_calendar_takes_the_scenario_worksites(
    client, agent, grid, django_capture_on_commit_callbacks
):
    """A scenario's dated worksite enters the calendar with its dates fixed (one start)."""
    from territoria.mobilite import roadworks

    client.force_login(agent)
    scenario = Scenario.objects.create(
        network=grid, name="Eau", changes=[{**DATED, "to": "2027-03-10"}]
    )
    url = reverse("mobilite:roadworks", args=[grid.pk])
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(
            url,
            {
                "chantiers": "Gaz ; A1B1 ; 3 ; 01/03/2027 ; 12/03/2027",
                "scenario": str(scenario.pk),
            },
        )
    job = Job.objects.get(kind="roadworks")
    assert answer.url == reverse("mobilite:job", args=[job.pk])
    fixed = job.params["worksites"][1]
    assert fixed == {
        "name": "Réseau d'eau (scénario Eau)",
        "edges": ["B1C1"],
        "days": "10",
        "earliest": "2027-03-01",
        "latest": "2027-03-10",
    }
    sites = roadworks.parse_worksites(job.params["worksites"], {"A1B1", "B1C1"})
    assert [len(s.starts) for s in sites] == [10, 1]  # the scenario's dates are not moved
    # a dated lane closure enters the calendar too, as a lane (its edge stays open)
    scenario.changes = [{**DATED, "type": "close_lane", "lane": "B1C1_0", "to": "2027-03-10"}]
    scenario.changes[0].pop("edge")
    scenario.save()
    with django_capture_on_commit_callbacks(execute=False):
        page = client.post(url, {"scenario": str(scenario.pk)}, follow=True).content.decode()
    assert "le calendrier de chantiers ne ferme que des tronçons" not in page
    job = Job.objects.filter(kind="roadworks").exclude(pk=job.pk).get()
    assert job.params["worksites"][0]["edges"] == ["B1C1_0"]
    (site,) = roadworks.parse_worksites(job.params["worksites"], {"A1B1": 2, "B1C1": 2})
    assert site.edges == () and site.lanes == ("B1C1_0",) and len(site.starts) == 1
