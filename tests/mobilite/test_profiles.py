"""Flow analysis: typical days by day type (French holidays) and season, congestion index per
section, anomalies — on a synthetic counts file (6 weeks, 15-minute step, Poisson noise) whose
anomalies are planted here."""

import json
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from django.urls import reverse

from territoria.mobilite import counts, flows, profiles
from territoria.mobilite.models import Job, JobStatus

pytestmark = pytest.mark.django_db

FIRST = date(2025, 4, 7)  # Monday; the window holds Easter Monday (21/04), 1st and 8th May
DAYS = 42
CLOSURE = ("A1B1", date(2025, 4, 15), (7, 8))  # a Tuesday morning: traffic down to 20 %
EVENT = ("B1C1", date(2025, 5, 14), (17, 18, 19))  # a Wednesday evening: traffic × 2.5
# written out here, not taken from the module under test
HOLIDAYS = {date(2025, 4, 21), date(2025, 5, 1), date(2025, 5, 8), date(2025, 7, 14)}


def _kind(day: date) -> str:
    if day.weekday() == 6 or day in HOLIDAYS:
        return "dimanche_ferie"
    return "samedi" if day.weekday() == 5 else "semaine"


def _shape(kind: str, hour: int) -> float:
    """Vehicles per hour of a synthetic section by day type."""
    if kind == "semaine":
        peaks = 380 * np.exp(-((hour - 8) ** 2) / 2) + 420 * np.exp(-((hour - 18) ** 2) / 2)
        return 20 + peaks + (150 if 7 <= hour <= 20 else 0)
    if kind == "samedi":
        return 20 + 250 * np.exp(-((hour - 13) ** 2) / 10)
    return 15 + 120 * np.exp(-((hour - 15) ** 2) / 8)


