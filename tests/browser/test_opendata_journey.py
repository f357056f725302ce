"""A newcomer's path through the open-data portal, in a real browser, with an accessibility check per page.

An agent publishes the real subsidies file of a commune (Windows-1252, « ; », decimal comma):
sees what was detected, the schema and a preview, is stopped by the personal-data guard,
drops « Courriel » and confirms « Représentant », publishes; then filters, sorts, charts,
downloads (Parquet included), calls the API, queries in SQL (a write is refused), publishes
a GeoJSON whose map is drawn with no request leaving the platform, and sees a malformed CSV
refused with the line named. An anonymous visitor finds both datasets and the register's
own dataset in the catalogue. Screenshots: donnees-*.png (see conftest.SCREENSHOTS).
"""

import csv
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from territoria.opendata import querying
from territoria.opendata.models import Dataset, VersionStatus
from territoria.registre.factories import ProjectFactory
from tests.browser.support import check_accessibility, jobs_runner, log_in, screenshot
from tests.opendata.conftest import SUBSIDIES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATASET_TITLE = "Subventions aux associations 2023"
REGISTER_TITLE = "Registre des systèmes d'IA des collectivités"
REGISTER_PROJECT = "Détection des fuites du réseau d'eau"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}


@pytest.fixture(autouse=True)
def _opendata_settings(settings, tmp_path):
    """As tests/opendata/conftest.py: published files in tmp_path, rate counters in memory."""
    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)
    settings.OPENDATA_MAP_TILE_URL = ""  # no tile server: the map must not reach the Internet
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "opendata-journey",
        },
    }


def _subsidies() -> list[dict]:
    """The fixture's rows as a reader of the file sees them, amounts as numbers."""
    text = SUBSIDIES.read_bytes().decode("cp1252")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    for row in rows:
        row["montant"] = float(
            row["Montant (€)"].replace("\u202f", "").replace(" ", "").replace(",", ".")
        )
    return rows


def _visit(page, name=None):
    check_accessibility(page)
    if name:
        screenshot(page, f"donnees-{name}")


def _fill_metadata(page, title, description):
    page.get_by_role("textbox", name="Titre (obligatoire)", exact=True).fill(title)
    page.get_by_label(re.compile("^Description")).fill(description)
    page.get_by_label("Thème").select_option("ECON")
    page.get_by_label("Fréquence de mise à jour").select_option("annual")
    page.get_by_label("Mots-clés").fill("subventions, associations, vie associative")
    page.get_by_label("Couverture temporelle : début").fill("2023-01-01")
    page.get_by_label("Couverture temporelle : fin").fill("2023-12-31")
    page.get_by_label("Couverture géographique").fill("Commune de Villeurbanne (69266)")


def _geojson(tmp_path, features=None):
    features = features or [
        ("Médiathèque Jean-Macé", 4.8467, 45.7578),
        ("Gymnase des Brosses", 4.8990, 45.7710),
        ("Piscine du Rhône", 4.8419, 45.7485),
    ]
    path = tmp_path / "equipements-sportifs.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"equipement": name, "categorie": "public"},
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    }
                    for name, lon, lat in features
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path, [name for name, _, _ in features]


