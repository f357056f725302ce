"""Restricted collections and documents never reach someone without the right — page, API,
source view, download, answer, search — whoever tries: anonymous, an agent of another
organisation, an agent of the organisation outside a group collection's groups, a manager of
another organisation (issue 12)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import add_files, collect_files, run_job

pytestmark = pytest.mark.django_db

CANARY = "Le code du coffre de la régie est 7319-CANARI."


@pytest.fixture
def restricted(organisation, tmp_path):
    """An organisation-only collection and a group-only one, each with the canary."""
    group = Group.objects.create(name="Régie")
    internal = Collection.objects.create(
        slug="interne", name="Notes internes", organisation=organisation
    )
    regie = Collection.objects.create(
        slug="regie", name="Régie", organisation=organisation, visibility=Visibility.GROUP
    )
    regie.groups.add(group)
    for collection in (internal, regie):
        folder = tmp_path / collection.slug
        folder.mkdir()
        (folder / "coffre.md").write_text(f"# Coffre de la régie\n\n{CANARY}\n", encoding="utf-8")
        run_job(add_files(collection, collect_files(folder)))
    public = Collection.objects.create(
        slug="faq", name="FAQ", organisation=organisation, visibility=Visibility.PUBLIC
    )
    return {"interne": internal, "regie": regie, "faq": public, "group": group}


def _outsiders(agent, other_agent, other_manager):
    """Who must not read each collection: (who, slugs they must not reach)."""
    return [
        ("anonyme", None, ["interne", "regie"]),
        ("agent d'une autre organisation", other_agent, ["interne", "regie"]),
        ("gestionnaire d'une autre organisation", other_manager, ["interne", "regie"]),
        ("agent de l'organisation hors du groupe", agent, ["regie"]),
    ]


def test_pages_sources_and_downloads_stay_closed(restricted, agent, other_agent, other_manager):
    for label, user, slugs in _outsiders(agent, other_agent, other_manager):
        client = Client()
        if user:
            client.force_login(user)
        listing = client.get("/assistant/collections/")
        for slug in slugs:
            collection = restricted[slug]
            document = collection.documents.get()
            assert collection.name not in listing.content.decode() or listing.status_code == 302
            for url in (
                f"/assistant/collections/{slug}/",
                f"/assistant/documents/{document.pk}/?passage=0",
                f"/assistant/documents/{document.pk}/fichier/",
            ):
                response = client.get(url)
                assert response.status_code == 404, (label, url, response.status_code)
                assert "CANARI" not in response.content.decode()
            for url in (
                f"/assistant/collections/{slug}/modifier/",
                f"/assistant/collections/{slug}/supprimer/",
                f"/assistant/documents/{document.pk}/supprimer/",
            ):
                assert client.post(url).status_code in (302, 404), (label, url)  # 302: login
            assert collection.documents.exists()


def test_answers_never_quote_a_restricted_passage(restricted, agent, other_agent, other_manager):
    for label, user, _slugs in _outsiders(agent, other_agent, other_manager):
        client = Client()
        if user:
            client.force_login(user)
        page = "/assistant/" if user else "/assistant/public/"
        response = client.post(
            page, {"question": "Quel est le code du coffre de la régie ?"}, follow=True
        )
        text = response.content.decode()
        if user is agent:  # reads the organisation's collection, not the group's
            assert "7319-CANARI" in text and "/regie" not in text
        else:
            assert "CANARI" not in text, label


def test_api_never_gives_a_restricted_collection_or_passage(
    restricted, agent, other_agent, other_manager
):
    for label, user, slugs in _outsiders(agent, other_agent, other_manager):
        api = APIClient()
        api.force_authenticate(user)
        listed = [c["slug"] for c in api.get("/api/assistant/collections/").json()["results"]]
        asked = api.post(
            "/api/assistant/ask/", {"question": "code du coffre de la régie"}, format="json"
        ).json()
        found = api.get("/api/assistant/search/", {"q": "coffre régie code"}).json()
        for slug in slugs:
            assert slug not in listed, label
            assert api.get(f"/api/assistant/collections/{slug}/").status_code == 404, label
            assert api.get(f"/api/assistant/collections/{slug}/documents/").status_code == 404
            response = api.post(
                "/api/assistant/ask/",
                {"question": "code du coffre", "collections": [slug]},
                format="json",
            )
            assert response.status_code == 404, label
            assert all(p["collection"] != slug for p in asked.get("passages", [])), label
            assert all(p["collection"] != slug for p in found), label
        if user is not agent:
            assert "CANARI" not in str(asked) and "CANARI" not in str(found), label


def test_a_group_member_reads_it_and_a_manager_of_the_organisation_administers_it(
    restricted, agent, manager
):
    agent.groups.add(restricted["group"])
    client = Client()
    client.force_login(agent)
    document = restricted["regie"].documents.get()
    assert "CANARI" in client.get(f"/assistant/documents/{document.pk}/").content.decode()
    client.force_login(manager)  # not in the group: manages it, does not read its text
    assert client.get("/assistant/collections/regie/").status_code == 200
    assert "CANARI" not in client.get(f"/assistant/documents/{document.pk}/").content.decode()
    assert client.get(f"/assistant/documents/{document.pk}/fichier/").status_code == 404
