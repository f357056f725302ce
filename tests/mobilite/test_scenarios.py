"""Scenarios: created from the form with clear errors, simulated on SUMO as a job with
progress, compared with the base over paired seeds; a cut network is refused."""

import pytest
from django.urls import reverse

from territoria.mobilite.models import Job, JobStatus, Scenario
from territoria.mobilite.simulation import mean_ci

pytestmark = pytest.mark.django_db


def test_mean_ci_is_student():
    mean, half = mean_ci([10.0, 12.0, 14.0])
    assert mean == 12.0
    assert half == pytest.approx(4.303 * 2 / 3**0.5, rel=1e-3)


def test_energy_mean_of_sound_levels():
    from territoria.mobilite.simulation import energy_mean

    # two equal sources: the same level; 60 and 70 dB: dominated by the loud one, not 65
    assert energy_mean([60.0, 60.0]) == pytest.approx(60.0)
    assert energy_mean([60.0, 70.0]) == pytest.approx(67.4, abs=0.05)
    assert energy_mean([]) == 0.0


def test_form_errors_name_the_field(client, agent, grid):
    client.force_login(agent)
    url = reverse("mobilite:scenario_create", args=[grid.pk])
    page = client.post(
        url,
        {"nom": "Chantier", "fermer_troncons": "ZZ9", "feu": "B1", "durees": "30 3"},
        follow=True,
    )
    text = page.content.decode()
    assert "le tronçon « ZZ9 » n&#x27;est pas dans le réseau" in text
    assert "4 durées de phase attendues pour le feu « B1 », 2 données" in text
    assert Scenario.objects.count() == 0


def test_elu_may_not_create(client, elu, grid):
    client.force_login(elu)
    url = reverse("mobilite:scenario_create", args=[grid.pk])
    assert client.post(url, {"nom": "x", "fermer_troncons": "B1C1"}).status_code == 403


def test_other_organisation_sees_nothing(client, other_agent, agent, grid):
    grid.organisation = agent.organisation
    grid.save()
    client.force_login(other_agent)
    assert client.get(reverse("mobilite:network", args=[grid.pk])).status_code == 404


def test_scenario_run_compares_with_base(client, agent, grid, django_capture_on_commit_callbacks):
    client.force_login(agent)
    client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {"nom": "Travaux B1C1", "fermer_troncons": "B1C1", "feu": "B1", "durees": "20 3 60 3"},
    )
    scenario = Scenario.objects.get()
    assert scenario.changes[0] == {"type": "close_edge", "edge": "B1C1"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mobilite:scenario_run", args=[scenario.pk]), {"graines": 2, "duree": 120}
        )
    page = client.get(reverse("mobilite:job", args=[Job.objects.get().pk]))
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == 7
    metrics = job.result["metrics"]
    assert metrics["travel_time"]["base"] > 0
    # emissions (CO2, NOx, PM), stops, queues and noise from SUMO's own models
    for key in ("co2_g", "nox_mg", "pm_mg", "stops", "max_queue_m"):
        assert metrics[key]["base"] > 0, key
    # Harmonoise levels of road traffic: tens of dB(A), not a placeholder
    assert 40 < metrics["noise_db"]["base"] < 90
    noise = job.result["edges_noise_change_db"]
    assert noise and "B1C1" not in noise  # the closed edge carries no traffic in the scenario
    assert len(job.result["runs"]["base"]) == 2
    # the same demand on both sides: as many vehicles per seed
    for base, variant in zip(job.result["runs"]["base"], job.result["runs"]["scenario"]):
        assert base["vehicles"] == variant["vehicles"]
    text = page.content.decode()
    assert "Scénario comparé au réseau de base" in text
    assert "Carte des écarts" in text
    assert "Bruit routier" in text and "Particules (PM)" in text
    # the noise maps: per-edge levels of both sides, drawn in the scale colours of core/maps.py
    levels = job.result["edges_noise_db"]
    assert levels["base"] and all(40 < v < 90 for v in levels["scenario"].values())
    assert "B1C1" in levels["base"] and "B1C1" not in levels["scenario"]
    url = reverse("mobilite:job", args=[job.pk])
    level_map = client.get(url, {"carte": "niveau"}).content.decode()
    assert "Carte du bruit routier du scénario" in level_map and '"scale-' in level_map
    assert "Tronçons les plus bruyants dans le scénario" in level_map
    assert (
        "Carte des écarts de bruit routier" in client.get(url, {"carte": "bruit"}).content.decode()
    )
    # the simulated detectors: every edge counted per interval on both sides
    detectors = job.result["detectors"]
    assert detectors["period_s"] == 60 and detectors["intervals"] == 2
    closed = detectors["profiles"]["B1C1"]  # among the 10 whose flow changes most
    assert sum(m for m, _ in closed["base"]) > 0 and all(m == 0 for m, _ in closed["scenario"])
    assert all("B1C1" != r["section"] for r in detectors["congestion"])  # no speed in scenario
    page = client.get(url, {"detecteur": "B1C1"}).content.decode()
    assert "Détecteur simulé B1C1 : véhicules par heure, base et scénario" in page
    assert "Indice de congestion des détecteurs simulés" in page


