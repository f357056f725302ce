"""Transit signal priority (priorité bus aux feux, `signals/tsp.py`) on the 3 × 3 test grid:
a bus line west → east through the fixed-time lights B1 and C1 (42 s green per direction)."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from territoria.mobilite import simulation
from territoria.mobilite.models import Job, JobStatus, Scenario

pytestmark = pytest.mark.django_db

LINE = ["A1B1", "B1C1", "C1C2"]
PRIORITY = {"type": "transit_priority", "line": LINE, "headway": 60}
# B1's links: 0–4 come from the north (B2B1), 15–19 from the west (A1B1, the bus line)
NORTH_LINK = 0


def test_priority_change_errors_are_named(grid):
    errors = simulation.validate_changes(
        grid,
        [
            {"type": "transit_priority", "line": ["A1B1", "Z9"], "max_wait": 10, "headway": 5},
            {"type": "close_edge", "edge": "A1B1"},
        ],
    )
    assert errors == [
        "modification 1 : tronçon(s) de la ligne de bus hors du réseau : Z9.",
        "modification 1 : la ligne de bus passe par un tronçon fermé par le scénario (A1B1).",
        (
            "modification 1 : l'attente maximale d'une rue transversale va de 30 à 300 s "
            "(« 10 » donné)."
        ),
        "modification 1 : l'intervalle entre deux bus va de 60 à 3 600 s (« 5 » donné).",
    ]
    no_line = simulation.validate_changes(grid, [{"type": "transit_priority"}])
    assert no_line == [
        (
            "modification 1 : le scénario n'a aucune ligne de bus à prioriser — donnez la ligne "
            "(tronçons dans l'ordre du parcours) ou ajoutez un arrêt de bus avec sa ligne."
        )
    ]
    # a bus stop's line is a line to give priority to
    stop = {"type": "bus_stop", "action": "add", "edge": "B1C1", "line": LINE}
    assert simulation.validate_changes(grid, [{"type": "transit_priority"}, stop]) == []
    twice = simulation.validate_changes(grid, [PRIORITY, PRIORITY])
    assert twice[0] == "modification 1 : une seule priorité bus aux feux par scénario."


def test_priority_refused_on_a_network_without_lights(grid):
    grid.elements = {**grid.elements, "tls": {}}
    assert simulation.validate_changes(grid, [PRIORITY]) == [
        (
            "modification 1 : ce réseau n'a aucun carrefour à feux, la priorité bus aux feux "
            "n'a rien à changer."
        )
    ]


def test_form_builds_the_priority_change(client, agent, grid):
    client.force_login(agent)
    page = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {
            "nom": "Bus prioritaire",
            "priorite_bus": "1",
            "priorite_ligne": "A1B1 B1C1 C1C2",
            "priorite_intervalle": "60",
            "priorite_attente": "90",
        },
        follow=True,
    )
    text = page.content.decode()
    assert "priorité bus aux feux (ligne A1B1 → B1C1 → C1C2, un bus toutes les 60 s" in text
    assert Scenario.objects.get().changes == [{**PRIORITY, "max_wait": 90}]
    bad = client.post(
        reverse("mobilite:scenario_create", args=[grid.pk]),
        {"nom": "Sans ligne", "priorite_bus": "1", "priorite_attente": "90"},
        follow=True,
    ).content.decode()
    assert "le scénario n&#x27;a aucune ligne de bus à prioriser" in bad
    assert Scenario.objects.count() == 1
    # the form shows the priority fieldset
    form = client.get(reverse("mobilite:network", args=[grid.pk])).content.decode()
    assert 'name="priorite_bus"' in form


@pytest.mark.slow
def test_without_buses_the_priority_run_is_the_plain_run(tmp_path, grid):
    """The libsumo run with the controller and no bus gives the `sumo` run's figures, per edge
    and per detector too: the controller changes nothing unless a bus asks."""
    spec = simulation.RunSpec(duration=300, period=1.0, seeds=(1,))
    trips = simulation.demand(grid.net_file, 1, spec, tmp_path)
    plain = simulation.simulate(grid.net_file, trips, 1, spec, tmp_path, "plain")
    live = simulation.simulate(grid.net_file, trips, 1, spec, tmp_path, "live", priority={})
    assert live.pop("priority")["checkins"] == 0
    live.pop("by_class")
    assert live == plain
    assert plain["arrived"] > 200


@pytest.mark.slow
def test_buses_wait_less_at_red_lights_with_priority(tmp_path, grid):
    result = simulation.run_scenario(
        grid.net_file,
        [PRIORITY],
        simulation.RunSpec(duration=600, period=2.0, seeds=(1, 2)),
        tmp_path,
    )
    transit = result["transit"]
    assert transit["trips"]["bus"] == [10, 10]  # one bus a minute on both sides
    bus_wait = transit["metrics"]["bus_waiting_time"]
    assert bus_wait["base"] > 10  # without priority, buses meet red lights
    assert bus_wait["variant"] < bus_wait["base"] / 2
    assert transit["metrics"]["bus_time_loss"]["difference"] < 0
    # the cars' figures are there apart, with their intervals
    assert transit["metrics"]["car_time_loss"]["base_ci95"] >= 0
    assert all(p["checkins"] >= 10 and p["early_greens"] > 0 for p in transit["priority"])
    # the run without the option carries no transit table
    plain = simulation.run_scenario(
        grid.net_file,
        [{"type": "demand", "percent": 0}],
        simulation.RunSpec(duration=120, seeds=(1,)),
        tmp_path / "sans",
    )
    assert "transit" not in plain


def _longest_red(states: ET.Element, link: int, end: float) -> float:
    """Longest time `link` spent without green, from SUMO's SaveTLSStates output."""
    longest, since = 0.0, None
    for row in states.iter("tlsState"):
        green = row.get("state")[link] in "Gg"
        time = float(row.get("time"))
        if not green and since is None:
            since = time
        elif green and since is not None:
            longest, since = max(longest, time - since), None
    return max(longest, end - since) if since is not None else longest


