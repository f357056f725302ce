"""What readers see of open data (finding C1): published versions and published columns only.

A resource is published (v1, e-mail and representative columns dropped), then a second version
waits in review; another dataset was never published. Anonymous readers and the agent of
another organisation must see neither the version in review, nor the dropped columns, nor the
never-published dataset, by any route; the producing organisation's agent sees them (control).
"""

import json
import re

import pytest
from django.urls import reverse

from territoria.opendata import publishing
from territoria.opendata.models import Dataset, ResourceVersion, VersionStatus

from .conftest import new_resource, upload

DROPPED_VALUE = "marie.dupont@asso-exemple.fr"  # in the Courriel column, dropped at publication
REVIEW_VALUE = "Canaridelarevue"  # only in version 2, still in review
HIDDEN_TITLE = "Jeu jamais publie Zorglub"


@pytest.fixture
def world(subsidies, agent, organisation):
    review = publishing.receive_file(
        subsidies,
        upload("v2.csv", f"Bénéficiaire;Montant\n{REVIEW_VALUE};12\nAutre;3\n".encode()),
        "v2.csv",
    )
    assert review.status == VersionStatus.REVIEW
    hidden = Dataset.objects.create(
        title=HIDDEN_TITLE, description="Brouillon.", organisation=organisation, created_by=agent
    )
    hidden_resource = new_resource(hidden, title="Ressource Zorglub")
    hidden_version = publishing.receive_file(
        hidden_resource, upload("z.csv", f"nom;n\n{REVIEW_VALUE}Z;1\n".encode()), "z.csv"
    )
    return {
        "resource": subsidies,
        "published": subsidies.current_version,
        "review": review,
        "hidden": hidden,
        "hidden_resource": hidden_resource,
        "hidden_version": hidden_version,
    }


def _readers(api_client, other_agent):
    yield "anonymous", api_client
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(other_agent)
    yield "agent of another organisation", other


def test_api_readers_get_no_unpublished_version_nor_dropped_column(api_client, other_agent, world):
    resource, review = world["resource"], world["review"]
    for who, client in _readers(api_client, other_agent):
        detail = client.get(f"/api/opendata/resources/{resource.pk}/")
        assert detail.status_code == 200, who
        body = detail.content.decode()
        assert [v["number"] for v in detail.json()["versions"]] == [1], who
        assert REVIEW_VALUE not in body and DROPPED_VALUE not in body, who
        assert "Courriel" not in body, who  # not even the dropped column's name
        assert detail.json()["current_version"]["personal_data"] == [], who
        assert client.get(f"/api/opendata/versions/{review.pk}/").status_code == 404, who
        published = client.get(f"/api/opendata/versions/{world['published'].pk}/")
        assert published.status_code == 200, who
        assert published.json()["preview"] == [] and DROPPED_VALUE not in published.content.decode()
        for url in (
            f"/api/opendata/resources/{world['hidden_resource'].pk}/",
            f"/api/opendata/versions/{world['hidden_version'].pk}/",
            f"/api/opendata/datasets/{world['hidden'].slug}/",
        ):
            assert client.get(url).status_code == 404, (who, url)


def test_api_producer_sees_review_version_with_its_preview(api_client, agent, world):
    api_client.force_authenticate(agent)
    review = api_client.get(f"/api/opendata/versions/{world['review'].pk}/")
    assert review.status_code == 200 and REVIEW_VALUE in review.content.decode()
    resource = api_client.get(f"/api/opendata/resources/{world['resource'].pk}/").json()
    assert [v["number"] for v in resource["versions"]] == [2, 1]
    # Even the producer reads a published version without the columns it dropped.
    published = api_client.get(f"/api/opendata/versions/{world['published'].pk}/").json()
    assert published["preview"] and DROPPED_VALUE not in json.dumps(published["preview"])


def test_publish_stores_the_preview_without_dropped_columns(world):
    version = world["published"]
    assert version.dropped_columns == ["Représentant", "Courriel"]
    assert DROPPED_VALUE not in json.dumps(version.preview)
    assert len(version.preview[0]) == len(version.published_columns)


