"""The culture officer builds a short survey, a resident answers it anonymously by its public
link (no account), and the officer reads the results with the themes of the open answers.
Screenshots: docs/screenshots/culture-enquete-*.png."""

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
    log_in(page, live_server, agent.username)
    page.goto(live_server.url + survey.get_absolute_url())
    expect(page.get_by_role("heading", name="Thème 1", exact=False)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("heading", name="Thème 1", exact=False).scroll_into_view_if_needed()
    screenshot(page, "culture-enquete-themes")
