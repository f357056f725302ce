"""Discovery pages and API: search, map, dashboard, similar projects — anonymous and agent."""

import re

import pytest
from django.urls import reverse

from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle

SECRET_ALGO = "Zorglubator"  # a distinctive restricted value


@pytest.fixture
def projects(organisation, other_organisation):
    water = ProjectFactory(
        organisation=organisation,
        nom_projet="Fuites du réseau",
        type_algorithme="computer_vision",
        nom_algorithme=SECRET_ALGO,
        algorithme_description=f"Le modèle {SECRET_ALGO} classe les débits.",
    )
    ProjectFactory(
        organisation=other_organisation,
        nom_projet="Compteurs d'eau intelligents",
        theme="mobilites",
        type_algorithme="machine_learning",
    )
    ProjectFactory(
        organisation=other_organisation,
        nom_projet="Brouillon secret",
        lifecycle=Lifecycle.DRAFT,
        usage_description="Projet pas encore publié sur les fuites.",
    )
    return water


@pytest.mark.parametrize("name", ["registre:search", "registre:map", "registre:dashboard"])
def test_discovery_pages_anonymous_render_without_restricted_values(client, projects, name):
    response = client.get(reverse(name), {"q": "fuites"} if name == "registre:search" else {})
    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET_ALGO not in html
    assert "Type d&#x27;algorithme" not in html and "Computer vision" not in html
    assert "Brouillon secret" not in html


def test_dashboard_agent_sees_algorithm_chart_and_anonymous_does_not(client, agent, projects):
    anonymous = client.get(reverse("registre:api-dashboard")).json()
    assert "type_algorithme" not in [c["name"] for c in anonymous["charts"]]
    assert anonymous["total"] == 2
    client.force_login(agent)
    charts = {c["name"]: c for c in client.get(reverse("registre:api-dashboard")).json()["charts"]}
    assert {v["code"]: v["count"] for v in charts["type_algorithme"]["values"]} == {
        "computer_vision": 1,
        "machine_learning": 1,
    }
    page = client.get(reverse("registre:dashboard")).content.decode()
    assert "<svg" in page and "Computer vision" in page and "<table>" in page


def test_dashboard_counts_follow_filters(client, projects):
    data = client.get(reverse("registre:api-dashboard"), {"theme": "mobilites"}).json()
    assert data["total"] == 1


def _resource_urls(html: str) -> list[str]:
    """What the browser fetches by itself: scripts, style sheets, images, frames, tiles."""
    tags = re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html)
    urls = [u for tag in tags for u in re.findall(r"""\b(?:src|href)=["']([^"']*)["']""", tag)]
    return urls + re.findall(r"""data-tile-url=["']([^"']*)["']""", html)


def test_map_page_lists_organisations_and_uses_packaged_leaflet(client, projects):
    html = client.get(reverse("registre:map")).content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in html and "leaflet.markercluster.js" in html
    assert "Ville de Testville" in html and "Bordeaux Métropole" in html


def test_map_page_fetches_nothing_from_another_origin_without_a_tile_server(
    client, projects, settings
):
    settings.TERRITORIA_MAP_TILE_URL = ""
    urls = _resource_urls(client.get(reverse("registre:map")).content.decode())
    assert "/static/vendor/leaflet/leaflet.js" in urls  # the pattern does see the resources
    assert [u for u in urls if u and not u.startswith("/")] == []
    # Positive control: a configured tile server is the one other origin the map may reach.
    settings.TERRITORIA_MAP_TILE_URL = "https://tuiles.example.fr/{z}/{x}/{y}.png"
    urls = _resource_urls(client.get(reverse("registre:map")).content.decode())
    assert [u for u in urls if u and not u.startswith("/")] == [
        "https://tuiles.example.fr/{z}/{x}/{y}.png"
    ]


def test_map_api_geojson_follows_filters(client, projects):
    data = client.get(reverse("registre:api-map"), {"theme": "mobilites"}).json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in data["features"]] == ["Bordeaux Métropole"]
    assert data["features"][0]["geometry"]["coordinates"] == [-0.58, 44.84]


def test_search_api_anonymous_never_matches_restricted_text(client, projects):
    data = client.get(reverse("registre:api-search"), {"q": SECRET_ALGO, "mode": "lexical"}).json()
    assert data["count"] == 0 and data["corrected_query"] == ""
    assert SECRET_ALGO not in str(data["results"]) + str(data["facets"])