def test_preview_stored_before_the_fix_is_cleaned_on_read(api_client, agent, world):
    """Versions published before publish() cleaned the preview still hold the dropped columns."""
    version = world["published"]
    raw = [["Asso", "1", "Travaux", 10.0, "2023-01-01", "69266", "Marie Dupont", DROPPED_VALUE]]
    assert len(raw[0]) == len(version.columns)
    ResourceVersion.objects.filter(pk=version.pk).update(preview=raw)
    api_client.force_authenticate(agent)
    body = api_client.get(f"/api/opendata/versions/{version.pk}/").content.decode()
    assert "Asso" in body and DROPPED_VALUE not in body and "Marie Dupont" not in body


def test_pages_readers_see_no_unpublished_resource_nor_version(client, other_agent, world):
    resource, hidden_resource = world["resource"], world["hidden_resource"]
    for who in ("anonymous", "other"):
        if who == "other":
            client.force_login(other_agent)
        review_page = reverse(
            "opendata:version", args=[resource.dataset.slug, resource.slug, world["review"].number]
        )
        assert client.get(review_page).status_code == 404, who
        assert client.get(hidden_resource.get_absolute_url()).status_code == 404, who
        assert client.get(world["hidden"].get_absolute_url()).status_code == 404, who
        page = client.get(resource.get_absolute_url()).content.decode()
        assert REVIEW_VALUE not in page and DROPPED_VALUE not in page, who
        assert "À vérifier" not in page, who  # the version in review is not listed
        catalog = client.get(reverse("opendata:catalog"), {"q": "Zorglub"}).content.decode()
        assert HIDDEN_TITLE not in catalog, who


def test_pages_producer_sees_the_unpublished_resource(client, agent, world):
    client.force_login(agent)
    assert client.get(world["hidden_resource"].get_absolute_url()).status_code == 200
    assert HIDDEN_TITLE in client.get(reverse("opendata:catalog")).content.decode()


def test_queries_downloads_sql_and_dcat_read_only_published_data(api_client, client, world):
    resource = world["resource"]
    hidden_table = world["hidden_resource"].table_name
    rows = api_client.get(reverse("opendata:api-table-rows", args=[resource.table_name]))
    assert rows.status_code == 200 and DROPPED_VALUE not in rows.content.decode()
    older = api_client.get(
        reverse("opendata:api-table-rows", args=[resource.table_name]), {"version": 2}
    )
    assert older.status_code == 400 and REVIEW_VALUE not in older.content.decode()
    for fmt in ("csv", "json", "parquet"):
        url = reverse("opendata:api-table-download", args=[hidden_table, fmt])
        assert api_client.get(url).status_code == 404
    sql = api_client.get("/api/opendata/sql/", {"sql": f"SELECT * FROM {hidden_table}"})
    assert sql.status_code == 400 and "Table inconnue" in sql.json()["error"]
    console = client.get(reverse("opendata:sql")).content.decode()
    assert hidden_table not in console
    catalog = client.get(reverse("opendata:dcat")).content.decode()
    assert HIDDEN_TITLE not in catalog and resource.dataset.title in catalog


def test_page_dataset_metadata_cannot_break_out_of_json_ld(client, agent, subsidies):
    """L9: `<!--` or `</script>` in a title or description used to blank the page."""
    dataset = subsidies.dataset
    dataset.title = "Budget <!-- primitif"
    dataset.description = "Voir </script><script>alert(1)</script> & <!-- fin"
    dataset.save()
    html = client.get(dataset.get_absolute_url()).content.decode()
    script = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL
    ).group(1)
    assert "<" not in script and ">" not in script
    node = json.loads(script)
    assert node["dct:title"] == dataset.title and node["dct:description"] == dataset.description
    assert "<h1>Budget &lt;!-- primitif</h1>" in html  # the page itself still renders
