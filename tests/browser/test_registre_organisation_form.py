"""Adding and editing an organisation in a browser (issue 12): a moderator checks a SIRET,
reads the errors in plain words, creates the organisation; an agent is refused."""

import re

import pytest
from playwright.sync_api import expect

from territoria.core.models import AuditLog, Organisation
from tests.browser.support import check_accessibility, log_in, screenshot
from tests.registre.test_organisation_pages import COMMUNE_SIRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_moderator_creates_an_organisation_and_an_agent_is_refused(
    page, live_server, moderator, agent
):
    log_in(page, live_server, moderator.username)
    page.goto(live_server.url + "/registre/organisations/")
    page.get_by_role("link", name="Ajouter une organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter une organisation")
    page.get_by_label("Nom").fill("Commune de L'Abergement-Clémenciat")
    page.get_by_label("SIRET").fill("210 100 012 00011")  # wrong control key
    page.get_by_label("Type de collectivité").select_option("commune")
    page.get_by_label("Latitude du siège").fill("46,15")
    page.get_by_role("button", name="Créer l'organisation").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("L'organisation n'a pas été créée")
    expect(summary).to_contain_text("clé de contrôle de Luhn incorrecte")
    check_accessibility(page)
    summary.get_by_role("link", name="SIRET").click()
    expect(page.get_by_label("SIRET")).to_be_focused()
    page.get_by_label("SIRET").fill(COMMUNE_SIRET)
    page.get_by_role("button", name="Vérifier le SIRET").click()
    expect(page.locator(".siren-lookup")).to_have_text(
        "SIREN 210100012 reconnu : commune L'Abergement-Clémenciat, région Auvergne-Rhône-Alpes."
    )
    assert not Organisation.objects.filter(siret=COMMUNE_SIRET).exists()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "organisation-formulaire")
    page.get_by_role("button", name="Créer l'organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commune de L'Abergement-Clémenciat")
    expect(page.locator(".messages")).to_contain_text("région : Auvergne-Rhône-Alpes")
    organisation = Organisation.objects.get(siret=COMMUNE_SIRET)
    assert AuditLog.objects.get(object_id=str(organisation.pk), action="create").actor == moderator
    edit_url = page.get_by_role("link", name="Modifier l'organisation").get_attribute("href")
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, live_server, agent.username)
    page.goto(live_server.url + edit_url)
    expect(page.locator("body")).to_contain_text(
        re.compile("Seuls les modérateurs et les administrateurs")
    )
    page.goto(f"{live_server.url}/registre/organisations/{organisation.pk}/")
    expect(page.get_by_role("link", name="Modifier l'organisation")).to_have_count(0)
