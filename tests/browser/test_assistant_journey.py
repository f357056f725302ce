"""The offline assistant, end to end in a real browser, with an accessibility check per page.

An agent drops several files on a collection page (the ingestion job waits in the task queue,
as in production, and a worker runs it while the page updates itself), asks a question whose
answer is on page 2 of a PDF and follows its citation, gives feedback, gets an abstention with
the collection's contact and passes the question to a human, who answers it on the requests
page. A citizen asks the public FAQ, gets a cited answer or the hand-off, and never sees the
agents' restricted collection. An administrator reads the exchange log, personal data masked.
Screenshots: see conftest.SCREENSHOTS (docs/assistant.md embeds them).
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from territoria.assistant.models import (
    Collection,
    Exchange,
    HandoffRequest,
    HandoffState,
    Visibility,
)
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from tests.assistant.files import make_docx, make_pdf
from tests.browser.support import check_accessibility, log_in, screenshot
from tests.jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_2_FACT = "Les agents peuvent télétravailler deux jours par semaine au maximum."
FICHES = Path(__file__).parents[1] / "fixtures" / "assistant" / "fiches"
FICHES_QUESTION = "Mon voisin fait du bruit la nuit, à partir de quelle heure c'est interdit ?"
FICHES_DECIDING = "entre le coucher et le lever du soleil"


@pytest.fixture(autouse=True)
def queued_jobs(settings, tmp_path):
    """Uploads are queued in the database, as in production, instead of running inside the request."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LLM_BASE_URL = ""  # extractive answers: deterministic


@pytest.fixture
def collections(organisation):
    internal = Collection.objects.create(
        slug="procedures",
        name="Procédures internes",
        visibility=Visibility.ORGANISATION,
        organisation=organisation,
        description="Règlement, guides RH et notes de service.",
        contact_service="Direction des ressources humaines",
        contact_email="drh@testville.fr",
        contact_phone="01 23 45 67 89",
    )
    faq = Collection.objects.create(
        slug="faq",
        name="FAQ de la ville",
        visibility=Visibility.PUBLIC,
        organisation=organisation,
        description="Questions fréquentes des habitants.",
        contact_service="Accueil de la mairie",
        contact_phone="01 98 76 54 32",
    )
    return internal, faq


@pytest.fixture
def agent_folder(tmp_path):
    """What an agent drops: a 2-page PDF (the fact is on page 2), a Word file, a corrupt PDF, a program."""
    folder = tmp_path / "partage"
    folder.mkdir()
    make_pdf(
        folder / "reglement-interieur.pdf",
        [
            [
                "Règlement intérieur des services",
                "Article 1 - Champ d'application",
                "Le présent règlement s'applique à tous les agents de la ville.",
            ],
            [
                "Article 12 - Télétravail",
                PAGE_2_FACT,
                "La demande est adressée au supérieur hiérarchique.",
            ],
        ],
        title="Règlement intérieur",
    )
    make_docx(
        folder / "guide-conges.docx",
        "Guide des congés",
        [
            ("h1", "Congés annuels"),
            ("p", "Chaque agent dispose de vingt-cinq jours de congés annuels."),
            ("h2", "Report"),
            (
                "p",
                "Les congés non pris peuvent être reportés jusqu'au 31 mars de l'année suivante.",
            ),
        ],
    )
    (folder / "budget-2024.pdf").write_bytes(b"%PDF-1.4 tronque, illisible")
    (folder / "macro.exe").write_bytes(b"MZ\x90\x00")
    (folder / "faq-dechetterie.md").write_text(
        "# Déchetterie\n\n## Horaires\n\nLa déchetterie est ouverte du lundi au samedi de 9 h à 18 h.\n\n"
        "## Accès\n\nL'accès est gratuit pour les habitants sur présentation d'un badge.\n",
        encoding="utf-8",
    )
    return folder


def _visit(page, name=None):
    check_accessibility(page)
    if name:
        screenshot(page, f"assistant-{name}")


def _run_worker():
    """What `territoria db_worker` does in production: run the queued ingestion jobs, then stop."""
    run_worker()


def _row(page, source):
    return page.locator("table.documents tr", has_text=source)