def test_cut_network_is_reported_not_simulated(
    client, agent, grid, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    # both edges into corner A0 closed: trips to A0's outgoing edges have no route any more
    scenario = Scenario.objects.create(
        network=grid,
        name="Coupure",
        changes=[{"type": "close_edge", "edge": "A1A0"}, {"type": "close_edge", "edge": "B0A0"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mobilite:scenario_run", args=[scenario.pk]), {"graines": 2, "duree": 300}
        )
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "Le scénario coupe le réseau" in job.message
    assert job.result == {}


def test_bus_lane_allows_buses_only(tmp_path, grid):
    import xml.etree.ElementTree as ET

    from territoria.mobilite import simulation

    errors = simulation.validate_changes(
        grid, [{"type": "bus_lane", "lane": "B1C1_5"}, {"type": "bus_lane", "lane": "B1C1_0"}]
    )
    assert errors == ["modification 1 : la voie « B1C1_5 » n'est pas dans le réseau."]
    net, _, _ = simulation.build_variant(
        grid.net_file, [{"type": "bus_lane", "lane": "B1C1_0"}], tmp_path
    )
    lanes = {
        lane.get("id"): lane
        for lane in ET.parse(net).getroot().iter("lane")
        if lane.get("id", "").startswith("B1C1_")
    }
    assert lanes["B1C1_0"].get("allow") == "bus"
    assert lanes["B1C1_1"].get("allow") is None  # the other lane stays open to cars


def test_bus_lane_from_the_form(client, agent, grid):
    client.force_login(agent)
    page = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {"nom": "Voie bus", "voies_bus": "B1C1_0"},
        follow=True,
    )
    assert "voie B1C1_0 réservée aux bus" in page.content.decode()
    assert Scenario.objects.get().changes == [{"type": "bus_lane", "lane": "B1C1_0"}]


def test_noise_maps_colour_classes():
    from territoria.mobilite.views import _scenario_map

    result = {
        "edges_noise_db": {"scenario": {"A": 48.0, "B": 62.5, "C": 80.1}},
        "edges_noise_change_db": {"A": 3.4, "B": -0.5, "C": -6.0},
        "edges_time_loss_change_s": {"A": 45.0},
    }
    levels, label, legend = _scenario_map(result, "niveau")
    assert {e: c for e, (c, _) in levels.items()} == {
        "A": "scale-1",
        "B": "scale-4",
        "C": "scale-7",
    }
    assert levels["B"][1] == "62,5 dB(A)"
    assert legend[0] == ("scale-1", "moins de 50 dB(A)") and legend[6] == (
        "scale-7",
        "75 ou plus dB(A)",
    )
    changes, label, _ = _scenario_map(result, "bruit")
    assert changes == {"A": ("danger", "+3,4 dB(A)"), "C": ("accent", "-6,0 dB(A)")}
    assert "écarts de bruit" in label
    assert set(_scenario_map(result, "temps")[0]) == {"A"}


def test_simulated_detector_views_base_against_scenario():
    """Flow profile, congestion index and marked intervals of the simulated detectors, on runs
    written here: E1 loses half its flow in the scenario's second interval and slows down."""
    from territoria.mobilite.simulation import detector_views

    def run(e1_flow, e1_speed, e2_flow):
        return {
            "detectors": {
                "E1": {"flow": e1_flow, "speed": e1_speed},
                "E2": {"flow": e2_flow, "speed": [50.0, 50.0]},
            }
        }

    base = [
        run([600, 620], [50.0, 48.0], [100, 100]),
        run([590, 610], [50.0, 49.0], [104, 96]),
        run([610, 600], [50.0, 47.0], [98, 102]),
    ]
    scenario = [
        run([600, 300], [50.0, 20.0], [100, 101]),
        run([590, 310], [50.0, 25.0], [104, 97]),
        run([610, 290], [50.0, 15.0], [98, 103]),
    ]
    views = detector_views(base, scenario, 300, watch={"E2", "absent"})
    assert views["watched"] == ["E2"] and set(views["profiles"]) == {"E1", "E2"}
    mean, sd = views["profiles"]["E1"]["base"][1]
    assert mean == pytest.approx(610.0) and sd == pytest.approx(10.0)
    assert views["profiles"]["E1"]["scenario"][1][0] == pytest.approx(300.0)
    rows = {r["section"]: r for r in views["congestion"]}
    assert rows["E1"]["free_flow_kmh"] == pytest.approx(50.0)
    assert rows["E1"]["scenario"] == pytest.approx(1 - 20 / 50, abs=1e-3)  # worst: interval 1
    assert rows["E1"]["scenario_worst_interval"] == 1
    assert rows["E1"]["base"] == pytest.approx(1 - 48 / 50, abs=1e-3)
    assert rows["E2"]["difference"] == 0 and views["congestion"][0]["section"] == "E1"
    assert [(m["section"], m["interval"]) for m in views["marked"]] == [("E1", 1)]
    assert views["marked"][0]["difference"] == -310 and views["marked_count"] == 1
