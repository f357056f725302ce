"""`territoria mobilite …` writes its evaluations as JSON; bad input is a clear error."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_scenario_eval(tmp_path):
    """On a given day (--day): the undated light program and the demand change of that day
    apply; the worksite of another month does not."""
    out = tmp_path / "r.json"
    closure = {"type": "close_edge", "edge": "A1B1", "from": "2027-03-01", "to": "2027-03-10"}
    demand = {"type": "demand", "percent": 20, "from": "2027-04-12", "to": "2027-04-25"}
    changes = json.dumps(
        [{"type": "tls_program", "tls": "B1", "durations": [10, 3, 74, 3]}, closure, demand]
    )
    call_command(
        "mobilite", "scenario-eval", "--net", str(FIXTURES / "grid3.net.xml"),
        "--changes", changes, "--seeds", "1,2", "--duration", "120", "--output", str(out),
        "--day", "2027-04-15", "--school-zone", "C",
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["day"] == "2027-04-15" and result["changes_applied"] == 2
    assert [c["in_force"] for c in result["dated_changes"]] == [False, True]
    assert result["day_type"] == "jour ouvré (lundi–vendredi)"
    assert result["school_holidays"] == "Vacances de printemps"  # zone C, 2027
    assert result["trips_on_closed_edges"] == 0  # the March closure did not apply
    runs = result["runs"]
    assert sum(r["vehicles"] for r in runs["scenario"]) > sum(r["vehicles"] for r in runs["base"])
    assert result["seeds"] == [1, 2]
    assert result["sumo"].startswith("1.28")
    assert set(result["metrics"]) >= {"travel_time", "waiting_time", "co2_g"}
    assert result["metrics"]["travel_time"]["base"] > 0


def test_scenario_eval_refuses_unknown_edge(tmp_path):
    changes = json.dumps([{"type": "close_edge", "edge": "nowhere"}])
    with pytest.raises(CommandError, match="le tronçon « nowhere » n'est pas dans le réseau"):
        call_command(
            "mobilite", "scenario-eval", "--net", str(FIXTURES / "grid3.net.xml"),
            "--changes", changes, "--output", str(tmp_path / "r.json"),
        )  # fmt: skip


def test_accidents_eval(tmp_path):
    out = tmp_path / "a.json"
    call_command(
        "mobilite", "accidents-eval", "--caracteristiques", str(FIXTURES / "baac_new.csv"),
        "--output", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    assert result["layout"] == "depuis 2019"
    assert result["accidents"] == 119
    assert result["hotspots"] and result["hotspots"][0]["rank"] == 1
