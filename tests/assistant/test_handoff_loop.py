"""The hand-off loop (issue 12): a question passed to a human reaches the collection's agents
(an inbox in the menu with its count, an e-mail), and their answer reaches the requester (on
their conversation, and by e-mail at the address they gave)."""

import pytest
from django.core import mail
from django.test import Client

from territoria.assistant.models import Exchange, HandoffRequest
from territoria.assistant.services.ingestion import add_files, collect_files, run_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def faq(faq_collection, tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "dechetterie.md").write_text(
        "# Déchetterie\n\n## Horaires\n\nLa déchetterie est ouverte du lundi au samedi de 9 h à 18 h.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    faq_collection.contact_email = "accueil@testville.fr"
    faq_collection.save()
    return faq_collection


def _citizen_hands_off(client, django_capture_on_commit_callbacks, contact="jean@exemple.fr"):
    asked = client.post("/assistant/public/", {"question": "Puis-je déposer de l'amiante ?"})
    conversation_url = asked.url.split("#")[0]
    exchange = Exchange.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/assistant/echanges/{exchange.pk}/agent/",
            {
                "question": "Où déposer de l'amiante ?",
                "contact": contact,
                "next": conversation_url,
            },
        )
    assert response.status_code == 302
    return conversation_url


def test_new_request_is_mailed_to_the_collections_agents_and_service_only(
    client, faq, agent, other_agent, elu, django_capture_on_commit_callbacks
):
    _citizen_hands_off(client, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["accueil@testville.fr", "agent@example.org"]
    assert "Où déposer de l'amiante ?" in message.body and "/assistant/demandes/" in message.body
    assert "jean@exemple.fr" in message.body  # the agents need it to answer
    assert message.subject.startswith("[") and "FAQ de la ville" in message.subject


def test_agents_menu_shows_the_inbox_with_its_count(
    client, faq, agent, other_agent, elu, django_capture_on_commit_callbacks
):
    _citizen_hands_off(client, django_capture_on_commit_callbacks)
    client.force_login(agent)
    page = client.get("/").content.decode()
    assert (
        'href="/assistant/demandes/">Demandes reçues <span class="nav-count">1'
        '<span class="visually-hidden"> à traiter</span></span></a>'
    ) in page
    client.force_login(other_agent)  # another organisation: the inbox, nothing waiting
    page = client.get("/").content.decode()
    assert 'href="/assistant/demandes/">Demandes reçues</a>' in page
    client.force_login(elu)  # no inbox
    assert "/assistant/demandes/" not in client.get("/").content.decode()


def test_answer_shows_on_the_citizens_conversation_and_is_mailed_to_the_contact(
    client, faq, agent, django_capture_on_commit_callbacks
):
    conversation_url = _citizen_hands_off(client, django_capture_on_commit_callbacks)
    waiting = client.get(conversation_url).content.decode()
    assert "Question transmise à un agent" in waiting and "en attente de réponse" in waiting
    mail.outbox.clear()

    staff = Client()  # the agent, in their own browser
    staff.force_login(agent)
    inbox = staff.get("/assistant/demandes/").content.decode()
    assert 'À traiter <span class="count">(1)</span>' in inbox
    handoff = HandoffRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/assistant/demandes/",
            {"handoff": str(handoff.pk), "response": "À la déchetterie de l'Est, sur rendez-vous."},
        )
    handoff.refresh_from_db()
    assert handoff.state == "answered" and handoff.answered_by == agent
    assert handoff.response_sent_to == "jean@exemple.fr"
    assert [m.to for m in mail.outbox] == [["jean@exemple.fr"]]
    assert "sur rendez-vous" in mail.outbox[0].body
    answered = staff.get("/assistant/demandes/?etat=answered").content.decode()
    assert "Envoyée par e-mail à jean@exemple.fr" in answered

    page = client.get(conversation_url).content.decode()  # the citizen's browser
    assert "Réponse de l'agent" in page and "sur rendez-vous" in page


def test_a_phone_contact_gets_the_answer_on_the_conversation_only(
    client, faq, agent, django_capture_on_commit_callbacks
):
    _citizen_hands_off(client, django_capture_on_commit_callbacks, contact="06 12 34 56 78")
    mail.outbox.clear()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/assistant/demandes/",
            {"handoff": str(HandoffRequest.objects.get().pk), "response": "Sur rendez-vous."},
        )
    assert mail.outbox == [] and HandoffRequest.objects.get().response_sent_to == ""


def test_a_mail_server_failure_never_loses_the_request_or_the_answer(
    client, faq, agent, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    _citizen_hands_off(client, django_capture_on_commit_callbacks)
    assert HandoffRequest.objects.count() == 1
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/assistant/demandes/",
            {"handoff": str(HandoffRequest.objects.get().pk), "response": "Sur rendez-vous."},
        )
    assert response.status_code == 302
    handoff = HandoffRequest.objects.get()
    assert handoff.state == "answered" and handoff.response_sent_to == ""


def test_others_cannot_answer_a_request(
    client, api_client, faq, other_agent, django_capture_on_commit_callbacks
):
    _citizen_hands_off(client, django_capture_on_commit_callbacks)
    handoff = HandoffRequest.objects.get()
    client.force_login(other_agent)
    response = client.post("/assistant/demandes/", {"handoff": str(handoff.pk), "response": "x"})
    assert response.status_code == 404
    assert (
        client.post("/assistant/demandes/", {"handoff": "zzz", "response": "x"}).status_code == 404
    )
    api_client.force_authenticate(other_agent)
    answered = api_client.post(
        f"/api/assistant/handoffs/{handoff.pk}/answer/", {"response": "x"}, format="json"
    )
    assert answered.status_code == 404
    assert HandoffRequest.objects.get().state == "open"


def test_api_answer_is_mailed_to_the_requester(
    api_client, faq, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            "/api/assistant/handoffs/",
            {"collection": "faq", "question": "Amiante ?", "contact": "Jean, jean@exemple.fr"},
            format="json",
        )
    assert created.status_code == 201 and len(mail.outbox) == 1
    api_client.force_authenticate(agent)
    with django_capture_on_commit_callbacks(execute=True):
        done = api_client.post(
            f"/api/assistant/handoffs/{created.json()['id']}/answer/",
            {"response": "Filière spécialisée."},
            format="json",
        )
    assert done.json()["state"] == "answered"
    assert mail.outbox[-1].to == ["jean@exemple.fr"]
    assert HandoffRequest.objects.get().response_sent_to == "jean@exemple.fr"
