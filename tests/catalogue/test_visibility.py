"""Restricted values of the catalogue never reach someone without the right, by any route."""

import io
import json
import zipfile

import pytest

from territoria.catalogue import services
from territoria.catalogue.models import Experiment, Indicator, Provider, Solution


@pytest.fixture
def secret_world(demo, agent, organisation):
    solution = demo["Le Chat"]
    solution.negotiated_price = "Remise négociée SECRETPRIX"
    solution.save()
    solution.provider.contact = "commercial SECRETCONTACT"
    solution.provider.save()
    services.save_evaluation(
        solution, agent, {"adequation.besoin": (2, "")}, public=False, comment="Avis SECRETAVIS"
    )
    experiment = Experiment.objects.create(
        title="Essai",
        need="n",
        solution=solution,
        carrier=organisation,
        hypotheses="h",
        duration_weeks=4,
        budget="SECRETBUDGET",
        costs="SECRETCOUTS",
        decision="iterer",
        status="evaluee",
    )
    Indicator.objects.create(experiment=experiment, name="Délai", baseline=5, target=2, measured=3)
    return solution, experiment


ROUTES = [
    "/catalogue/solutions/{s}/",
    "/api/catalogue/solutions/",
    "/api/catalogue/solutions/{s}/",
    "/catalogue/export.csv",
    "/catalogue/export.json",
    "/catalogue/experimentations/{e}/",
    "/api/catalogue/experimentations/{e}/",
    "/catalogue/comparer/?ids={s}&ids={other}",
    "/catalogue/comparer/?ids={s}&ids={other}&format=odt",
    "/catalogue/experimentations/export.csv",
    "/catalogue/experimentations/export.json",
]


def test_anonymous_reader_never_gets_restricted_values(client, secret_world, demo):
    solution, experiment = secret_world
    for route in ROUTES:
        url = route.format(s=solution.pk, e=experiment.pk, other=demo["Vosk"].pk)
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8", "replace")
        if response["Content-Type"].startswith("application/vnd.oasis"):  # a zip: read its text
            body = zipfile.ZipFile(io.BytesIO(response.content)).read("content.xml").decode()
        for secret in ("SECRETPRIX", "SECRETCONTACT", "SECRETAVIS", "SECRETBUDGET", "SECRETCOUTS"):
            assert secret not in body, f"{secret} leaked on {url}"


def test_an_agent_reads_the_restricted_values(client, secret_world, other_agent):
    solution, experiment = secret_world
    client.force_login(other_agent)  # another organisation's agent: view_restricted holds
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "SECRETPRIX" in page and "SECRETCONTACT" in page and "SECRETAVIS" in page
    api = json.loads(client.get(f"/api/catalogue/experimentations/{experiment.pk}/").content)
    assert api["budget"] == "SECRETBUDGET" and api["report"]["costs"] == "SECRETCOUTS"
    rows = json.loads(client.get("/catalogue/experimentations/export.json").content)
    assert rows[0]["budget"] == "SECRETBUDGET" and rows[0]["report"]["costs"] == "SECRETCOUTS"
    csv_text = client.get("/catalogue/experimentations/export.csv").content.decode()
    assert "SECRETBUDGET" in csv_text and "SECRETCOUTS" in csv_text


def test_internal_evaluation_does_not_count_in_the_public_grid(client, secret_world):
    solution, _ = secret_world
    api = json.loads(client.get(f"/api/catalogue/solutions/{solution.pk}/").content)
    assert api["grid"]["evaluators"] == 0


def test_unpublished_solution_is_hidden_from_anonymous_and_agents(client, db, agent, moderator):
    provider = Provider.objects.create(name="P")
    hidden = Solution.objects.create(
        name="Cachée",
        provider=provider,
        description="d",
        hosting="sur_site",
        ai_features=["ocr"],
        price_model="gratuit",
        published=False,
    )
    assert client.get(hidden.get_absolute_url()).status_code == 404
    client.force_login(agent)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_ideas_are_internal_and_writes_need_an_agent(client, secret_world, elu):
    _, experiment = secret_world
    assert client.get("/catalogue/idees/").status_code == 302  # to the login page
    client.force_login(elu)
    assert client.get("/catalogue/idees/").status_code == 200
    assert (
        client.post("/catalogue/idees/", {"need": "x", "service": "y", "benefit": "z"}).status_code
        == 403
    )
    assert (
        client.post(f"/catalogue/experimentations/{experiment.pk}/reproduire/").status_code == 403
    )


def test_another_organisation_cannot_write_the_report(client, secret_world, other_agent):
    _, experiment = secret_world
    client.force_login(other_agent)
    response = client.post(
        f"/catalogue/experimentations/{experiment.pk}/rapport/", {"decision": "deployer"}
    )
    assert response.status_code == 403


def test_open_data_writer_publishes_public_fields_only(secret_world, tmp_path):
    from territoria.catalogue.exports import write_public_catalogue_csv

    rows, digest = write_public_catalogue_csv(tmp_path / "c.csv")
    text = (tmp_path / "c.csv").read_text(encoding="utf-8")
    assert rows == 44 and len(digest) == 64
    assert "SECRETPRIX" not in text and "negotiated_price" not in text


def test_the_guide_uses_public_grid_scores_only_for_anonymous_readers(
    client, secret_world, demo, agent
):
    from django.contrib.auth.models import AnonymousUser

    from territoria.catalogue.services import grid_totals

    solution, _ = secret_world
    assert solution.pk not in grid_totals([solution], AnonymousUser(), {"adequation": 1})
    assert grid_totals([solution], agent, {"adequation": 1})[solution.pk] == 2


def test_api_lists_link_to_their_details(client, secret_world):
    solution, experiment = secret_world
    solutions = json.loads(client.get("/api/catalogue/solutions/").content)
    entry = next(s for s in solutions if s["id"] == str(solution.pk))
    assert client.get(entry["url"]).status_code == 200
    experiments = json.loads(client.get("/api/catalogue/experimentations/").content)
    assert experiments[0]["url"] == f"/api/catalogue/experimentations/{experiment.pk}/"
