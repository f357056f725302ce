"""Pressure sensors in the application: import with clear errors, charts, and the leak
localisation the background replay does from the measured pressures (tiny test network).

The pressures are simulated here with EPANET on `tiny.inp` (a leak at J5, in zone B behind
the PRV): the test checks the plumbing — stored like the flows, read only up to the time of
the localisation, ranked candidates shown to the agent — not the method's accuracy (that is
benchmarks/eau_localisation.py's job, on L-Town).
"""

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse

from territoria.core.models import Role, User
from territoria.eau import localisation, network, scada, timeseries
from territoria.eau.jobs import run
from territoria.eau.models import Alert, Job, JobStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"
INP = FIXTURES / "tiny.inp"
SENSORS = ["J1", "J3", "J5", "J6"]
START = dt.datetime(2024, 1, 1)
LEAK_START = dt.datetime(2024, 1, 15, 12)  # midday: the burst is raised before any night
DAYS = 21
STEP = dt.timedelta(minutes=15)


def _times():
    count = int(DAYS * 24 * 3600 / STEP.total_seconds())
    return [START + i * STEP for i in range(count)]


def write_flows(path: Path, leak_m3h: float = 15.0) -> Path:
    """P0 (the inflow of zone A, which feeds B through the PRV): a daily demand curve, and a
    burst of `leak_m3h` from LEAK_START."""
    rng = np.random.default_rng(3)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", "P0"])
        for when in _times():
            hour = when.hour + when.minute / 60
            demand = 6.0 + 4.0 * np.sin(np.pi * max(0.0, hour - 5) / 19) ** 2
            flow = demand + rng.normal(0, 0.2) + (leak_m3h if when >= LEAK_START else 0.0)
            writer.writerow([when.strftime("%Y-%m-%d %H:%M:%S"), f"{flow:.3f}"])
    return path


def write_pressures(path: Path, after: dt.datetime | None = None) -> Path:
    """The four sensors' pressures: the model's, with sensor noise; from LEAK_START minus the
    drop EPANET computes for a leak at J5. From `after` on (if given), a drop pointing at J1
    instead: data the localisation must not read."""
    hydraulics = localisation.Hydraulics(INP)
    try:
        base = hydraulics.pressures(SENSORS)
        at_j5 = hydraulics.leak_drop("J5", 5.0, SENSORS, base)
        at_j1 = hydraulics.leak_drop("J1", 5.0, SENSORS, base)
    finally:
        hydraulics.close()
    rng = np.random.default_rng(4)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", *SENSORS])
        for when in _times():
            values = base + rng.normal(0, 0.005, len(SENSORS))
            if after is not None and when >= after:
                values = values - at_j1 * 3
            elif when >= LEAK_START:
                values = values - at_j5
            writer.writerow([when.strftime("%Y-%m-%d %H:%M:%S"), *(f"{v:.4f}" for v in values)])
    return path


@pytest.fixture
def tiny(db):
    found = network.import_network(INP, name="Petit réseau")
    zone = found.zones.get(code="A")
    zone.balance = {"P0": 1}
    zone.save()
    return found


def replay(found) -> Job:
    job = Job.objects.create(kind="replay", network=found)
    run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    return job


def test_the_model_is_kept_and_junction_columns_are_pressure_sensors(tiny, tmp_path):
    assert network.model_path(tiny).read_text() == INP.read_text()
    timeseries.import_csv(tiny, write_pressures(tmp_path / "pressions.csv"))
    assert network.pressure_sensors(tiny) == SENSORS
    # zone B has no balance of its own and is fed only from A: an alert on A covers it
    assert network.covered_junctions(tiny, "A") == ["J1", "J2", "J3", "J4", "J5", "J6"]
    assert network.covered_junctions(tiny, "B") == ["J4", "J5", "J6"]


