"""A curator adds a solution in a real browser, is taken to the grid and scores it; a
duplicate is refused on the page. axe on each page; screenshots catalogue-9-*.png when
TERRITORIA_SCREENSHOTS_DIR=docs/screenshots."""

import pytest
from playwright.sync_api import expect

from territoria.catalogue.importer import load_demo
from territoria.catalogue.models import Solution
from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_curator_adds_edits_and_scores_a_solution(page, live_server, moderator):
    load_demo()
    log_in(page, live_server, moderator.username)
    page.goto(f"{live_server.url}/catalogue/")
    page.get_by_role("link", name="Ajouter une solution").click()
    expect(page.get_by_role("heading", name="Ajouter une solution au catalogue")).to_be_visible()
    page.locator("#id_name").fill("Whisper.cpp")
    page.locator("#id_provider_name").fill("Communauté ggml")
    # The demo has whisper.cpp by "ggml (Georgi Gerganov…)": another record, said on purpose.
    page.locator("#id_homonym").check()
    page.locator("#id_description").fill(
        "Transcription de la parole sur processeur, portage C/C++ du modèle Whisper."
    )
    page.locator("#id_licence").fill("MIT")
    page.locator("#id_free_software").check()
    page.locator("#id_hosting").select_option("sur_site")
    page.get_by_label("Transcription de la parole").check()
    page.locator("#id_price_model").select_option("gratuit")
    check_accessibility(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "catalogue-9-curation")
    page.get_by_role("button", name="Ajouter au catalogue").click()

    # Straight to the grid.
    expect(page.get_by_role("heading", name="Évaluer Whisper.cpp sur la grille")).to_be_visible()
    expect(page.get_by_text("est au catalogue : notez-la maintenant sur la grille")).to_be_visible()
    page.locator('[id="score-adequation.besoin"]').select_option("2")
    page.get_by_label("Évaluation publique").check()
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    expect(page.get_by_role("heading", name="Whisper.cpp", exact=True)).to_be_visible()
    expect(page.get_by_text("Notes réconciliées de 1 évaluateur")).to_be_visible()

    # A duplicate (same provider, same name folded) is refused, with a link to the record.
    page.goto(f"{live_server.url}/catalogue/solutions/nouvelle/")
    page.locator("#id_name").fill("WHISPER.CPP")
    page.locator("#id_provider").select_option(label="Communauté ggml")
    page.locator("#id_description").fill("Doublon")
    page.locator("#id_hosting").select_option("sur_site")
    page.get_by_label("Transcription de la parole").check()
    page.locator("#id_price_model").select_option("gratuit")
    page.get_by_role("button", name="Ajouter au catalogue").click()
    expect(
        page.get_by_text("« Whisper.cpp » de Communauté ggml est déjà au catalogue")
    ).to_be_visible()
    check_accessibility(page)
    assert Solution.objects.filter(name__iexact="whisper.cpp").count() == 2  # demo + ours
