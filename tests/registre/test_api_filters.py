"""The API filters are the pages' filters (one query service), plus ordering and pagination."""

import csv
import io

import pytest
from django.test import Client

from territoria.registre.factories import ProjectFactory
from territoria.registre.models import Project

LIST = "/api/registre/projets/"


@pytest.fixture
def projects(organisation, other_organisation):
    return [
        ProjectFactory(
            organisation=organisation,
            nom_projet="Fuites d'eau",
            theme="transition_ecologique",
            type_algorithme="machine_learning",
            sous_themes=["gestion_eau"],
        ),
        ProjectFactory(
            organisation=other_organisation,
            nom_projet="Chatbot usagers",
            theme="mobilites",
            type_algorithme="ia_generative",
            audiences=["grand_public"],
            sous_themes=[],
        ),
        ProjectFactory(
            organisation=other_organisation,
            nom_projet="Tri des courriers",
            theme="administration_interne",
            type_algorithme="tal",
            projet_status="deploiement",
        ),
    ]


def names(response):
    return sorted(row["nom_projet"] for row in response.json()["results"])


def page_filter_names(params, user=None):
    """The names the list page, the search page and the CSV export give for `params`."""
    client = Client()
    if user is not None:
        client.force_login(user)
    pages = [
        sorted(
            p.nom_projet
            for p in client.get(url, {**params, "limit": 100}).context["result"].projects
        )
        for url in ("/registre/", "/registre/recherche/")
    ]
    export = client.get("/registre/export.csv", params)
    assert export.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
    exported = sorted(row["Nom_du_projet"] for row in rows)
    assert pages[0] == pages[1] == exported
    return exported


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "mobilites"},
        {"q": "eau"},
        {"sous_theme": "gestion_eau"},
        {"audience": "grand_public"},
        {"projet_status": "deploiement"},
        {"coll_type": "metropole"},
        {"type_algorithme": "tal"},
    ],
)
def test_api_filters_equal_page_filters(api_client, projects, params):
    assert names(api_client.get(LIST, params)) == page_filter_names(params)


def test_restricted_filter_ignored_for_anonymous_applied_for_agent(api_client, projects, agent):
    assert len(names(api_client.get(LIST, {"type_algorithme": "tal"}))) == 3
    api_client.force_authenticate(agent)
    assert names(api_client.get(LIST, {"type_algorithme": "tal"})) == ["Tri des courriers"]
    assert names(api_client.get(LIST, {"type_algorithme": "tal"})) == page_filter_names(
        {"type_algorithme": "tal"}, agent
    )


def test_unknown_filter_value_is_a_french_400(api_client, projects):
    response = api_client.get(LIST, {"theme": "espace"})
    assert response.status_code == 400
    message = response.json()["theme"][0]
    assert "valeur inconnue « espace »" in message and "mobilites" in message
    response = api_client.get(LIST, {"organisation": "pas-un-uuid"})
    assert response.status_code == 400 and "organisation" in response.json()


def test_ordering_and_pagination(api_client, projects):
    body = api_client.get(LIST, {"ordering": "-nom_projet", "limit": 2}).json()
    assert body["count"] == 3
    assert [row["nom_projet"] for row in body["results"]] == ["Tri des courriers", "Fuites d'eau"]
    assert body["next"] and "offset=2" in body["next"]
    assert Project.objects.count() == 3
