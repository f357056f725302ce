"""Needs rasters (heat islands, population density) rank the planting sites: hand-computable
ranking, resampling onto the grid, import checks (nothing saved on refusal), agents only."""

import html

import numpy as np
import pytest
import rasterio
from affine import Affine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoria.plantabilite import engine, needs, sites
from territoria.plantabilite.computing import grid_of
from territoria.plantabilite.models import NeedLayer

X0, Y0 = 652000, 6862000  # the test territory: 200 m × 200 m in Lambert-93


def geotiff(path, values, *, crs="EPSG:2154", x0=X0, y1=Y0 + 200, pixel=20.0):
    values = np.asarray(values, dtype="float32")
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": "float32",
        "transform": Affine(pixel, 0, x0, 0, -pixel, y1),
        "nodata": -9999.0,
    }
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as out:
        out.write(values, 1)
    return path


def hot_east(tmp_path, name="chaleur.tif", **kwargs):
    """10 × 10 pixels of 20 m: 25 °C in the west half, 40 °C in the east half."""
    values = np.full((10, 10), 25.0)
    values[:, 5:] = 40.0
    return geotiff(tmp_path / name, values, **kwargs)


def test_a_heat_need_ranks_the_hotter_of_two_equal_sites_first():
    grid = engine.Grid(xmin=0.0, ymax=50.0, ncols=10, nrows=10)
    classes = np.full((10, 10), 8, dtype=np.uint8)
    classes[:, 4:6] = 0  # a blocked street between two equal sites
    result = engine.Result(grid, {}, np.zeros((10, 10)), classes == 0, classes)
    heat = np.zeros((10, 10), dtype=np.float32)
    heat[:, 5:] = 1.0
    # No trees, no green space: lack of canopy 1 and far from green 1 for both sites.
    plain = sites.find_sites(result)
    assert [s["rank_score"] for s in plain] == [0.9, 0.9]
    ranked = sites.find_sites(result, needs={"chaleur": heat})
    east, west = ranked
    assert east["x"] > 25 > west["x"]
    # Ease 0.5 × 0.8; canopy, green and heat share 0.5: 1/6 each.
    assert east["rank_score"] == pytest.approx(0.4 + 3 / 6, abs=1e-4)
    assert west["rank_score"] == pytest.approx(0.4 + 2 / 6, abs=1e-4)
    assert east["need_chaleur"] == 1.0 and west["need_chaleur"] == 0.0


def test_scaling_uses_the_2nd_and_98th_percentiles_and_unknown_is_no_need():
    values = np.array([[10.0, 20.0, np.nan], [30.0, 1000.0, 20.0]])
    out = needs.scaled(values)
    low, high = np.percentile([10, 20, 30, 1000, 20], [2, 98])
    assert out[0, 2] == 0.0
    assert out[0, 1] == pytest.approx((20 - low) / (high - low))
    assert out[1, 1] == 1.0 and out[0, 0] == 0.0


def test_agent_imports_a_heat_raster_and_the_sites_carry_it(
    client, agent, territory, computed, tmp_path
):
    client.force_login(agent)
    with open(hot_east(tmp_path), "rb") as handle:
        page = client.post(
            reverse("plantabilite:needs", args=[territory.slug]),
            {
                "besoin": "chaleur",
                "fichier": handle,
                "nom": "Température de surface, été",
                "detenteur": "Ville",
            },
            follow=True,
        )
    assert "importé : 10 × 10 pixels, valeurs de 25 à 40" in page.content.decode()
    need = NeedLayer.objects.get()
    assert need.path.exists() and need.source_crs == "EPSG:2154"
    on_grid = needs.grid_needs(territory, grid_of(computed))["chaleur"]
    assert on_grid.shape == (40, 40)
    assert (on_grid[:, :18] == 0).all() and (on_grid[:, 22:] == 1).all()  # bilinear at the seam
    page = client.get(reverse("plantabilite:sites", args=[territory.slug]), {"classe_min": 1})
    assert "Îlots de chaleur (température de surface) (0–1)" in page.content.decode()
    found = page.context["sites"]
    assert found and all(0.0 <= s["need_chaleur"] <= 1.0 for s in found)
    csv = client.get(
        reverse("plantabilite:sites", args=[territory.slug]), {"classe_min": 1, "format": "csv"}
    ).content.decode()
    assert "need_chaleur" in csv.splitlines()[0]

    # A second heat raster replaces the first (its file too).
    old = need.path
    with open(hot_east(tmp_path, "chaleur2.tif"), "rb") as handle:
        client.post(
            reverse("plantabilite:needs", args=[territory.slug]),
            {"besoin": "chaleur", "fichier": handle, "nom": "Été 2", "detenteur": "Ville"},
        )
    assert NeedLayer.objects.get().name == "Été 2" and not old.exists()


def test_a_raster_without_crs_is_refused_unless_declared(client, agent, territory, tmp_path):
    client.force_login(agent)
    url = reverse("plantabilite:needs", args=[territory.slug])
    path = hot_east(tmp_path, crs=None)
    data = {"besoin": "population", "nom": "Insee", "detenteur": "Insee"}
    with open(path, "rb") as handle:
        page = client.post(url, {**data, "fichier": handle})
    assert "n'indique pas son système de coordonnées" in html.unescape(page.content.decode())
    assert not NeedLayer.objects.exists()
    with open(path, "rb") as handle:
        client.post(url, {**data, "fichier": handle, "crs": "EPSG:2154"})
    need = NeedLayer.objects.get()
    with rasterio.open(need.path) as dataset:
        assert dataset.crs.to_epsg() == 2154


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"pas un raster", "n'est pas un raster lisible"),
        ("outside", "entièrement hors du territoire"),
    ],
)
def test_bad_rasters_are_refused_and_nothing_is_saved(
    client, agent, territory, tmp_path, content, message
):
    if content == "outside":
        content = hot_east(tmp_path, x0=100_000, y1=6_000_000).read_bytes()
    client.force_login(agent)
    page = client.post(
        reverse("plantabilite:needs", args=[territory.slug]),
        {
            "besoin": "chaleur",
            "nom": "T",
            "detenteur": "Ville",
            "fichier": SimpleUploadedFile("t.tif", content),
        },
    )
    assert message in html.unescape(page.content.decode())
    assert not NeedLayer.objects.exists()


def test_needs_are_for_the_territorys_agents_only(client, other_agent, territory):
    url = reverse("plantabilite:needs", args=[territory.slug])
    assert client.get(url).status_code == 404
    client.force_login(other_agent)
    assert client.get(url).status_code == 404