def test_search_api_agent_matches_restricted_text_with_snippet(client, agent, projects):
    client.force_login(agent)
    data = client.get(
        reverse("registre:api-search"), {"q": SECRET_ALGO.lower(), "mode": "lexical"}
    ).json()
    assert data["count"] == 1
    assert f"<mark>{SECRET_ALGO}</mark>" in data["results"][0]["snippet"]


def test_search_api_facets_count_restricted_only_for_agents(client, agent, projects):
    data = client.get(reverse("registre:api-facets"), {"type_algorithme": "computer_vision"}).json()
    assert data["count"] == 2  # restricted filter ignored for anonymous readers
    assert "type_algorithme" not in [f["name"] for f in data["facets"]]
    client.force_login(agent)
    data = client.get(reverse("registre:api-facets"), {"type_algorithme": "computer_vision"}).json()
    assert data["count"] == 1


def test_search_owner_finds_own_draft_others_do_not(client, other_agent, agent, projects):
    assert (
        client.get(reverse("registre:api-search"), {"q": "brouillon", "mode": "lexical"}).json()[
            "count"
        ]
        == 0
    )
    client.force_login(agent)
    assert (
        client.get(reverse("registre:api-search"), {"q": "brouillon", "mode": "lexical"}).json()[
            "count"
        ]
        == 0
    )
    client.force_login(other_agent)
    assert (
        client.get(reverse("registre:api-search"), {"q": "brouillon", "mode": "lexical"}).json()[
            "count"
        ]
        == 1
    )


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        '"fuites',
        "*",
        "fuit*",
        "NEAR(fuites eau)",
        "fuites OR eau",
        "fuites AND NOT eau",
        "'; DROP TABLE registre_project; --",
        "😀💧",
        "^fuites",
        "fuites:eau",
        "(",
        "a" * 10_000,
        "l' d' qu'",
        "\x00fuites",
        "-",
        "+",
        "%",
        "_",
    ],
)
def test_search_bad_queries_answer_200_with_results_or_a_message(client, projects, query):
    for url in (reverse("registre:search"), reverse("registre:api-search")):
        response = client.get(url, {"q": query, "mode": "lexical"})
        assert response.status_code == 200, (url, query)
    data = client.get(reverse("registre:api-search"), {"q": query, "mode": "lexical"}).json()
    assert data["count"] > 0 or data["messages"]


def test_search_bad_filter_values_are_ignored_with_a_message(client, projects):
    data = client.get(
        reverse("registre:api-search"),
        {
            "theme": "n'existe pas",
            "organisation": "xyz",
            "page": "-3",
            "limit": "abc",
            "mode": "bof",
        },
    ).json()
    assert data["count"] == 2 and len(data["messages"]) == 3


def test_similar_projects_page_fragment_and_api(client, projects):
    response = client.get(reverse("registre:similar", args=[projects.pk]))
    assert response.status_code == 200 and "Projets similaires" in response.content.decode()
    data = client.get(reverse("registre:api-similar", args=[projects.pk])).json()
    names = [r["values"]["nom_projet"] for r in data["results"]]
    assert "Fuites du réseau" not in names and "Brouillon secret" not in names


def test_detail_page_shows_similar_projects(client, projects):
    html = client.get(reverse("registre:detail", args=[projects.pk])).content.decode()
    assert "Projets similaires" in html


def test_home_page_search_form_leads_to_results(client, projects):
    home = client.get(reverse("home")).content.decode()
    assert (
        'action="/registre/"' in home
    )  # the home search box leads to the list, searched by ProjectFilter.q
    listing = client.get(
        reverse("registre:list"), {"q": "fuites d'eau", "mode": "lexical"}
    ).content.decode()
    assert "Fuites du réseau" in listing and "Compteurs d&#x27;eau intelligents" in listing
    assert listing.index("Fuites du réseau") < listing.index(
        "Compteurs d&#x27;eau intelligents"
    )  # by relevance
    html = client.get(reverse("registre:search"), {"q": "fuites d'eau"}).content.decode()
    assert "Fuites du réseau" in html and "<mark>" in html


def test_list_with_text_query_says_it_is_ordered_by_relevance(client, projects):
    html = client.get(reverse("registre:list"), {"q": "fuites d'eau"}).content.decode()
    assert '<option value="pertinence" selected>Pertinence</option>' in html
    by_name = client.get(
        reverse("registre:list"), {"q": "fuites d'eau", "tri": "nom"}
    ).content.decode()
    assert '<option value="nom" selected>' in by_name
    assert (
        "pertinence" not in client.get(reverse("registre:list")).content.decode()
    )  # no query, no relevance


