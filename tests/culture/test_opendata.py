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
