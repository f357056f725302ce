"""The culture officer of the Métropole Rouen Normandie, in a real browser (headless Chromium):
imports a social indicator (and sees an older-geography file refused), creates the
observatory, reads access and priority areas on the map, runs the 2016 evaluation of the
municipal museums, publishes both; an anonymous reader then sees the public page.
Screenshots: docs/screenshots/culture-*.png (TERRITORIA_SCREENSHOTS_DIR=docs/screenshots).
"""

import pytest
from playwright.sync_api import expect

from territoria.culture import museums, territory
from territoria.culture.models import Action, CultureJob, Observatory
from tests.browser.support import check_accessibility, jobs_runner, log_in, screenshot

from .conftest import ATTENDANCE, COMMUNES, INDICATORS, MUSEOFILE, OLD_GEOGRAPHY, ROUEN_METROPOLE

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_culture_officer_journey(page, live_server, agent):
    territory.import_communes(COMMUNES)
    museums.import_museofile(MUSEOFILE)
    museums.import_attendance(ATTENDANCE)
    page.set_default_timeout(60_000)  # the inline jobs (evaluation) run inside requests
    log_in(page, live_server, agent.username)

    # Imports: the collectivité's indicator, then a file of an older geography (refused).
    page.goto(live_server.url + "/culture/import/")
    check_accessibility(page)
    page.locator("#id_kind").select_option("indicateurs")
    page.locator("#id_file").set_input_files(str(OLD_GEOGRAPHY))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.get_by_role("alert")).to_contain_text("76191 (Cressy) a fusionné dans Val-de-Scie")
    check_accessibility(page)
    screenshot(page, "culture-import-refuse")
    page.goto(live_server.url + "/culture/import/")
    page.locator("#id_kind").select_option("indicateurs")
    page.locator("#id_file").set_input_files(str(INDICATORS))
    page.get_by_role("button", name="Importer le fichier").click()
    expect(page.locator(".message-success")).to_contain_text("Terminé")

    # The observatory of the Métropole: map, ranking, priority areas.
    page.goto(live_server.url + "/culture/")
    page.locator("#id_name").fill("Métropole Rouen Normandie")
    page.locator("#id_epci_code").fill(ROUEN_METROPOLE)
    page.get_by_role("button", name="Créer l'observatoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accès à la culture : Métropole Rouen Normandie"
    )
    expect(page.locator("#carte path.leaflet-interactive")).to_have_count(71)  # core map, areas
    check_accessibility(page)
    page.evaluate("document.getElementById('carte-titre').scrollIntoView()")
    screenshot(page, "culture-observatoire")
    page.get_by_label("Indicateur social des zones prioritaires").select_option(
        "Taux de pauvreté (exemple inventé)"
    )
    page.get_by_role("button", name="Recalculer").click()
    expect(page.locator("#prioritaires + p")).to_contain_text("Taux de pauvreté")
    check_accessibility(page)
    page.evaluate("document.getElementById('prioritaires').scrollIntoView()")
    screenshot(page, "culture-prioritaires")

    # The 2016 evaluation of Rouen's municipal museums.
    page.goto(live_server.url + "/culture/evaluations/")
    page.locator("#id_name").fill("Gratuité des collections permanentes (2016)")
    page.locator("#id_kind").select_option("gratuite")
    page.locator("#id_place").fill("Rouen, musées municipaux")
    page.locator("#id_public").fill("tous publics")
    page.locator("#id_treated").fill("7654005, 7654006, 7654010")
    page.locator("#id_start_year").fill("2016")
    page.locator("#id_first_year").fill("2008")
    page.locator("#id_last_year").fill("2018")
    page.get_by_role("button", name="Lancer l'évaluation").click()  # the job runs inline in tests
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gratuité des collections permanentes (2016)"
    )
    job = CultureJob.objects.get(kind="evaluation")
    assert job.status == CultureJob.Status.DONE, (job.status, job.report, jobs_runner())
    expect(page.locator(".culture-reading")).to_contain_text("Intervalle de confiance à 95 %")
    expect(page.get_by_role("heading", name="Tendances parallèles")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "culture-evaluation")
    page.evaluate("document.getElementById('tendances').scrollIntoView()")
    screenshot(page, "culture-tendances")
    page.get_by_role("button", name="Publier sur l'observatoire").click()
    assert Action.objects.get().published

    # Publication, then the public page as an anonymous reader.
    page.goto(live_server.url + f"/culture/territoires/{Observatory.objects.get().slug}/")
    page.get_by_role("button", name="Publier l'observatoire").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(live_server.url + f"/culture/territoires/{Observatory.objects.get().slug}/")
    expect(
        page.get_by_role("link", name="Gratuité des collections permanentes (2016)")
    ).to_be_visible()
    expect(page.get_by_text("Enregistrer ces poids")).to_have_count(0)
    check_accessibility(page)
    page.goto(live_server.url + "/culture/musees/7654006/")
    expect(page.get_by_text("toutes les entrées comptées payantes").first).to_be_visible()
    check_accessibility(page)
    screenshot(page, "culture-musee")
