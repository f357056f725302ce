"""The register's search in a browser, where the reader keeps control of it (issue 12).

A typo is corrected and the page says so, with a link to search the words as typed; there the
correction is only offered. Small factory data (no embeddings needed: lexical mode).
"""

import re

import pytest
from playwright.sync_api import expect

from territoria.registre.factories import ProjectFactory
from tests.browser.support import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def register(organisation, other_organisation):
    ProjectFactory(organisation=organisation, nom_projet="Fuites du réseau")
    ProjectFactory(organisation=other_organisation, nom_projet="Compteurs d'eau intelligents")


def test_a_corrected_search_says_so_and_gives_back_the_words_as_typed(page, live_server, register):
    page.goto(live_server.url + "/registre/recherche/?mode=lexical&q=fuites+reseua")
    correction = page.locator(".search-correction")
    expect(correction).to_contain_text("Résultats pour « fuites reseau » (orthographe corrigée)")
    expect(page.locator(".discovery-results h3").first).to_have_text("Fuites du réseau")
    check_accessibility(page)
    screenshot(page, "recherche-correction")
    correction.get_by_role("link", name="rechercher plutôt « fuites reseua »").click()
    expect(correction).to_contain_text("Résultats pour « fuites reseua », tel que saisi")
    expect(page).to_have_url(re.compile("orthographe=exacte"))
    correction.get_by_role("link", name="rechercher plutôt « fuites reseau »").click()
    # the offered words are searched: spelt right, nothing left to correct
    expect(page.locator(".discovery-count")).to_contain_text("pour « fuites reseau »")
    expect(correction).to_have_count(0)
    expect(page.locator(".discovery-results h3").first).to_have_text("Fuites du réseau")
    # A French word the register does not contain is not a typo: nothing is corrected.
    page.get_by_label("Rechercher un projet").fill("fuites réservoir")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator(".discovery-count")).to_contain_text("pour « fuites réservoir »")
    expect(correction).to_have_count(0)


def test_sub_theme_and_audience_options_show_counts_that_hold(page, live_server, register):
    """Issue 12: the sub-theme and audience options announce counts, like the other filters,
    and choosing one gives that many projects."""
    page.goto(live_server.url + "/registre/")
    for name in ("sous_theme", "audience"):
        select = page.locator(f"select[name={name}]")
        counted = [
            (value, int(re.search(r"\((\d+)\)$", label).group(1)))
            for value, label in select.locator("option").evaluate_all(
                "options => options.filter(o => o.value).map(o => [o.value, o.textContent])"
            )
        ]
        value, count = max(counted, key=lambda pair: pair[1])
        assert count > 0, counted
        select.select_option(value)
        page.get_by_role("button", name="Filtrer").click()
        expect(page.locator("#resultats-titre")).to_have_text(
            re.compile(rf"^{count} projets? correspond")
        )
        assert page.locator(".project-card").count() == count
        page.goto(live_server.url + "/registre/")


def test_an_empty_result_says_aucun_projet(page, live_server, register):
    """Issue 12: French counts — « Aucun projet », never « 0 projets »."""
    page.goto(live_server.url + "/registre/recherche/?mode=lexical&q=zzzqqqxx")
    expect(page.locator(".discovery-count")).to_have_text("Aucun projet pour « zzzqqqxx »")
    page.goto(live_server.url + "/registre/?mode=lexical&q=zzzqqqxx")
    expect(page.locator("#resultats-titre")).to_have_text(
        "Aucun projet ne correspond à votre recherche"
    )
    assert "0 projet" not in page.locator("main").inner_text()
