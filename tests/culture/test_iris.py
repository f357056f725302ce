"""IRIS outlines of the collectivité (no IRIS outline ships with the platform): their import
(all or nothing, errors naming the feature), the distance of each IRIS to the nearest venue of
each type, priority IRIS, and who sees them (page, CSV)."""

import copy
import io
import json

import numpy as np
import pytest
from django.urls import reverse

from territoria.culture import access, museums, territory
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Iris, Observatory, VenueKind

from .conftest import FIXTURES, ROUEN_METROPOLE, VENUES

IRIS_FILE = FIXTURES / "iris-76-extrait.geojson"


def _collection():
    return json.loads(IRIS_FILE.read_text(encoding="utf-8"))


def _import(data, **kwargs):
    return territory.import_iris(io.StringIO(json.dumps(data)), name="iris.geojson", **kwargs)


def test_iris_import_keeps_codes_populations_and_checks_the_coverage(culture_data):
    report = territory.import_iris(IRIS_FILE)
    assert report["IRIS"] == 5 and report["communes"] == 4
    assert report["communes dont les IRIS ne couvrent pas la surface"] == []
    rouen = Iris.objects.filter(commune_code="76540")
    assert sorted(rouen.values_list("code", flat=True)) == ["765400101", "765400102"]
    assert sum(rouen.values_list("population", flat=True)) == 117662
    whole = Iris.objects.get(code="767590000")
    assert whole.kind == "Z" and whole.name == "Yville-sur-Seine" and whole.flags == []
    assert whole.source == str(IRIS_FILE)


def test_iris_not_covering_their_commune_are_flagged_not_refused(culture_data):
    data = _collection()
    data["features"] = [f for f in data["features"] if f["properties"]["CODE_IRIS"] != "765400102"]
    report = _import(data)
    assert report["communes dont les IRIS ne couvrent pas la surface"] == ["76540"]
    (flag,) = Iris.objects.get(code="765400101").flags
    assert "de la surface de la commune Rouen" in flag


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f["properties"].update(CODE_IRIS="7654001"), "code IRIS à 9 caractères"),
        (lambda f: f["properties"].update(INSEE_COM="76451"), "ne correspond pas au code IRIS"),
        (
            lambda f: f["properties"].update(CODE_IRIS="761910000", INSEE_COM="76191"),
            "a fusionné dans Val-de-Scie (76034)",
        ),
        (
            lambda f: f["properties"].update(CODE_IRIS="763510101", INSEE_COM="76351"),
            "non importée",
        ),
        (lambda f: f["properties"].update(TYP_IRIS="X"), "H, A, D ou Z attendu"),
        (lambda f: f["properties"].update(POPULATION="beaucoup"), "nombre positif attendu"),
        (
            lambda f: f["geometry"].update(
                coordinates=[
                    [[562000, 6928000], [563000, 6928000], [563000, 6929000], [562000, 6928000]]
                ]
            ),
            "Lambert 93",
        ),
        (
            lambda f: f.update(geometry={"type": "Point", "coordinates": [1, 49]}),
            "contour invalide",
        ),
    ],
)
def test_a_bad_feature_refuses_the_whole_file_naming_it(culture_data, change, expected):
    territory.import_iris(IRIS_FILE)
    before = {i.code: (i.name, i.population) for i in Iris.objects.all()}
    data = _collection()
    for feature in data["features"]:
        feature["properties"]["NOM_IRIS"] = "changé"
    change(data["features"][-1])
    with pytest.raises(ImportProblem) as error:
        _import(data)
    assert expected in str(error.value) and "élément n° 5" in str(error.value)
    assert {i.code: (i.name, i.population) for i in Iris.objects.all()} == before


def test_duplicated_iris_and_wrong_files_are_refused(culture_data):
    data = _collection()
    data["features"].append(copy.deepcopy(data["features"][0]))
    with pytest.raises(ImportProblem, match="élément n° 6 .*doublon de l'élément n° 1"):
        _import(data)
    with pytest.raises(ImportProblem, match="FeatureCollection"):
        _import({"type": "Feature"})
    with pytest.raises(ImportProblem, match="JSON invalide"):
        territory.import_iris(io.StringIO("{"), name="x")
    assert not Iris.objects.exists()


def _haversine_loop(lat, lon, points):
    return min(access.nearest_loop([lat], [lon], [p[0] for p in points], [p[1] for p in points]))


