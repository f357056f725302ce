import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.assistant.models import Exchange, HandoffRequest, IngestionJob
from territoria.assistant.services.ingestion import add_files, collect_files, run_job


@pytest.fixture
def faq(faq_collection, tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "encombrants.md").write_text(
        "# Encombrants\n\nLa collecte des encombrants a lieu le premier mardi de chaque mois.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    return faq_collection


def test_public_page_citizen_asks_and_sees_sources_then_asks_for_a_human(client, faq):
    response = client.post(
        "/assistant/public/",
        {"question": "Quand a lieu la collecte des encombrants ?"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "premier mardi" in html and "Sources" in html and "encombrants" in html.lower()
    exchange = Exchange.objects.get()
    response = client.post(
        f"/assistant/echanges/{exchange.pk}/agent/",
        {"question": "Et les gravats ?", "contact": ""},
        follow=True,
    )
    assert "transmise à un agent" in response.content.decode()
    assert HandoffRequest.objects.get().collection == faq


def test_public_page_abstains_with_contact(client, faq):
    response = client.post(
        "/assistant/public/", {"question": "Quel temps fera-t-il à Marseille demain ?"}, follow=True
    )
    html = response.content.decode()
    assert "Je ne trouve pas" in html and "Accueil de la mairie" in html


def test_chat_page_requires_login_and_keeps_history(client, agent, faq):
    assert client.get("/assistant/")["Location"] == "/assistant/public/"
    client.force_login(agent)
    client.post("/assistant/", {"question": "encombrants"}, follow=True)
    page = client.get("/assistant/").content.decode()
    assert "Historique" in page and "encombrants" in page


def test_feedback_buttons_store_the_opinion(client, faq):
    client.post("/assistant/public/", {"question": "encombrants"})
    exchange = Exchange.objects.get()
    client.post(
        f"/assistant/echanges/{exchange.pk}/avis/",
        {"feedback": "useful", "next": "/assistant/public/"},
    )
    exchange.refresh_from_db()
    assert exchange.feedback == "useful"


def test_agent_uploads_from_the_collection_page_and_sees_states(client, agent, internal_collection):
    client.force_login(agent)
    files = [
        SimpleUploadedFile("note.md", b"# Note\n\nLa note de service."),
        SimpleUploadedFile("virus.exe", b"MZ"),
    ]
    response = client.post("/assistant/collections/procedures/", {"files": files}, follow=True)
    html = response.content.decode()
    assert "Indexé" in html and "Échec" in html and "format non pris en charge" in html
    job = IngestionJob.objects.get()  # one job for the batch: its counters cover every file
    assert (job.total, job.indexed, job.failed) == (2, 1, 1)
    assert "2 fichier(s) reçu(s)" in html and "1 indexé(s), 0 inchangé(s), 1 en échec sur 2" in html


def test_collection_page_polls_its_states_while_a_job_waits(
    client, agent, internal_collection, procedures_dir
):
    client.force_login(agent)
    add_files(
        internal_collection, collect_files(procedures_dir / "parking.md")
    )  # queued, no worker yet
    page = client.get("/assistant/collections/procedures/").content.decode()
    assert (
        'hx-trigger="every 2s"' in page
        and "Actualiser" in page
        and 'http-equiv="refresh"' not in page
    )
    fragment = client.get(
        "/assistant/collections/procedures/", headers={"HX-Request": "true"}
    ).content.decode()
    assert (
        "<html" not in fragment and "En attente" in fragment and 'hx-trigger="every 2s"' in fragment
    )


def test_document_file_is_served_only_to_readers(
    client, agent, other_agent, internal_collection, procedures_dir
):
    run_job(add_files(internal_collection, collect_files(procedures_dir)))
    document = internal_collection.documents.get(source="parking.md")
    client.force_login(other_agent)
    assert client.get(f"/assistant/documents/{document.pk}/fichier/").status_code == 404
    client.force_login(agent)
    assert client.get(f"/assistant/documents/{document.pk}/fichier/").status_code == 200


def test_handoff_and_log_pages_by_role(client, agent, other_agent, elu, admin_user, faq):
    client.post("/assistant/public/", {"question": "encombrants"})
    exchange = Exchange.objects.get()
    client.post(
        f"/assistant/echanges/{exchange.pk}/agent/", {"question": "Collecte des encombrants ?"}
    )
    client.force_login(elu)
    assert client.get("/assistant/demandes/").status_code == 403
    client.force_login(other_agent)  # an agent of another organisation: an empty inbox
    response = client.get("/assistant/demandes/")
    assert (
        response.status_code == 200 and "Collecte des encombrants" not in response.content.decode()
    )
    assert client.get("/assistant/journal/").status_code == 403
    client.force_login(agent)
    assert "Collecte des encombrants" in client.get("/assistant/demandes/").content.decode()
    client.force_login(admin_user)
    assert "encombrants" in client.get("/assistant/journal/").content.decode()


def test_feedback_and_handoff_never_redirect_off_site(client, faq):
    client.post("/assistant/public/", {"question": "encombrants"})
    exchange = Exchange.objects.get()
    response = client.post(
        f"/assistant/echanges/{exchange.pk}/avis/",
        {"feedback": "useful", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/assistant/"
    response = client.post(
        f"/assistant/echanges/{exchange.pk}/agent/",
        {
            "question": "Et les gravats ?",
            "next": f"/assistant/public/?conversation={exchange.conversation_id}#echange-{exchange.pk}",
        },
    )
    assert response["Location"].endswith(f"#echange-{exchange.pk}")


def test_follow_up_question_keeps_the_collections_the_agent_chose(
    client, agent, internal_collection, faq
):
    client.force_login(agent)
    response = client.post("/assistant/", {"question": "encombrants", "collections": ["faq"]})
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert re.search(r'<input[^>]*value="faq"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="procedures"[^>]*checked', page)


def test_citation_numbers_link_to_their_source_beside_the_answer(client, faq):
    html = client.post(
        "/assistant/public/",
        {"question": "Quand a lieu la collecte des encombrants ?"},
        follow=True,
    ).content.decode()
    exchange = Exchange.objects.get()
    assert (
        f'<a class="citation" href="#source-{exchange.pk}-1" aria-label="source 1">[1]</a>' in html
    )
    assert f'id="source-{exchange.pk}-1"' in html


def test_agent_uploads_a_folder_whose_files_keep_their_path(client, agent, internal_collection):
    import json

    client.force_login(agent)
    folder = [
        SimpleUploadedFile("note.md", b"# Note\n\nLa note de service."),
        SimpleUploadedFile("note.md", b"# Note RH\n\nLa note des ressources humaines."),
        SimpleUploadedFile(".DS_Store", b"\x00"),
    ]
    paths = ["partage/services/note.md", "partage/rh/note.md", "partage/.DS_Store"]
    client.post(
        "/assistant/collections/procedures/", {"folder": folder, "folder_paths": json.dumps(paths)}
    )
    assert sorted(internal_collection.documents.values_list("source", flat=True)) == [
        "partage/rh/note.md",
        "partage/services/note.md",
    ]


def test_two_files_of_one_batch_with_the_same_name_are_both_kept(
    client, agent, internal_collection
):
    client.force_login(agent)
    files = [
        SimpleUploadedFile("note.md", b"# A\n\nPremier texte."),
        SimpleUploadedFile("note.md", b"# B\n\nSecond texte."),
    ]
    client.post("/assistant/collections/procedures/", {"files": files})
    assert sorted(internal_collection.documents.values_list("source", flat=True)) == [
        "note-2.md",
        "note.md",
    ]


def test_upload_without_any_file_says_so(client, agent, internal_collection):
    client.force_login(agent)
    html = client.post(
        "/assistant/collections/procedures/", {"folder_paths": ""}
    ).content.decode()  # as a browser sends it
    assert "Choisissez au moins un fichier ou un dossier." in html
