"""Accidents: both BAAC layouts give the same accidents, severity from the users file, clear
errors (unknown layout, line and field), nothing partial; hot spots by weighted DBSCAN."""

import pytest
from django.urls import reverse

from territoria.mobilite import accidents
from territoria.mobilite.models import Accident, AccidentImport
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _snapshot(record):
    return sorted(
        (a.number, a.date, a.hour, a.commune, a.latitude and round(a.latitude, 5), a.lighting)
        for a in record.accidents.all()
    )


def test_both_layouts_give_the_same_accidents():
    old = accidents.import_files(
        FIXTURES / "baac_old.csv", FIXTURES / "baac_old_users.csv", users_name="usagers.csv"
    )
    new = accidents.import_files(FIXTURES / "baac_new.csv")
    assert old.layout == accidents.OLD and new.layout == accidents.NEW
    assert old.rows == new.rows == 119
    assert old.geocoded == new.geocoded > 50
    assert _snapshot(old) == _snapshot(new)
    first = old.accidents.get(number="201400047338")
    assert (first.commune, first.departement, first.hour) == ("93066", "93", 13)
    assert first.latitude == pytest.approx(48.9193)
    hurt = old.accidents.get(number="201600015672")  # two users: unhurt driver, injured pedestrian
    assert hurt.severity == 4
    # the users filter: a pedestrian among the users; unknown without users in the file
    assert hurt.pedestrian is True
    assert old.accidents.filter(pedestrian__isnull=True).count() == 117
    assert {a.pedestrian for a in new.accidents.all()} == {None}


def test_unknown_layout_and_bad_lines(tmp_path):
    other = tmp_path / "autre.csv"
    other.write_text("id;date;lieu\n1;2020-01-01;Paris\n")
    with pytest.raises(
        accidents.AccidentError, match="autre.csv : disposition de fichier inconnue"
    ):
        accidents.import_files(other)
    lines = (FIXTURES / "baac_old.csv").read_text().splitlines()
    fields = lines[3].split(",")
    fields[2] = "13"  # mois
    lines[3] = ",".join(fields)
    bad = tmp_path / "faux.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        accidents.AccidentError,
        match="faux.csv, ligne 4, champ « mois » : mois illisible \\('13'\\)",
    ):
        accidents.import_files(bad)
    assert AccidentImport.objects.count() == 0 and Accident.objects.count() == 0


def test_hotspots_weighted_dbscan():
    record = accidents.import_files(FIXTURES / "baac_old.csv")
    zones = accidents.hotspots(list(record.accidents.all()), radius_m=300)
    assert zones, "the fixture holds the sample's clusters"
    assert all(z["accidents"] >= 3 for z in zones)  # all unknown severity: weight 1 each
    assert zones[0]["rank"] == 1
    assert zones == sorted(zones, key=lambda z: (-z["weight"], -z["accidents"]))
    # a killed victim weighs 10: two accidents become a zone, one alone does not
    pair = list(record.accidents.filter(latitude__isnull=False)[:1])
    twin = Accident(
        latitude=pair[0].latitude + 0.0005,
        longitude=pair[0].longitude,
        severity=2,
        killed=1,
        hospitalised=0,
        commune="x",
        date=pair[0].date,
    )
    assert not accidents.hotspots(pair, 300)
    assert not accidents.hotspots([twin], 300)
    found = accidents.hotspots([*pair, twin], 300)
    assert found and found[0]["killed"] == 1 and found[0]["weight"] == 11


