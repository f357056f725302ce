"""Planting zones as polygons: drawn (vertices) or imported (GeoJSON in WGS 84), the classes of
their cells, their ranked sites; bad zones refused with a message, nothing saved; agents only."""

import json

import numpy as np
import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyproj import Transformer

from territoria.plantabilite import engine, zones
from territoria.plantabilite.computing import load
from territoria.plantabilite.models import PlantingZone

X0, Y0 = 652000, 6862000  # the test territory: 200 m × 200 m in Lambert-93


def vertices(*points) -> str:
    return "\n".join(f"{x} {y}" for x, y in points)


def test_statistics_count_the_cells_whose_centre_is_in_the_zone():
    grid = engine.Grid(xmin=0.0, ymax=20.0, ncols=4, nrows=4)
    classes = np.array([[0, 7, 7, 3], [0, 8, 9, 3], [6, 6, 6, 6], [10, 10, 1, 1]], dtype=np.uint8)
    result = engine.Result(grid, {}, np.zeros((4, 4)), classes == 0, classes)
    # A triangle over the top-left 2 × 2 cells: centres (2.5, 17.5), (7.5, 17.5), (2.5, 12.5)
    # are inside, (7.5, 12.5) is on the far side of the diagonal.
    triangle = shapely.Polygon([(0, 20), (10, 20), (0, 10)])
    stats = zones.statistics(result, triangle, m2_per_tree=25.0)
    assert stats["cells"] == 3 and stats["area_m2"] == 75.0
    assert stats["classes"][0] == 2 and stats["classes"][7] == 1 and sum(stats["classes"]) == 3
    assert stats["plantable"] == 1 and stats["plantable_trees"] == 1
    assert stats["mean_class"] == 7.0 and stats["blocked_share"] == pytest.approx(2 / 3)


def test_agent_draws_a_zone_and_sees_its_classes_and_sites(client, agent, territory, computed):
    client.force_login(agent)
    # The western half of the territory, drawn as a polygon (the last vertex closes itself).
    page = client.post(
        reverse("plantabilite:zones", args=[territory.slug]),
        {
            "action": "dessin",
            "dessin-nom": "Moitié ouest",
            "dessin-sommets": vertices(
                (X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 200), (X0, Y0 + 200)
            ),
        },
        follow=True,
    )
    zone = PlantingZone.objects.get()
    assert zone.area_m2 == 100 * 200 and zone.source == "dessinée"
    html = page.content.decode()
    assert "Zone « Moitié ouest » enregistrée (2,00 ha)." in html
    classes = load(computed).classes
    expected = np.bincount(classes[:, :20].ravel(), minlength=11)
    assert f"{classes[:, :20].size} mailles de 5 m dans la zone" in html
    stats = page.context["stats"]
    assert stats["classes"] == expected.tolist()
    assert stats["plantable"] == int(expected[7:].sum())
    # Its sites lie in the zone; exports for the field teams.
    for site in page.context["sites"]:
        assert X0 <= site["x"] <= X0 + 100
    csv = client.get(zone.get_absolute_url() + "?format=csv").content.decode()
    assert csv.splitlines()[0].startswith("rank,x,y")
    feature = json.loads(client.get(zone.get_absolute_url() + "?format=zone").content)
    assert feature["properties"]["nom"] == "Moitié ouest"
    assert feature["geometry"]["type"] == "MultiPolygon"