def test_newcomer_publishes_queries_and_downloads_open_data(page, live_server, agent, tmp_path):
    ProjectFactory(
        nom_projet=REGISTER_PROJECT
    )  # published: the register dataset follows (inline job)
    rows = _subsidies()
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    # 1. The agent opens "Données ouvertes → Publier un jeu de données" and fills the metadata.
    log_in(page, live_server, agent.username)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Données ouvertes"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes")
    page.get_by_role("link", name="Publier un jeu de données").click()
    _fill_metadata(page, DATASET_TITLE, "Subventions votées par le conseil municipal en 2023.")
    page.get_by_label("Fichier", exact=True).set_input_files(str(SUBSIDIES))
    page.evaluate("window.scrollTo(0, 0)")
    _visit(page, "publier")

    # 2. The review page: what was detected, the schema, a preview, the personal-data guard.
    page.get_by_role("button", name="Envoyer et analyser").click()
    expect(page.locator("#version-status")).to_contain_text("À vérifier avant publication")
    detected = page.locator("h2:has-text('Ce que nous avons détecté') + ul")
    expect(detected).to_contain_text("encodage Windows-1252")
    expect(detected).to_contain_text("séparateur « ; »")
    expect(detected).to_contain_text("Virgule décimale dans : Montant (€)")
    expect(detected).to_contain_text(f"{len(rows)} lignes, 8 colonnes")
    schema = page.get_by_role("table", name="Colonnes et types déduits")
    expect(
        schema.get_by_role("row", name=re.compile(r"^Montant \(€\) nombre décimal"))
    ).to_be_visible()
    expect(
        schema.get_by_role("row", name=re.compile(r"^SIRET texte"))
    ).to_be_visible()  # code kept as text
    preview = page.get_by_role("region", name="Aperçu des premières lignes")
    expect(preview).to_contain_text(rows[0]["Bénéficiaire"])
    guard = page.get_by_role("group", name=re.compile("Données personnelles possibles"))
    expect(guard.get_by_role("group", name=re.compile("« Représentant »"))).to_be_visible()
    expect(guard.get_by_role("group", name=re.compile("« Courriel »"))).to_be_visible()
    _visit(page, "verifier")

    # 3. Publication is refused while a flagged column has no decision (nothing is decided
    # for the publisher: no choice is pre-checked, and the server stops a form without one).
    page.get_by_role("button", name="Publier la version 1").click()
    expect(page.get_by_role("alert")).to_contain_text("Colonne « Représentant »")
    expect(page.get_by_role("alert")).to_contain_text("retirez-la ou confirmez")
    expect(page.get_by_role("alert")).to_be_in_viewport()  # not at the bottom of a long page
    assert Dataset.objects.get(title=DATASET_TITLE).published_resources().count() == 0
    _visit(page, "refus")

    # 4. Drop « Courriel », confirm « Représentant » (a public role of the association), publish.
    guard.get_by_role("group", name=re.compile("« Courriel »")).get_by_label(
        "Retirer la colonne"
    ).check()
    guard.get_by_role("group", name=re.compile("« Représentant »")).get_by_label(
        "Conserver : ces données peuvent être publiées"
    ).check()
    page.get_by_role("button", name="Publier la version 1").click()
    expect(page.get_by_text("Version 1 publiée.")).to_be_visible()
    resource = Dataset.objects.get(title=DATASET_TITLE).resources.get()
    table = resource.table_name
    data = page.get_by_role("region", name="Tableau des données")
    expect(data).to_contain_text(rows[0]["Bénéficiaire"])
    expect(data).to_contain_text(rows[0]["Représentant"])
    assert "@" not in data.inner_text()  # « Courriel » is gone
    expect(
        page.get_by_role("heading", name=re.compile(r"Données \(lignes 1 à 25 sur 48"))
    ).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    _visit(page, "ressource")

    # 5. A filter narrows the table, sorting orders it.
    objet = "Projet jeunesse"
    expected = sorted(
        (r for r in rows if r["Objet de la subvention"] == objet), key=lambda r: -r["montant"]
    )
    page.get_by_label("Colonne", exact=True).select_option("Objet de la subvention")
    page.get_by_label("Condition").select_option("exact")
    page.get_by_label("Valeur").fill(objet)
    page.get_by_label("Trier par").select_option("-Montant (€)")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_role("heading", name=re.compile(rf"sur {len(expected)},"))).to_be_visible()
    body_rows = data.locator("tbody tr")
    expect(body_rows).to_have_count(len(expected))
    expect(body_rows.first).to_contain_text(expected[0]["Bénéficiaire"])
    expect(body_rows.last).to_contain_text(expected[-1]["Bénéficiaire"])
    expect(page.get_by_text("Filtres actifs")).to_contain_text(
        "Objet de la subvention__exact=Projet jeunesse"
    )
    page.get_by_role("heading", name="Filtrer").evaluate("heading => heading.scrollIntoView()")
    _visit(page, "filtre")
    page.get_by_role("link", name="tout effacer").click()

    # 6. The SVG chart of an aggregation, with its table.
    page.get_by_label("Regrouper par").select_option("Objet de la subvention")
    page.get_by_label("Calcul").select_option("sum:Montant (€)")
    page.get_by_role("button", name="Calculer").click()
    chart = page.locator("figure.od-figure svg[role='img']")
    expect(chart).to_be_visible()
    groups = {r["Objet de la subvention"] for r in rows}
    expect(chart.locator("rect")).to_have_count(len(groups))
    chart.scroll_into_view_if_needed()
    _visit(page, "graphique")

    # 7. Downloads (CSV, JSON, Parquet) and the API address.
    page.goto(live_server.url + resource.get_absolute_url())
    downloads = page.locator("p:has-text('Télécharger')").first

    def fetch(link):
        return page.request.get(live_server.url + link.get_attribute("href"))

    parquet = fetch(downloads.get_by_role("link", name=re.compile("Parquet")))
    assert parquet.ok and parquet.body()[:4] == b"PAR1" and parquet.body()[-4:] == b"PAR1"
    exported_csv = fetch(downloads.get_by_role("link", name="CSV"))
    assert exported_csv.ok and rows[0]["Bénéficiaire"] in exported_csv.text()
    assert "Courriel" not in exported_csv.text() and "@" not in exported_csv.text()
    exported_json = fetch(downloads.get_by_role("link", name="JSON"))
    assert exported_json.ok and len(exported_json.json()) == len(rows)
    api = fetch(page.get_by_role("link", name="lignes (JSON)"))
    assert api.ok, api.text()
    assert rows[0]["Bénéficiaire"] in api.text() and "Courriel" not in api.text()
    expect(page.get_by_text(f"Table SQL : {table}")).to_be_visible()

    # 8. The SQL console: a SELECT shows its rows; a write is refused in French.
    page.get_by_role("link", name=f"← {DATASET_TITLE}").click()
    page.get_by_role("link", name="← Données ouvertes").click()
    page.get_by_role("link", name="Console SQL").click()
    top = sorted(rows, key=lambda r: -r["montant"])[:3]
    page.get_by_label("Requête", exact=True).fill(
        f'SELECT "Bénéficiaire", "Montant (€)" FROM {table} ORDER BY "Montant (€)" DESC LIMIT 3'
    )
    page.get_by_role("button", name="Exécuter").click()
    result = page.get_by_role("region", name="Résultat de la requête")
    expect(result.locator("tbody tr")).to_have_count(3)
    expect(result.locator("tbody tr").first).to_contain_text(top[0]["Bénéficiaire"])
    expect(page.get_by_role("heading", name=re.compile("Résultat"))).to_contain_text("3 lignes")
    _visit(page, "sql")
    outside = tmp_path / "fuite.csv"
    page.get_by_label("Requête", exact=True).fill(f"COPY {table} TO '{outside}'")
    page.get_by_role("button", name="Exécuter").click()
    expect(page.get_by_role("alert")).to_contain_text("lecture seule")
    expect(page.get_by_role("alert")).to_contain_text("COPY")
    assert not outside.exists()
    page.get_by_label("Requête", exact=True).fill(f"DROP TABLE {table}")
    page.get_by_role("button", name="Exécuter").click()
    expect(page.get_by_role("alert")).to_contain_text("Refusé : l'accès SQL est en lecture seule")
    expect(page.get_by_role("alert")).to_contain_text("DROP")
    _visit(page, "sql-refus")
    assert querying.sql(f"SELECT count(*) FROM {table}").rows == [[len(rows)]]  # still there

    # 9. A GeoJSON: its map is drawn by the platform's own Leaflet, nothing leaves localhost.
    geojson, places = _geojson(tmp_path)
    page.goto(live_server.url + resource.dataset.get_absolute_url())
    page.get_by_role("link", name="Ajouter une ressource").click()
    _visit(page)
    page.get_by_label("Titre de la ressource").fill("Équipements sportifs")
    page.get_by_label("Fichier", exact=True).set_input_files(str(geojson))
    page.get_by_role("button", name="Envoyer et analyser").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Équipements sportifs")
    version = resource.dataset.resources.get(title="Équipements sportifs").versions.get()
    assert version.status == VersionStatus.REVIEW, (version.status, version.error, jobs_runner())
    expect(page.locator("#version-status")).to_contain_text("À vérifier avant publication")
    _visit(page)
    page.get_by_role("button", name="Publier la version 1").click()
    expect(page.get_by_text("Version 1 publiée.")).to_be_visible()
    expect(page.locator("#od-map.leaflet-container")).to_be_visible()
    expect(page.locator("#od-map .leaflet-marker-icon")).to_have_count(len(places))
    point_list = page.locator("details:has(summary:has-text('Liste des points'))")
    for place in places:
        expect(point_list).to_contain_text(place)
    page.locator("#od-map .leaflet-marker-icon").first.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(places[0])
    # axe reads colours as drawn: wait for the popup to finish fading in (as test_map_labels)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    page.locator("#od-map").scroll_into_view_if_needed()
    _visit(page, "carte")
    assert any("/static/vendor/leaflet/leaflet.js" in url for url in requests)

    # 10. A malformed CSV (a ragged row): the French error names the line, nothing is published.
    ragged = tmp_path / "subventions-2024.csv"
    ragged.write_text(
        "Bénéficiaire;Montant\nCentre social;1200\nClub de judo;800;en trop\nChorale;300\n",
        encoding="utf-8",
    )
    page.goto(live_server.url + "/donnees/publier/")
    _fill_metadata(page, "Subventions aux associations 2024", "Premier semestre.")
    page.get_by_label("Fichier", exact=True).set_input_files(str(ragged))
    page.get_by_role("button", name="Envoyer et analyser").click()
    status = page.locator("#version-status")
    expect(status).to_contain_text("Échec")
    expect(status).to_contain_text("Ligne 3 : 3 valeurs au lieu des 2 colonnes")
    expect(status).to_contain_text("Rien n'a été publié")
    failed = Dataset.objects.get(title="Subventions aux associations 2024")
    assert failed.published_resources().count() == 0
    assert failed.resources.get().versions.get().status == VersionStatus.FAILED
    _visit(page, "erreur")

    # 11. An anonymous visitor finds the datasets, and the register's own, in the catalogue.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(live_server.url + "/donnees/")
    catalogue = page.locator("ul.cards")
    expect(catalogue.get_by_role("link", name=DATASET_TITLE)).to_be_visible()
    expect(catalogue.get_by_role("link", name=REGISTER_TITLE)).to_be_visible()
    expect(catalogue.get_by_role("link", name="Subventions aux associations 2024")).to_have_count(0)
    expect(page.get_by_role("link", name="Publier un jeu de données")).to_have_count(0)
    _visit(page, "catalogue")
    page.get_by_role("searchbox", name="Rechercher").fill("subventions")
    page.get_by_role("button", name="Rechercher").click()
    expect(catalogue.get_by_role("link")).to_have_count(1)
    page.get_by_role("searchbox", name="Rechercher").fill("")
    page.get_by_role("button", name="Rechercher").click()
    catalogue.get_by_role("link", name=REGISTER_TITLE).click()
    _visit(page)
    page.get_by_role("link", name="Projets publiés").click()
    expect(page.get_by_role("region", name="Tableau des données")).to_contain_text(REGISTER_PROJECT)
    expect(page.get_by_text("Table SQL : registre_ia")).to_contain_text("1 ligne.")
    _visit(page)

    outside_requests = [
        url
        for url in requests
        if urlsplit(url).hostname not in LOCAL_HOSTS and not url.startswith(("data:", "blob:"))
    ]
    assert not outside_requests, outside_requests


def test_map_of_a_single_point_shows_its_label_as_text_not_html(page, live_server, agent, tmp_path):
    from tests.opendata.conftest import publish_bytes

    dataset = Dataset.objects.create(
        title="Équipements",
        description="Équipements publics.",
        organisation=agent.organisation,
        created_by=agent,
    )
    label = "Kiosque <img src=x onerror=window.__xss=1>"  # published data that looks like HTML
    path, _ = _geojson(tmp_path, [(label, 4.8357, 45.7640)])
    version = publish_bytes(dataset, path.name, path.read_bytes(), title="Kiosques")
    assert version.status == VersionStatus.PUBLISHED, version.error
    page.goto(live_server.url + version.resource.get_absolute_url())
    marker = page.locator("#od-map .leaflet-marker-icon")
    expect(marker).to_be_visible()  # one point: the map still has a finite zoom
    marker.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(label)
    assert page.evaluate("window.__xss") is None
