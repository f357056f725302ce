"""Imports of the water module: networks, SCADA files, quality files — real files, clear errors."""

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from territoria.eau import network, scada, timeseries
from territoria.eau.models import Network, SensorImport, Zone

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"
FLOWS = FIXTURES / "ltown_flows_2018_10days.csv"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_read_scada_fixture_has_every_sample_and_no_warning():
    series = scada.read_csv(FLOWS)
    assert series.sensors == ["p227", "p235", "PUMP_1"]
    assert len(series.times) == 2880
    assert series.step_seconds() == 300
    assert series.warnings == []
    assert series.values["p227"][0] == pytest.approx(77.77)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Timestamp;p1\n2019-01-01 00:00:00;1\n",
            "séparateur attendu : la virgule (le séparateur trouvé est « ; »)",
        ),
        (
            "Timestamp,p1\n2019-01-01 00:00:00,1\n2019-01-01 00:00:00,2\n",
            "ligne 3, colonne « Timestamp » : horodatage répété",
        ),
        (
            "Timestamp,p1\n2019-01-01 00:05:00,1\n2019-01-01 00:00:00,2\n",
            "ligne 3, colonne « Timestamp » : horodatage antérieur",
        ),
        # a step back in October that is not the night of the time change: refused
        ("Timestamp,p1\n2019-10-20 02:55:00,1\n2019-10-20 02:00:00,2\n", "changement d'heure"),
        ("Timestamp,p1\n2019-10-27 03:55:00,1\n2019-10-27 03:00:00,2\n", "antérieur"),
        (
            "Timestamp,p1\n2019-01-01 00:00:00,abc\n",
            "ligne 2, colonne « p1 » : « abc » n'est pas un nombre",
        ),
        ("Timestamp,p1\n2019-01-01 00:00:00,99999\n", "ligne 2, colonne « p1 » : valeur aberrante"),
        (
            "Timestamp,p1\n01-01-2019 0h,1\n",
            "ligne 2, colonne « Timestamp » : horodatage illisible",
        ),
        ("Timestamp,p1\n2019-01-01 00:00:00,1,2\n", "ligne 2 : 3 valeurs pour 2 colonnes"),
    ],
)
def test_read_scada_bad_file_names_line_and_column(tmp_path, text, expected):
    with pytest.raises(scada.ScadaError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        scada.read_csv(write(tmp_path, "bad.csv", text))


def test_read_scada_latin1_file_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "latin.csv", "Timestamp,débit\n2019-01-01 00:00:00,1\n", "latin-1")
    with pytest.raises(scada.ScadaError, match="ligne 1 : le fichier n'est pas en UTF-8"):
        scada.read_csv(path)


def test_read_scada_gap_negative_and_stuck_sensor_are_reported_not_patched(tmp_path):
    lines = ["Timestamp,p1,p2"]
    for minute in range(0, 5 * 60, 5):
        if 60 <= minute < 90:
            continue  # a 30-minute gap
        lines.append(
            f"2019-01-01 {minute // 60:02d}:{minute % 60:02d}:00,{-1 if minute == 0 else minute},7.5"
        )
    series = scada.read_csv(write(tmp_path, "gaps.csv", "\n".join(lines) + "\n"))
    text = " ".join(series.warnings)
    # each names its line (the header is line 1) and column
    assert "Trou de données entre 2019-01-01 00:55 et 2019-01-01 01:30 (lignes 13 et 14)" in text
    assert "Capteur p1 : 1 valeur négative (première : ligne 2, colonne « p1 »" in text
    stuck = "Capteur p2 : valeur constante 7.5 pendant 54 mesures à partir du 2019-01-01 00:00, "
    assert stuck + "ligne 2, colonne « p2 »" in text
    assert len(series.times) == 54  # nothing interpolated


@pytest.mark.slow
@pytest.mark.django_db
def test_import_network_derives_two_zones_of_tiny_network():
    found = network.import_network(FIXTURES / "tiny.inp", name="Petit réseau")
    zones = {z.code: z for z in found.zones.all()}
    assert set(zones) == {"A", "B"}
    assert zones["A"].node_count == 3 and zones["B"].node_count == 3
    assert zones["A"].feeds == ["P0", "V1"]
    assert found.counts["canalisations"] == 5
    drawing = network.schematic(found)
    assert {z["code"] for z in drawing["zones"]} == {"A", "B"}


