"""A moderator imports the Bibliothèque's file through the import page, in a real browser.

The real data.csv is refused (three Toulouse Métropole SIRET typos, nothing written); the
corrected file is simulated, confirmed, and its job page reports 23 created projects.
Screenshot: docs/screenshots/import-rapport.png (the dry-run report of the real file).
"""

import pytest
from playwright.sync_api import expect

from territoria.registre.models import ImportJob, Project
from tests.browser.support import check_accessibility, screenshot
from tests.shared_data import BIBLIOTHEQUE_IA_CSV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-test-1"
REAL_DATA_CSV = BIBLIOTHEQUE_IA_CSV
BAD_SIRETS = ["24410051800170", "24510051800170", "24610051800170"]
TOULOUSE_SIRET = "24310051800170"  # the documented correction (fixtures/demo_corrections.json)


def test_moderator_simulates_then_imports_the_bibliotheque_file(
    page, live_server, moderator, tmp_path
):
    corrected = tmp_path / "data-corrige.csv"
    text = REAL_DATA_CSV.read_bytes()
    for bad in BAD_SIRETS:
        text = text.replace(bad.encode(), TOULOUSE_SIRET.encode())
    corrected.write_bytes(text)

    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Identifiant").fill(moderator.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + "/registre/moderation/")
    page.get_by_role("link", name="Importer des fiches").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des fiches")
    check_accessibility(page)

    # The real file: 20 lines would be created, 3 are rejected, and nothing can be imported.
    page.get_by_label("Fichier à importer").set_input_files(str(REAL_DATA_CSV))
    page.get_by_role("button", name="Lancer la simulation").click()
    expect(page.locator("tr.line-rejected")).to_have_count(3)
    expect(page.locator("tr.line-created")).to_have_count(20)
    expect(page.locator("tr.line-rejected").first).to_contain_text(
        "Le SIRET 24410051800170 n'est pas valide"
    )
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)
    check_accessibility(page)
    screenshot(page, "import-rapport")
    assert Project.objects.count() == 0

    # The corrected file: simulated, confirmed, imported in the background.
    page.get_by_role("link", name="Retour à l'import de fiches").click()
    page.get_by_label("Fichier à importer").set_input_files(str(corrected))
    page.get_by_role("button", name="Lancer la simulation").click()
    expect(page.locator("tr.line-created")).to_have_count(23)
    assert Project.objects.count() == 0
    # Tests run the job inline, inside this request (23 projects indexed for search): allow time.
    page.get_by_role("button", name="Confirmer l'import").click(timeout=120_000)
    expect(page.get_by_role("progressbar")).to_have_attribute(
        "aria-valuenow", "100", timeout=120_000
    )
    expect(page.locator("#job-status")).to_contain_text("Import effectué")
    check_accessibility(page)
    assert ImportJob.objects.get(dry_run=False).status == ImportJob.Status.DONE
    assert Project.objects.count() == 23
