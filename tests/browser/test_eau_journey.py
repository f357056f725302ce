"""A water engineer's journey through the eau module, in Chromium, on the real data.

The agent imports L-Town's EPANET model, sees its zones drawn as a schematic, imports the
2018 and 2019 SCADA flows and the 2019 tank level, runs the day-by-day leak detection and
watches its progress, reads an alert's explanation (observed against expected flow, water
and money lost), confirms one alert and dismisses another with a reason, computes
Kitchener's renewal plan, and imports quality samples to see a non-compliance. An
anonymous visitor sees the public quality page and nothing of the network. Screenshots:
docs/screenshots/eau-*.png when TERRITORIA_SCREENSHOTS_DIR=docs/screenshots.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from territoria.eau.models import Alert, AlertStatus
from tests.browser.support import check_accessibility, log_in, screenshot
from tests.shared_data import SHARED_DATA, requires_shared_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    requires_shared_data,
]

DATA = SHARED_DATA / "eau"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"


def test_water_engineer_journey(page, live_server, agent, monkeypatch):
    monkeypatch.setenv("TERRITORIA_SHARED_DATA", str(SHARED_DATA))
    # Real files of megabytes, imported and replayed inline (immediate job backend): generous
    # waits on a shared 2-core machine.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(120_000)
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/eau/")
    expect(page.get_by_role("heading", name="Eau potable", level=1)).to_be_visible()
    check_accessibility(page)

    # 1. the EPANET model
    page.get_by_label("Nom du réseau").fill("L-Town")
    page.get_by_label("Fichier .inp").set_input_files(str(DATA / "L-TOWN.inp"))
    page.get_by_role("button", name="Importer le réseau").click()
    expect(page.get_by_text("Réseau « L-Town » importé : 3 zones.")).to_be_visible()
    expect(page.get_by_role("table", name="Zones déduites de la topologie")).to_contain_text(
        "p227 + p235 − PUMP_1"
    )
    screenshot(page, "eau-reseau")
    check_accessibility(page)

    # 2. a bad SCADA file is refused with its line, then the real ones are imported
    bad = FIXTURES / "samples.csv"  # not a SCADA export: its first column is no timestamp
    page.get_by_label("Fichiers CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Importer les mesures").click()
    expect(
        page.get_by_text("samples.csv, ligne 2, colonne « commune » : horodatage illisible")
    ).to_be_visible()
    page.get_by_label("Fichiers CSV").set_input_files(
        [
            str(DATA / "SCADA_Flows_2018.csv"),
            str(DATA / "SCADA_Flows_2019.csv"),
            str(DATA / "SCADA_Levels_2019.csv"),
        ]
    )
    page.get_by_role("button", name="Importer les mesures").click()
    expect(page.get_by_text("SCADA_Flows_2019.csv : 105120 mesures importées.")).to_be_visible()

    # 3. day-by-day detection as a background job with its progress
    with page.expect_navigation(timeout=600_000):
        page.get_by_role("button", name="Détecter les fuites sur toutes les mesures").click(
            no_wait_after=True
        )
    expect(page.get_by_text("Statut : Terminé")).to_be_visible(timeout=120_000)
    expect(page.get_by_label("Avancement")).to_have_attribute("value", "730")
    screenshot(page, "eau-traitement")
    check_accessibility(page)
    page.get_by_role("link", name="Voir le réseau et ses alertes").click()
    page.get_by_label("Mois affiché").fill("2019-04")
    page.get_by_role("button", name="Afficher").click()
    chart = page.get_by_role("img", name="Débit horaire de la zone A (04/2019)")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, "eau-debits")
    check_accessibility(page)

    # 4. an alert explains itself; the agent decides
    alerts = list(Alert.objects.filter(raised_at__year=2019).order_by("raised_at"))
    assert len(alerts) >= 5
    page.goto(f"{live_server.url}/eau/alertes/{alerts[0].pk}/")
    expect(page.get_by_role("img", name="débit observé et attendu")).to_be_visible()
    expect(page.get_by_text("Eau perdue jusqu'au")).to_be_visible()
    page.get_by_role("heading", name="Décision").scroll_into_view_if_needed()
    screenshot(page, "eau-alerte")
    check_accessibility(page)
    page.get_by_role("button", name="Confirmer la fuite").click()
    expect(page.get_by_text("Alerte confirmée.")).to_be_visible()
    page.goto(f"{live_server.url}/eau/alertes/{alerts[1].pk}/")
    page.get_by_role("button", name="Écarter l'alerte").click()
    expect(page.get_by_text("Indiquez pourquoi l'alerte est écartée.")).to_be_visible()
    page.get_by_label("Motif ou commentaire").fill("Essai de poteau incendie des pompiers")
    page.get_by_role("button", name="Écarter l'alerte").click()
    expect(page.get_by_text("Alerte écartée.")).to_be_visible()
    assert Alert.objects.get(pk=alerts[1].pk).status == AlertStatus.DISMISSED

    # 5. Kitchener's renewal plan
    page.goto(live_server.url + "/eau/renouvellement/")
    page.get_by_label("Budget (km renouvelés par an)").fill("8")
    with page.expect_navigation(timeout=600_000):  # the job runs inline in tests
        page.get_by_role("button", name="Calculer le plan").click(no_wait_after=True)
    expect(page.get_by_text("Statut : Terminé")).to_be_visible(timeout=600_000)
    page.get_by_role("link", name="Voir le plan de renouvellement").click()
    expect(page.get_by_role("table", name="Canalisations à renouveler")).to_contain_text("casse")
    screenshot(page, "eau-renouvellement")
    page.locator("#carte-renouvellement").scroll_into_view_if_needed()
    screenshot(page, "eau-renouvellement-carte")
    check_accessibility(page)

    # 6. quality: limits, samples, the non-compliance
    page.goto(live_server.url + "/eau/qualite/")
    page.get_by_label("Contenu").select_option("limites")
    page.get_by_label("Fichier", exact=True).set_input_files(
        str(DATA / "fr_edch_limits_arrete_2007-01-11.csv")
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("66 valeurs réglementaires importées")).to_be_visible()
    page.get_by_label("Contenu").select_option("resultats")
    page.get_by_label("Fichier", exact=True).set_input_files(str(FIXTURES / "samples.csv"))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("3 résultats importés, dont 1 non conformes.")).to_be_visible()
    expect(page.get_by_role("heading", name="Alertes qualité")).to_be_visible()
    page.get_by_role("heading", name="Saint-Orens-de-Gameville").scroll_into_view_if_needed()
    screenshot(page, "eau-qualite")
    check_accessibility(page)

    # 7. an anonymous visitor: the public results, nothing of the network
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(live_server.url + "/eau/qualite/")
    expect(page.get_by_text("61 mg/L > limite de qualité 50 mg/L")).to_be_visible()
    response = page.goto(f"{live_server.url}/eau/alertes/{alerts[0].pk}/")
    assert response.status == 404
