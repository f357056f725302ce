"""Imports of the real files: what is read, what is flagged, and refusals that write nothing."""

import csv
import io
import json
from collections import defaultdict

import pytest

from territoria.culture import museums, reporting, territory
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Attendance, AttendanceSeries, Commune, Indicator, Venue

from .conftest import (
    ATTENDANCE,
    COMMUNES,
    INDICATORS,
    MUSEOFILE,
    OLD_GEOGRAPHY,
    ROUEN_METROPOLE,
    VENUES,
)


def test_import_communes_takes_population_and_epci_from_the_package(db):
    report = territory.import_communes(COMMUNES)
    assert report.features == 74
    rouen = Commune.objects.get(code="76540")
    assert rouen.name == "Rouen" and rouen.population == 117662
    assert rouen.epci_code == ROUEN_METROPOLE and rouen.epci_name == "Métropole Rouen Normandie"
    assert Commune.objects.filter(epci_code=ROUEN_METROPOLE).count() == 71
    assert 49.40 < rouen.latitude < 49.48 and 1.03 < rouen.longitude < 1.15
    assert 15 < rouen.area_km2 < 25  # Rouen: 21.4 km²


def test_import_communes_unites_the_outlines_of_communes_merged_since(db):
    report = territory.import_communes(COMMUNES)
    assert report.merged == {"76034": ["76191", "76674"]}
    auffay = Commune.objects.get(code="76034")
    assert auffay.geometry["type"] == "MultiPolygon"
    assert auffay.outline_codes == ["76034", "76191", "76674"]
    assert any("76191" in flag for flag in auffay.flags)
    assert not Commune.objects.filter(code__in=["76191", "76674"]).exists()


def test_import_communes_refuses_a_feature_without_code_and_writes_nothing(db):
    territory.import_communes(COMMUNES)
    data = json.loads(COMMUNES.read_text())
    data["features"][1]["properties"]["code"] = "7654"
    data["features"][1]["properties"].pop("nom")
    Commune.objects.filter(code="76540").update(name="Avant")
    with pytest.raises(ImportProblem) as error:
        territory.import_communes(io.StringIO(json.dumps(data)), name="contours.geojson")
    assert "élément n° 2" in str(error.value) and "5 caractères" in str(error.value)
    assert "rien n'a été écrit" in str(error.value)
    assert Commune.objects.get(code="76540").name == "Avant"


def test_import_communes_reports_invalid_json_with_its_line(db):
    with pytest.raises(ImportProblem, match="ligne 2"):
        territory.import_communes(io.StringIO('{"type":\n "FeatureCollection", oops}'), name="x")


def test_import_attendance_flags_the_quality_problems_of_the_real_file(db):
    museums.import_museofile(MUSEOFILE)
    museums.import_attendance(ATTENDANCE)
    secq = {a.year: a.flags for a in Attendance.objects.filter(series__ref="7654006")}
    assert "tout_payant" in secq[2018] and "saut" in secq[2018]  # 90 830 visits, all paying
    assert secq[2012] == []
    museum = {a.year: a.flags for a in Attendance.objects.filter(series__ref="7654007")}
    assert museum[2003] == ["ferme"]
    munae = AttendanceSeries.objects.get(ref="7654002")
    assert "renomme" in munae.flags and len(munae.names) == 2
    duplicated = Attendance.objects.filter(series__ref="6912301", year=2008)
    assert duplicated.count() == 2 and all("doublon" in a.flags for a in duplicated)


def test_import_attendance_links_series_to_museofile_on_town_and_name(db):
    museums.import_museofile(MUSEOFILE)
    museums.import_attendance(ATTENDANCE)
    beaux_arts = AttendanceSeries.objects.get(ref="7654005")
    assert beaux_arts.venue.ref == "M0729"  # musée des Beaux-Arts, Rouen
    assert AttendanceSeries.objects.get(ref="7654010").venue.ref == "M0730"  # Céramique
    assert "sans_lieu" in AttendanceSeries.objects.get(ref="7638401").flags  # Juliobona: absent


def test_totals_per_year_and_departement_reproduce_the_file(db):
    museums.import_attendance(ATTENDANCE)
    by_year, by_dep = defaultdict(int), defaultdict(int)
    with ATTENDANCE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            by_year[int(row["annee"])] += int(row["total"] or 0)
            if row["departements"] == "SEINE-MARITIME":
                by_dep[int(row["annee"])] += int(row["total"] or 0)
    computed = reporting.totals_by_year()
    assert {year: values["total"] for year, values in computed.items()} == dict(by_year)
    assert reporting.totals_by_departement_year()["76"] == dict(by_dep)
    assert computed[2016]["total"] > 0


