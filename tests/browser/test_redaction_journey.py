"""The writing help, end to end in a real browser, with an accessibility check per page.

An agent finds the deliberations of other collectivités on a subject (facets), drafts a new one
pre-filled with cited visas, edits it, saves it (the checks run), exports it in the house
template; turns meeting notes into minutes with decisions and actions (the job waits in the
queue and the page shows its progress until a worker ran it); gets a plain-language report on
a letter and accepts three suggestions. Screenshots: docs/redaction.md embeds them.
"""

import io
import re
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect

from territoria.redaction.models import ActDraft, ActTemplate
from territoria.redaction.services.exports import template_placeholders
from territoria.redaction.services.scdl import import_file
from tests.browser.support import check_accessibility, log_in, screenshot
from tests.jobs import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "redaction"
LETTER = (
    "Madame, afin de procéder à l'instruction de votre demande en date du 3 mars 2024, il convient "
    "de transmettre les pièces justificatives susmentionnées dans les meilleurs délais, "
    "conformément à l'article L. 423-1 du code de l'urbanisme. Votre dossier a été transmis au "
    "service de l'urbanisme et la réalisation de l'instruction nécessite la vérification de la "
    "conformité de la construction par la DDT. Le montant de la taxe s'élève à 1 250 €."
)


@pytest.fixture(autouse=True)
def queued_jobs(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.LLM_BASE_URL = ""  # extractive: deterministic


@pytest.fixture
def published(db):
    import_file(
        (FIXTURES / "deliberations.csv").read_bytes(),
        "deliberations.csv",
        texts_dir=FIXTURES / "textes",
    )
    run_worker()  # embeddings


@pytest.fixture
def house_template(organisation):
    template = docx.Document()
    template.add_paragraph("VILLE DE TESTVILLE — EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS")
    template.add_paragraph("{{titre}}", style="Title")
    template.add_paragraph("{{seance}}")
    template.add_paragraph("{{visas}}")
    template.add_paragraph("{{considerants}}")
    template.add_paragraph("DÉCIDE :")
    template.add_paragraph("{{dispositif}}", style="List Number")
    template.add_paragraph("{{vote}}")
    out = io.BytesIO()
    template.save(out)
    content = out.getvalue()
    return ActTemplate.objects.create(
        organisation=organisation,
        name="Extrait du registre",
        format="docx",
        content=content,
        placeholders=template_placeholders(content, "docx"),
    )


def test_agent_journey_deliberation_minutes_plain_language(
    page, live_server, agent, published, house_template
):
    # 1. Find what other collectivités decided on a subject.
    page.goto(live_server.url + "/redaction/deliberations/?q=subvention+association+sportive")
    expect(page.get_by_role("heading", name="Délibérations publiées")).to_be_visible()
    page.get_by_role("link", name="7.5").first.click()
    expect(page.locator("caption")).to_contain_text("délibération")
    check_accessibility(page)
    screenshot(page, "redaction-1-deliberations")
    page.get_by_role("link", name="Attribution d'une subvention de fonctionnement").click()
    expect(page.get_by_role("heading", name="Texte de l'acte")).to_be_visible()

    # 2. Draft a new one, pre-filled from the most similar ones, each line cited.
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/redaction/")
    check_accessibility(page)
    page.get_by_label("Objet de la délibération").fill(
        "Attribution d'une subvention au club de football"
    )
    page.get_by_label("Date de la séance").fill("2024-05-02")
    page.get_by_role("button", name="Créer le projet pré-rempli").click()
    expect(page.get_by_role("heading", name="Projet de délibération")).to_be_visible()
    expect(
        page.get_by_role("heading", name="D'où viennent les lignes pré-remplies")
    ).to_be_visible()
    visas = page.get_by_label("Visas (un par ligne, « Vu … »)")
    expect(visas).to_contain_text("L. 1611-4")
    page.get_by_label("Considérants (un par ligne, « Considérant … »)").fill(
        "Considérant que le club accueille 120 jeunes licenciés ;\nConsidérant la demande de 3 000 € du club"
    )
    page.get_by_label("Dispositif : un article par ligne").fill(
        "D'attribuer au club de football une subvention de 3 000 €.\nLe maire est chargé de l'exécution de la présente délibération."
    )
    page.get_by_label("Votants").fill("17")
    page.get_by_label(re.compile(r"^Pour")).fill("17")
    page.get_by_label("Contre").fill("0")
    page.get_by_label("Abstentions").fill("0")
    page.get_by_role("button", name="Enregistrer et vérifier").click()
    expect(page.get_by_text("Toutes les vérifications passent.")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "redaction-2-projet")
    with page.expect_download() as download:
        page.get_by_role("link", name="DOCX avec le modèle « Extrait du registre »").click()
    exported = docx.Document(download.value.path())
    texts = [p.text for p in exported.paragraphs]
    assert texts[0] == "VILLE DE TESTVILLE — EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS"
    assert "Article 1er : D'attribuer au club de football une subvention de 3 000 €." in texts
    assert ActDraft.objects.get().visas

    # 3. Meeting notes become minutes: queued, progress shown, then the worker runs it.
    page.goto(live_server.url + "/redaction/outils/minutes/")
    page.get_by_label("Titre (pour vous retrouver)").fill("Copil mobilités")
    page.get_by_label(re.compile(r"^Texte")).fill(
        (FIXTURES / "reunions" / "comite-mobilites-2024-05-14.txt").read_text(encoding="utf-8")
    )
    page.get_by_role("button", name="Lancer").click()
    expect(page.get_by_role("progressbar", name="Avancement")).to_be_visible()
    check_accessibility(page)
    run_worker()
    expect(page.get_by_role("heading", name="Compte rendu (extraits de la source)")).to_be_visible(
        timeout=15_000
    )
    expect(
        page.get_by_role("table", name="Actions — Pistes cyclables de la rue Pasteur")
    ).to_contain_text("Paul Lefebvre")
    check_accessibility(page)
    screenshot(page, "redaction-3-compte-rendu")

    # 4. Plain language: report, then three suggestions accepted.
    page.goto(live_server.url + "/redaction/outils/plain/")
    page.get_by_label(re.compile(r"^Texte")).fill(LETTER)
    page.get_by_role("button", name="Lancer").click()
    run_worker()
    expect(page.get_by_role("heading", name="Rapport de lisibilité")).to_be_visible(timeout=15_000)
    page.get_by_label("« afin de » → « pour »").check()
    page.get_by_label("« il convient de » → « il faut »").check()
    page.get_by_label("« dans les meilleurs délais » → « rapidement »").check()
    page.get_by_role("button", name="Appliquer les suggestions cochées").click()
    expect(
        page.get_by_text("Chiffres, dates, montants et références juridiques conservés.")
    ).to_be_visible()
    expect(page.locator(".redaction-text")).to_contain_text("Madame, pour procéder à l")
    check_accessibility(page)
    page.evaluate("document.getElementById('titre-suggestions').scrollIntoView()")
    screenshot(page, "redaction-4-langage-clair")


@pytest.fixture
def collections(organisation, other_organisation, tmp_path):
    """Two documents in a collection of the agent's organisation, one in another's."""
    from territoria.assistant.models import Collection
    from territoria.assistant.services.ingestion import add_files, collect_files, run_job

    files = {
        "commune": {
            "velo.md": "# Plan vélo 2025\n\n"
            "Le conseil a adopté le plan vélo de la commune le 12 mars 2025.\n"
            "Le plan prévoit 14 kilomètres de pistes cyclables nouvelles d'ici 2028.\n"
            "Le budget du plan vélo s'élève à 2,4 millions d'euros sur quatre ans.\n",
            "ecoles.md": "# Restauration scolaire\n\n"
            "La cantine des écoles sert désormais 40 % de produits biologiques et locaux.\n"
            "Une nouvelle cuisine centrale ouvrira en septembre 2026 pour les six écoles.\n",
        },
        "voisine": {"coffre.md": "# Coffre de la voisine\n\nLe code du coffre est 7319-CANARI.\n"},
    }
    for slug, owner in (("commune", organisation), ("voisine", other_organisation)):
        collection = Collection.objects.create(
            slug=slug, name=f"Notes de {slug}", organisation=owner
        )
        folder = tmp_path / slug
        folder.mkdir()
        for name, text in files[slug].items():
            (folder / name).write_text(text, encoding="utf-8")
        run_job(add_files(collection, collect_files(folder)))


def test_agent_summarises_a_selection_of_documents_with_citations(
    page, live_server, agent, collections
):
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/redaction/outils/summary/")
    page.get_by_role("link", name="Résumer plusieurs documents d'une collection").click()
    collection = page.get_by_label("Collection")
    expect(collection.locator("option")).to_have_text(["—", "Notes de commune"])
    collection.select_option(label="Notes de commune")
    page.get_by_role("button", name="Afficher ses documents").click()
    page.get_by_label("Plan vélo 2025").check()
    page.get_by_label("Restauration scolaire").check()
    page.get_by_label("Longueur de la synthèse (mots)").fill("40")
    check_accessibility(page)
    page.get_by_role("button", name="Lancer la synthèse").click()
    expect(page.get_by_role("progressbar", name="Avancement")).to_be_visible()
    run_worker()
    expect(page.get_by_role("heading", name=re.compile("^Synthèse"))).to_be_visible(timeout=15_000)
    summary = page.locator("section[aria-labelledby=titre-synthese]")
    expect(summary).to_contain_text("Documents résumés : Plan vélo 2025 · Restauration scolaire")
    expect(summary.get_by_role("link", name="Restauration scolaire, passage 1")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "redaction-5-synthese-documents")
    # Each sentence opens the passage it comes from, highlighted, in the assistant.
    summary.get_by_role("link", name="Plan vélo 2025, passage 1").first.click()
    expect(page.locator("mark")).to_contain_text("plan vélo")
    # Another organisation's collection: not listed, and its address answers « introuvable ».
    response = page.goto(
        live_server.url + "/redaction/outils/synthese-documents/?collection=voisine"
    )
    assert response.status == 404
    expect(page.get_by_text("7319-CANARI")).to_have_count(0)