def test_nearest_venue_of_each_type_matches_a_pair_by_pair_computation(culture_data):
    museums.import_venues(VENUES)
    territory.import_iris(IRIS_FILE)
    zones = list(Iris.objects.all())
    found = access.nearest_by_kind(
        np.array([z.latitude for z in zones]), np.array([z.longitude for z in zones])
    )
    from territoria.culture.models import Venue

    assert {VenueKind.MUSEE, VenueKind.BIBLIOTHEQUE, VenueKind.CINEMA} <= set(found)
    for kind, item in found.items():
        points = list(
            Venue.objects.filter(kind=kind, latitude__isnull=False).values_list(
                "latitude", "longitude"
            )
        )
        assert item["venues"] == len(points)
        for i, zone in enumerate(zones):
            assert item["km"][i] == pytest.approx(
                _haversine_loop(zone.latitude, zone.longitude, points)
            )


def test_iris_access_marks_far_and_unfavourable_iris_as_priority(culture_data):
    territory.import_iris(IRIS_FILE)
    communes = ["76540", "76759", "76350", "76056"]
    plain = access.iris_access(communes)
    rows = {r.code: r for r in plain["rows"]}
    museum = {r.code: next(d for d in r.distances if d["kind"] == "musee") for r in rows.values()}
    assert museum["765400101"]["km"] < 2 and museum["767590000"]["km"] > 5
    assert museum["767590000"]["minutes"] == pytest.approx(
        museum["767590000"]["km"] * access.DETOUR / access.SPEED_KMH * 60
    )
    far = [code for code, d in museum.items() if d["km"] >= plain["q75"]]
    assert sorted(r.code for r in rows.values() if r.priority) == sorted(far)
    assert "765400101" not in far and len(far) >= 2
    assert all("quart des IRIS les plus éloignés" in rows[code].reason for code in far)
    # With an IRIS-level indicator: far AND above the IRIS median; a secret value is flagged.
    values = {
        "765400101": "30",
        "765400102": "25",
        "767590000": "5",
        "763500000": "s",
        "760560000": "40",
    }
    text = "code;indicateur;annee;valeur;source\n" + "".join(
        f"{code};Pauvreté IRIS (inventé);2020;{value};inventé pour les tests\n"
        for code, value in values.items()
    )
    territory.import_indicators(io.StringIO(text), name="iris.csv")
    crossed = access.iris_access(communes, indicator="Pauvreté IRIS (inventé)")
    rows = {r.code: r for r in crossed["rows"]}
    assert crossed["indicator_median"] == pytest.approx(27.5)
    for code in far:
        value = rows[code].indicator
        assert rows[code].priority == (value is not None and value > 27.5)
        if value is None:
            assert any("secret ou absent" in flag for flag in rows[code].flags)
        if rows[code].priority:
            assert "au-dessus de la médiane des IRIS (27,5)" in rows[code].reason
    assert 0 < sum(rows[code].priority for code in far) < len(far)


@pytest.fixture
def rouen(culture_data):
    territory.import_iris(IRIS_FILE)
    return Observatory.objects.create(
        slug="metropole-rouen", name="Métropole Rouen Normandie", epci_code=ROUEN_METROPOLE
    )


def test_iris_table_and_csv_follow_the_observatory_publication(client, rouen):
    page_url = reverse("culture:observatory", args=[rouen.slug])
    csv_url = reverse("culture:observatory_iris_csv", args=[rouen.slug])
    assert client.get(csv_url).status_code == 404  # a draft: nothing for anonymous readers
    rouen.published = True
    rouen.save()
    html = client.get(page_url).content.decode()
    # The métropole's IRIS only: Rouen's two and the three whole communes of the métropole.
    assert "5 IRIS importés" in html and "765400101" in html
    assert "ESTIMATIONS (× 1,3 puis 50 km/h" in html and "ni un temps de trajet mesuré" in html
    lines = client.get(csv_url).content.decode().strip().splitlines()
    assert lines[0].startswith("code_iris,iris,commune,population,musee_km")
    assert len(lines) == 6


def test_observatory_without_iris_says_none_ship(client, culture_data):
    obs = Observatory.objects.create(
        slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE, published=True
    )
    html = client.get(reverse("culture:observatory", args=[obs.slug])).content.decode()
    assert "la plateforme ne fournit pas de contours IRIS" in html