def test_list_with_text_query_links_to_search_page_with_same_query(client, projects):
    listing = client.get(
        reverse("registre:list"), {"q": "fuites d'eau", "theme": "transition_ecologique"}
    ).content.decode()
    assert 'href="/registre/recherche/?q=fuites+d%27eau&amp;theme=transition_ecologique"' in listing
    assert "Voir les passages trouvés pour « fuites d&#x27;eau »" in listing
    assert "Voir les passages trouvés" not in client.get(reverse("registre:list")).content.decode()


def test_the_list_page_searches_in_french_like_the_search_page(client, projects):
    names = [
        p.nom_projet
        for p in client.get(reverse("registre:list"), {"q": "FUITE"}).context["result"].projects
    ]
    assert "Fuites du réseau" in names
    searched = client.get(reverse("registre:search"), {"q": "FUITE"}).context["result"].projects
    assert names == [p.nom_projet for p in searched]  # one service: same set, same order


def test_the_list_page_sorts_by_french_name_or_latest_update_and_says_when_a_sort_is_unknown(
    client, organisation
):
    import datetime

    from territoria.registre.factories import ProjectFactory

    for name, day in (("zèbre", 1), ("Éole", 3), ("avion", 2)):
        ProjectFactory(
            organisation=organisation,
            nom_projet=name,
            content_updated_on=datetime.date(2025, 1, day),
        )

    def listed(**params):
        response = client.get(reverse("registre:list"), params)
        return [p.nom_projet for p in response.context["result"].projects], response

    assert listed()[0] == ["avion", "Éole", "zèbre"]  # accents and case folded, not "Z" < "a"
    assert listed(tri="recent")[0] == ["Éole", "avion", "zèbre"]
    names, response = listed(tri="zzz")
    assert names == ["avion", "Éole", "zèbre"]
    assert "Tri « zzz » inconnu" in response.content.decode()


def test_an_unknown_filter_value_is_said_on_the_list_and_refused_by_the_export(client, projects):
    listing = client.get(reverse("registre:list"), {"theme": "zzz"}).content.decode()
    assert "Filtre « Thème » ignoré : valeur « zzz » inconnue." in listing
    export = client.get("/registre/export.csv", {"theme": "zzz"})
    assert export.status_code == 400
    assert "Rien n'a été exporté" in export.content.decode()


def test_search_page_says_which_words_it_searched_and_offers_the_words_as_typed(client, projects):
    """Issue 12: a correction is shown as such, with a link back to the query as typed, and
    the query as typed offers the correction instead of applying it."""
    url = reverse("registre:search")
    page = client.get(url, {"q": "fuites reseua", "mode": "lexical"}).content.decode()
    assert "Résultats pour « <strong>fuites reseau</strong> » (orthographe corrigée)" in page
    exact = re.search(r'<a href="\?([^"]*orthographe=exacte[^"]*)">rechercher plutôt', page)
    assert exact, page
    typed = client.get(url + "?" + exact.group(1).replace("&amp;", "&")).content.decode()
    assert "orthographe corrigée" not in typed
    assert "rechercher plutôt « <strong>fuites reseau</strong> »" in typed
    # A French word absent from the register is neither corrected nor "suggested".
    page = client.get(url, {"q": "fuites reseua", "mode": "lexical"}).content.decode()
    assert "rechercher plutôt" in page
    page = client.get(url, {"q": "fuites reservoir", "mode": "lexical"}).content.decode()
    assert "rechercher plutôt" not in page and "orthographe" not in page


def test_counts_say_aucun_projet_never_0_projets(client, projects):
    """Issue 12: French counts on the list, search, map and dashboard pages."""
    pages = {
        "list": client.get("/registre/", {"q": "zzzzqqq", "mode": "lexical"}),
        "search": client.get(reverse("registre:search"), {"q": "zzzzqqq", "mode": "lexical"}),
        "map": client.get(reverse("registre:map"), {"theme": "citoyennete_sante_solidarites"}),
        "dashboard": client.get(
            reverse("registre:dashboard"), {"theme": "citoyennete_sante_solidarites"}
        ),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert not re.search(r"\b0</strong>\s*projets?|\b0 projets?\b", html), name
    assert "Aucun projet ne correspond à votre recherche" in pages["list"].content.decode()
    assert "<strong>Aucun projet</strong> pour « zzzzqqq »" in pages["search"].content.decode()
    assert "<strong>Aucun projet</strong> porté par <strong>aucune organisation</strong>" in (
        pages["map"].content.decode()
    )
    one = client.get(reverse("registre:search"), {"theme": "mobilites"}).content.decode()
    assert "<strong>1 projet</strong>" in one
