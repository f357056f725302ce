"""The open-data API, by actor: anonymous readers, agents who publish, API-key holders."""

import io

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoria.core import tokens
from territoria.opendata.models import DatasetUsage

from .conftest import SUBSIDIES

ROWS = "opendata:api-table-rows"


def test_api_anonymous_lists_datasets_with_resources_and_links(api_client, subsidies):
    response = api_client.get("/api/opendata/datasets/")
    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["licence"] == "lo-2.0" and item["abilities"]["edit"] is False
    assert item["resources"][0]["links"]["rows"].endswith("/rows/")


def test_api_anonymous_does_not_list_dataset_with_nothing_published(api_client, agent, dataset):
    assert api_client.get("/api/opendata/datasets/").json()["count"] == 0
    assert api_client.get(f"/api/opendata/datasets/{dataset.slug}/").status_code == 404
    api_client.force_authenticate(agent)
    assert api_client.get(f"/api/opendata/datasets/{dataset.slug}/").status_code == 200


def test_api_anonymous_cannot_create_dataset(api_client, db):
    response = api_client.post("/api/opendata/datasets/", {"title": "x", "description": "y"})
    assert response.status_code in (401, 403)


def test_api_agent_publishes_csv_end_to_end(api_client, agent):
    api_client.force_authenticate(agent)
    created = api_client.post(
        "/api/opendata/datasets/",
        {
            "title": "Subventions 2023",
            "description": "Subventions aux associations.",
            "keywords": ["subventions"],
            "theme": "ECON",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    upload = api_client.post(
        f"/api/opendata/datasets/{slug}/resources/",
        {
            "file": SimpleUploadedFile(SUBSIDIES.name, SUBSIDIES.read_bytes()),
            "title": "Subventions",
        },
        format="multipart",
    )
    assert upload.status_code == 202, upload.content
    version = upload.json()["version"]
    assert version["status"] == "review"
    assert version["detection"]["encoding"] == "Windows-1252"
    assert {f["column"] for f in version["personal_data"]} == {"Représentant", "Courriel"}
    refused = api_client.post(version["publication_url"], {}, format="json")
    assert refused.status_code == 409 and "Représentant" in refused.json()["error"]
    published = api_client.post(
        version["publication_url"], {"drop_columns": ["Représentant", "Courriel"]}, format="json"
    )
    assert published.status_code == 202 and published.json()["status"] == "published"
    table = upload.json()["resource"]["table_name"]
    api_client.force_authenticate(None)
    rows = api_client.get(reverse(ROWS, args=[table]), {"_sort": "-Montant (€)", "_size": 3})
    assert rows.status_code == 200
    body = rows.json()
    assert body["total"] == 48 and len(body["rows"]) == 3 and body["next"]
    assert "Courriel" not in body["rows"][0]


def test_api_agent_of_another_organisation_cannot_publish_there(api_client, other_agent, subsidies):
    api_client.force_authenticate(other_agent)
    response = api_client.post(
        f"/api/opendata/resources/{subsidies.id}/versions/",
        {"file": SimpleUploadedFile("x.csv", b"a;b\n1;2\n")},
        format="multipart",
    )
    assert response.status_code == 403


def test_api_bad_upload_returns_clear_error_and_creates_nothing(api_client, agent, dataset):
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/opendata/datasets/{dataset.slug}/resources/",
        {"file": SimpleUploadedFile("vide.csv", b"")},
        format="multipart",
    )
    assert response.status_code == 400
    assert dataset.resources.count() == 0


def test_api_malformed_csv_version_fails_with_line_number(api_client, agent, subsidies):
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/opendata/resources/{subsidies.id}/versions/",
        {"file": SimpleUploadedFile("v2.csv", b"a;b\n1;2\n3;4;5\n")},
        format="multipart",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "failed" and "Ligne 3" in response.json()["error"]
    subsidies.refresh_from_db()
    assert subsidies.current_version.number == 1


def test_api_rows_bad_filter_is_400_in_french(api_client, subsidies):
    response = api_client.get(reverse(ROWS, args=[subsidies.table_name]), {"Montant (€)__gt": "x"})
    assert response.status_code == 400 and "n'est pas un nombre" in response.json()["error"]


def test_api_aggregate(api_client, subsidies):
    response = api_client.get(
        reverse("opendata:api-table-aggregate", args=[subsidies.table_name]),
        {"_group_by": "Objet de la subvention", "_agg": "count,sum:Montant (€)"},
    )
    assert response.status_code == 200
    assert sum(r["count"] for r in response.json()["rows"]) == 48


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_api_download_each_format(api_client, subsidies, fmt):
    response = api_client.get(
        reverse("opendata:api-table-download", args=[subsidies.table_name, fmt])
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "parquet":
        assert pq.read_table(io.BytesIO(body)).num_rows == 48
    elif fmt == "json":
        import json

        assert len(json.loads(body)) == 48
    else:
        assert len(body.decode().strip().splitlines()) == 49
    assert DatasetUsage.objects.get(dataset=subsidies.dataset, kind="download").count == 1


def test_api_sql_endpoint_runs_select_and_refuses_writes(api_client, subsidies):
    ok = api_client.get(
        "/api/opendata/sql/", {"sql": f"SELECT count(*) AS n FROM {subsidies.table_name}"}
    )
    assert ok.status_code == 200 and ok.json()["rows"] == [[48]]
    refused = api_client.post(
        "/api/opendata/sql/", {"sql": "COPY (SELECT 1) TO '/tmp/x'"}, format="json"
    )
    assert refused.status_code == 403 and "lecture seule" in refused.json()["error"]
    files = api_client.get("/api/opendata/sql/", {"sql": "SELECT * FROM read_csv('/etc/passwd')"})
    assert files.status_code == 403


def test_api_dcat_catalog_lists_dataset_and_distributions(client, subsidies):
    response = client.get(reverse("opendata:dcat"))
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    catalog = response.json()
    assert catalog["@type"] == "dcat:Catalog"
    node = catalog["dcat:dataset"][0]
    assert node["dct:title"] == subsidies.dataset.title
    assert node["dct:license"]["@id"].startswith("https://www.etalab.gouv.fr")
    assert {d["dct:format"] for d in node["dcat:distribution"]} == {"CSV", "JSON", "PARQUET", "API"}


def test_api_anonymous_is_rate_limited_per_ip(api_client, subsidies, settings):
    settings.OPENDATA_ANON_RATE = "3/min"
    url = reverse(ROWS, args=[subsidies.table_name])
    codes = [api_client.get(url).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_api_key_holder_gets_own_higher_limit(api_client, subsidies, settings, agent):
    settings.OPENDATA_ANON_RATE = "1/min"
    key, raw = tokens.issue(
        owner=agent, name="Rédaction", scopes=["opendata:read"], requests_per_minute=5
    )
    url = reverse(ROWS, args=[subsidies.table_name])
    codes = [api_client.get(url, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert api_client.get(url, HTTP_X_API_KEY="faux").status_code in (401, 403)
    key.refresh_from_db()
    # Every authenticated call counts, the throttled sixth included.
    assert key.last_used_at is not None and key.use_count == 6 and raw not in key.key_hash


def test_api_key_creation_shows_key_once(api_client, agent):
    api_client.force_authenticate(agent)
    response = api_client.post(
        "/api/opendata/api-keys/", {"name": "Tableau de bord"}, format="json"
    )
    assert response.status_code == 201 and response.json()["key"].startswith("trt_")
    assert response.json()["scopes"] == ["opendata:read"]
    listed = api_client.get("/api/opendata/api-keys/").json()
    assert "key" not in listed["results"][0]


def test_api_previous_version_rows(api_client, subsidies, agent):
    from .conftest import publish_bytes

    publish_bytes(
        subsidies.dataset, "v2.csv", "Bénéficiaire;Montant\nA;1\n".encode(), resource=subsidies
    )
    latest = api_client.get(reverse(ROWS, args=[subsidies.table_name])).json()
    old = api_client.get(reverse(ROWS, args=[subsidies.table_name]), {"version": 1}).json()
    assert latest["total"] == 1 and old["total"] == 48 and old["version"] == 1