@pytest.mark.slow
@pytest.mark.django_db
def test_import_network_broken_file_writes_nothing(tmp_path):
    bad = write(tmp_path, "bad.inp", "[JUNCTIONS]\n J1 abc\n[PIPES]\n P1 J1 J9 10\n[END]\n")
    with pytest.raises(
        network.NetworkError,
        match=r"bad.inp, ligne 2, section \[JUNCTIONS\], colonne 2 \(« altitude »\) : « abc »",
    ):
        network.import_network(bad)
    assert Network.objects.count() == 0 and Zone.objects.count() == 0


@pytest.mark.django_db
def test_import_scada_stores_parquet_and_refuses_overlap(tmp_path):
    found = Network.objects.create(name="L-Town", source_name="L-TOWN.inp")
    record = timeseries.import_csv(found, FLOWS)
    assert record.rows == 2880 and Path(record.parquet).exists()
    loaded = timeseries.load(found, ["p227", "PUMP_1"])
    assert len(loaded.times) == 2880
    assert np.allclose(loaded.values["p227"][:2], [77.77, 72.51])
    with pytest.raises(scada.ScadaError, match="recouvrent l'import"):
        timeseries.import_csv(found, FLOWS)
    assert SensorImport.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db
def test_import_ltown_gives_zones_a_b_c_with_declared_balances():
    found = network.import_network(FIXTURES / "L-TOWN.inp")
    zones = {z.code: z for z in found.zones.all()}
    assert {code: z.node_count for code, z in zones.items()} == {"A": 657, "B": 31, "C": 93}
    assert zones["A"].balance == {"p227": 1, "p235": 1, "PUMP_1": -1}
    assert zones["C"].balance_text() == "PUMP_1 − 201.06 m² × dh/dt(T1)"


@pytest.mark.django_db
def test_flows_and_levels_files_of_one_period_are_read_on_one_time_axis(tmp_path):
    found = Network.objects.create(name="L-Town", source_name="L-TOWN.inp")
    timeseries.import_csv(found, FLOWS)
    levels = tmp_path / "levels.csv"
    lines = ["Timestamp,T1"] + [
        f"2018-01-01 00:{m:02d}:00,{3 + m / 100:.2f}" for m in range(0, 60, 5)
    ]
    levels.write_text("\n".join(lines) + "\n", encoding="utf-8")
    timeseries.import_csv(found, levels)
    loaded = timeseries.load(found, ["PUMP_1", "T1"], end=dt.datetime(2018, 1, 1, 1))
    assert len(loaded.times) == 12  # not 24 rows: one per timestamp
    assert np.isfinite(loaded.values["PUMP_1"]).all() and np.isfinite(loaded.values["T1"]).all()
    assert loaded.values["T1"][1] == pytest.approx(3.05)


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"])  # fast, slow reader
def test_october_time_change_hour_is_merged_and_said(tmp_path, fmt):
    """A local-time export holds 02:00–03:00 of the last Sunday of October twice."""
    day = dt.datetime(2019, 10, 27)
    stamps = [day + dt.timedelta(hours=1, minutes=15 * i) for i in range(8)]  # 01:00–02:45
    stamps += [day + dt.timedelta(hours=2, minutes=15 * i) for i in range(8)]  # 02:00–03:45
    lines = ["Timestamp,p1"] + [f"{t.strftime(fmt)},{i}" for i, t in enumerate(stamps)]
    path = write(tmp_path, "heure-locale.csv", "\n".join(lines) + "\n")
    series = scada.read_csv(path)
    assert len(series.times) == 12 and np.all(np.diff(series.times).astype("int64") > 0)
    at_two = series.times == np.datetime64("2019-10-27T02:00:00")
    assert series.values["p1"][at_two] == pytest.approx([(4 + 8) / 2])  # both passes averaged
    assert "Changement d'heure du 27/10/2019" in series.warnings[0]
    assert "exportez en UTC" in series.warnings[0]