def _upload(page, files, sources):
    """Upload through the form (several files at once); the documents wait for the worker."""
    page.get_by_label(re.compile("Fichiers")).set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Envoyer et indexer").click()
    expect(page.get_by_text(f"{len(files)} fichier(s) reçu(s)")).to_be_visible()
    for source in sources:
        expect(_row(page, source).locator("td.state")).to_have_text("En attente")
    expect(page.get_by_role("link", name="Actualiser")).to_be_visible()
    page.evaluate("window.pasDeRechargement = true")  # lost if the page reloads
    page.evaluate("document.getElementById('titre-indexation').scrollIntoView()")


def _watch_states(page, expected):
    """The states change in place (htmx polling), without a reload of the page."""
    for source, state in expected.items():
        expect(_row(page, source).locator("td.state")).to_contain_text(state, timeout=60_000)
    assert page.evaluate("window.pasDeRechargement === true"), (
        "la page s'est rechargée au lieu de se mettre à jour"
    )


def _ask(page, question, collection_name=None):
    if collection_name:
        page.get_by_role("checkbox", name=collection_name).check()
    page.get_by_label("Votre question").fill(question)
    page.get_by_role("button", name="Demander").click()
    exchange = page.locator("article.exchange").last
    expect(exchange.locator(".question")).to_be_visible()
    return exchange


