"""The pages, as an agent of the territory's organisation, another organisation's agent and an
anonymous reader: computation job, explanation, sensitivity, sites, downloads, restrictions."""

import io
import json

import rasterio
from django.urls import reverse

from territoria.plantabilite.importing import import_file
from territoria.plantabilite.models import Computation, Planting


def test_computation_runs_as_a_job_and_reports_its_progress(client, agent, computed):
    assert computed.state == Computation.State.DONE
    assert computed.done == computed.total == 2
    assert computed.stats["cells"] == 40 * 40
    client.force_login(agent)
    page = client.get(computed.get_absolute_url()).content.decode()
    assert "Terminé" in page and 'value="100"' in page


def test_second_computation_reuses_the_unchanged_factors(
    client, agent, territory, computed, fixture_file
):
    import_file(
        territory,
        fixture_file("gaz_lambert93.geojson"),
        name="Gaz 2",
        factor="gaz",
        owner="Op",
        buffer_m=3.0,
    )
    client.force_login(agent)
    client.post(
        reverse("plantabilite:computations", args=[territory.slug]),
        {"profil": territory.profiles.get().pk, "publique": "on"},
    )
    second = Computation.objects.order_by("-created_at").first()
    assert second.stats["factors_reused"] == 1 and second.stats["factors_computed"] == 1


def test_replacing_a_layer_recomputes_only_its_factor(
    client, agent, other_agent, territory, computed, layers, fixture_file
):
    gas, _ = layers
    url = reverse("plantabilite:delete_layer", args=[territory.slug, gas.pk])
    client.force_login(other_agent)
    assert client.post(url).status_code == 404
    client.force_login(agent)
    client.post(url)
    import_file(
        territory,
        fixture_file("gaz_lambert93.geojson"),
        name="Gaz corrigé",
        factor="gaz",
        owner="GRDF",
        buffer_m=1.0,
    )
    client.post(
        reverse("plantabilite:computations", args=[territory.slug]),
        {"profil": territory.profiles.get().pk, "publique": "on"},
    )
    latest = Computation.objects.order_by("-created_at").first()
    assert latest.stats["factors_reused"] == 1 and latest.stats["factors_computed"] == 1
    assert [layer["name"] for layer in latest.layers if layer["factor"] == "gaz"] == ["Gaz corrigé"]


def test_explanation_of_a_cell_hides_restricted_layers_from_the_public(client, agent, computed):
    url = reverse("plantabilite:territory", args=[computed.territory.slug])
    # The cell at (652002.5, 6862012.5): 80 % covered by the gas pipe's 2 m buffer.
    anonymous = client.get(url, {"x": "652002.5", "y": "6862012.5"}).content.decode()
    assert "Réseau de gaz" not in anonymous
    assert "Réseaux d'opérateurs (données réservées aux agents)" in anonymous
    assert "-2.40" in anonymous or "-2,40" in anonymous  # the contribution, summed
    client.force_login(agent)
    inside = client.get(url, {"x": "652002.5", "y": "6862012.5"}).content.decode()
    assert "Réseau de gaz" in inside and "80 %" in inside


def test_click_on_the_image_explains_that_cell(client, computed):
    url = reverse("plantabilite:territory", args=[computed.territory.slug])
    page = client.get(url, {"carte.x": "11", "carte.y": "39"}).content.decode()
    assert "Maille ligne 39, colonne 11" in page


def test_restricted_layers_are_listed_only_for_the_organisation(
    client, agent, other_agent, computed
):
    url = reverse("plantabilite:layers", args=[computed.territory.slug])
    assert "Conduites GRDF-témoin" not in client.get(url).content.decode()
    client.force_login(other_agent)
    assert "Conduites GRDF-témoin" not in client.get(url).content.decode()
    assert (
        client.get(reverse("plantabilite:profiles", args=[computed.territory.slug])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("plantabilite:computations", args=[computed.territory.slug])
        ).status_code
        == 404
    )
    client.force_login(agent)
    assert "Conduites GRDF-témoin" in client.get(url).content.decode()


def test_sensitivity_of_the_underground_networks_weight(client, agent, computed):
    client.force_login(agent)
    page = client.get(computed.get_absolute_url(), {"facteur": "reseaux_enterres", "poids": "0"})
    text = page.content.decode()
    # 20 cells along the pipe are 80 % covered, the rows above and below a little: they move up.
    assert page.context["sensitivity"]["changed"] >= 20
    assert page.context["sensitivity"]["down"] == 0
    assert "changent de classe" in text
    image = client.get(
        reverse("plantabilite:sensitivity_png", args=[computed.pk]),
        {"facteur": "reseaux_enterres", "poids": "0"},
    )
    assert image["Content-Type"] == "image/png"


