"""Who manages collections (issue 12): an organisation's managers — moderators and
administrators who belong to it — create, rename, set the access of and delete its
collections and documents, in the pages and the API; agents add documents; nobody else."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.assistant.models import Collection, Document, Visibility
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.assistant.services.uploads import collection_root
from territoria.search import get_index

pytestmark = pytest.mark.django_db


def _fill(collection, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)
    (folder / "piscine.md").write_text(
        "# Piscine\n\n## Horaires\n\nLa piscine ouvre à 9 h et ferme à 19 h.\n", encoding="utf-8"
    )
    run_job(add_files(collection, collect_files(folder)))
    return collection


def test_manager_creates_a_collection_of_their_own_organisation_from_the_page(
    client, manager, other_organisation
):
    client.force_login(manager)
    page = client.get("/assistant/collections/").content.decode()
    assert 'href="/assistant/collections/nouvelle/"' in page
    response = client.post(
        "/assistant/collections/nouvelle/",
        {
            "name": "Guide des services",
            "visibility": "public",
            "organisation": str(other_organisation.pk),  # ignored: the field is fixed
            "contact_service": "Accueil",
        },
    )
    collection = Collection.objects.get(name="Guide des services")
    assert (
        response.status_code == 302 and response.url == "/assistant/collections/guide-des-services/"
    )
    assert collection.organisation == manager.organisation and not collection.managed


def test_collection_named_like_a_page_gets_another_slug(client, manager):
    client.force_login(manager)
    client.post(
        "/assistant/collections/nouvelle/", {"name": "Nouvelle", "visibility": "organisation"}
    )
    assert Collection.objects.get(name="Nouvelle").slug == "nouvelle-2"


def test_agent_and_anonymous_cannot_create_a_collection(client, api_client, agent):
    assert client.get("/assistant/collections/nouvelle/").status_code == 302  # to the login
    client.force_login(agent)
    assert "nouvelle/" not in client.get("/assistant/collections/").content.decode()
    assert client.get("/assistant/collections/nouvelle/").status_code == 403
    api_client.force_authenticate(agent)
    response = api_client.post(
        "/api/assistant/collections/", {"name": "X", "visibility": "public"}, format="json"
    )
    assert response.status_code == 403 and "gestionnaires" in response.json()["detail"]
    assert not Collection.objects.filter(name="X").exists()


def test_manager_renames_and_restricts_a_collection_and_its_passages_follow(
    client, manager, agent, faq_collection, tmp_path, django_capture_on_commit_callbacks
):
    _fill(faq_collection, tmp_path)
    group = Group.objects.create(name="Accueil")
    manager.groups.add(group)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/assistant/collections/{faq_collection.slug}/modifier/",
            {
                "name": "FAQ interne de l'accueil",
                "visibility": "group",
                "groups": [group.pk],
                "contact_service": "Accueil",
            },
        )
    assert response.status_code == 302
    faq_collection.refresh_from_db()
    assert faq_collection.name == "FAQ interne de l'accueil" and faq_collection.slug == "faq"
    # The passages now carry the group's token only (the reindex task ran on commit).
    found = get_index().get(
        faq_collection.namespace, [f"{faq_collection.documents.get().pk}:0"], ["public"]
    )
    assert found == {}
    client.logout()
    answer = client.post("/assistant/public/", {"question": "horaires de la piscine"}, follow=True)
    assert "9 h" not in answer.content.decode()
    client.force_login(agent)  # same organisation, not in the group
    assert client.get("/assistant/collections/faq/").status_code == 404


def test_group_visibility_needs_a_group(client, manager, faq_collection):
    Group.objects.create(name="Accueil")
    client.force_login(manager)
    response = client.post(
        f"/assistant/collections/{faq_collection.slug}/modifier/",
        {"name": "FAQ", "visibility": "group"},
    )
    assert (
        response.status_code == 200 and "Choisissez au moins un groupe" in response.content.decode()
    )


def test_other_organisations_manager_and_agents_cannot_edit_or_delete(
    client, agent, other_manager, faq_collection, internal_collection
):
    for user, expected in ((agent, 403), (other_manager, 403)):
        client.force_login(user)
        # faq is public: they can read it, not manage it
        assert client.get("/assistant/collections/faq/modifier/").status_code == expected
        assert client.post("/assistant/collections/faq/supprimer/").status_code == expected
    client.force_login(other_manager)  # the internal one: not even its existence
    assert client.get("/assistant/collections/procedures/modifier/").status_code == 404
    assert client.post("/assistant/collections/procedures/supprimer/").status_code == 404
    assert Collection.objects.filter(slug__in=["faq", "procedures"]).count() == 2


def test_manager_deletes_a_collection_its_passages_and_files(
    client, manager, faq_collection, tmp_path
):
    client.force_login(manager)
    client.post(
        f"/assistant/collections/{faq_collection.slug}/",
        {"files": [SimpleUploadedFile("horaires.txt", "La mairie ouvre à 8 h 30.".encode())]},
    )
    assert (collection_root(faq_collection) / "horaires.txt").is_file()
    assert get_index().count(faq_collection.namespace) == 1
    confirm = client.get(f"/assistant/collections/{faq_collection.slug}/supprimer/")
    assert "Supprimer définitivement" in confirm.content.decode()
    response = client.post(f"/assistant/collections/{faq_collection.slug}/supprimer/")
    assert response.status_code == 302 and not Collection.objects.filter(slug="faq").exists()
    assert get_index().count("assistant:faq") == 0
    assert not collection_root(faq_collection).exists()


def test_manager_deletes_a_document_an_agent_cannot(client, manager, agent, faq_collection):
    client.force_login(agent)
    client.post(
        f"/assistant/collections/{faq_collection.slug}/",
        {"files": [SimpleUploadedFile("horaires.txt", "La mairie ouvre à 8 h 30.".encode())]},
    )
    document = Document.objects.get()
    assert "supprimer/" not in client.get("/assistant/collections/faq/").content.decode()
    assert client.post(f"/assistant/documents/{document.pk}/supprimer/").status_code == 403
    client.force_login(manager)
    page = client.get("/assistant/collections/faq/").content.decode()
    assert f'href="/assistant/documents/{document.pk}/supprimer/"' in page
    assert client.post(f"/assistant/documents/{document.pk}/supprimer/").status_code == 302
    assert not Document.objects.exists() and get_index().count("assistant:faq") == 0
    assert not (collection_root(faq_collection) / "horaires.txt").exists()


def test_the_registers_collection_is_managed_by_code_not_by_a_person(client, admin_user):
    from django.core.management import call_command

    call_command("assistant", "sources")
    client.force_login(admin_user)
    assert client.get("/assistant/collections/registre/modifier/").status_code == 403
    assert client.post("/assistant/collections/registre/supprimer/").status_code == 403


# --- API ----------------------------------------------------------------------------------


def test_api_manager_creates_renames_restricts_and_deletes(api_client, manager, other_organisation):
    api_client.force_authenticate(manager)
    created = api_client.post(
        "/api/assistant/collections/",
        {"name": "Procédures RH", "visibility": "organisation", "contact_service": "DRH"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["slug"] == "procedures-rh" and data["organisation"] == str(manager.organisation_id)
    assert data["abilities"] == {
        "ask": True,
        "manage": True,
        "answer_handoffs": True,
        "edit": True,
        "delete": True,
        "delete_documents": True,
    }
    foreign = api_client.post(
        "/api/assistant/collections/",
        {"name": "Ailleurs", "visibility": "public", "organisation": str(other_organisation.pk)},
        format="json",
    )
    assert foreign.status_code == 400 and "votre organisation" in foreign.json()["organisation"][0]
    renamed = api_client.patch(
        "/api/assistant/collections/procedures-rh/",
        {"name": "Procédures des ressources humaines", "visibility": "public"},
        format="json",
    )
    assert renamed.status_code == 200 and renamed.json()["slug"] == "procedures-rh"
    assert Collection.objects.get(slug="procedures-rh").visibility == Visibility.PUBLIC
    moved = api_client.patch(
        "/api/assistant/collections/procedures-rh/",
        {"organisation": str(other_organisation.pk)},
        format="json",
    )
    assert moved.status_code == 400
    assert api_client.delete("/api/assistant/collections/procedures-rh/").status_code == 204
    assert not Collection.objects.filter(slug="procedures-rh").exists()


def test_api_others_cannot_edit_or_delete(
    api_client, agent, other_manager, faq_collection, internal_collection
):
    for user in (None, agent, other_manager):
        api_client.force_authenticate(user)
        patched = api_client.patch("/api/assistant/collections/faq/", {"name": "X"}, format="json")
        assert patched.status_code in (401, 403)
        assert api_client.delete("/api/assistant/collections/faq/").status_code in (401, 403)
    api_client.force_authenticate(other_manager)
    assert api_client.delete("/api/assistant/collections/procedures/").status_code == 404
    assert Collection.objects.get(slug="faq").name == "FAQ de la ville"
    assert Collection.objects.filter(slug__in=["faq", "procedures"]).count() == 2


def test_api_document_deletion_is_for_managers(api_client, agent, manager, faq_collection):
    api_client.force_authenticate(agent)
    api_client.post(
        "/api/assistant/collections/faq/upload/",
        {"file": SimpleUploadedFile("horaires.txt", "La mairie ouvre à 8 h 30.".encode())},
        format="multipart",
    )
    document = Document.objects.get()
    url = f"/api/assistant/collections/faq/documents/{document.pk}/"
    assert api_client.delete(url).status_code == 403
    api_client.force_authenticate(manager)
    assert api_client.delete(url).status_code == 204 and not Document.objects.exists()