def test_spring_time_change_is_not_reported_as_a_gap(tmp_path):
    day = dt.datetime(2019, 3, 31)
    stamps = [day + dt.timedelta(minutes=30 * i) for i in range(4)]  # 00:00–01:30
    stamps += [day + dt.timedelta(hours=3, minutes=30 * i) for i in range(4)]  # 03:00–04:30
    lines = ["Timestamp,p1"] + [f"{t:%Y-%m-%d %H:%M:%S},{i + 1}" for i, t in enumerate(stamps)]
    series = scada.read_csv(write(tmp_path, "mars.csv", "\n".join(lines) + "\n"))
    text = " ".join(series.warnings)
    assert "Trou de données" not in text
    assert "Changement d'heure du 31/03/2019 : pas de mesure entre 02:00 et 03:00" in text
    # the same jump on another day is a gap
    other = [line.replace("2019-03-31", "2019-03-24") for line in lines]
    series = scada.read_csv(write(tmp_path, "autre.csv", "\n".join(other) + "\n"))
    assert "Trou de données entre 2019-03-24 01:30 et 2019-03-24 03:00 (lignes 5 et 6)." in (
        series.warnings
    )


def test_last_sundays_of_the_time_changes():
    assert scada.last_sunday(2018, 10) == dt.date(2018, 10, 28)
    assert scada.last_sunday(2019, 3) == dt.date(2019, 3, 31)
    assert scada.last_sunday(2019, 10) == dt.date(2019, 10, 27)
    assert scada.last_sunday(2020, 12) == dt.date(2020, 12, 27)


BAD_FILES = [  # (file text, what the refusal says: its line and column)
    ("Timestamp;p227\n2019-01-01 00:00:00;1\n", "ligne 1 : séparateur attendu : la virgule"),
    (
        "Timestamp,p227\n2019-01-01 00:00:00,1\n,2\n",
        "ligne 3, colonne « Timestamp » : horodatage illisible",
    ),
    (
        "Timestamp,p227\n2019-01-01 00:00:00,1\n2019-01-01 00:05:00,1\n2019-01-01 00:05:00,2\n",
        "ligne 4, colonne « Timestamp » : horodatage répété",
    ),
    (
        "Timestamp,p227\n2019-10-20 02:55:00,1\n2019-10-20 02:00:00,2\n",
        (
            "ligne 3, colonne « Timestamp » : horodatage antérieur au précédent "
            "(2019-10-20 02:00:00) — probablement le changement d'heure"
        ),
    ),
    (
        "Timestamp,p227\n2019-01-01 00:00:00,-99999\n",
        "ligne 2, colonne « p227 » : valeur aberrante",
    ),
    (
        "Timestamp,p227\n2019-01-01 00:00:00,1\n2019-01-01 00:05:00,1 m3\n",
        "ligne 3, colonne « p227 »",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_a_refused_scada_file_names_line_and_column_and_nothing_is_imported(
    tmp_path, text, expected
):
    found = Network.objects.create(name="L-Town", source_name="L-TOWN.inp")
    with pytest.raises(scada.ScadaError, match=re.escape(f"mesures.csv, {expected}")):
        timeseries.import_csv(found, write(tmp_path, "mesures.csv", text))
    assert SensorImport.objects.count() == 0
    assert list(timeseries.store_dir(found).glob("*.parquet")) == []


@pytest.mark.django_db
def test_a_latin1_scada_file_is_refused_at_its_line_and_nothing_is_imported(tmp_path):
    found = Network.objects.create(name="L-Town", source_name="L-TOWN.inp")
    text = "Timestamp,p227\n2019-01-01 00:00:00,1\n2019-01-01 00:05:00,1 # relevé à la main\n"
    with pytest.raises(
        scada.ScadaError, match="latin.csv, ligne 3 : le fichier n'est pas en UTF-8"
    ):
        timeseries.import_csv(found, write(tmp_path, "latin.csv", text, "latin-1"))
    assert SensorImport.objects.count() == 0


def test_a_blank_line_keeps_the_line_numbers_of_the_warnings_right(tmp_path):
    text = "Timestamp,p1\n2019-01-01 00:00:00,1\n\n2019-01-01 00:05:00,-2\n"
    series = scada.read_csv(write(tmp_path, "vide.csv", text))
    assert "1 valeur négative (première : ligne 4, colonne « p1 »" in " ".join(series.warnings)


@pytest.mark.django_db
def test_a_nul_byte_in_a_sensor_name_is_refused_with_its_line_and_column(tmp_path):
    found = Network.objects.create(name="L-Town", source_name="L-TOWN.inp")
    text = "Timestamp,p227,p2\x0035\n2019-01-01 00:00:00,1,2\n2019-01-01 00:05:00,1,2\n"
    with pytest.raises(
        scada.ScadaError, match=re.escape("nul.csv, ligne 1, colonne 3 : caractère nul")
    ):
        timeseries.import_csv(found, write(tmp_path, "nul.csv", text))
    assert SensorImport.objects.count() == 0