def test_accident_pages(client, agent, elu):
    client.force_login(agent)
    with (FIXTURES / "baac_new.csv").open("rb") as handle:
        page = client.post(
            reverse("mobilite:accidents_import"), {"caracteristiques": handle}, follow=True
        )
    text = page.content.decode()
    assert "119 accidents importés (disposition depuis 2019)" in text
    assert "Zones à risque" in text
    page = client.get(reverse("mobilite:accidents") + "?lum=1&rayon=500")
    assert "rayon 500 m" in page.content.decode()
    # no users file: no accident is known to involve a pedestrian, none is kept by the filter
    page = client.get(reverse("mobilite:accidents") + "?usagers=pietons")
    assert "aucun accident retenu" in page.content.decode()
    shown = page.content.decode().count('<th scope="row">')
    export = client.get(reverse("mobilite:accidents") + "?lum=1&rayon=500&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("rang;accidents;poids_gravite;tues;hospitalises;latitude")
    assert len(lines) > 1 and lines[1].startswith("1;")
    assert shown > 0
    client.force_login(elu)
    assert client.get(reverse("mobilite:accidents")).status_code == 200
    assert client.post(reverse("mobilite:accidents_import")).status_code == 403
    client.logout()
    # anonymous: the platform's rule, the login page (login_required), as every other module
    for url in (reverse("mobilite:accidents"), reverse("mobilite:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login")) and "next=" in response["Location"]
    response = client.post(reverse("mobilite:accidents_import"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_accidents_without_coordinates_placed_in_their_commune(client, agent, tmp_path):
    points = accidents.commune_points(FIXTURES / "communes.geojson")
    assert set(points) == {"75120", "42218", "91549"}
    lat, lon = points["75120"]
    assert 48.86 < lat < 48.87 and 2.39 < lon < 2.40  # inside its outline
    client.force_login(agent)
    with (
        (FIXTURES / "baac_old.csv").open("rb") as main,
        (FIXTURES / "communes.geojson").open("rb") as communes,
    ):
        page = client.post(
            reverse("mobilite:accidents_import"),
            {"caracteristiques": main, "communes": communes},
            follow=True,
        )
    text = page.content.decode()
    record = AccidentImport.objects.get()
    # 2 in Paris 20e, 1 in Saint-Étienne (42218), 1 in Sainte-Geneviève-des-Bois
    assert record.by_commune == 4 and record.geocoded == 99
    assert "99 géolocalisés, 4 placés dans leur commune" in text
    placed = record.accidents.filter(located="commune")
    assert {a.commune for a in placed} == {"75120", "42218", "91549"}
    assert all(a.latitude is not None for a in placed)
    assert record.accidents.filter(located="", latitude__isnull=True).count() == 119 - 99 - 4
    assert "Communes les plus touchées" in text and "placés dans leur commune" in text
    # a pile at one point of a commune is not a dangerous place: never a hot spot
    pile = [
        Accident(latitude=lat, longitude=lon, severity=2, killed=1, hospitalised=0,
                 commune="75120", date=placed[0].date, located=kind)
        for kind in ("commune",) * 3
    ]  # fmt: skip
    assert not accidents.hotspots(pile, 300)
    for a in pile:
        a.located = "gps"
    assert accidents.hotspots(pile, 300)


def test_bad_commune_files_are_named(tmp_path):
    bad = tmp_path / "communes.geojson"
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(accidents.AccidentError, match="FeatureCollection"):
        accidents.commune_points(bad)
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nom": '
        '"X"}, "geometry": {"type": "Point", "coordinates": [2, 48]}}, {"type": "Feature", '
        '"properties": {"code": "75056"}, "geometry": {"type": "Point", "coordinates": '
        "[650000, 6860000]}}]}"
    )
    with pytest.raises(accidents.AccidentError) as error:
        accidents.commune_points(bad, "c.geojson")
    assert str(error.value) == (
        "c.geojson, commune n° 1 : pas de code INSEE (propriété code ou insee). "
        "c.geojson, commune 75056 : coordonnées hors WGS 84 (longitude, latitude)."
    )
    with pytest.raises(accidents.AccidentError):
        accidents.import_files(FIXTURES / "baac_old.csv", communes=bad)
    assert not AccidentImport.objects.exists()  # nothing written


def test_users_filter_keeps_accidents_with_a_pedestrian(client, agent):
    accidents.import_files(FIXTURES / "baac_old.csv", FIXTURES / "baac_old_users.csv")
    client.force_login(agent)
    text = client.get(reverse("mobilite:accidents"), {"usagers": "pietons"}).content.decode()
    # the two accidents of the fixture with users in the users file each have a pedestrian
    assert "2 accidents retenus, dont 2 géolocalisés" in text
    text = client.get(reverse("mobilite:accidents"), {"usagers": "sans_pieton"}).content.decode()
    assert "aucun accident retenu" in text


def test_vehicles_file_gives_bicycles_and_motorcycles(client, agent, tmp_path):
    """The vehicles file (both layouts' columns Num_Acc/Accident_Id and catv): a bicycle, an
    electrically assisted one, a motorcycle; an accident missing from the file stays unknown."""
    vehicles = tmp_path / "vehicules.csv"
    vehicles.write_text(
        '"Num_Acc";"id_vehicule";"num_veh";"catv"\n'
        '"201400047338";"1";"A01";"7"\n"201400047338";"2";"B01";"1"\n'
        '"201000025628";"3";"A01";"33"\n"201000025628";"4";"B01";"80"\n'
    )
    record = accidents.import_files(FIXTURES / "baac_new.csv", vehicles=vehicles)
    by_number = {a.number: (a.bicycle, a.motorcycle) for a in record.accidents.all()}
    assert by_number["201400047338"] == (True, False)
    assert by_number["201000025628"] == (True, True)
    assert sum(v == (None, None) for v in by_number.values()) == 117
    client.force_login(agent)
    text = client.get(reverse("mobilite:accidents"), {"usagers": "velos"}).content.decode()
    assert "2 accidents retenus, dont 2 géolocalisés" in text
    text = client.get(reverse("mobilite:accidents"), {"usagers": "deux_roues"}).content.decode()
    assert "1 accident retenu" in text
    vehicles.write_text('"Num_Acc";"catv"\n"201400047338";"vélo"\n')
    with pytest.raises(accidents.AccidentError, match="ligne 2, champ « catv » : catégorie"):
        accidents.import_files(FIXTURES / "baac_new.csv", vehicles=vehicles)
    vehicles.write_text('"Num_Acc";"grav"\n"201400047338";"1"\n')
    with pytest.raises(accidents.AccidentError, match="fichier « véhicules » attendu"):
        accidents.import_files(FIXTURES / "baac_new.csv", vehicles=vehicles)
    assert AccidentImport.objects.count() == 1  # nothing written by the refused imports


def test_zone_confidence_by_bootstrap(client, agent):
    from datetime import date
    from types import SimpleNamespace

    def at(lat, lon):
        return SimpleNamespace(
            latitude=lat, longitude=lon, located="gps", severity=4, killed=0, hospitalised=0,
            commune="75056", date=date(2024, 1, 1),
        )  # fmt: skip

    dense = [at(48.85 + k * 1e-5, 2.35) for k in range(12)]  # 12 accidents within 15 m
    fragile = [at(48.80 + k * 1e-5, 2.30) for k in range(3)]  # exactly the minimal weight 3
    rows = dense + fragile
    zones = accidents.hotspots(rows, 300)
    assert [z["accidents"] for z in zones] == [12, 3]
    accidents.confidence(rows, zones, 300, draws=40, seed=1)
    assert zones[0]["confidence"] >= 0.95
    assert zones[1]["confidence"] < 0.8  # often fewer than 3 of its accidents are drawn
    again = [dict(z) for z in accidents.hotspots(rows, 300)]
    accidents.confidence(rows, again, 300, draws=40, seed=1)
    assert [z["confidence"] for z in again] == [z["confidence"] for z in zones]  # seeded
    assert (
        accidents.export_csv(zones)
        .splitlines()[1]
        .endswith(f";{zones[0]['confidence']:.2f}".replace(".", ","))
    )
    accidents.import_files(FIXTURES / "baac_old.csv")
    client.force_login(agent)
    text = client.get(reverse("mobilite:accidents"), {"confiance": "1"}).content.decode()
    assert '<th scope="col">Confiance</th>' in text and " %</td>" in text