def write_synthetic(path, plant: bool = True, first: date = FIRST, days: int = DAYS):
    """Two sections; A1B1 slows down at the working-day peaks (free flow 50 km/h, 25 at peak),
    B1C1 does not. Holidays carry Sunday traffic, as in reality."""
    rng = np.random.default_rng(7)
    lines = ["detecteur,horodatage,vehicules,vitesse"]
    for det in ("A1B1", "B1C1"):
        for offset in range(days):
            day = first + timedelta(days=offset)
            kind = _kind(day)
            for quarter in range(96):
                hour = quarter // 4
                flow = _shape(kind, hour) * (0.5 if day.month in (7, 8) else 1)
                for planted_det, planted_day, hours in (CLOSURE, EVENT) if plant else ():
                    if det == planted_det and day == planted_day and hour in hours:
                        flow *= 0.2 if planted_det == "A1B1" else 2.5
                vehicles = int(rng.poisson(flow / 4))
                speed = 50.0
                if det == "A1B1" and kind == "semaine":
                    speed = 50 - 25 * max(
                        np.exp(-((hour - 8) ** 2) / 2), np.exp(-((hour - 18) ** 2) / 2)
                    )
                speed += rng.normal(0, 1)
                ts = datetime.combine(day, datetime.min.time()) + timedelta(minutes=15 * quarter)
                lines.append(f"{det},{ts:%Y-%m-%d %H:%M},{vehicles},{speed:.1f}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def loaded(grid, tmp_path):
    counts.import_counts(grid, write_synthetic(tmp_path / "synthetique.csv"))
    return grid


def test_easter_and_holidays():
    assert profiles.easter(2024) == date(2024, 3, 31)
    assert profiles.easter(2025) == date(2025, 4, 20)
    assert profiles.easter(2038) == date(2038, 4, 25)
    days = profiles.french_holidays(2025)
    assert len(days) == 11
    assert days[date(2025, 5, 29)] == "Ascension"
    assert days[date(2025, 6, 9)] == "Lundi de Pentecôte"
    assert profiles.day_type(date(2025, 5, 1)) == "dimanche_ferie"  # a Thursday
    assert profiles.day_type(date(2025, 5, 2)) == "semaine"
    assert profiles.day_type(date(2025, 5, 3)) == "samedi"
    assert profiles.day_type(date(2025, 11, 11)) == "dimanche_ferie"  # a Tuesday
    assert profiles.season(date(2025, 7, 1)) == "ete"
    assert profiles.season(date(2025, 9, 1)) == "scolaire"


def test_profiles_by_day_type(loaded):
    found = profiles.profiles(counts._files(loaded), "A1B1")
    assert set(found) == {
        ("semaine", "scolaire"),
        ("samedi", "scolaire"),
        ("dimanche_ferie", "scolaire"),
    }
    # 6 Sundays + Easter Monday, 1st and 8th May; 30 working days − 3 holidays
    assert {h: n for h, _, _, n in found[("dimanche_ferie", "scolaire")]}[3] == 9
    assert {h: n for h, _, _, n in found[("semaine", "scolaire")]}[3] == 27
    mean = {h: m for h, m, _, _ in found[("semaine", "scolaire")]}
    assert mean[18] == pytest.approx(_shape("semaine", 18), rel=0.05)
    sunday = {h: m for h, m, _, _ in found[("dimanche_ferie", "scolaire")]}
    assert sunday[15] == pytest.approx(_shape("dimanche", 15), rel=0.1)
    spread = {h: s for h, _, s, _ in found[("samedi", "scolaire")]}
    assert 0 < spread[13] < 0.2 * _shape("samedi", 13)


def test_planted_anomalies_found_with_reason(loaded):
    found = profiles.anomalies(counts._files(loaded))
    assert {(a["section"], a["date"]) for a in found} == {CLOSURE[:2], EVENT[:2]}
    by_section = {a["section"]: a for a in found}
    closure = by_section["A1B1"]
    assert tuple(h["hour"] for h in closure["hours"]) == CLOSURE[2]
    assert all(-90 < h["gap_percent"] < -70 for h in closure["hours"])
    assert closure["reason"].startswith("Baisse par rapport au profil type « jour ouvré")
    assert "8 h : " in closure["reason"] and "au lieu de" in closure["reason"]
    assert " écarts)" in closure["reason"] and "." not in closure["reason"][:-1]
    event = by_section["B1C1"]
    assert tuple(h["hour"] for h in event["hours"]) == EVENT[2]
    assert all(100 < h["gap_percent"] < 200 for h in event["hours"])
    assert event["reason"].startswith("Hausse")
    assert profiles.anomalies(counts._files(loaded), detector="B1C1") == [event]
    shared = profiles.prepared(counts._files(loaded))  # the store read once (the page's path)
    assert profiles.anomalies([], detector="B1C1", con=shared) == [event]
    assert profiles.anomalies([], con=shared) == found


def test_no_anomaly_without_plants(grid, tmp_path):
    """Holidays look like Sundays: not flagged when they are typed right."""
    counts.import_counts(grid, write_synthetic(tmp_path / "propre.csv", plant=False))
    assert profiles.anomalies(counts._files(grid)) == []


def test_congestion_index(loaded):
    rows = {r["section"]: r for r in profiles.congestion(counts._files(loaded))}
    assert rows["A1B1"]["worst_hour"] in (8, 18)
    assert rows["A1B1"]["index"] == pytest.approx(0.5, abs=0.06)
    assert rows["A1B1"]["free_flow_kmh"] == pytest.approx(50, abs=1.5)
    assert rows["B1C1"]["index"] < 0.06
    assert list(rows) == ["A1B1", "B1C1"]  # the most congested first


def test_gaps_are_not_anomalies(grid, tmp_path):
    """An hour with missing intervals is left out, not read as a drop of traffic."""
    path = write_synthetic(tmp_path / "trous.csv", plant=False)
    lines = path.read_text().splitlines()
    hour = "A1B1,2025-04-16 08:"
    kept = [x for x in lines if not x.startswith(hour) or x.startswith(hour + "00")]
    assert len(kept) == len(lines) - 3
    path.write_text("\n".join(kept) + "\n")
    counts.import_counts(grid, path)
    assert profiles.anomalies(counts._files(grid)) == []


def _compute_views(client, network, django_capture_on_commit_callbacks):
    """The manager's button: the flow views computed in the background job (inline in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("mobilite:flow_refresh", args=[network.pk]))
    job = Job.objects.get(network=network, kind="flux")
    assert answer.status_code == 302 and answer.url == reverse("mobilite:job", args=[job.pk])
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == flows.STEPS
    return job


def test_page_and_api(
    client, agent, elu, loaded, other_organisation, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    url = reverse("mobilite:network", args=[loaded.pk]) + "?detecteur=A1B1"
    html = client.get(url).content.decode()
    assert "pas encore été calculée" in html and "Calculer l'analyse des flux" in html
    assert "Indice de congestion" not in html
    api = json.loads(client.get(reverse("mobilite:flow_api", args=[loaded.pk])).content)
    assert api["status"] == "non_calcule" and api["congestion"] == []
    job = _compute_views(client, loaded, django_capture_on_commit_callbacks)
    assert "Voir l'analyse des flux" in client.get(reverse("mobilite:job", args=[job.pk])).text
    html = client.get(url).content.decode()
    assert "Jour type, détecteur A1B1 (période scolaire)" in html
    assert "Profils types" in html and "Indice de congestion" in html
    assert "2 jours atypiques" in html
    assert "15/04/2025" in html and "14/05/2025" in html
    assert "Calculer l'analyse des flux" not in html  # up to date
    api = client.get(reverse("mobilite:flow_api", args=[loaded.pk]) + "?detecteur=A1B1")
    data = json.loads(api.content)
    assert data["status"] == "a_jour"
    assert [a["date"] for a in data["anomalies"]] == ["2025-04-15"]
    assert data["profiles"]["semaine"]["scolaire"][8]["days"] == 27
    assert data["congestion"][0]["section"] == "A1B1"
    # an elected member reads the views but does not start a computation
    client.force_login(elu)
    assert client.post(reverse("mobilite:flow_refresh", args=[loaded.pk])).status_code == 403
    assert "Indice de congestion" in client.get(url).content.decode()
    # a network of another organisation is not found, by the page, the API, the job or the button
    client.force_login(agent)
    loaded.organisation = other_organisation
    loaded.save()
    assert client.get(reverse("mobilite:flow_api", args=[loaded.pk])).status_code == 404
    assert client.get(reverse("mobilite:network", args=[loaded.pk])).status_code == 404
    assert client.get(reverse("mobilite:job", args=[job.pk])).status_code == 404
    assert client.post(reverse("mobilite:flow_refresh", args=[loaded.pk])).status_code == 404
    assert Job.objects.filter(kind="flux").count() == 1


@pytest.mark.slow
def test_stored_views_are_the_computed_ones(
    client, agent, loaded, tmp_path, django_capture_on_commit_callbacks
):
    """What the page reads equals what profiles.py computes over the store; a new import makes
    the views stale, and its import through the page recomputes them (older files removed)."""
    client.force_login(agent)
    job = _compute_views(client, loaded, django_capture_on_commit_callbacks)
    files = counts._files(loaded)
    for detector in ("A1B1", "B1C1"):
        stored = flows.stored_profiles(job, detector)
        direct = profiles.profiles(files, detector)
        assert set(stored) == set(direct)
        for key, points in direct.items():
            assert [p[0] for p in stored[key]] == [p[0] for p in points]
            assert [p[3] for p in stored[key]] == [p[3] for p in points]
            assert [p[1] for p in stored[key]] == pytest.approx([p[1] for p in points])
    assert job.result["congestion"] == profiles.congestion(files)
    assert flows.stored_anomalies(job) == profiles.anomalies(files)
    assert flows.stored_anomalies(job, "B1C1") == profiles.anomalies(files, "B1C1")
    assert flows.state(loaded)["fresh"]
    # a second file (one more detector) appended: the views are stale until recomputed
    extra = tmp_path / "autre.csv"
    extra.write_text(
        "detecteur,horodatage,vehicules\nC1B1,2025-04-07 00:00,3\nC1B1,2025-04-07 00:15,4\n"
    )
    counts.import_counts(loaded, extra)
    assert not flows.state(loaded)["fresh"]
    html = client.get(reverse("mobilite:network", args=[loaded.pk])).content.decode()
    assert "calculées avant le dernier import" in html and "Calculer l'analyse" in html
    with django_capture_on_commit_callbacks(execute=True), extra.open("rb") as handle:
        queued = client.post(
            reverse("mobilite:counts_import", args=[loaded.pk]), {"fichier": handle}
        )
    page = client.get(queued.url)  # the import's job, run when the request committed
    assert "analyse des flux est recalculée en tâche de fond" in page.content.decode()
    current = flows.state(loaded)
    assert current["fresh"] and current["views"].pk != job.pk
    assert not flows.folder(job).exists()  # the old views are removed with their job
    assert Job.objects.filter(kind="flux").count() == 1


def test_views_wait_for_a_queued_job(client, agent, loaded):
    """While the worker has not run the job, the page shows its progress; a second request
    does not queue another one."""
    client.force_login(agent)
    first = flows.start(loaded, agent)
    assert first is not None and flows.start(loaded, agent) is None
    html = client.get(reverse("mobilite:network", args=[loaded.pk])).content.decode()
    assert "Analyse des flux en cours de calcul" in html and 'id="avancement-flux"' in html
    assert "Calculer l'analyse des flux" not in html
    data = json.loads(client.get(reverse("mobilite:flow_api", args=[loaded.pk])).content)
    assert data["status"] == "en_cours" and data["computing"] == str(first.pk)


def test_summer_has_its_own_profile(grid, tmp_path):
    """Three weeks of June, four of July (half the traffic, 14 July a holiday): two seasons,
    and no July day flagged against the school months."""
    path = write_synthetic(tmp_path / "ete.csv", plant=False, first=date(2025, 6, 16), days=46)
    counts.import_counts(grid, path)
    files = counts._files(grid)
    found = profiles.profiles(files, "B1C1")
    assert {("semaine", "scolaire"), ("semaine", "ete"), ("dimanche_ferie", "ete")} <= set(found)
    summer = {h: m for h, m, _, _ in found[("semaine", "ete")]}
    assert summer[18] == pytest.approx(_shape("semaine", 18) / 2, rel=0.06)
    assert profiles.anomalies(files) == []
    assert profiles.profile_chart(files, "B1C1", "ete")["season"] == "ete"


def test_congestion_ties_go_to_the_earliest_hour(grid, tmp_path):
    """The same speed at every hour: the index ties everywhere; the worst hour is the first,
    every time (it was DuckDB's pick among the threads' partial results)."""
    path = tmp_path / "plat.csv"
    lines = ["detecteur,horodatage,vehicules,vitesse"]
    for day in range(7, 12):  # Monday 7 to Friday 11 April 2025
        for hour in range(24):
            lines.append(f"A1B1,2025-04-{day:02d} {hour:02d}:00,{10 + hour},30.0")
    path.write_text("\n".join(lines) + "\n")
    counts.import_counts(grid, path)
    found = [profiles.congestion(counts._files(grid)) for _ in range(3)]
    assert found[0] == found[1] == found[2]
    assert found[0][0]["worst_hour"] == 0 and found[0][0]["index"] == 0
    assert found[0][0]["vehicles"] == 10 and found[0][0]["peak_vehicles"] == 33
