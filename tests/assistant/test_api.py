import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoria.assistant.models import Exchange, HandoffRequest
from territoria.assistant.services.ingestion import add_files, collect_files, run_job


@pytest.fixture
def faq(faq_collection, tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "dechetterie.md").write_text(
        "# Déchetterie\n\n## Horaires\n\nLa déchetterie est ouverte du lundi au samedi de 9 h à 18 h.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    return faq_collection


@pytest.fixture
def procedures(internal_collection, procedures_dir):
    run_job(add_files(internal_collection, collect_files(procedures_dir)))
    return internal_collection


def test_api_ask_anonymous_citizen_gets_cited_answer_from_public_faq(api_client, faq):
    response = api_client.post(
        "/api/assistant/ask/", {"question": "horaires de la déchetterie"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert (
        "9 h à 18 h" in data["answer"]
        and data["citations"][0]["section"] == "Déchetterie › Horaires"
    )
    assert data["latency_ms"] >= 0 and data["energy_wh"] >= 0


def test_api_ask_anonymous_cannot_reach_restricted_collection(api_client, faq, procedures):
    response = api_client.post(
        "/api/assistant/ask/",
        {"question": "télétravail", "collections": ["procedures"]},
        format="json",
    )
    assert response.status_code == 404
    response = api_client.post(
        "/api/assistant/ask/", {"question": "télétravail jours par semaine"}, format="json"
    )
    assert all(p["collection"] == "faq" for p in response.json()["passages"])


def test_api_ask_agent_gets_restricted_answer_with_page(api_client, agent, procedures):
    api_client.force_authenticate(agent)
    response = api_client.post(
        "/api/assistant/ask/",
        {"question": "Combien de jours de télétravail par semaine ?"},
        format="json",
    )
    citation = response.json()["citations"][0]
    assert citation["source"] == "reglement-interieur.pdf" and citation["page"] == 2
    # The citation opens the rendered source at its passage (page 2), not the raw file.
    n = citation["key"].rsplit(":", 1)[1]
    assert (
        citation["url"] == f"/assistant/documents/{citation['document']}/?passage={n}#passage-{n}"
    )


@pytest.mark.parametrize("question", ["", "?", "x" * 5000, "'; DROP TABLE search_fts; --"])
def test_api_ask_absurd_questions_never_fail(api_client, faq, question):
    response = api_client.post("/api/assistant/ask/", {"question": question}, format="json")
    assert response.status_code in (200, 400)


def test_api_search_and_collections_filter_by_rights(api_client, agent, faq, procedures):
    from territoria.core.modules import assistant_sources

    sources = {source.slug for source in assistant_sources()}  # public collections of modules

    def slugs():
        listed = {
            c["slug"] for c in api_client.get("/api/assistant/collections/").json()["results"]
        }
        return listed - sources

    assert slugs() == {"faq"}
    anonymous = api_client.get("/api/assistant/search/", {"q": "télétravail"}).json()
    assert "procedures" not in {p["collection"] for p in anonymous}
    api_client.force_authenticate(agent)
    # Positive control: the same query finds the internal passages once allowed to.
    allowed = api_client.get("/api/assistant/search/", {"q": "télétravail"}).json()
    assert "procedures" in {p["collection"] for p in allowed}
    assert slugs() == {"faq", "procedures"}
    hits = api_client.get(
        "/api/assistant/search/", {"q": "télétravail", "collection": "procedures"}
    ).json()
    assert hits[0]["source"] == "reglement-interieur.pdf" and "<mark>" in hits[0]["snippet"]


def test_api_upload_by_agent_indexes_in_background_and_reports_progress(
    api_client, agent, internal_collection
):
    api_client.force_authenticate(agent)
    upload = SimpleUploadedFile(
        "astreinte.md", "# Astreinte\n\nL'astreinte de week-end est rémunérée.".encode()
    )
    response = api_client.post(
        "/api/assistant/collections/procedures/upload/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 202
    job = api_client.get(f"/api/assistant/jobs/{response.json()['id']}/").json()
    assert job["state"] == "done" and job["indexed"] == 1 and job["percent"] == 100
    documents = api_client.get("/api/assistant/collections/procedures/documents/").json()
    assert documents[0]["state"] == "indexed"


def test_api_upload_refused_to_other_organisation_and_anonymous(
    api_client, other_agent, internal_collection, faq
):
    upload = SimpleUploadedFile("a.md", b"# A")
    assert api_client.post(
        "/api/assistant/collections/faq/upload/", {"file": upload}, format="multipart"
    ).status_code in (401, 403)
    api_client.force_authenticate(other_agent)
    assert (
        api_client.post(
            "/api/assistant/collections/procedures/upload/", {"file": upload}, format="multipart"
        ).status_code
        == 404
    )
    assert (
        api_client.post(
            "/api/assistant/collections/faq/upload/", {"file": upload}, format="multipart"
        ).status_code
        == 403
    )


def test_api_feedback_and_handoff_by_citizen_reach_the_agents(api_client, faq, agent):
    answer = api_client.post(
        "/api/assistant/ask/", {"question": "Puis-je déposer de l'amiante ?"}, format="json"
    ).json()
    assert answer["abstained"] and answer["contact"]["service"] == "Accueil de la mairie"
    assert (
        api_client.post(
            f"/api/assistant/exchanges/{answer['exchange']}/feedback/",
            {"feedback": "not_useful"},
            format="json",
        ).status_code
        == 204
    )
    response = api_client.post(
        "/api/assistant/handoffs/",
        {
            "collection": "faq",
            "exchange": answer["exchange"],
            "question": "Amiante ? Je suis joignable à jean@exemple.fr",
            "contact": "jean@exemple.fr",
        },
        format="json",
    )
    assert response.status_code == 201
    assert HandoffRequest.objects.get().question == "Amiante ? Je suis joignable à [e-mail]"
    assert (
        api_client.get("/api/assistant/handoffs/").json()["results"] == []
    )  # citizens do not list requests
    api_client.force_authenticate(agent)
    listed = api_client.get("/api/assistant/handoffs/").json()["results"]
    assert len(listed) == 1
    done = api_client.post(
        f"/api/assistant/handoffs/{listed[0]['id']}/answer/",
        {"response": "Non, filière spécialisée."},
        format="json",
    )
    assert done.json()["state"] == "answered"
    assert Exchange.objects.get().feedback == "not_useful"


def test_api_feedback_on_someone_elses_exchange_is_not_found(api_client, faq, agent):
    answer = api_client.post(
        "/api/assistant/ask/", {"question": "horaires déchetterie"}, format="json"
    ).json()
    api_client.force_authenticate(agent)
    assert (
        api_client.post(
            f"/api/assistant/exchanges/{answer['exchange']}/feedback/",
            {"feedback": "wrong"},
            format="json",
        ).status_code
        == 404
    )


def test_api_log_is_for_administrators_and_masks_personal_data(api_client, faq, agent, admin_user):
    api_client.post(
        "/api/assistant/ask/",
        {"question": "Je m'appelle Jean Dupont, tél 06 12 34 56 78, horaires déchetterie ?"},
        format="json",
    )
    api_client.force_authenticate(agent)
    assert api_client.get("/api/assistant/log/").status_code == 403
    api_client.force_authenticate(admin_user)
    entry = api_client.get("/api/assistant/log/").json()["results"][0]
    assert "Dupont" not in entry["question"] and "06 12" not in entry["question"]
    assert "[nom]" in entry["question"] and "[téléphone]" in entry["question"]
    assert entry["passages"] and entry["latency_ms"] >= 0


def test_citizen_sees_the_service_phone_in_the_answer_but_the_log_masks_it(
    api_client, faq_collection, tmp_path, admin_user
):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "contact.md").write_text(
        "# Contact\n\nTéléphone du service des eaux : 01 40 50 60 70, en semaine.", encoding="utf-8"
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "c")))
    answer = api_client.post(
        "/api/assistant/ask/",
        {"question": "Quel est le téléphone du service des eaux ?"},
        format="json",
    ).json()
    assert "01 40 50 60 70" in answer["answer"]
    api_client.force_authenticate(admin_user)
    entry = api_client.get("/api/assistant/log/").json()["results"][0]
    assert "01 40 50 60 70" not in entry["answer"] and "[téléphone]" in entry["answer"]


def test_openapi_schema_describes_the_assistant_api(api_client):
    schema = api_client.get(reverse("api-schema"), {"format": "json"}).json()
    for path in [
        "/api/assistant/ask/",
        "/api/assistant/search/",
        "/api/assistant/collections/",
        "/api/assistant/collections/{slug}/documents/",
        "/api/assistant/handoffs/",
    ]:
        assert path in schema["paths"], path
