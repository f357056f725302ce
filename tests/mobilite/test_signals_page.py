"""The page comparing the light controllers on a collectivité's own network: a background job
running every controller on the same demand (signals/evaluate.py), the time-of-day plans shown
and exported as a SUMO additional file that SUMO itself loads; rights on both routes."""

import subprocess

import pytest
from django.urls import reverse

from territoria.mobilite.models import Job, JobStatus
from territoria.mobilite.signals.sumoenv import binary

pytestmark = pytest.mark.django_db

CONTROLLERS = {
    "fixed",
    "webster",
    "actuated",
    "max_pressure",
    "territoria",
    "territoria_plan",
    "territoria_plan_coordinated",
}


# the plans of one signal, two phases, one period (what build_plans writes)
ONE_SIGNAL_PLANS = {
    "B1": {
        "states": ["GGrr", "rrGG"],
        "yellow": 3.0,
        "all_red": 0.0,
        "periods": [{"begin": 0, "end": 900, "cycle": 66, "greens": [30, 30], "offset": 0}],
    }
}


@pytest.mark.slow
def test_compare_controllers_and_export_plans(
    client, agent, grid, django_capture_on_commit_callbacks, tmp_path
):
    grid.organisation = agent.organisation
    grid.save()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mobilite:signals", args=[grid.pk]), {"duree": 120, "graine": 3}
        )
    job = Job.objects.get(kind="signals")
    assert response.url == reverse("mobilite:job", args=[job.pk])
    assert job.status == JobStatus.DONE, job.message
    # the demand, five controllers, the isolated plans; the coordinated plans counted as a step
    assert job.done == job.total == 8
    rows = {r["controller"]: r for r in job.result["rows"]}
    # the grid's signals are 200 m apart but its random demand (one trip every 2 s over nine
    # signals) loads no link enough to couple them (coupling index ≤ 50): no coordinated plans
    assert set(rows) == CONTROLLERS - {"territoria_plan_coordinated"}
    # the same demand for every controller, and a real delay measured on each
    assert len({r["trips"] for r in rows.values()}) == 1
    assert all(r["delay_s"] > 0 for r in rows.values())
    valid = [r for r in rows.values() if not r["diverged"]]
    assert job.result["best"] == min(valid, key=lambda r: r["delay_s"])["controller"]
    assert job.result["coordination_groups"] == []
    assert job.result["coordination_periods"] == {}
    assert job.result["plans_coordinated"] is None
    assert job.result["plans_lowest"] is None
    # the SUMO cache of the run is cleaned up
    from territoria.mobilite.signals.evaluate import cache_dir

    assert not list(cache_dir().glob(f"reseau-{job.pk}-*"))
    page = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "Comparaison des contrôleurs de feux" in page
    assert "Contrôleur adaptatif de Territoria" in page and "(le plus bas)" in page
    assert "Plans isolés par carrefour et par période" in page
    assert "Plans coordonnés par carrefour et par période" not in page
    assert "Aucun lien assez chargé" in page
    for name in ("signals_plans_xml", "signals_plans_json"):
        assert reverse(f"mobilite:{name}", args=[job.pk, "isoles"]) in page
        assert reverse(f"mobilite:{name}", args=[job.pk, "coordonnes"]) not in page
    exported = client.get(reverse("mobilite:signals_plans_json", args=[job.pk, "isoles"]))
    assert exported["Content-Disposition"].startswith("attachment;")
    assert exported.json() == job.result["plans"]
    download = client.get(reverse("mobilite:signals_plans_xml", args=[job.pk, "isoles"]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    plans = tmp_path / "plans.add.xml"
    plans.write_bytes(download.content)
    text = download.content.decode()
    assert '<tlLogic id="B1"' in text and "<WAUT" in text
    assert 'offset="0.0"' in text  # isolated plans: offset 0
    # SUMO loads the exported plans with the network (what a controller tool would read)
    proc = subprocess.run(
        [binary("sumo"), "-n", str(grid.net_file), "-a", str(plans), "-e", "60", "--no-step-log"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    network_page = client.get(reverse("mobilite:network", args=[grid.pk])).content.decode()
    assert "Dernière comparaison des contrôleurs" in network_page
    index = client.get(reverse("mobilite:index")).content.decode()
    assert "Comparaison des contrôleurs de feux sur Grille" in index


def test_elu_may_not_start_a_comparison(client, elu, grid):
    client.force_login(elu)
    assert client.post(reverse("mobilite:signals", args=[grid.pk])).status_code == 403
    assert not Job.objects.exists()


def test_network_without_lights_is_refused(client, agent, grid):
    grid.elements = {**grid.elements, "tls": {}}
    grid.save()
    client.force_login(agent)
    response = client.post(reverse("mobilite:signals", args=[grid.pk]), follow=True)
    assert "aucun carrefour à feux" in response.content.decode()
    assert not Job.objects.exists()


def test_plans_follow_the_network_rights(client, agent, other_agent, elu, grid):
    grid.organisation = agent.organisation
    grid.save()
    plans = ONE_SIGNAL_PLANS
    linked = {"B1": {**plans["B1"], "periods": [{**plans["B1"]["periods"][0], "offset": 12}]}}
    job = Job.objects.create(
        kind="signals",
        network=grid,
        status=JobStatus.DONE,
        result={"plans": plans, "plans_coordinated": linked},
    )
    urls = [reverse("mobilite:signals_plans", args=[job.pk])] + [
        reverse(f"mobilite:signals_plans_{fmt}", args=[job.pk, variant])
        for variant in ("isoles", "coordonnes")
        for fmt in ("xml", "json")
    ]
    # anonymous: sent to log in, nothing downloaded; another collectivité: not found
    login = reverse("login")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    client.force_login(other_agent)
    assert [client.get(url).status_code for url in urls] == [404] * 5
    client.force_login(elu)  # the collectivité's élus read the plans (capability VIEW)
    assert client.get(urls[3]).status_code == 200
    client.force_login(agent)
    response = client.get(reverse("mobilite:signals_plans", args=[job.pk]))
    assert response.status_code == 200
    assert 'programID="territoria_0"' in response.content.decode()
    coordinated = client.get(urls[3]).content.decode()
    assert 'offset="12"' in coordinated
    response = client.get(urls[4])
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].endswith('.json"')
    assert response.json() == linked
    assert client.get(urls[2]).json() == plans
    unknown = reverse("mobilite:signals_plans_json", args=[job.pk, "autres"])
    assert client.get(unknown).status_code == 404
    # a comparison without coordinated plans (no linked signals) has none to download
    job.result = {"plans": plans, "plans_coordinated": None}
    job.save()
    assert client.get(urls[3]).status_code == 404
    assert client.get(urls[1]).status_code == 200
    # a scenario run has no plans to download
    other = Job.objects.create(kind="scenario", network=grid, status=JobStatus.DONE)
    assert client.get(reverse("mobilite:signals_plans", args=[other.pk])).status_code == 404


def test_rows_over_seeds_mean_ci_and_divergence():
    from territoria.mobilite.jobs import signal_rows

    def run(delay, diverged=False):
        return {"delay": delay, "trips": 10, "arrived": 9, "unfinished": 1, "undeparted": 0,
                "teleports": 1 if diverged else 0, "diverged": diverged, "wall_s": 0.5}  # fmt: skip

    rows = signal_rows(
        {
            1: {"fixed": run(40.0), "territoria": run(20.0)},
            2: {"fixed": run(44.0), "territoria": run(30.0, diverged=True)},
        }
    )
    fixed, territoria = rows
    assert fixed["controller"] == "fixed" and fixed["delay_s"] == 42.0
    assert fixed["delays"] == [40.0, 44.0] and fixed["trips"] == 20
    # t(0.975, 1) × sd / √n = 12.706 × 2.83 / 1.41
    assert fixed["delay_ci95"] == pytest.approx(25.41, abs=0.01)
    assert territoria["diverged"] is True  # diverged on one seed: not a result
    single = signal_rows({1: {"fixed": run(40.0)}})
    assert single[0]["delay_ci95"] is None


def test_page_without_linked_signals_says_why_no_coordinated_plans(client, agent, grid):
    grid.organisation = agent.organisation
    grid.save()
    plans = ONE_SIGNAL_PLANS
    result = {"rows": [], "plans": plans, "plans_coordinated": None, "coordination_groups": []}
    job = Job.objects.create(kind="signals", network=grid, status=JobStatus.DONE, result=result)
    client.force_login(agent)
    page = client.get(reverse("mobilite:job", args=[job.pk])).content.decode()
    assert "Aucun lien assez chargé" in page
    assert reverse("mobilite:signals_plans_json", args=[job.pk, "isoles"]) in page
    assert reverse("mobilite:signals_plans_json", args=[job.pk, "coordonnes"]) not in page
    assert "Plans coordonnés par carrefour" not in page


def test_coupled_plans_show_their_group_only_in_the_periods_it_is_coordinated(client, agent, grid):
    """The coordinated plans' table: a signal's group number in the periods where it is
    coupled (`coordination_periods`), « — » in the others; the label says which links."""
    grid.organisation = agent.organisation
    grid.save()
    one = ONE_SIGNAL_PLANS["B1"]
    two = {**one, "periods": [*one["periods"], {**one["periods"][0], "begin": 900, "end": 1800}]}
    plans = {"B1": two, "B2": two}
    result = {
        "rows": [],
        "plans": plans,
        "plans_coordinated": plans,
        "coordination_groups": [["B1", "B2"]],
        "coordination_periods": {"900.0": [["B1", "B2"]]},
    }
    job = Job.objects.create(kind="signals", network=grid, status=JobStatus.DONE, result=result)
    client.force_login(agent)
    response = client.get(reverse("mobilite:job", args=[job.pk]))
    rows = [(r["tls"], r["begin"], r["group"]) for r in response.context["coordinated_rows"]]
    assert rows == [("B1", 0, "—"), ("B1", 15, 1), ("B2", 0, "—"), ("B2", 15, 1)]
    page = response.content.decode()
    assert "indice de couplage" in page and "Plans coordonnés par carrefour" in page
    # a comparison made before the coupling index: its groups in every period
    job.result = {k: v for k, v in result.items() if k != "coordination_periods"}
    job.save()
    response = client.get(reverse("mobilite:job", args=[job.pk]))
    assert {r["group"] for r in response.context["coordinated_rows"]} == {1}
