"""Weight profiles in a real browser: an operator's agreement on its network's weight, a new
version of Lyon's profile with its reason, the agreement flagged « à revoir », and what each
profile would change on the published layer. Screenshots plantabilite-10/11/12-*.png."""

import re

import pytest
from playwright.sync_api import expect

from territoria.plantabilite.demo import load_helsinki
from tests.browser.support import check_accessibility, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_records_an_agreement_then_versions_lyon_profile(page, live_server, agent):
    computation = load_helsinki(agent.organisation, agent)
    page.set_default_timeout(60_000)
    log_in(page, live_server, agent.username)
    page.goto(f"{live_server.url}/plantabilite/helsinki/profils/")
    expect(page.get_by_role("heading", name="Profil de Lyon — version 1")).to_be_visible()

    # Helen (the heat network's operator) agrees on the heat-network weight of version 1.
    page.get_by_role("checkbox", name="Réseau de chaleur", exact=True).check()
    page.get_by_label("Partie (opérateur, service)").fill("Helen")
    page.get_by_label("Personne").fill("Responsable réseau")
    page.get_by_label("Date de l'accord").fill("2026-11-02")
    page.get_by_role("button", name="Enregistrer l'accord").click()
    expect(page.get_by_text("Accord de Helen enregistré sur la version 1")).to_be_visible()
    expect(page.get_by_text("Toujours en vigueur.")).to_be_visible()

    # A new version: heat network −3 → −2, façades −2 → −1, with the reason.
    page.get_by_role("link", name="Modifier les poids de « Profil de Lyon »").click()
    edit = page.locator("section[aria-labelledby=pl-modifier]")
    expect(edit.get_by_role("heading")).to_contain_text("version 1 → 2")
    edit.get_by_label(re.compile(r"^Réseau de chaleur")).fill("-2")
    edit.get_by_label(re.compile(r"^Façades")).fill("-1")
    edit.get_by_label("Motif du changement").fill("Concertation du 12 novembre avec Helen")
    check_accessibility(page)
    screenshot(page, "plantabilite-10-profil-version")
    edit.get_by_role("button", name="Enregistrer la version 2").click()
    expect(page.get_by_text("Profil « Profil de Lyon » modifié : version 2.")).to_be_visible()
    expect(
        page.get_by_text(re.compile("Façades -2 → -1 ; Réseau de chaleur -3 → -2"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile("À revoir : le profil a changé depuis"))).to_contain_text(
        "Réseau de chaleur convenu à -3, maintenant -2"
    )
    row = page.get_by_role("row", name=re.compile(r"^Profil de Lyon \(version 2\)"))
    changed = int(re.sub(r"\D", "", row.get_by_role("cell").first.inner_text()))
    assert 0 < changed < computation.stats["cells"]
    check_accessibility(page)
    page.get_by_role("heading", name="Ce que chaque profil changerait").scroll_into_view_if_needed()
    screenshot(page, "plantabilite-11-comparaison")
    page.get_by_role("heading", name="Historique et concertation").evaluate(
        "element => element.scrollIntoView()"
    )
    screenshot(page, "plantabilite-12-concertation")

    # The computation keeps the weights of the version it used.
    page.goto(f"{live_server.url}/plantabilite/calculs/{computation.pk}/")
    expect(
        page.get_by_text(re.compile("version 1 ; le profil est depuis passé en version 2"))
    ).to_be_visible()
