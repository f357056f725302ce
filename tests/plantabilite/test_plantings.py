"""Trees actually planted, recorded back in bulk: the sites export filled in by the field teams
and imported back (CSV), a GeoJSON of points in WGS 84, bad lines refused whole, re-imports not
counted twice, and only the territory's agents may import."""

import csv
import io
import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse
from pyproj import Transformer

from territoria.plantabilite import plantings
from territoria.plantabilite.models import Planting

TODAY = date(2026, 12, 3)


def _csv(rows: list[dict], delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(client, url, data: bytes, name: str, **extra):
    return client.post(
        url, {"importer": "1", "fichier": SimpleUploadedFile(name, data), **extra}, follow=True
    )


def test_the_sites_export_filled_in_is_recorded_once(client, agent, computed):
    url = reverse("plantabilite:sites", args=[computed.territory.slug])
    client.force_login(agent)
    exported = client.get(url, {"classe_min": "7", "mailles_min": "1", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert len(rows) >= 2 and rows[0]["arbres_plantes"] == rows[0]["date_plantation"] == ""
    # The field team planted the first two sites and left the others empty.
    rows[0].update(arbres_plantes="3", date_plantation="2026-11-30")
    rows[1].update(arbres_plantes="5", date_plantation="28/11/2026")
    data = _csv(rows)

    page = _upload(client, url, data, "retours.csv").content.decode()
    assert "2 plantations enregistrées, 8 arbres." in page
    assert list(Planting.objects.order_by("source").values_list("source", "site", "trees")) == [
        ("retours.csv, ligne 2", "Site n° 1", 3),
        ("retours.csv, ligne 3", "Site n° 2", 5),
    ]
    first = Planting.objects.get(trees=3)
    assert (first.x, first.y) == (float(rows[0]["x"]), float(rows[0]["y"]))
    assert first.planted_on == date(2026, 11, 30) and first.recorded_by == agent
    assert "8 arbres plantés enregistrés" in page

    # The same file again: nothing counted twice.
    again = _upload(client, url, data, "retours.csv").content.decode()
    assert "aucune plantation enregistrée" in again and "2 lignes déjà enregistrées" in again
    assert Planting.objects.aggregate(n=Sum("trees"))["n"] == 8


def test_a_bad_line_refuses_the_whole_file_naming_each_line(territory):
    data = _csv(
        [
            {"x": "652010", "y": "6862010", "arbres_plantes": "2", "date_plantation": "2026-11-01"},
            {
                "x": "652020",
                "y": "6862020",
                "arbres_plantes": "2,5",
                "date_plantation": "2026-11-01",
            },
            {"x": "abc", "y": "6862020", "arbres_plantes": "1", "date_plantation": "31/02/2026"},
            {"x": "652030", "y": "6862030", "arbres_plantes": "1", "date_plantation": "2027-01-01"},
            {"x": "700000", "y": "6862030", "arbres_plantes": "1", "date_plantation": "2026-11-01"},
        ],
        delimiter=";",
    )
    with pytest.raises(plantings.PlantingError) as error:
        plantings.read(data, "retours.csv", territory, today=TODAY)
    text = str(error.value)
    assert text.startswith("4 ligne(s) refusée(s), rien n'est enregistré")
    assert "Ligne 3, colonne « arbres_plantes » : « 2,5 » n'est pas un nombre d'arbres" in text
    assert "Ligne 4, colonne « x » : « abc » n'est pas un nombre" in text
    assert "colonne « date_plantation » : « 31/02/2026 » n'est pas une date" in text
    assert "Ligne 5, colonne « date_plantation » : le 2027-01-01 est dans le futur" in text
    assert "Ligne 6 : le point (700000.0 ; 6862030.0 en EPSG:2154) est hors du territoire" in text


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"x,y,nombre\n1,2,3\n", "a.csv", "Ligne 1 (en-tête) : colonne(s) « arbres_plantes »"),
        ("x;y\n€".encode("cp1252"), "a.csv", "Ligne 2 : le fichier n'est pas en UTF-8"),
        (b"{}", "a.xlsx", "format non pris en charge"),
        (b"x,y,arbres,date\n652010,6862010,,\n", "a.csv", "Aucune plantation dans le fichier"),
        (b'{"type": "Feature"}', "a.geojson", "n'est pas une FeatureCollection"),
    ],
)
def test_unreadable_files_are_refused_in_plain_words(territory, data, name, expected):
    with pytest.raises(plantings.PlantingError, match=re.escape(expected)):
        plantings.read(data, name, territory, today=TODAY)


def test_geojson_points_in_wgs84_are_reprojected(territory):
    lon, lat = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True).transform(
        652100, 6862100
    )
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"Arbres plantés": 4, "Date": "2026-10-15", "site": "Square"},
            },
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}},
        ],
    }
    found = plantings.read(json.dumps(document).encode(), "p.geojson", territory, today=TODAY)
    (row,) = found.rows
    assert (row.site, row.trees, row.planted_on) == ("Square", 4, date(2026, 10, 15))
    assert row.x == pytest.approx(652100, abs=1e-3) and row.y == pytest.approx(6862100, abs=1e-3)
    assert found.skipped_blank == [2]


def test_only_the_territory_agents_import(client, other_agent, territory):
    url = reverse("plantabilite:sites", args=[territory.slug])
    data = b"x,y,arbres_plantes,date_plantation\n652010,6862010,2,2026-11-01\n"
    assert _upload(client, url, data, "r.csv").status_code == 404
    client.force_login(other_agent)
    assert _upload(client, url, data, "r.csv").status_code == 404
    assert not Planting.objects.exists()


def test_an_agent_deletes_a_planting_recorded_by_mistake(client, agent, other_agent, territory):
    planting = Planting.objects.create(
        territory=territory, x=652010, y=6862010, trees=7, planted_on=TODAY, source="r.csv, ligne 2"
    )
    url = reverse("plantabilite:delete_planting", args=[territory.slug, planting.pk])
    client.force_login(other_agent)
    assert client.post(url).status_code == 404
    client.force_login(agent)
    assert client.get(url).status_code == 405
    page = client.post(url, follow=True).content.decode()
    assert "Plantation du 03/12/2026 (7 arbres) supprimée." in page
    assert not Planting.objects.exists()
