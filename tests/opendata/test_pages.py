"""The pages of the portal, as a newcomer uses them: publish in a few clicks, read, query."""

import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoria.opendata.models import Dataset

from .conftest import SUBSIDIES, publish_bytes


def test_page_catalog_anonymous_sees_datasets_and_no_publish_button(client, subsidies):
    html = client.get(reverse("opendata:catalog")).content.decode()
    assert subsidies.dataset.title in html
    assert "Publier un jeu de données" not in html


def test_page_catalog_anonymous_does_not_see_dataset_with_nothing_published(client, agent, dataset):
    # e.g. a first upload that failed: the DCAT catalogue already left it out, the pages now too.
    assert dataset.title not in client.get(reverse("opendata:catalog")).content.decode()
    assert client.get(dataset.get_absolute_url()).status_code == 404
    client.force_login(agent)  # its publisher still finds it, to finish it
    assert dataset.title in client.get(reverse("opendata:catalog")).content.decode()
    assert client.get(dataset.get_absolute_url()).status_code == 200


def test_page_publish_requires_login(client, db):
    response = client.get(reverse("opendata:dataset-create"))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_page_agent_publishes_real_csv_in_a_few_clicks(client, agent):
    client.force_login(agent)
    form = client.get(reverse("opendata:dataset-create")).content.decode()
    assert 'for="id_title"' in form and 'for="id_file"' in form
    response = client.post(
        reverse("opendata:dataset-create"),
        {
            "title": "Subventions aux associations 2023",
            "description": "Délibérations 2023.",
            "licence": "lo-2.0",
            "theme": "ECON",
            "frequency": "annual",
            "keywords_text": "subventions, associations",
            "file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review = client.get(response["Location"]).content.decode()
    assert "Schéma déduit" in review and "Windows-1252" in review
    assert "Montant (€)" in review and "Données personnelles possibles" in review
    dataset = Dataset.objects.get()
    assert dataset.keywords == ["subventions", "associations"]
    published = client.post(
        response["Location"], {"decision-Représentant": "drop", "decision-Courriel": "drop"}
    )
    assert published.status_code == 302
    page = client.get(published["Location"]).content.decode()
    assert "Association sportive de Villeurbanne" in page
    assert "marie.dupont@" not in page


def test_page_publish_form_dataset_title_and_resource_title_are_separate_fields(client, agent):
    # Both forms of the page once named their field "title": one id for two inputs, and the
    # browser's second (empty) value replaced the dataset's title, so the form never validated.
    client.force_login(agent)
    form = client.get(reverse("opendata:dataset-create")).content.decode()
    assert form.count('id="id_title"') == 1 and form.count('name="title"') == 1
    response = client.post(
        reverse("opendata:dataset-create"),
        {
            "title": "Subventions aux associations 2023",
            "resource_title": "Subventions votées",
            "description": "Délibérations 2023.",
            "licence": "lo-2.0",
            "theme": "ECON",
            "frequency": "annual",
            "file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dataset = Dataset.objects.get()
    assert dataset.title == "Subventions aux associations 2023"
    assert dataset.resources.get().title == "Subventions votées"


def test_page_review_refuses_publication_without_decision(client, agent, dataset):
    client.force_login(agent)
    response = client.post(
        reverse("opendata:resource-add", args=[dataset.slug]),
        {"file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes())},
    )
    url = response["Location"]
    page = client.post(url, {"decision-Représentant": "drop"}).content.decode()
    assert "Courriel" in page and "retirez-la ou confirmez" in page


def test_page_review_decides_nothing_for_the_publisher(client, agent, dataset):
    # The panel says "décidez pour chaque colonne": a click on "Publier" without deciding must
    # not drop (nor publish) the flagged columns; the refusal names each undecided column and
    # keeps the decisions already made.
    client.force_login(agent)
    response = client.post(
        reverse("opendata:resource-add", args=[dataset.slug]),
        {"file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes())},
    )
    url = response["Location"]
    review = client.get(url).content.decode()
    radios = re.findall(r'<input type="radio" name="decision-[^"]+"[^>]*>', review)
    assert len(radios) == 4 and not any("checked" in r for r in radios)

    refused = client.post(url, {})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Colonne « Représentant »" in page and "Colonne « Courriel »" in page
    version = dataset.resources.get().versions.get()
    assert version.status == "review" and version.dropped_columns == []

    page = client.post(url, {"decision-Courriel": "keep"}).content.decode()
    assert "Colonne « Représentant »" in page and "Colonne « Courriel »" not in page
    assert re.search(r'name="decision-Courriel" value="keep" checked', page)


def test_page_upload_error_is_shown_and_nothing_is_created(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("opendata:dataset-create"),
        {
            "title": "Vide",
            "description": "x",
            "licence": "lo-2.0",
            "theme": "ECON",
            "frequency": "unknown",
            "file": SimpleUploadedFile("vide.csv", b""),
        },
    )
    assert response.status_code == 200
    assert Dataset.objects.count() == 0


def test_page_resource_filter_sort_and_chart(client, subsidies):
    url = subsidies.get_absolute_url()
    page = client.get(
        url,
        {
            "f_col": "Objet de la subvention",
            "f_op": "exact",
            "f_val": "Projet jeunesse",
            "_sort": "-Montant (€)",
        },
    ).content.decode()
    assert "Objet de la subvention__exact" in page
    chart = client.get(
        url, {"_group_by": "Objet de la subvention", "_agg": "sum:Montant (€)"}
    ).content.decode()
    assert "<svg" in chart and 'role="img"' in chart


def test_page_resource_bad_filter_shows_message_not_500(client, subsidies):
    response = client.get(
        subsidies.get_absolute_url(), {"f_col": "Montant (€)", "f_op": "gt", "f_val": "abc"}
    )
    assert response.status_code == 200 and "est pas un nombre" in response.content.decode()


def test_page_geographic_resource_has_map_and_list_fallback(client, dataset, settings):
    settings.OPENDATA_MAP_TILE_URL = ""
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nom": "Mairie"},
                "geometry": {"type": "Point", "coordinates": [4.83, 45.76]},
            }
        ],
    }
    version = publish_bytes(
        dataset, "equipements.geojson", json.dumps(doc).encode(), title="Équipements"
    )
    page = client.get(version.resource.get_absolute_url()).content.decode()
    assert 'id="od-map"' in page and "vendor/leaflet/leaflet.js" in page
    assert "<details open>" in page and "Mairie" in page


def test_page_dataset_landing_has_metadata_and_json_ld(client, subsidies):
    page = client.get(subsidies.dataset.get_absolute_url()).content.decode()
    assert "application/ld+json" in page and "Licence Ouverte" in page
    assert "Consultation : 1" in page


def test_page_sql_console_runs_select_and_shows_refusal(client, subsidies):
    ok = client.get(
        reverse("opendata:sql"), {"sql": f"SELECT count(*) AS n FROM {subsidies.table_name}"}
    )
    assert "<td>48</td>" in ok.content.decode()
    refused = client.get(reverse("opendata:sql"), {"sql": "DROP TABLE x"}).content.decode()
    assert "lecture seule" in refused


def test_page_api_keys_create_and_revoke(client, agent):
    client.force_login(agent)
    page = client.post(
        reverse("opendata:api-keys"),
        {"action": "create", "name": "Journal", "scopes": ["opendata:read"]},
    ).content.decode()
    assert "trt_" in page
    key = agent.api_tokens.get()
    assert key.scopes == ["opendata:read"]
    client.post(reverse("opendata:api-keys"), {"action": "revoke", "token": str(key.id)})
    key.refresh_from_db()
    assert not key.active


def test_page_version_history_lists_previous_version(client, subsidies):
    publish_bytes(
        subsidies.dataset, "v2.csv", "Bénéficiaire;Montant\nA;1\n".encode(), resource=subsidies
    )
    page = client.get(subsidies.get_absolute_url()).content.decode()
    assert "Remplacé par une version plus récente" in page and "?version=1" in page


def test_page_version_status_polling_reloads_when_job_is_done(client, agent, dataset):
    client.force_login(agent)
    response = client.post(
        reverse("opendata:resource-add", args=[dataset.slug]),
        {"file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes())},
    )
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true" and "À vérifier" in partial.content.decode()


def test_page_anonymous_cannot_see_unpublished_version(client, agent, dataset):
    client.force_login(agent)
    url = client.post(
        reverse("opendata:resource-add", args=[dataset.slug]),
        {"file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes())},
    )["Location"]
    client.logout()
    assert client.get(url).status_code == 404


def test_page_catalog_search_by_keyword_and_theme(client, subsidies):
    found = client.get(reverse("opendata:catalog"), {"q": "associations"}).content.decode()
    assert subsidies.dataset.title in found
    missing = client.get(reverse("opendata:catalog"), {"q": "introuvable"}).content.decode()
    assert subsidies.dataset.title not in missing
    other_theme = client.get(reverse("opendata:catalog"), {"theme": "ENVI"}).content.decode()
    assert subsidies.dataset.title not in other_theme
