"""The assistant from the demo state alone (issue 12), in a real browser, axe on every page.

The demo's manager of the Ville de Metz creates a public collection, uploads a batch (an empty
file among them is refused by name, the others indexed by the worker while the page shows the
job's progress); a citizen asks, gets a cited answer and opens the cited passage in the
rendered source; a question the guide does not answer goes to a human with an e-mail
address; the agents are told by e-mail and see the request counted in their menu; the demo
agent answers it; the citizen sees the answer on the conversation and gets it by e-mail.
Screenshots: docs/screenshots/assistant-gestion-*.png, assistant-relais-*.png.
"""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from territoria.assistant.models import Collection, HandoffRequest
from tests.browser.support import check_accessibility, log_in, screenshot
from tests.jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE = """# Guide des services aux habitants

## Déchetterie

### Horaires

La déchetterie de Metz-Nord est ouverte du lundi au samedi de 9 h à 18 h, **fermeture à 17 h
du 1er novembre au 28 février**. Elle est fermée le dimanche et les jours fériés.

### Accès

L'accès est gratuit pour les habitants sur présentation du badge délivré par la mairie.

## État civil

### Carte d'identité

La demande de carte d'identité se fait sur rendez-vous à l'accueil de la mairie, avec une
photo d'identité récente et un justificatif de domicile.
"""


