"""Likely causes of the anomalous days (events calendar, weather record, holidays) and the
school-holiday zones as a season of the typical days; dated changes simulated on a given day."""

import json
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from territoria.mobilite import causes, counts, flows, profiles, simulation
from territoria.mobilite.models import CalendarEntry
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db

FIRST = date(2025, 3, 3)  # a Monday; zone A's winter holidays run to Sunday 9 March 2025
DAYS = 21
PLANTED = {date(2025, 3, 12), date(2025, 3, 18)}  # working days, 8 and 9 h down to 20 %


def write_counts(path):
    """One detector (A1B1, an edge of the grid), hourly: a flat day and a morning peak."""
    lines = ["detecteur,horodatage,vehicules"]
    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        for hour in range(24):
            flow = 100 + (300 if hour in (8, 9) and day.weekday() < 5 else 0)
            if day in PLANTED and hour in (8, 9):
                flow //= 5
            ts = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
            lines.append(f"A1B1,{ts:%Y-%m-%d %H:%M},{flow + hour % 3}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_school_holidays_by_zone():
    """Spring 2025, from the national calendar (written out here): zone B from 5 to 21 April,
    zone C from 12 to 27, zone A from 19 April to 4 May; July–August stays the summer."""
    day = date(2025, 4, 15)
    assert profiles.school_holiday(day, "B") == "Vacances de printemps"
    assert profiles.school_holiday(day, "C") == "Vacances de printemps"
    assert profiles.school_holiday(day, "A") is None
    assert profiles.season(day, "C") == "vacances" and profiles.season(day, "A") == "scolaire"
    assert profiles.season(day) == "scolaire"  # no zone: as before
    assert profiles.season(date(2025, 5, 2), "A") == "vacances"
    assert profiles.season(date(2025, 7, 20), "A") == "ete"
    assert profiles.school_holiday(date(2031, 4, 15), "A") is None  # past the calendar


def test_event_and_weather_files_refused_with_line_and_field():
    with pytest.raises(causes.CalendarError, match="colonnes « date;evenement »"):
        causes.parse_events("jour;nom\n2025-03-12;Marché\n", "ev.csv")
    with pytest.raises(causes.CalendarError) as error:
        causes.parse_events(
            "debut;fin;evenement\n2025-03-12;2025-03-10;Marché\n2025-13-01;2025-03-01;Foire\n",
            "ev.csv",
        )
    assert "ev.csv, ligne 2, champ « fin » : l'événement finit avant son début" in str(error.value)
    assert "ev.csv, ligne 3, champ « debut » : date illisible (« 2025-13-01 »" in str(error.value)
    with pytest.raises(causes.CalendarError, match="ligne 3, champ « RR » : valeur impossible"):
        causes.parse_weather("AAAAMMJJ;RR\n20250312;4\n20250313;-2\n", "meteo.csv")
    # Météo-France's daily file, two stations: the worst value of the day is kept
    found = causes.parse_weather(
        "NUM_POSTE;AAAAMMJJ;RR;TN\n78621001;20250312;12,5;3.1\n78005001;20250312;3;-1.5\n"
        "78621001;20250313;;\n",
        "Q_78.csv",
    )
    assert found == [
        {
            "first": date(2025, 3, 12),
            "last": date(2025, 3, 12),
            "values": {"rain_mm": 12.5, "tmin_c": -1.5},
        }
    ]  # 13 March has no measure: not a dry day, no entry
    assert causes.weather_causes(found[0]["values"]) == [
        "fortes pluies (12,5 mm)",
        "gel (minimum -1,5 °C)",
    ]
    assert causes.weather_causes({"rain_mm": 9.9, "tmin_c": 0.5}) == []


def test_causes_and_zone_on_the_page(
    client, agent, elu, grid, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    counts.import_counts(grid, write_counts(tmp_path / "mars.csv"))
    refresh = reverse("mobilite:flow_refresh", args=[grid.pk])
    answer = client.post(refresh, {"zone": "D"}, follow=True)
    assert "Zone de vacances scolaires : « D » inconnue" in answer.text
    # zone A: its winter holidays (3–7 March) are a season of their own in the views computed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(refresh, {"zone": "A"})
    grid.refresh_from_db()
    assert grid.school_zone == "A" and flows.state(grid)["fresh"]
    url = reverse("mobilite:calendar_import", args=[grid.pk])
    bad = tmp_path / "evenements.csv"
    bad.write_text("date;evenement\n2025-03-12;Manifestation\n2025-03-32;Foire\n")
    with bad.open("rb") as handle:
        html = client.post(url, {"type": "evenement", "fichier": handle}, follow=True).text
    assert "evenements.csv, ligne 3, champ « date » : date illisible" in html
    assert not CalendarEntry.objects.exists()  # nothing half-written
    bad.write_text(
        "date;evenement;troncons\n2025-03-12;Manifestation;A1B1\n2025-03-12;Marché;B1C1\n"
    )
    with bad.open("rb") as handle:
        client.post(url, {"type": "evenement", "fichier": handle})
    weather = tmp_path / "meteo.csv"
    weather.write_text(
        "date;pluie_mm;neige_cm;temperature_min\n12/03/2025;14;0;4\n18/03/2025;0;0;6\n"
    )
    with weather.open("rb") as handle:
        client.post(url, {"type": "meteo", "fichier": handle})
    answer = client.get(reverse("mobilite:network", args=[grid.pk]))
    html = answer.text
    assert "Cause probable (calendrier)" in html
    # the count detector on the plan: its edge coloured, with the legend
    notes = {
        f["properties"]["label"]: f["properties"].get("detail", "")
        for f in answer.context["netmap"]["geojson"]["features"]
    }
    assert [k for k, v in notes.items() if "compté par le détecteur" in v] == ["Tronçon (A1B1)"]
    assert "Sections comptées par un détecteur" in html
    assert "événement : Manifestation ; météo : fortes pluies (14 mm)" in html
    assert "Marché" not in html  # another section's event
    assert "aucune cause connue au calendrier" in html  # 18 March: dry, no event
    data = client.get(reverse("mobilite:flow_api", args=[grid.pk]) + "?detecteur=A1B1").json()
    assert {a["date"]: a["causes"] for a in data["anomalies"]} == {
        "2025-03-12": ["événement : Manifestation", "météo : fortes pluies (14 mm)"],
        "2025-03-18": [],
    }
    assert data["school_zone"] == "A"
    assert data["profiles"]["semaine"]["vacances"][8]["days"] == 5
    assert data["profiles"]["semaine"]["scolaire"][8]["days"] == 10
    # an elected member reads, does not import nor change the zone
    client.force_login(elu)
    assert client.post(url, {"type": "meteo"}).status_code == 403
    assert client.post(refresh, {"zone": "B"}).status_code == 403
    # another zone makes the views stale: a new computation is queued
    client.force_login(agent)
    client.post(refresh, {"zone": ""})
    grid.refresh_from_db()
    assert not flows.state(grid)["fresh"] and flows.state(grid)["pending"] is not None


def test_dated_events_and_demand_in_force():
    changes = [
        {"type": "close_edge", "edge": "A1B1", "from": "2027-03-01", "to": "2027-03-10"},
        {
            "type": "event",
            "edge": "B1C1",
            "vehicles": 50,
            "begin": 0,
            "end": 60,
            "from": "2027-04-15",
            "to": "2027-04-15",
        },
        {"type": "demand", "percent": -15, "from": "2027-04-12", "to": "2027-04-25"},
        {"type": "tls_program", "tls": "B1", "durations": [10, 3, 74, 3]},
    ]
    assert simulation.in_force(changes, date(2027, 4, 15)) == changes[1:]
    assert simulation.in_force(changes, date(2027, 4, 16)) == changes[2:]
    assert simulation.in_force(changes, date(2027, 3, 5)) == [changes[0], changes[3]]
    assert simulation.first_worksite_day(changes) == date(2027, 3, 1)
    assert simulation.has_dates(changes[1:]) and not simulation.dated(changes[1:])
    bad = [{"type": "demand", "percent": 5, "from": "2027-04-25", "to": "2027-04-12"}]
    grid = type("N", (), {"elements": {"edges": [], "tls": {}}})
    assert simulation.validate_changes(grid, bad) == [
        "modification 1 : la modification finit le 12/04/2027, avant son début le 25/04/2027."
    ]


def test_scenario_eval_day_refused_before_any_build(tmp_path):
    changes = json.dumps(
        [{"type": "close_edge", "edge": "A1B1", "from": "2027-03-01", "to": "2027-03-10"}]
    )
    args = [
        "mobilite",
        "scenario-eval",
        "--net",
        str(FIXTURES / "grid3.net.xml"),
        "--changes",
        changes,
    ]
    with pytest.raises(CommandError, match="Le 15/04/2027, aucune modification du scénario"):
        call_command(*args, "--day", "2027-04-15", "--output", str(tmp_path / "r.json"))
    with pytest.raises(CommandError, match="--day : « 15/04/2027 » n'est pas une date"):
        call_command(*args, "--day", "15/04/2027", "--output", str(tmp_path / "r.json"))
    with pytest.raises(CommandError, match="--school-zone : « D » inconnue"):
        call_command(*args, "--school-zone", "D", "--output", str(tmp_path / "r.json"))
    assert not (tmp_path / "r.json").exists()