def test_replay_localises_the_alert_from_pressures_up_to_the_first_night_only(tiny, tmp_path):
    timeseries.import_csv(tiny, write_flows(tmp_path / "debits.csv"))
    # after 2024-01-17 the pressures point at J1: a localisation reading them would say P0/P1
    timeseries.import_csv(
        tiny, write_pressures(tmp_path / "pressions.csv", after=dt.datetime(2024, 1, 17))
    )
    job = replay(tiny)
    alert = min(
        (a for a in Alert.objects.filter(network=tiny) if a.raised_at.date() >= LEAK_START.date()),
        key=lambda a: a.raised_at,
    )
    raised = alert.raised_at.replace(tzinfo=None)
    assert LEAK_START <= raised < LEAK_START + dt.timedelta(hours=12)
    assert alert.pipes and alert.pipes[0] in {"P3", "P4"}, alert.pipes
    localised = alert.localised_at.replace(tzinfo=None)
    # raised in the afternoon: the first night after the start is waited for, no more
    assert raised <= localised <= dt.datetime(2024, 1, 16, 4)
    assert alert.pressure_sensors == 4
    assert job.result["localised"] >= 1


def test_without_pressures_the_alert_stays_on_its_zone_and_the_page_says_so(tiny, tmp_path, client):
    timeseries.import_csv(tiny, write_flows(tmp_path / "debits.csv"))
    replay(tiny)
    alert = Alert.objects.filter(network=tiny).first()
    assert alert is not None and alert.pipes == []
    client.force_login(
        User.objects.create_user("eau-p", password="x-motdepasse-1", role=Role.AGENT)
    )
    page = client.get(reverse("eau:alert", args=[alert.pk])).content.decode()
    assert "Aucun capteur de pression importé pour ce réseau" in page


def test_agent_sees_candidates_and_pressure_chart(tiny, tmp_path, client):
    timeseries.import_csv(tiny, write_flows(tmp_path / "debits.csv"))
    timeseries.import_csv(tiny, write_pressures(tmp_path / "pressions.csv"))
    replay(tiny)
    alert = next(a for a in Alert.objects.filter(network=tiny) if a.pipes)
    client.force_login(
        User.objects.create_user("eau-p", password="x-motdepasse-1", role=Role.AGENT)
    )
    page = client.get(reverse("eau:alert", args=[alert.pk])).content.decode()
    assert "Canalisations candidates, la plus probable d'abord" in page
    assert f"<td>{alert.pipes[0]}</td>" in page and "candidate n° 1" in page
    page = client.get(reverse("eau:network", args=[tiny.pk]), {"capteur": "J5"}).content
    assert "Pression horaire au capteur J5 (01/2024), écart à la médiane du mois" in page.decode()
    assert "Pression médiane du mois : " in page.decode()
    # an unknown sensor in the address falls back on the first one, nothing else is read
    page = client.get(reverse("eau:network", args=[tiny.pk]), {"capteur": "../x"}).content
    assert "Pression horaire au capteur J1 (01/2024)" in page.decode()


def test_absurd_pressure_is_refused_with_line_and_column_and_nothing_is_kept(tiny, tmp_path):
    path = tmp_path / "pressions.csv"
    path.write_text(
        "Timestamp,J1,J5\n2024-01-01 00:00:00,41.2,30.1\n2024-01-01 00:15:00,41.3,3000\n",
        encoding="utf-8",
    )
    with pytest.raises(scada.ScadaError) as error:
        timeseries.import_csv(tiny, path)
    assert "pressions.csv, ligne 3, colonne « J5 » : pression aberrante 3000 m" in str(error.value)
    assert tiny.imports.count() == 0


def test_pressure_in_bar_and_unknown_columns_are_flagged(tiny, tmp_path):
    path = tmp_path / "pressions.csv"
    path.write_text(
        "Timestamp,J1,X9\n2024-01-01 00:00:00,4.1,1\n2024-01-01 00:15:00,4.2,2\n",
        encoding="utf-8",
    )
    record = timeseries.import_csv(tiny, path)
    text = " ".join(record.warnings)
    assert "Capteur de pression J1 : médiane 4.15 m" in text and "en bar" in text
    assert "ni un nœud ni une conduite du modèle : X9" in text