@pytest.mark.slow
@pytest.mark.parametrize(("max_wait", "bounded"), [(90, True), (None, False)])
def test_the_guard_bounds_the_cross_street_wait(tmp_path, grid, max_wait, bounded):
    """B1 gives the bus line's direction 75 s of green and the north approach 10 s: the north
    approach waits 81 s under the program alone. A bus every 4 s keeps asking for extensions
    (up to 20 s): without the guard the north approach waits ≈ 101 s; with it, 90 s and the
    yellow (3 s) of the phase the guard stops extending."""
    net, adds, _ = simulation.build_variant(
        grid.net_file, [{"type": "tls_program", "tls": "B1", "durations": [10, 3, 75, 3]}], tmp_path
    )
    buses = tmp_path / "bus.add.xml"
    buses.write_text(
        '<additional><vType id="bus_ligne" vClass="bus" length="12"/>'
        '<flow id="b" type="bus_ligne" begin="0" end="600" period="4" from="A1B1" to="C1C2" '
        'via="B1C1"/><timedEvent type="SaveTLSStates" source="B1" dest="b1.states.xml"/>'
        "</additional>"
    )
    spec = simulation.RunSpec(duration=600, period=1.0, seeds=(1,))
    trips = simulation.demand(grid.net_file, 1, spec, tmp_path)
    priority = {"max_wait": max_wait}
    run = simulation.simulate(
        net, trips, 1, spec, tmp_path, "garde", [*adds, str(buses)], priority=priority
    )
    assert run["priority"]["extended_phases"] > 0
    states = ET.parse(tmp_path / "b1.states.xml").getroot()
    longest = _longest_red(states, NORTH_LINK, 600)
    if bounded:
        assert run["priority"]["guard_holds"] > 0
        assert longest <= 90 + 3 + 2
    else:
        assert longest >= 81 + 15  # the extensions pile up on the cross street's red


@pytest.mark.slow
def test_job_page_shows_buses_and_cars_apart(
    client, agent, grid, django_capture_on_commit_callbacks
):
    scenario = Scenario.objects.create(network=grid, name="Bus prioritaire", changes=[PRIORITY])
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mobilite:scenario_run", args=[scenario.pk]),
            {"graines": 2, "duree": 300, "periode": 1},
        )
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert set(job.result["transit"]["metrics"]) == {
        f"{group}_{key}" for group in ("bus", "car") for key in simulation.CLASS_METRICS
    }
    page = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "Priorité bus aux feux : bus et voitures séparément" in page
    assert "Bus : retard moyen (temps perdu) (s)" in page
    assert "Voitures : retard moyen (temps perdu) (s)" in page
    bus = job.result["transit"]["metrics"]["bus_time_loss"]
    assert f"{bus['base']} ± {bus['base_ci95']}".replace(".", ",") in page or (
        f"{bus['base']} ± {bus['base_ci95']}" in page
    )