def test_downloads_geotiff_geopackage_and_tiles(client, computed):
    tif = client.get(reverse("plantabilite:geotiff", args=[computed.pk]))
    with rasterio.MemoryFile(b"".join(tif.streaming_content)) as memory, memory.open() as data:
        assert data.crs.to_epsg() == 2154 and data.count == 2
        assert (data.width, data.height) == (40, 40)
        assert data.read(1).max() <= 10
    gpkg = client.get(reverse("plantabilite:geopackage", args=[computed.pk]))
    assert b"".join(gpkg.streaming_content)[:16] == b"SQLite format 3\x00"
    from territoria.plantabilite.tiles import lonlat_to_tile

    x, y = lonlat_to_tile(2.3376, 48.8575, 18)
    tile = client.get(reverse("plantabilite:tile", args=[computed.pk, 18, x, y]))
    assert tile.status_code == 200 and tile.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_sites_ranked_and_exported_and_plantings_counted(client, agent, computed):
    url = reverse("plantabilite:sites", args=[computed.territory.slug])
    page = client.get(url, {"classe_min": "7", "mailles_min": "4"})
    sites = page.context["sites"]
    assert sites and [s["rank"] for s in sites] == list(range(1, len(sites) + 1))
    exported = json.loads(client.get(url, {"classe_min": "7", "format": "geojson"}).content)
    assert exported["features"][0]["properties"]["rank"] == 1
    assert exported["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "carte-sites-donnees" in page.content.decode()
    csv_text = client.get(url, {"classe_min": "7", "format": "csv"}).content.decode()
    assert csv_text.splitlines()[0].startswith("rank,x,y,lon,lat")
    # A drawn area away from the parks finds nothing.
    empty = client.get(
        url,
        {
            "xmin": "652150",
            "ymin": "6862150",
            "xmax": "652160",
            "ymax": "6862160",
            "classe_min": "10",
        },
    )
    assert empty.context["sites"] == []
    assert client.post(url, {"x": 1, "y": 2, "arbres": 3, "date": "2026-11-30"}).status_code == 404
    client.force_login(agent)
    client.post(
        url, {"site": "Parc", "x": 652055, "y": 6862055, "arbres": 12, "date": "2026-11-30"}
    )
    assert Planting.objects.get().trees == 12
    home = client.get(reverse("plantabilite:territory", args=[computed.territory.slug]))
    assert "12 arbres plantés" in home.content.decode()


def test_a_private_computation_is_hidden_from_the_public(client, agent, territory, layers):
    client.force_login(agent)
    client.post(
        reverse("plantabilite:computations", args=[territory.slug]),
        {"profil": territory.profiles.get().pk},
    )
    computation = Computation.objects.get()
    assert not computation.public
    client.logout()
    assert client.get(reverse("plantabilite:map_png", args=[computation.pk])).status_code == 404
    assert client.get(reverse("plantabilite:geotiff", args=[computation.pk])).status_code == 404


def test_profile_weights_outside_the_range_are_refused(client, agent, territory):
    client.force_login(agent)
    from territoria.plantabilite.factors import FACTORS

    data = {
        "action": "profil",
        "nom": "Profil négocié",
        **{f"poids_{f.key}": f.weight for f in FACTORS},
    }
    data["poids_gaz"] = -7
    page = client.post(reverse("plantabilite:profiles", args=[territory.slug]), data)
    assert "Poids entre -5 et +3" in page.content.decode()
    assert territory.profiles.count() == 1
    data["poids_gaz"] = -1
    client.post(reverse("plantabilite:profiles", args=[territory.slug]), data)
    assert territory.profiles.get(name="Profil négocié").weights["gaz"] == -1
    client.post(
        reverse("plantabilite:profiles", args=[territory.slug]),
        {
            "action": "accord",
            "profil": territory.profiles.get(name="Profil négocié").pk,
            "partie": "GRDF",
            "date": "2026-11-02",
        },
    )
    page = client.get(reverse("plantabilite:profiles", args=[territory.slug])).content.decode()
    assert "GRDF a convenu de ces poids le 2 novembre 2026" in page


def test_public_pages_answer_anonymous_readers(client, computed):
    for name in ("index",):
        assert client.get(reverse(f"plantabilite:{name}")).status_code == 200
    assert (
        client.get(reverse("plantabilite:sites", args=[computed.territory.slug])).status_code == 200
    )
    page = client.get(reverse("plantabilite:territory", args=[computed.territory.slug]))
    assert page.status_code == 200 and "Répartition des mailles" in page.content.decode()
    bands = page.context["shapes"]
    assert {band["colour"] for band in bands} >= {"scale-1", "scale-7"}  # the pipe, the parks
    assert "carte-plantabilite-donnees" in page.content.decode()
    assert (
        io.BytesIO(client.get(reverse("plantabilite:map_png", args=[computed.pk])).content).read(4)
        == b"\x89PNG"
    )


def test_agent_uploads_a_layer_and_sees_a_refusal_in_plain_words(
    client, agent, territory, fixture_file
):
    client.force_login(agent)
    url = reverse("plantabilite:layers", args=[territory.slug])
    with open(fixture_file("parcs_wkt_casse.csv"), "rb") as handle:
        page = client.post(
            url,
            {
                "fichier": handle,
                "nom": "Parcs",
                "facteur": "parcs",
                "detenteur": "Ville",
                "crs": "EPSG:2154",
            },
        )
    assert "Ligne 3, colonne « wkt »" in page.content.decode()
    with open(fixture_file("gaz_lambert93.geojson"), "rb") as handle:
        page = client.post(url, {"fichier": handle, "detenteur": "Ville"})
    assert "Indiquez le nom de la couche" in page.content.decode()
    with open(fixture_file("gaz_lambert93.geojson"), "rb") as handle:
        page = client.post(
            url,
            {
                "fichier": handle,
                "nom": "Gaz",
                "facteur": "gaz",
                "detenteur": "GRDF",
                "restreinte": "on",
            },
            follow=True,
        )
    assert "Couche « Gaz » importée : 1 objet." in page.content.decode()
    assert territory.layers.get().restricted


def test_the_public_layer_is_published_as_an_open_dataset(computed, settings, tmp_path):
    from territoria.opendata.models import VersionStatus
    from territoria.opendata.module_datasets import refresh_module_dataset

    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)
    version = refresh_module_dataset("plantabilite")
    assert version.status == VersionStatus.PUBLISHED, version.error
    assert version.resource.table_name == "plantabilite_mailles"
    assert version.row_count == 40 * 40