@pytest.fixture(autouse=True)
def queued_jobs(settings, tmp_path):
    """Uploads wait in the database queue for a worker, as with `make run`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LLM_BASE_URL = ""


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "envoi"
    folder.mkdir()
    (folder / "guide-des-services.md").write_text(GUIDE, encoding="utf-8")
    (folder / "horaires-mairie.txt").write_text(
        "La mairie est ouverte du lundi au vendredi de 8 h 30 à 17 h 30.", encoding="utf-8"
    )
    (folder / "brouillon-vide.txt").write_bytes(b"")
    return [
        folder / "guide-des-services.md",
        folder / "brouillon-vide.txt",
        folder / "horaires-mairie.txt",
    ]


def _visit(page, name=None):
    check_accessibility(page)
    if name:
        screenshot(page, f"assistant-{name}")


def _run_worker():
    run_worker()


def _state(page, source):
    return page.locator("table.documents tr", has_text=source).locator("td.state")


def _ask(page, question, collection=None):
    if collection:
        page.get_by_role("checkbox", name=collection).check()
    page.get_by_label("Votre question").fill(question)
    page.get_by_role("button", name="Demander").click()
    exchange = page.locator("article.exchange").last
    expect(exchange.locator(".question")).to_have_text(question)
    return exchange


def test_manager_builds_a_collection_citizen_asks_and_hands_off_agent_answers_citizen_reads(
    chromium_browser, live_server, demo, files
):
    password = django_settings.DEMO_PASSWORD
    manager = chromium_browser.new_context(viewport={"width": 1280, "height": 1250}, locale="fr-FR")
    manager.set_default_timeout(10_000)
    page = manager.new_page()

    # 1. The demo manager creates a public collection from the collections page.
    log_in(page, live_server, "gestionnaire.metz", password)
    page.goto(live_server.url + "/assistant/")
    page.get_by_role("link", name="Collections et documents").click()
    _visit(page)
    page.get_by_role("link", name="Nouvelle collection").click()
    page.get_by_label("Nom").fill("Guide des services aux habitants")
    page.get_by_label("Description").fill("Horaires, démarches et services de la Ville de Metz.")
    page.get_by_label("Publique (citoyens compris)").check()
    page.get_by_label("Service à contacter").fill("Accueil de la mairie")
    page.get_by_label("E-mail du service").fill("accueil@metz.example")
    _visit(page, "gestion-nouvelle")
    page.get_by_role("button", name="Créer la collection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guide des services aux habitants")
    expect(
        page.get_by_text("Collection « Guide des services aux habitants » créée")
    ).to_be_visible()
    collection = Collection.objects.get(name="Guide des services aux habitants")
    assert collection.organisation.name == "Ville de Metz"

    # 2. A batch of three files, one of them empty: refused by name, the two others queued.
    page.get_by_label(re.compile("Fichiers")).set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Envoyer et indexer").click()
    expect(page.get_by_text("« brouillon-vide.txt » : fichier vide")).to_be_visible()
    expect(page.get_by_text("2 fichier(s) reçu(s)")).to_be_visible()
    expect(_state(page, "guide-des-services.md")).to_have_text("En attente")
    expect(page.locator("#etat-collection progress")).to_be_visible()
    expect(page.get_by_role("link", name="Actualiser")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    _visit(page, "gestion-envoi")
    _run_worker()
    expect(_state(page, "guide-des-services.md")).to_have_text("Indexé", timeout=60_000)
    expect(_state(page, "horaires-mairie.txt")).to_have_text("Indexé")
    expect(page.get_by_text("2 indexé(s), 0 inchangé(s), 0 en échec sur 2")).to_be_visible()
    expect(page.locator("#etat-collection progress")).to_have_attribute("value", "100")
    page.evaluate("document.getElementById('titre-indexation').scrollIntoView()")
    _visit(page, "gestion-indexee")

    # 3. A citizen, in another browser, asks the public page and opens the cited passage.
    citizen_context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )
    citizen_context.set_default_timeout(10_000)
    citizen = citizen_context.new_page()
    citizen.goto(live_server.url + "/assistant/public/")
    exchange = _ask(
        citizen,
        "Quels sont les horaires de la déchetterie ?",
        "Guide des services aux habitants",
    )
    answer = exchange.locator(".answer")
    expect(answer).to_contain_text("18 h")
    expect(answer.get_by_role("link", name=re.compile(r"^source \d+$")).first).to_be_visible()
    expect(exchange.locator(".cost")).to_contain_text("ampoule LED")
    _visit(citizen, "relais-reponse-citee")
    source_link = exchange.locator(".sources li").first.get_by_role("link")
    expect(source_link).to_have_attribute("href", re.compile(r"/assistant/documents/.+passage="))
    source_page = citizen_context.new_page()
    source_page.goto(live_server.url + source_link.get_attribute("href"))
    cited = source_page.locator(".source-passage.cited")
    expect(cited).to_contain_text("de 9 h à 18 h")
    expect(cited).to_contain_text("18 h, fermeture à 17 h du 1er novembre")  # no "**" left
    expect(cited).to_be_in_viewport()
    check_accessibility(source_page)
    screenshot(source_page, "assistant-relais-source")
    source_page.close()

    # 4. A question the guide does not answer: abstention, hand-off with an e-mail address.
    exchange = _ask(citizen, "Comment inscrire mon enfant à la cantine scolaire ?")
    expect(exchange.locator(".answer")).to_contain_text("Je ne trouve pas de réponse")
    handoff = exchange.locator("details.handoff")
    handoff.get_by_label(re.compile("Vos coordonnées")).fill("habitant@example.org")
    _visit(citizen, "relais-transmission")
    handoff.get_by_role("button", name="Envoyer à un agent").click()
    expect(citizen.get_by_text("Votre question a été transmise à un agent")).to_be_visible()
    expect(citizen.locator(".handoff-status").last).to_contain_text("en attente de réponse")
    conversation_url = citizen.url.split("#")[0]
    notified = [m for m in mail.outbox if "Nouvelle demande" in m.subject]
    assert len(notified) == 1
    assert {"agent.metz@demo.invalid", "accueil@metz.example"} <= set(notified[0].to)
    assert "cantine scolaire" in notified[0].body

    # 5. The demo agent sees the request counted in the menu and answers it.
    manager.close()
    agent_context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )
    agent_context.set_default_timeout(10_000)
    agent = agent_context.new_page()
    log_in(agent, live_server, "agent.metz", password)
    inbox_link = agent.get_by_role("link", name=re.compile(r"Demandes reçues 1 à traiter"))
    expect(inbox_link).to_be_visible()
    inbox_link.click()
    request_ = agent.locator("article.handoff-request", has_text="cantine scolaire")
    expect(request_).to_contain_text("habitant@example.org")
    _visit(agent, "relais-demandes")
    request_.get_by_label("Votre réponse").fill(
        "L'inscription se fait au service Éducation, 1 place d'Armes, avant le 30 juin."
    )
    request_.get_by_role("button", name="Répondre").click()
    expect(agent.get_by_text("Réponse enregistrée")).to_be_visible()
    answered = agent.locator("article.handoff-request", has_text="cantine scolaire")
    expect(answered).to_contain_text("Envoyée par e-mail à habitant@example.org")
    expect(agent.get_by_role("link", name=re.compile(r"^Demandes reçues$"))).to_be_visible()
    agent_context.close()
    assert HandoffRequest.objects.get().state == "answered"
    replies = [m for m in mail.outbox if m.to == ["habitant@example.org"]]
    assert len(replies) == 1 and "service Éducation" in replies[0].body

    # 6. The citizen comes back to the conversation: the agent's answer is under the question.
    citizen.goto(conversation_url)
    status = citizen.locator(".handoff-status.answered")
    expect(status).to_contain_text("Réponse de l'agent")
    expect(status).to_contain_text("service Éducation")
    status.scroll_into_view_if_needed()
    _visit(citizen, "relais-reponse-agent")
    citizen_context.close()
