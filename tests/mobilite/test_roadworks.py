"""Roadworks calendar: worksites checked against the network (errors name the worksite and the
field), every calendar ranked by total delay, each set of simultaneous worksites simulated once
on SUMO."""

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from territoria.mobilite import roadworks
from tests.mobilite.conftest import FIXTURES

EDGES = {"A0A1", "B1C1", "C1B1", "A1B1", "B1A1"}


def site(name, edges, days, earliest, latest):
    return {"name": name, "edges": edges, "days": days, "earliest": earliest, "latest": latest}


def test_worksites_outside_network_or_window_are_refused_all_at_once():
    rows = [
        site("Rue haute", "B1C1", 3, "2027-03-01", "2027-03-10"),
        site("Pont", "nowhere A0A1", 2, "2027-03-01", "2027-03-10"),
        site("Place", "A1B1", 5, "01/03/2027", "03/03/2027"),
        site("Gare", "A1B1", "deux", "2027-03-01", "2027-03-10"),
        site("Quai", "A1B1", 2, "2027-13-01", "2027-03-10"),
    ]
    with pytest.raises(roadworks.RoadworksError) as error:
        roadworks.parse_worksites(rows, EDGES)
    text = str(error.value)
    assert "chantier « Pont » (ligne 2) : tronçon(s) hors du réseau : nowhere" in text
    assert "chantier « Place » (ligne 3) : la fenêtre du 01/03/2027 au 03/03/2027" in text
    assert "chantier « Gare » (ligne 4), champ « durée »" in text
    assert "chantier « Quai » (ligne 5), champ « début au plus tôt » : date illisible" in text
    assert "Rue haute" not in text


LANES = {"A0A1": 2, "B1C1": 2, "C1B1": 2, "A1B1": 2, "B1A1": 2, "ONE": 1}


def test_a_worksite_may_close_single_lanes():
    (whole, lane, both) = roadworks.parse_worksites(
        [
            site("Rue haute", "B1C1", 3, "2027-03-01", "2027-03-10"),
            site("Trottoir", "B1C1_1", 3, "2027-03-01", "2027-03-10"),
            {**site("Fibre", "A1B1", 2, "2027-03-01", "2027-03-10"), "lanes": ["B1A1_0"]},
        ],
        LANES,
    )
    assert (whole.edges, whole.lanes) == (("B1C1",), ())
    assert (lane.edges, lane.lanes) == ((), ("B1C1_1",))
    assert (both.edges, both.lanes) == (("A1B1",), ("B1A1_0",))
    assert lane.changes() == [{"type": "close_lane", "lane": "B1C1_1"}]
    # open together: each closure once, a lane of an edge closed whole left to that closure
    assert roadworks.combined_changes([whole, lane, both]) == [
        {"type": "close_edge", "edge": "A1B1"},
        {"type": "close_edge", "edge": "B1C1"},
        {"type": "close_lane", "lane": "B1A1_0"},
    ]


def test_lane_worksite_errors_name_the_worksite_and_nothing_is_returned():
    rows = [
        site("Bon", "B1C1_0", 1, "2027-03-01", "2027-03-02"),
        site("Seule", "ONE_0", 1, "2027-03-01", "2027-03-02"),
        site("Hors", "B1C1_5", 1, "2027-03-01", "2027-03-02"),
        site("Toutes", "A1B1_0 A1B1_1", 1, "2027-03-01", "2027-03-02"),
        {**site("Double", "A0A1", 1, "2027-03-01", "2027-03-02"), "lanes": "A0A1_1"},
    ]
    with pytest.raises(roadworks.RoadworksError) as error:
        roadworks.parse_worksites(rows, LANES)
    text = str(error.value)
    assert "chantier « Seule » (ligne 2), champ « voies » : « ONE » n'a qu'une voie" in text
    # an unknown lane id is not a lane: an edge outside the network
    assert "chantier « Hors » (ligne 3) : tronçon(s) hors du réseau : B1C1_5" in text
    assert "« Toutes » (ligne 4), champ « voies » : toutes les voies de « A1B1 »" in text
    assert "« Double » (ligne 5), champ « voies » : la voie « A0A1_1 » est sur le tronçon" in text
    assert "Bon" not in text
    # without lane counts (a set of edges), a lane id is no edge of the network
    with pytest.raises(roadworks.RoadworksError, match="hors du réseau : B1C1_0"):
        roadworks.parse_worksites(rows[:1], set(LANES))


