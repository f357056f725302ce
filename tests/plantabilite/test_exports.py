"""The downloads read back as what they claim: a Cloud-Optimised GeoTIFF whose bands are the
computation's classes and scores, a GeoPackage whose polygons cover the grid class by class."""

import json

import numpy as np
import pytest
import rasterio
from django.urls import reverse

from territoria.plantabilite.computing import load

pytestmark = pytest.mark.django_db


def test_geotiff_is_a_cog_with_the_classes_and_scores(client, computed, tmp_path):
    path = tmp_path / "calque.tif"
    path.write_bytes(
        b"".join(client.get(reverse("plantabilite:geotiff", args=[computed.pk])).streaming_content)
    )
    result = load(computed)
    with rasterio.open(path) as data:
        assert data.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert data.crs.to_epsg() == 2154
        assert data.transform.a == 5.0 and data.transform.e == -5.0
        assert (data.bounds.left, data.bounds.top) == (result.grid.xmin, result.grid.ymax)
        np.testing.assert_array_equal(data.read(1).astype(np.uint8), result.classes)
        np.testing.assert_allclose(data.read(2), result.score, atol=1e-5)
        tags = data.tags()
    # The file documents itself: profile, version, weights, public layers; the operator's
    # restricted layer is counted, never named.
    assert tags["TERRITORIA_PROFIL"] == "Profil de Lyon"
    assert tags["TERRITORIA_PROFIL_VERSION"] == "1"
    assert json.loads(tags["TERRITORIA_POIDS"]) == computed.weights
    assert [layer["nom"] for layer in json.loads(tags["TERRITORIA_COUCHES"])] == ["Parcs"]
    assert json.loads(tags["TERRITORIA_COUCHES_RESERVEES"]) == {"gaz": 1}
    raw = path.read_bytes()
    assert b"Profil de Lyon" in raw  # the tags are plain bytes in the file…
    for restricted in ("Conduites GRDF-témoin", "Opérateur-gaz-témoin"):
        assert restricted.encode() not in raw  # …and the restricted names are not among them


def test_geopackage_polygons_cover_the_grid_class_by_class(client, computed, tmp_path):
    import geopandas as gpd

    path = tmp_path / "calque.gpkg"
    response = client.get(reverse("plantabilite:geopackage", args=[computed.pk]))
    path.write_bytes(b"".join(response.streaming_content))
    frame = gpd.read_file(path, layer="plantabilite")
    assert frame.crs.to_epsg() == 2154
    classes = load(computed).classes
    areas = frame.assign(area=frame.area).groupby("classe")["area"].sum()
    expected = {c: n * 25.0 for c, n in enumerate(np.bincount(classes.ravel())) if n}
    assert {int(c): round(a, 6) for c, a in areas.items()} == expected
