"""The real city, end to end (slow): the OpenStreetMap extract of central Helsinki uploaded as a
file, computed with Lyon's profile, published as an open dataset and as a GeoPackage."""

import csv

import pytest
from django.urls import reverse

from territoria.plantabilite.demo import create_territory
from territoria.plantabilite.models import Computation
from territoria.plantabilite.osm import helsinki_extract
from territoria.plantabilite.publishing import write_cells_csv

pytestmark = pytest.mark.slow


def test_helsinki_extract_uploaded_computed_and_published(client, agent, tmp_path):
    territory = create_territory("Helsinki (centre)", "helsinki", "EPSG:3067", agent.organisation)
    client.force_login(agent)
    with open(helsinki_extract(), "rb") as handle:
        page = client.post(
            reverse("plantabilite:layers", args=["helsinki"]),
            {"fichier": handle, "detenteur": "Contributeurs OpenStreetMap"},
            follow=True,
        )
    assert "couches OpenStreetMap importées" in page.content.decode()
    territory.refresh_from_db()
    factors = set(territory.layers.values_list("factor", flat=True))
    assert len(factors) >= 20 and {"batiments", "gaz", "chauffage_urbain", "arbres"} <= factors
    assert territory.layers.get(name="OSM – Conduites de gaz").buffer_m == 2.0
    sea = territory.layers.get(name="OSM – Mer (d'après le trait de côte)")
    assert sea.factor == "eau" and sea.feature_count >= 1  # rebuilt from the coastline

    client.post(
        reverse("plantabilite:computations", args=["helsinki"]),
        {"profil": territory.profiles.get().pk, "publique": "on"},
    )
    computation = Computation.objects.get()
    assert computation.state == Computation.State.DONE
    classes = computation.stats["classes"]
    assert sum(classes) == computation.stats["cells"] > 70_000
    assert classes[0] > 0.3 * sum(classes)  # buildings, water, railways block
    assert sum(classes[8:]) > 0.1 * sum(classes)  # parks and lawns are easy
    # The sea in the north-east of the extract is blocked, no longer "neutral" (class 6).
    from territoria.plantabilite.computing import explain, load

    result = load(computation)
    at_sea = explain(computation, result, 385_943.0, 6_672_954.0, insider=True)
    assert at_sea["blocked"] and at_sea["classe"] == 0

    rows, digest = write_cells_csv(tmp_path / "mailles.csv")
    assert rows == computation.stats["cells"] and len(digest) == 64
    with open(tmp_path / "mailles.csv", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert first["territoire"] == "helsinki" and 24.9 < float(first["lon"]) < 25.0

    gpkg = client.get(reverse("plantabilite:geopackage", args=[computation.pk]))
    assert b"".join(gpkg.streaming_content)[:15] == b"SQLite format 3"