def test_agent_imports_a_zone_from_geojson_in_wgs84(client, agent, territory, computed):
    to_wgs84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    ring = [
        to_wgs84.transform(x, y)
        for x, y in [(X0, Y0), (X0 + 50, Y0), (X0 + 50, Y0 + 50), (X0, Y0 + 50), (X0, Y0)]
    ]
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    client.force_login(agent)
    client.post(
        reverse("plantabilite:zones", args=[territory.slug]),
        {
            "action": "import",
            "import-nom": "Square",
            "import-fichier": SimpleUploadedFile("square.geojson", json.dumps(document).encode()),
        },
    )
    zone = PlantingZone.objects.get()
    assert zone.area_m2 == pytest.approx(2500, rel=1e-3)  # reprojected into Lambert-93
    page = client.get(zone.get_absolute_url())
    assert page.context["stats"]["cells"] == 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "dessin", "dessin-sommets": "652000 6862000\n652050 6862000"},
            "au moins 3 sommets",
        ),
        (
            {"action": "dessin", "dessin-sommets": "652000 6862000\nnord 12\n1 2"},
            "Ligne 2 des sommets",
        ),
        (
            {"action": "dessin", "dessin-sommets": "0 0\n10 0\n10 10"},
            "entièrement hors du territoire",
        ),
        (
            {
                "action": "dessin",
                "dessin-sommets": "652000 6862000\n652010 6862000\n652020 6862000",
            },
            "pas de surface",
        ),
    ],
)
def test_a_bad_drawing_is_refused_and_nothing_is_saved(client, agent, territory, data, message):
    client.force_login(agent)
    page = client.post(
        reverse("plantabilite:zones", args=[territory.slug]), {"dessin-nom": "Z", **data}
    )
    assert page.status_code == 200 and message in page.content.decode()
    assert not PlantingZone.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{pas du json", "pas du GeoJSON lisible"),
        (
            json.dumps({"type": "Point", "coordinates": [2.35, 48.85]}).encode(),
            "Objet n° 1 : une zone est un polygone",
        ),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "aucun polygone"),
    ],
)
def test_a_bad_geojson_is_refused(client, agent, territory, content, message):
    client.force_login(agent)
    page = client.post(
        reverse("plantabilite:zones", args=[territory.slug]),
        {
            "action": "import",
            "import-nom": "Z",
            "import-fichier": SimpleUploadedFile("z.geojson", content),
        },
    )
    assert message in page.content.decode()
    assert not PlantingZone.objects.exists()


def test_a_bow_tie_is_repaired_and_reported(client, agent, territory):
    client.force_login(agent)
    client.post(
        reverse("plantabilite:zones", args=[territory.slug]),
        {
            "action": "dessin",
            "dessin-nom": "Nœud",
            "dessin-sommets": vertices((X0, Y0), (X0 + 40, Y0 + 40), (X0 + 40, Y0), (X0, Y0 + 40)),
        },
    )
    zone = PlantingZone.objects.get()
    assert "réparée" in zone.report and zone.area_m2 == pytest.approx(800)


def test_zones_are_for_the_territorys_agents_only(client, agent, other_agent, territory):
    zone_url = reverse("plantabilite:zones", args=[territory.slug])
    assert client.get(zone_url).status_code == 404
    client.force_login(other_agent)
    assert client.get(zone_url).status_code == 404
    assert client.post(zone_url, {"action": "dessin"}).status_code == 404


def test_the_layer_is_computed_on_a_zone_and_a_zone_with_a_rectangle_is_refused(
    client, agent, territory, layers
):
    from territoria.plantabilite.models import Computation

    triangle = shapely.Polygon([(X0 + 20, Y0 + 10), (X0 + 120, Y0 + 10), (X0 + 20, Y0 + 160)])
    zone = PlantingZone.objects.create(
        territory=territory,
        name="Triangle",
        source="dessinée",
        geometry_wkb=shapely.to_wkb(triangle),
        area_m2=triangle.area,
    )
    client.force_login(agent)
    url = reverse("plantabilite:computations", args=[territory.slug])
    # The zone's page leads to the computation form, the zone chosen.
    assert f"?zone={zone.pk}" in client.get(zone.get_absolute_url()).content.decode()
    form = client.get(f"{url}?zone={zone.pk}")
    assert form.context["form"]["zone"].value() == zone.pk
    profile = territory.profiles.get()
    page = client.post(url, {"profil": profile.pk, "zone": zone.pk, "xmin": X0})
    assert "une zone de plantation ou un rectangle, pas les deux" in page.content.decode()
    assert not Computation.objects.exists()
    client.post(url, {"profil": profile.pk, "zone": zone.pk, "publique": "on"})
    computation = Computation.objects.get()
    assert (computation.xmin, computation.ymin, computation.xmax, computation.ymax) == (
        X0 + 20,
        Y0 + 10,
        X0 + 120,
        Y0 + 160,
    )
    computation.refresh_from_db()
    assert computation.state == "done"
    assert computation.stats["shape"] == [30, 20]  # 150 m × 100 m in 5 m cells
