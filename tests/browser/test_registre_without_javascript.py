"""Reading and reporting an error work without JavaScript, and from the keyboard."""

import pytest
from playwright.sync_api import expect

from territoria.registre.models import ErrorReport
from tests.registre.pages_helpers import SECRETS, published_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_js(chromium_browser):
    context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_reader_without_javascript_searches_reads_and_reports(
    page_without_js, live_server, organisation
):
    page = page_without_js
    published_project(
        organisation, nom_projet="Détection des fuites", theme="transition_ecologique"
    )
    published_project(organisation, nom_projet="Navette autonome", theme="mobilites")
    page.goto(live_server.url + "/")
    # Keyboard: the first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.url.endswith("#contenu")

    page.get_by_label("Rechercher un projet, une collectivité, un usage").fill("navette")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#resultats-titre")).to_have_text("1 projet correspond à votre recherche")
    page.locator("#id_q").fill("")
    page.get_by_label("Thème", exact=True).select_option("transition_ecologique")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Détection des fuites").click()
    for value in SECRETS.values():
        assert value not in page.content()

    page.get_by_label("Champ concerné").select_option("partenaires")
    page.get_by_label("Description de l'erreur").fill("Le partenaire indiqué a changé en 2025.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_text("Merci, votre signalement a été transmis")).to_be_visible()
    assert ErrorReport.objects.get().field_name == "partenaires"
