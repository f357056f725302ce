"""The culture officer builds a short survey, a resident answers it anonymously by its public
link (no account), and the officer reads the results with the themes of the open answers (the
grid of usual barriers, then her own grid, with a refused line on the way), and follows the
« pas pour moi » agreement since an earlier wave.
Screenshots: docs/screenshots/culture-enquete-*.png."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from territoria.culture import surveys
from territoria.culture.models import Survey
from tests.browser.support import check_accessibility, log_in, screenshot

from .test_surveys import INTEREST, PRICE, TRANSPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_survey_built_answered_and_read(page, live_server, agent):
    page.set_default_timeout(60_000)
    log_in(page, live_server, agent.username)
    page.goto(live_server.url + "/culture/enquetes/")
    page.locator("#id_title").fill("La culture et vous")
    page.get_by_role("button", name="Créer l'enquête").click()
    survey = Survey.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text("La culture et vous")
    page.get_by_role("button", name="Se déconnecter").click()

    # A resident answers anonymously through the public link.
    page.goto(live_server.url + survey.public_url())
    check_accessibility(page)
    page.get_by_label("Plutôt d'accord").check()
    page.get_by_label("Non", exact=True).check()
    page.get_by_label("Qu'est-ce qui vous empêche").fill("Il n'y a pas de bus le dimanche.")
    page.get_by_label("Votre tranche d'âge").select_option("moins de 25 ans")
    screenshot(page, "culture-enquete-reponse")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_role("status")).to_contain_text("votre réponse anonyme est enregistrée")

    # More answers (as if from other residents), then the officer reads the themes.
    question = survey.questions.get(kind="ouverte")
    for number, text in enumerate(PRICE + TRANSPORT + INTEREST):
        surveys.record(survey, {question: text}, "", "", f"source-{number}")
    # An earlier wave asked the same statement: the page follows it over time.
    earlier = surveys.create_survey("Vague de 2025", "", surveys.DEFAULT_QUESTIONS)
    Survey.objects.filter(pk=earlier.pk).update(created_at=survey.created_at - timedelta(days=365))
    statement = earlier.questions.get(kind="accord")
    for number in range(12):
        surveys.record(earlier, {statement: "5" if number < 9 else "1"}, "", "", f"vague-{number}")
    statement = survey.questions.get(kind="accord")
    for number in range(11):
        surveys.record(survey, {statement: "2"}, "", "", f"accord-{number}")
    log_in(page, live_server, agent.username)
    page.goto(live_server.url + survey.get_absolute_url())
    trend = page.get_by_role("table", name="Évolution", exact=False)
    expect(trend.get_by_role("row", name="Vague de 2025", exact=False)).to_contain_text("75")
    expect(page.get_by_text("la part d'accord baisse de", exact=False)).to_be_visible()
    trend.scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-evolution")
    # The default question on what keeps people away comes with the grid of usual barriers.
    grid_table = page.get_by_role("table", name="Réponses libres par thème de la grille")
    expect(grid_table).to_be_visible()
    expect(grid_table.get_by_role("row", name="Prix", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Groupe 1", exact=False)).to_be_visible()
    check_accessibility(page)
    page.get_by_role(
        "heading", name="Thèmes de la grille", exact=False
    ).scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-themes")

    # The officer writes her own grid: a line without its description is refused and named.
    field = page.get_by_label("Grille de thèmes de cette question")
    field.fill("Coût : c'est trop cher ; je n'ai pas les moyens\nTransports")
    page.get_by_role("button", name="Enregistrer la grille").click()
    expect(page.get_by_role("alert")).to_contain_text("ligne 2 : « Transports » — attendu")
    check_accessibility(page)
    field = page.get_by_label("Grille de thèmes de cette question")
    field.fill(
        "Coût : c'est trop cher ; je n'ai pas les moyens\n"
        "Transports : c'est trop loin ; pas de bus ni de voiture\n"
        "Sentiment d'exclusion : ce n'est pas pour moi ; je ne me sens pas à ma place"
    )
    page.get_by_role("button", name="Enregistrer la grille").click()
    expect(page.get_by_role("status").first).to_contain_text("Grille de thèmes enregistrée")
    grid_table = page.get_by_role("table", name="Réponses libres par thème de la grille")
    expect(grid_table.get_by_role("row", name="Sentiment d'exclusion", exact=False)).to_be_visible()
    page.get_by_text("Les ", exact=False).filter(has_text="réponses de « Coût »").click()
    expect(page.get_by_role("table", name="Réponses rangées dans « Coût »")).to_be_visible()
    expect(page.get_by_text("Votre grille n'a pas été mesurée")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("heading", name="Coût (", exact=False).scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-grille")
