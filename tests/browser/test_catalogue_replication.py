"""Reproducing a register record from a solution page, and merging duplicates, in a browser
(axe on the catalogue's pages). Screenshots: docs/screenshots/catalogue-1[01]-*.png when
TERRITORIA_SCREENSHOTS_DIR=docs/screenshots."""

import pytest
from playwright.sync_api import expect

from territoria.catalogue.importer import load_demo
from territoria.catalogue.models import Provider, RecordReplication, Solution, SolutionUse
from territoria.core.models import Role, User
from territoria.registre.factories import ProjectFactory
from territoria.registre.models import Project
from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-test-1"


def test_an_agent_reproduces_a_register_record_then_a_curator_merges_duplicates(
    page, live_server, organisation, other_organisation
):
    load_demo()
    vosk = Solution.objects.get(name="Vosk")
    source = ProjectFactory(
        organisation=organisation,
        nom_projet="Transcription des conseils municipaux",
        usage_description="Transcrire les séances pour publier les comptes rendus plus vite.",
        risque="Analyse des risques propre à Testville",
    )
    SolutionUse.objects.create(
        solution=vosk, project=source, note="Bon résultat sur les séances calmes."
    )
    User.objects.create_user(
        "bordeaux", password=PASSWORD, role=Role.AGENT, organisation=other_organisation
    )
    log_in(page, live_server, "bordeaux")
    page.goto(live_server.url + vosk.get_absolute_url())
    expect(
        page.get_by_text("Retour d'expérience : Bon résultat sur les séances calmes.")
    ).to_be_visible()
    check_accessibility(page)
    page.get_by_role(
        "button",
        name="Reproduire ce projet dans ma collectivité : « Transcription des conseils municipaux »",
    ).click()
    expect(
        page.get_by_text("Un brouillon « Transcription des conseils municipaux »")
    ).to_be_visible()
    copy = Project.objects.get(organisation=other_organisation)
    assert page.url.endswith(f"/registre/projets/{copy.pk}/modifier/")
    assert copy.usage_description == source.usage_description and copy.risque == ""
    screenshot(page, "catalogue-10-reproduire-fiche")
    assert RecordReplication.objects.get().source == source

    page.goto(live_server.url + vosk.get_absolute_url())
    expect(page.get_by_text("Reproduit du projet")).to_be_visible()
    expect(
        page.get_by_text("2 projets du registre rattachés à cette solution, dont 1 reproduction")
    ).to_be_visible()

    # A curator merges a duplicate from the page.
    Solution.objects.create(
        name="vosk",
        provider=Provider.objects.create(name="Alpha Cephei (doublon)"),
        description="doublon",
        hosting="sur_site",
        ai_features=["stt"],
        price_model="gratuit",
    )
    User.objects.create_user("moderatrice", password=PASSWORD, role=Role.MODERATOR)
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, live_server, "moderatrice")
    page.goto(live_server.url + "/catalogue/")
    page.get_by_role("link", name="Doublons à fusionner").click()
    expect(page.get_by_text("« Vosk » : 2 fiches")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "catalogue-11-doublons")
    page.get_by_role("button", name="Fusionner").click()
    expect(page.get_by_text("1 fiche fusionnée dans « Vosk »")).to_be_visible()
    assert Solution.objects.get(name="vosk").merged_into == vosk
