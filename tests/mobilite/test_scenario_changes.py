"""Scenario changes of the agents' form: a one-off event (extra trips to a place in a time
window) and a bus stop added or removed (a bus line on both sides, the stop on one side)."""

import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from territoria.mobilite import simulation
from territoria.mobilite.models import Scenario
from territoria.mobilite.sumo import binary

pytestmark = pytest.mark.django_db

EVENT = {"type": "event", "edge": "B1C1", "vehicles": 30, "begin": 20, "end": 80}
STOP = {
    "type": "bus_stop",
    "action": "add",
    "edge": "B1C1",
    "line": ["A1B1", "B1C1", "C1C2"],
    "headway": 60,
    "dwell": 40,
}


def test_invalid_event_and_stop_are_named(grid):
    errors = simulation.validate_changes(
        grid,
        [
            {"type": "event", "edge": "Z9", "vehicles": 0, "begin": 50, "end": 10},
            {**STOP, "action": "move", "line": ["A1B1", "C1C2"], "headway": 5},
            {**STOP, "line": ["A1B1", "B1C1", "X"]},
            {"type": "close_edge", "edge": "C1C2"},
            STOP,
        ],
    )
    assert errors == [
        "modification 1 : le lieu de l'événement « Z9 » n'est pas un tronçon du réseau.",
        "modification 1 : l'événement attire de 1 à 20 000 véhicules.",
        (
            "modification 1 : les arrivées de l'événement vont d'un début à une fin en secondes "
            "(0 ou plus, fin après le début)."
        ),
        "modification 2 : un arrêt est ajouté (add) ou supprimé (remove).",
        (
            "modification 2 : la ligne (tronçons dans l'ordre du parcours) doit passer par le "
            "tronçon de l'arrêt « B1C1 »."
        ),
        "modification 2 : la ligne de bus passe par un tronçon fermé par le scénario (C1C2).",
        "modification 2 : l'intervalle entre deux bus va de 60 à 3 600 s.",
        "modification 3 : tronçon(s) de la ligne hors du réseau : X.",
        "modification 5 : la ligne de bus passe par un tronçon fermé par le scénario (C1C2).",
    ]
    assert simulation.validate_changes(grid, [EVENT, STOP]) == []


def test_event_adds_its_trips_in_its_window(tmp_path):
    trips = tmp_path / "t.trips.xml"
    trips.write_text(
        "<routes>"
        + "".join(f'<trip id="{k}" depart="{k * 10}.00" from="A0A1" to="C2C1"/>' for k in range(12))
        + "</routes>"
    )
    assert simulation.event_trips(trips, [{"type": "demand", "percent": 5}], 1, tmp_path) is None
    path = simulation.event_trips(trips, [EVENT], 1, tmp_path)
    root = ET.parse(path).getroot()
    departs = [float(t.get("depart")) for t in root.iter("trip")]
    assert departs == sorted(departs)  # SUMO reads trips in departure order
    added = [t for t in root.iter("trip") if t.get("id").startswith("evenement")]
    assert len(added) == 30 and len(departs) == 42
    assert {t.get("to") for t in added} == {"B1C1"}
    assert all(20 <= float(t.get("depart")) <= 80 for t in added)
    # the same seed draws the same trips: base and scenario stay comparable across runs
    again = simulation.event_trips(trips, [EVENT], 1, tmp_path / "..")
    assert ET.tostring(ET.parse(again).getroot()) == ET.tostring(root)


