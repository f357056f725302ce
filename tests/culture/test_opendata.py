"""The module's open-data tables: only published observatories, the attendance with its flags."""

import csv

import pytest

from territoria.culture import opendata
from territoria.culture.models import Observatory

from .conftest import ROUEN_METROPOLE


def test_access_table_holds_published_observatories_only(culture_data, tmp_path):
    draft = Observatory.objects.create(
        slug="brouillon", name="Brouillon", epci_code=ROUEN_METROPOLE
    )
    assert opendata.write_access_csv(tmp_path / "a.csv") is None  # nothing published yet
    draft.published = True
    draft.save()
    rows, digest = opendata.write_access_csv(tmp_path / "a.csv")
    with (tmp_path / "a.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert rows == len(lines) == 71 and len(digest) == 64
    assert {line["observatoire"] for line in lines} == {"Brouillon"}
    assert all(0 <= float(line["indice_acces"]) <= 1 for line in lines)


def test_attendance_table_keeps_every_line_with_its_flags(culture_data, tmp_path):
    rows, _ = opendata.write_attendance_csv(tmp_path / "f.csv")
    with (tmp_path / "f.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert rows == len(lines) == 1717
    secq_2018 = next(
        line for line in lines if line["ref_musee"] == "7654006" and line["annee"] == "2018"
    )
    assert "tout_payant" in secq_2018["signalements"] and secq_2018["ref_museofile"] == "M0732"


def test_iris_table_holds_published_observatories_only(culture_data, tmp_path):
    from territoria.culture import territory

    from .test_iris import IRIS_FILE

    observatory = Observatory.objects.create(
        slug="brouillon", name="Brouillon", epci_code=ROUEN_METROPOLE
    )
    territory.import_iris(IRIS_FILE)
    assert opendata.write_iris_csv(tmp_path / "i.csv") is None  # draft: nothing published
    observatory.published = True
    observatory.save()
    rows, _ = opendata.write_iris_csv(tmp_path / "i.csv")
    with (tmp_path / "i.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert rows == len(lines) == 5  # 5 IRIS × the one type of venue imported (museums)
    assert {line["type_de_lieu"] for line in lines} == {"Musée"}
    yville = next(line for line in lines if line["code_iris"] == "767590000")
    assert float(yville["minutes_estimees"]) == pytest.approx(
        float(yville["distance_km"]) * 1.3 / 50 * 60, abs=0.2
    )


def test_iris_index_table_is_the_map_index_of_published_observatories(culture_data, tmp_path):
    from territoria.culture import access, territory

    from .test_iris import IRIS_FILE

    observatory = Observatory.objects.create(
        slug="brouillon",
        name="Brouillon",
        epci_code=ROUEN_METROPOLE,
        weights={"proximite": 1, "offre": 0, "frequentation": 0},
    )
    territory.import_iris(IRIS_FILE)
    assert opendata.write_iris_index_csv(tmp_path / "x.csv") is None  # draft: nothing published
    observatory.published = True
    observatory.save()
    rows, _ = opendata.write_iris_index_csv(tmp_path / "x.csv")
    with (tmp_path / "x.csv").open(encoding="utf-8") as handle:
        lines = {line["code_iris"]: line for line in csv.DictReader(handle)}
    assert rows == len(lines) == 5
    codes = list(observatory.communes().values_list("code", flat=True))
    expected = access.iris_index(codes, weights=observatory.weights)
    for r in expected.rows:
        line = lines[r.code]
        assert float(line["indice_acces"]) == pytest.approx(r.index, abs=1e-4)
        assert int(line["rang"]) == r.rank
        assert line["prioritaire_acces"] == ("oui" if r.priority else "non")
    # the saved weights are the observatory's: all on proximity, so index = proximity score
    assert all(line["indice_acces"] == line["score_proximite"] for line in lines.values())
    assert {line["poids"] for line in lines.values()} == {"proximite=1 offre=0 frequentation=0"}
    farthest = max(lines.values(), key=lambda line: float(line["distance_km"]))
    assert float(farthest["indice_acces"]) == 0 and farthest["prioritaire_acces"] == "oui"


# The columns of the three tables by area, as published before they shared one row writer
# (`opendata.write_observatory_table`): a reader of the portal sees the same tables.
ACCESS_HEADER = (
    "observatoire,code_commune,commune,population,distance_km,route_estimee_km,"
    "minutes_estimees,musees_15km,offre_100k_hab,tendance_pct_an,indice_acces,poids,reseau_km,"
    "reseau_minutes,transports_minutes"
)
IRIS_HEADER = (
    "observatoire,code_iris,iris,commune,population,type_de_lieu,distance_km,route_estimee_km,"
    "minutes_estimees,lieu_le_plus_proche,reseau_km,reseau_minutes,reseau_lieu,"
    "transports_minutes"
)
IRIS_INDEX_HEADER = (
    "observatoire,code_iris,iris,population,distance_km,musee_le_plus_proche,offre_100k_hab,"
    "tendance_pct_an,score_proximite,score_offre,score_frequentation,indice_acces,rang,"
    "prioritaire_acces,poids"
)


def _read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.readline().rstrip("\r\n"), list(csv.reader(handle))


def _text(value):  # what csv.writer writes for a value
    return "" if value is None else str(value)


def test_one_row_writer_serves_the_commune_and_iris_tables_unchanged(culture_data, tmp_path):
    """Every line of the three tables by area, value by value, against the computations the
    pages use (independently of the row writer): two published observatories, in order, the
    name that a spreadsheet would take for a formula neutralised in each table."""
    from territoria.culture import access, territory

    from .test_iris import IRIS_FILE

    territory.import_iris(IRIS_FILE)
    weights = {"proximite": 0.6, "offre": 0.3, "frequentation": 0.1}
    first = Observatory.objects.create(
        slug="a", name="=Formule", epci_code=ROUEN_METROPOLE, published=True, weights=weights
    )
    second = Observatory.objects.create(
        slug="b", name="Autre", epci_code=ROUEN_METROPOLE, published=True
    )
    written = {
        "access": opendata.write_access_csv(tmp_path / "a.csv"),
        "iris": opendata.write_iris_csv(tmp_path / "i.csv"),
        "index": opendata.write_iris_index_csv(tmp_path / "x.csv"),
    }
    expected = {"access": [], "iris": [], "index": []}
    for observatory, shown in ((first, "'=Formule"), (second, "Autre")):
        communes = access.compute_access(list(observatory.communes()), weights=observatory.weights)
        used = " ".join(f"{k}={v:g}" for k, v in communes.weights.items())
        for r in communes.rows:
            expected["access"].append(
                [shown, r.code, r.name, r.population, round(r.nearest_km, 2),
                 round(r.road_km, 2), round(r.minutes, 1), r.venues_within,
                 round(r.offer_per_100k, 2), round(r.trend_pct, 2), round(r.index, 4), used,
                 None, None, None]
            )  # fmt: skip
        codes = list(observatory.communes().values_list("code", flat=True))
        for r in access.iris_access(codes)["rows"]:
            for d in r.distances:
                expected["iris"].append(
                    [shown, r.code, r.name, r.commune, r.population, d["label"],
                     round(d["km"], 2), round(d["road_km"], 2), round(d["minutes"], 1),
                     d["venue"], None, None, d["network_venue"], None]
                )  # fmt: skip
        iris = access.iris_index(codes, weights=observatory.weights)
        used = " ".join(f"{k}={v:g}" for k, v in iris.weights.items())
        for r in iris.rows:
            expected["index"].append(
                [shown, r.code, r.name, r.population, round(r.nearest_km, 2), r.nearest_name,
                 round(r.offer_per_100k, 2), round(r.trend_pct, 2),
                 round(r.scores["proximite"], 4), round(r.scores["offre"], 4),
                 round(r.scores["frequentation"], 4), round(r.index, 4), r.rank,
                 "oui" if r.priority else "non", used]
            )  # fmt: skip
    for key, path, header in (
        ("access", "a.csv", ACCESS_HEADER),
        ("iris", "i.csv", IRIS_HEADER),
        ("index", "x.csv", IRIS_INDEX_HEADER),
    ):
        found_header, lines = _read(tmp_path / path)
        assert found_header == header, key
        assert lines == [[_text(v) for v in row] for row in expected[key]], key
        assert written[key][0] == len(lines) and {line[0] for line in lines} == {
            "'=Formule",
            "Autre",
        }
    assert len(expected["access"]) == 2 * 71 and len(expected["index"]) == 2 * 5
    # no published observatory: no table at all (the portal publishes no empty table)
    Observatory.objects.update(published=False)
    for writer in (
        opendata.write_access_csv,
        opendata.write_iris_csv,
        opendata.write_iris_index_csv,
    ):
        assert writer(tmp_path / "vide.csv") is None