def test_agent_indexes_asks_and_hands_off_citizen_asks_faq_admin_reads_masked_log(
    page, live_server, collections, agent_folder, agent, admin_user
):
    internal, faq = collections

    # 1. The agent drops four files at once on the internal collection.
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/assistant/collections/")
    _visit(page)
    page.get_by_role("link", name="Procédures internes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Procédures internes")
    _visit(page)
    files = ["reglement-interieur.pdf", "guide-conges.docx", "budget-2024.pdf", "macro.exe"]
    _upload(page, [agent_folder / name for name in files], files)
    _visit(page, "envoi")
    _run_worker()
    _watch_states(
        page,
        {
            "reglement-interieur.pdf": "Indexé",
            "guide-conges.docx": "Indexé",
            "budget-2024.pdf": "Échec",
            "macro.exe": "Échec",
        },
    )
    expect(_row(page, "budget-2024.pdf")).to_contain_text("fichier illisible ou corrompu")
    expect(_row(page, "macro.exe")).to_contain_text("format non pris en charge")
    expect(_row(page, "reglement-interieur.pdf").locator("td").nth(2)).to_have_text("2")  # pages
    expect(page.get_by_text("2 indexé(s), 0 inchangé(s), 2 en échec sur 4")).to_be_visible()
    expect(page.get_by_role("link", name="Actualiser")).to_have_count(0)  # polling stopped
    page.evaluate("document.getElementById('titre-indexation').scrollIntoView()")
    _visit(page, "collection")

    # The public FAQ, from the same page of its own collection.
    page.goto(live_server.url + "/assistant/collections/faq/")
    _upload(page, [agent_folder / "faq-dechetterie.md"], ["faq-dechetterie.md"])
    _run_worker()
    _watch_states(page, {"faq-dechetterie.md": "Indexé"})
    _visit(page)

    # 2. A question answered on page 2 of the PDF: short, cited, sources beside, link to page 2.
    page.goto(live_server.url + "/assistant/")
    _visit(page)
    exchange = _ask(page, "Combien de jours de télétravail par semaine ?", "Procédures internes")
    answer = exchange.locator(".answer")
    expect(answer).to_contain_text("deux jours par semaine")
    citation = answer.get_by_role("link", name=re.compile(r"^source \d+$")).first
    expect(citation).to_be_visible()  # [n] in the text, a link to its source beside the answer
    citation.click()
    expect(page).to_have_url(re.compile(r"#source-[0-9a-f-]+-\d+$"))
    source = page.locator(".sources li:target")
    expect(source).to_contain_text("Règlement intérieur")
    expect(source).to_contain_text("page 2")
    document = internal.documents.get(source="reglement-interieur.pdf")
    link = source.get_by_role("link", name="Règlement intérieur")
    expect(link).to_have_attribute(
        "href", re.compile(rf"^/assistant/documents/{document.pk}/\?passage=\d+#passage-\d+$")
    )
    served = page.request.get(live_server.url + f"/assistant/documents/{document.pk}/fichier/")
    assert served.ok and served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment")
    assert len(answer.inner_text().split()) < 80  # short: a few sentences of the sources
    _visit(page, "reponse-citee")
    # The link opens the rendered source, the cited passage highlighted and scrolled to.
    source_page = page.context.new_page()
    source_page.goto(live_server.url + link.get_attribute("href"))
    cited = source_page.locator(".source-passage.cited")
    expect(cited).to_contain_text("deux jours par semaine")
    expect(cited).to_be_in_viewport()
    expect(source_page.get_by_text("Page 2", exact=True)).to_be_visible()
    source_page.close()

    # Feedback.
    exchange.get_by_role("button", name="Utile", exact=True).click()
    expect(page.get_by_text("Merci pour votre avis.")).to_be_visible()
    expect(page).to_have_url(
        re.compile(r"#echange-")
    )  # back to the answer, not the top of the page
    expect(
        page.locator("article.exchange").last.get_by_role("button", name="Utile", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    assert Exchange.objects.get(question__contains="télétravail").feedback == "useful"

    # 3. Off-topic in the same conversation: abstention, the collection's contact, hand-off.
    expect(
        page.get_by_role("checkbox", name="Procédures internes")
    ).to_be_checked()  # kept for the follow-up
    expect(page.get_by_role("checkbox", name="FAQ de la ville")).not_to_be_checked()
    exchange = _ask(page, "Quel temps fera-t-il à Marseille demain ?")
    expect(exchange.locator(".answer")).to_contain_text("Je ne trouve pas de réponse")
    expect(exchange.locator(".answer")).to_contain_text("Direction des ressources humaines")
    expect(exchange.locator(".answer")).to_contain_text("drh@testville.fr")
    expect(exchange.get_by_text("Aucune source ne répond à cette question.")).to_be_visible()
    handoff = exchange.locator("details.handoff")
    expect(handoff).to_have_attribute("open", "")
    _visit(page, "abstention")
    handoff.get_by_label("Question").fill(
        "Le télétravail est-il possible les jours d'alerte météo ?"
    )
    handoff.get_by_role("button", name="Envoyer à un agent").click()
    expect(page.get_by_text("Votre question a été transmise à un agent")).to_be_visible()

    # Personal data in a question: answered from the Word file, stored masked.
    exchange = _ask(
        page, "Combien de jours de congés annuels ? (camille.martin@testville.fr, 06 12 34 56 78)"
    )
    expect(exchange.locator(".answer")).to_contain_text("vingt-cinq jours")
    expect(exchange.locator(".sources")).to_contain_text("Guide des congés")
    expect(exchange.locator(".question")).to_contain_text("[e-mail]")
    expect(exchange.locator(".question")).to_contain_text("[téléphone]")

    # 4. The request on the agents' page, answered there.
    page.goto(live_server.url + "/assistant/demandes/")
    request_ = page.locator("article.handoff-request", has_text="alerte météo")
    expect(request_).to_contain_text("Procédures internes")
    expect(request_).to_contain_text("À traiter")
    _visit(page, "demandes")
    request_.get_by_label("Réponse").fill(
        "Oui, avec l'accord de votre responsable, dans la limite de deux jours."
    )
    request_.get_by_role("button", name="Répondre").click()
    expect(page.get_by_text("Réponse enregistrée")).to_be_visible()
    expect(page.locator("article.handoff-request", has_text="alerte météo")).to_contain_text(
        "Répondue"
    )
    assert HandoffRequest.objects.get().state == HandoffState.ANSWERED
    page.get_by_role("button", name="Se déconnecter").click()

    # 5. A citizen on the public page: a cited FAQ answer…
    page.goto(live_server.url + "/assistant/")
    expect(page).to_have_url(re.compile("/assistant/public/"))
    _visit(page)
    exchange = _ask(page, "Quels sont les horaires de la déchetterie ?")
    expect(exchange.locator(".answer")).to_contain_text("de 9 h à 18 h")
    expect(exchange.locator(".answer")).to_contain_text("[1]")
    expect(exchange.locator(".sources li").first).to_contain_text("Horaires")
    _visit(page, "public")
    # …the hand-off when the FAQ does not know…
    exchange = _ask(page, "Comment obtenir un permis de construire ?")
    expect(exchange.locator(".answer")).to_contain_text("Je ne trouve pas de réponse")
    expect(exchange.locator(".answer")).to_contain_text("Accueil de la mairie")
    exchange.get_by_label(re.compile("Vos coordonnées")).fill("habitant@example.org")
    _visit(page, "public-relais")
    exchange.get_by_role("button", name="Envoyer à un agent").click()
    expect(page.get_by_text("Votre question a été transmise à un agent")).to_be_visible()
    assert HandoffRequest.objects.filter(collection=faq, requester=None).count() == 1
    _visit(page)
    # …and never the agents' restricted collection.
    exchange = _ask(page, "Combien de jours de télétravail par semaine ?")
    body = exchange.inner_text()
    assert "Règlement intérieur" not in body and "télétravailler" not in body
    restricted = Exchange.objects.filter(user=None, question__contains="télétravail").get()
    assert not [c for c in restricted.citations if c["collection"] == "procedures"]
    # Asked: the public collections (the FAQ and the modules' sources), never "procedures".
    assert "faq" in restricted.collections and "procedures" not in restricted.collections

    # 5b. A citizen's everyday question over a collection of real Service-Public fiches (issue 20;
    # tests/fixtures/assistant/fiches: 13 fiches, five of them on neighbours; provenance in
    # SOURCE.md), indexed and embedded by the worker's job: the right fiche, its deciding sentence
    # (the rule, with its condition) in the answer, cited, and highlighted in the fiche.
    fiches = Collection.objects.create(
        slug="fiches",
        name="Fiches Service-Public",
        visibility=Visibility.PUBLIC,
        organisation=faq.organisation,
        description="Vos droits et démarches (DILA, Licence Ouverte 2.0).",
    )
    run_job(add_files(fiches, collect_files(FICHES)))
    page.goto(live_server.url + "/assistant/")
    exchange = _ask(page, FICHES_QUESTION)
    answer = exchange.locator(".answer")
    expect(answer).to_contain_text(FICHES_DECIDING)  # the deciding sentence, with its condition
    citation = answer.get_by_role("link", name=re.compile(r"^source \d+$")).first
    citation.click()
    source = page.locator(".sources li:target")
    expect(source).to_contain_text("Troubles de voisinage : bruits de comportement")
    _visit(page, "fiches")
    # The cited passage, in the rendered fiche.
    source_page = page.context.new_page()
    source_page.goto(
        live_server.url
        + source.get_by_role("link", name=re.compile("Troubles de voisinage")).get_attribute("href")
    )
    expect(source_page.locator(".source-passage.cited")).to_contain_text(FICHES_DECIDING)
    source_page.close()

    # 6. The administrator's log: every exchange, personal data masked.
    log_in(page, live_server, "admin")
    page.goto(live_server.url + "/assistant/journal/")
    log = page.locator("table").inner_text()
    assert "[e-mail]" in log and "[téléphone]" in log
    assert "camille.martin@testville.fr" not in log and "06 12 34 56 78" not in log
    expect(page.locator("tbody tr")).to_have_count(Exchange.objects.count())
    expect(page.locator("tbody tr", has_text="horaires de la déchetterie")).to_contain_text(
        "anonyme"
    )
    _visit(page, "journal")


def test_agent_drops_a_whole_folder_and_documents_keep_their_path(
    page, live_server, agent, collections
):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:  # the upload is a copy: the folder may go after it
        folder = Path(tmp) / "partage"
        (folder / "rh").mkdir(parents=True)
        (folder / "services").mkdir()
        make_docx(
            folder / "rh" / "conges.docx",
            "Guide des congés",
            [("p", "Vingt-cinq jours de congés annuels.")],
        )
        (folder / "services" / "note.md").write_text(
            "# Note\n\nLa note de service du 3 mars.\n", encoding="utf-8"
        )
        (folder / "rh" / "note.md").write_text(
            "# Note RH\n\nLa note des ressources humaines.\n", encoding="utf-8"
        )
        (folder / ".DS_Store").write_bytes(b"\x00\x00")
        log_in(page, live_server, agent.username)
        page.goto(live_server.url + "/assistant/collections/procedures/")
        page.get_by_label(re.compile("Ou un dossier entier")).set_input_files(str(folder))
        page.get_by_role("button", name="Envoyer et indexer").click()
        expect(page.get_by_text("3 fichier(s) reçu(s)")).to_be_visible()
    _run_worker()
    page.reload()
    for source in ("partage/rh/conges.docx", "partage/rh/note.md", "partage/services/note.md"):
        expect(_row(page, source).locator("td.state")).to_contain_text("Indexé")
    assert not page.get_by_text("DS_Store").count()
    _visit(page)