def test_bus_stop_on_one_side_only_and_sumo_loads_it(tmp_path, grid):
    base, scenario = simulation.transit_additionals([STOP], grid.net_file, 120, tmp_path)
    base_root, scenario_root = ET.parse(base[0]).getroot(), ET.parse(scenario[0]).getroot()
    # the same line on both sides; the stop (and the halt) only in the scenario
    assert base_root.find("flow").get("via") == scenario_root.find("flow").get("via") == "B1C1"
    assert base_root.find("busStop") is None and base_root.find("flow/stop") is None
    assert scenario_root.find("busStop").get("lane") == "B1C1_0"
    assert scenario_root.find("flow/stop").get("duration") == "40"
    removed_base, removed_scenario = simulation.transit_additionals(
        [{**STOP, "action": "remove"}], grid.net_file, 120, tmp_path
    )
    assert ET.parse(removed_base[0]).getroot().find("busStop") is not None
    assert ET.parse(removed_scenario[0]).getroot().find("busStop") is None
    proc = subprocess.run(
        [binary("sumo"), "-n", str(grid.net_file), "-a", scenario[0], "-e", "30",
         "--no-step-log"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_form_builds_event_and_stop(client, agent, grid):
    client.force_login(agent)
    page = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {
            "nom": "Concert et arrêt",
            "evenement_lieu": "B1C1",
            "evenement_vehicules": "30",
            "evenement_debut": "20",
            "evenement_fin": "80",
            "arret_troncon": "B1C1",
            "arret_action": "ajout",
            "arret_ligne": "A1B1 B1C1 C1C2",
            "arret_intervalle": "60",
            "arret_duree": "40",
        },
        follow=True,
    )
    text = page.content.decode()
    assert "événement : 30 véhicules vers B1C1 entre 20 et 80 s" in text
    assert "arrêt de bus ajouté sur B1C1 (ligne A1B1 → B1C1 → C1C2)" in text
    assert Scenario.objects.get().changes == [EVENT, STOP]
    bad = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {"nom": "x", "evenement_lieu": "B1C1", "evenement_vehicules": "beaucoup"},
        follow=True,
    ).content.decode()
    assert "Véhicules attirés par l&#x27;événement : « beaucoup » n&#x27;est pas un nombre" in bad
    assert Scenario.objects.count() == 1


@pytest.mark.slow
def test_event_and_stop_simulated(tmp_path, grid):
    result = simulation.run_scenario(
        grid.net_file, [EVENT, STOP], simulation.RunSpec(duration=120, seeds=(1, 2)), tmp_path
    )
    for base, scenario in zip(result["runs"]["base"], result["runs"]["scenario"], strict=True):
        # the event's 30 trips on top of the same base demand and the same 2 buses
        assert scenario["vehicles"] == base["vehicles"] + 30
        assert scenario["not_served"] == 0
    # the extra traffic and the halting buses lengthen the queues
    assert result["metrics"]["max_queue_m"]["difference"] > 0


def test_junction_regime_change(tmp_path, grid, client, agent):
    errors = simulation.validate_changes(
        grid,
        [
            {"type": "junction", "junction": "Z9", "regime": "priority"},
            {"type": "junction", "junction": "B1", "regime": "rond-point"},
            {"type": "junction", "junction": "B1", "regime": "priority"},
            {"type": "tls_program", "tls": "B1", "durations": [20, 3, 60, 3]},
        ],
    )
    assert errors[0] == "modification 1 : le carrefour « Z9 » n'est pas dans le réseau."
    assert errors[1].startswith("modification 2 : régime de carrefour inconnu « rond-point »")
    assert errors[2].startswith("modification 3 : le carrefour « B1 » perd ses feux")
    changes = [
        {"type": "junction", "junction": "B1", "regime": "priority"},
        {"type": "junction", "junction": "A1", "regime": "right_before_left"},
    ]
    assert simulation.validate_changes(grid, changes) == []
    net, _, _ = simulation.build_variant(grid.net_file, changes, tmp_path)
    root = ET.parse(net).getroot()
    types = {j.get("id"): j.get("type") for j in root.iter("junction")}
    assert types["B1"] == "priority" and types["A1"] == "right_before_left"
    assert {t.get("id") for t in root.iter("tlLogic")} == {"A0", "A2", "B0", "B2", "C0", "C1", "C2"}
    client.force_login(agent)
    page = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {"nom": "Sans feux en B1", "carrefour": "B1", "regime": "priority"},
        follow=True,
    )
    assert "carrefour B1 : priorité de la route principale" in page.content.decode()
