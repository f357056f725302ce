"""The AI-Act category left empty is shown as « Non renseignée », counted and filterable."""

import pytest
from django.urls import reverse

from tests.registre.pages_helpers import published_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(organisation):
    published_project(organisation, nom_projet="Sans catégorie A", risque_categorie="")
    published_project(organisation, nom_projet="Sans catégorie B", risque_categorie="")
    published_project(organisation, nom_projet="Risque minimal", risque_categorie="minimal")


def test_the_list_counts_records_without_a_category(client, projects):
    html = client.get(reverse("registre:list")).content.decode()
    assert '<option value="non-renseigne">Non renseignée (2)</option>' in html
    assert '<option value="minimal">Risque minimal (1)</option>' in html


def test_filtering_on_non_renseignee_gives_the_records_without_a_category(client, projects):
    html = client.get(reverse("registre:list"), {"risque_categorie": "non-renseigne"})
    html = html.content.decode()
    assert "Sans catégorie A</a>" in html and "Sans catégorie B</a>" in html
    assert "Risque minimal</a>" not in html
    assert "ignoré" not in html


def test_the_api_and_the_dashboard_say_it_too(client, projects):
    data = client.get("/api/registre/projets/", {"risque_categorie": "non-renseigne"}).json()
    names = sorted(p["nom_projet"] for p in data.get("results", data))
    assert names == ["Sans catégorie A", "Sans catégorie B"]
    board = client.get("/api/registre/tableau-de-bord/").json()
    chart = next(c for c in board["charts"] if c["name"] == "risque_categorie")
    assert {v["label"]: v["count"] for v in chart["values"]} == {
        "Risque minimal": 1,
        "Non renseignée": 2,
    }
    html = client.get(reverse("registre:dashboard")).content.decode()
    assert "Non renseignée" in html