@pytest.mark.slow
@pytest.mark.django_db
def test_lane_worksite_costs_less_than_closing_the_edge(tmp_path):
    """On SUMO (grid3, one trip every 0.5 s), closing one of the two lanes of B1C1 costs delay,
    less than closing the whole edge; open together, the edge's closure takes the lane's (the
    same network: the same delay)."""
    sites = tmp_path / "chantiers.json"
    sites.write_text(
        json.dumps(
            [
                site("Voie", ["B1C1_1"], 1, "2027-03-01", "2027-03-02"),
                site("Tronçon", ["B1C1"], 1, "2027-03-01", "2027-03-02"),
            ]
        )
    )
    out = tmp_path / "r.json"
    call_command(
        "mobilite", "roadworks-eval", "--net", str(FIXTURES / "grid3.net.xml"),
        "--worksites", str(sites), "--seeds", "1,2", "--duration", "300", "--period", "0.5",
        "--output", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["worksites"][0]["lanes"] == ["B1C1_1"] and result["worksites"][0]["edges"] == []
    sets = {tuple(s["worksites"]): s["delay_veh_h_per_day"] for s in result["sets_simulated"]}
    assert set(sets) == {("Voie",), ("Tronçon",), ("Tronçon", "Voie")}
    assert 0 < sets[("Voie",)] < sets[("Tronçon",)]
    assert sets[("Tronçon", "Voie")] == sets[("Tronçon",)]
    # best calendar: one day each, not overlapping (lane + edge days) or both the same day
    assert result["best"][0]["total_delay_veh_h"] == pytest.approx(
        min(sets[("Tronçon",)], sets[("Voie",)] + sets[("Tronçon",)]), abs=0.01
    )


def test_rank_prefers_calendars_without_costly_overlap():
    sites = roadworks.parse_worksites(
        [
            site("Nord", "B1C1", 2, "2027-03-01", "2027-03-04"),
            site("Sud", ["A1B1"], 2, "2027-03-01", "2027-03-04"),
        ],
        EDGES,
    )
    calls = []

    def cost(names):
        calls.append(names)
        # together, the detour of one goes through the other: worse than the sum
        return {frozenset({"Nord"}): 1.0, frozenset({"Sud"}): 2.0}.get(names, 10.0)

    result = roadworks.rank(sites, cost)
    assert result["calendars"] == 9  # 3 possible starts each
    assert len(calls) == len(set(calls)) == 3  # each distinct set simulated once
    best = result["best"][0]
    assert best["overlap_days"] == 0 and best["total_delay_veh_h"] == 6.0
    worst = result["worst"]["starts"]
    assert worst["Nord"] == worst["Sud"]  # both open on the same two days
    assert result["worst"]["total_delay_veh_h"] == 20.0
    delays = [c["total_delay_veh_h"] for c in result["best"]]
    assert delays == sorted(delays)


def test_too_many_calendars_is_a_clear_error():
    sites = [
        roadworks.Worksite(f"c{i}", ("B1C1",), 1, date(2027, 1, 1), date(2027, 12, 31))
        for i in range(3)
    ]
    with pytest.raises(roadworks.RoadworksError, match="resserrez les fenêtres"):
        roadworks.calendars(sites)


@pytest.mark.django_db
def test_roadworks_eval_on_sumo(tmp_path):
    sites = tmp_path / "chantiers.json"
    sites.write_text(
        json.dumps(
            [
                site("Nord", ["B1C1"], 1, "2027-03-01", "2027-03-02"),
                site("Sud", ["A1B1"], 1, "2027-03-01", "2027-03-02"),
            ]
        )
    )
    out = tmp_path / "r.json"
    call_command(
        "mobilite", "roadworks-eval", "--net", str(FIXTURES / "grid3.net.xml"),
        "--worksites", str(sites), "--seeds", "1", "--duration", "300", "--output", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["calendars"] == 4
    sets = {tuple(s["worksites"]): s["delay_veh_h_per_day"] for s in result["sets_simulated"]}
    assert set(sets) == {("Nord",), ("Sud",), ("Nord", "Sud")}
    # totals are sums of the simulated sets over the calendar's days
    best = result["best"][0]
    if best["overlap_days"]:
        assert best["total_delay_veh_h"] == pytest.approx(sets[("Nord", "Sud")], abs=0.01)
    else:
        assert best["total_delay_veh_h"] == pytest.approx(
            sets[("Nord",)] + sets[("Sud",)], abs=0.01
        )
    assert result["best"][0]["total_delay_veh_h"] <= result["worst"]["total_delay_veh_h"]


@pytest.mark.django_db
def test_roadworks_eval_refuses_worksite_outside_network(tmp_path):
    sites = tmp_path / "chantiers.json"
    sites.write_text(json.dumps([site("Loin", ["ailleurs"], 1, "2027-03-01", "2027-03-02")]))
    with pytest.raises(CommandError, match="tronçon\\(s\\) hors du réseau : ailleurs"):
        call_command(
            "mobilite", "roadworks-eval", "--net", str(FIXTURES / "grid3.net.xml"),
            "--worksites", str(sites), "--output", str(tmp_path / "r.json"),
        )  # fmt: skip
    assert not (tmp_path / "r.json").exists()


@pytest.mark.django_db
def test_roadworks_form_errors_name_the_line_and_nothing_is_queued(client, agent, grid):
    from django.urls import reverse

    from territoria.mobilite.models import Job

    client.force_login(agent)
    url = reverse("mobilite:roadworks", args=[grid.pk])
    page = client.post(url, {"chantiers": "Rue ; B1C1 ; 2 ; 01/03/2027"}, follow=True)
    assert "Chantiers, ligne 1 : 5 champs séparés par « ; » attendus" in page.content.decode()
    page = client.post(
        url, {"chantiers": "Rue ; ailleurs ; 2 ; 01/03/2027 ; 10/03/2027"}, follow=True
    )
    assert "tronçon(s) hors du réseau : ailleurs" in page.content.decode()
    page = client.post(
        url, {"chantiers": "Rue ; B1C1_0 B1C1_1 ; 2 ; 01/03/2027 ; 10/03/2027"}, follow=True
    )
    assert "toutes les voies de « B1C1 » sont fermées ; fermez le tronçon" in page.content.decode()
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_roadworks_job_ranks_calendars(
    client, agent, elu, grid, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from territoria.mobilite.models import Job, JobStatus

    client.force_login(elu)
    url = reverse("mobilite:roadworks", args=[grid.pk])
    assert client.post(url, {"chantiers": "x"}).status_code == 403
    client.force_login(agent)
    lines = "Nord ; B1C1 ; 1 ; 01/03/2027 ; 02/03/2027\nSud ; A1B1 ; 1 ; 01/03/2027 ; 02/03/2027"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"chantiers": lines, "graines": 1, "duree": 120})
    job = Job.objects.get()
    assert job.kind == "roadworks"
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == 1 + 3
    assert job.result["calendars"] == 4
    text = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "Meilleurs calendriers" in text and "Nord + Sud" in text
    assert "4 calendriers possibles" in text
    assert "Chantiers : ce que chacun ferme" in text and "<td>B1C1</td>" in text
    client.logout()
    assert client.get(reverse("mobilite:job", args=[job.pk])).status_code == 302


def test_a_closed_lane_keeps_the_turns_only_it_made(tmp_path):
    """Closing the left lane of A1B1 would forbid the left turn and the U-turn out of it and
    the turns into it from A2A1 and B1A1 (each made by lane 1 only): they move to lane 0."""
    from territoria.mobilite import simulation

    path = simulation.turns_kept_open(
        FIXTURES / "grid3.net.xml", ["A1B1_1"], tmp_path / "voies.con.xml"
    )
    kept = {
        (c.get("from"), c.get("to"), c.get("fromLane"), c.get("toLane"))
        for c in ET.parse(path).getroot().iter("connection")
    }
    assert kept == {
        ("A1B1", "B1B2", "0", "1"),
        ("A1B1", "B1A1", "0", "1"),
        ("A2A1", "A1B1", "1", "0"),
        ("B1A1", "A1B1", "1", "0"),
    }
    # the right lane closed: its turns are all made by lane 1 too, nothing to add but the
    # right turn (lane 0 only)
    path = simulation.turns_kept_open(
        FIXTURES / "grid3.net.xml", ["A1B1_0"], tmp_path / "droite.con.xml"
    )
    assert ("A1B1", "B1B0", "1", "0") in {
        (c.get("from"), c.get("to"), c.get("fromLane"), c.get("toLane"))
        for c in ET.parse(path).getroot().iter("connection")
    }