def test_import_attendance_refuses_bad_numbers_with_line_and_column(db):
    text = ATTENDANCE.read_text(encoding="utf-8").splitlines()
    fields = text[3].split(";")
    fields[9] = "12 000 environ"
    text[3] = ";".join(fields)
    with pytest.raises(ImportProblem) as error:
        museums.import_attendance(io.StringIO("\n".join(text)), name="frequentation.csv")
    assert "ligne 4, colonne total" in str(error.value)
    assert AttendanceSeries.objects.count() == 0 and Attendance.objects.count() == 0


def test_import_museofile_refuses_a_duplicated_museum(db):
    lines = MUSEOFILE.read_text(encoding="utf-8")
    with pytest.raises(ImportProblem, match="musée en double"):
        museums.import_museofile(io.StringIO(lines + lines.split("\n", 1)[1]), name="m.csv")
    assert Venue.objects.count() == 0


def test_import_indicators_keeps_secret_values_as_secret(db):
    territory.import_communes(COMMUNES)
    report = territory.import_indicators(INDICATORS)
    assert report["secrets statistiques"] == 1
    secret = Indicator.objects.get(secret=True)
    assert secret.value is None
    assert Indicator.objects.get(code="76540", year=2019).value == 22.0


def test_import_indicators_of_an_older_geography_names_the_merged_commune(db):
    territory.import_communes(COMMUNES)
    with pytest.raises(ImportProblem) as error:
        territory.import_indicators(OLD_GEOGRAPHY)
    message = str(error.value)
    assert "ligne 3" in message and "76191 (Cressy)" in message and "Val-de-Scie (76034)" in message
    assert Indicator.objects.count() == 0  # the valid line 2 was not written either


def test_import_venues_of_any_kind_flags_probable_duplicates(db):
    report = museums.import_venues(VENUES)
    assert report["lieux"] == 4 and report["doublons probables"] == 1
    assert report["par type"] == {"bibliotheque": 2, "cinema": 1, "theatre": 1}
    twin = Venue.objects.get(ref="EX-BIB-2")
    assert any("doublon probable de EX-BIB-1" in flag for flag in twin.flags)
    assert not Venue.objects.get(ref="EX-THE-1").located


def test_a_venue_imported_again_under_another_name_is_flagged_renamed(db, client, agent):
    museums.import_venues(VENUES)
    renamed = VENUES.read_text(encoding="utf-8").replace("Cinéma exemple;", "Cinéma Omnia;")
    report = museums.import_venues(io.StringIO(renamed), name="lieux-2026.csv")
    assert report["renommés"] == 1 and report["lieux"] == 4
    cinema = Venue.objects.get(ref="EX-CIN-1")
    assert cinema.name == "Cinéma Omnia"
    assert cinema.flags == ["renommé : anciennement « Cinéma exemple »"]
    assert Venue.objects.get(ref="EX-BIB-1").flags == []  # same name (case aside): not renamed
    # the next file keeps the history; the same name again is no new renaming
    report = museums.import_venues(io.StringIO(renamed.replace("Cinéma Omnia", "CINÉMA OMNIA")))
    assert report["renommés"] == 0
    assert Venue.objects.get(ref="EX-CIN-1").flags == ["renommé : anciennement « Cinéma exemple »"]
    # shown to the officer on the imports page, with the other flagged venues
    client.force_login(agent)
    page = client.get("/culture/import/").content.decode()
    assert "renommé : anciennement « Cinéma exemple »" in page
    assert "doublon probable de EX-BIB-1" in page and "sans coordonnées" in page
    assert (
        "Lieux importés avec un signalement (doublon probable, sans coordonnées, renommé) : 3"
        in page
    )


def test_import_venues_refuses_a_repeated_identifier_and_an_unknown_type(db):
    text = VENUES.read_text(encoding="utf-8").replace(
        "EX-CIN-1;Cinéma exemple;cinema", "EX-BIB-1;Cinéma exemple;planétarium"
    )
    with pytest.raises(ImportProblem) as error:
        museums.import_venues(io.StringIO(text), name="lieux.csv")
    assert "ligne 4, colonne identifiant : EX-BIB-1 déjà vu ligne 2" in str(error.value)
    assert Venue.objects.count() == 0
