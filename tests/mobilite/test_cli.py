"""`territoria mobilite …` writes its evaluations as JSON; bad input is a clear error."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_scenario_eval(tmp_path):
    out = tmp_path / "r.json"
    changes = json.dumps([{"type": "tls_program", "tls": "B1", "durations": [10, 3, 74, 3]}])
    call_command(
        "mobilite", "scenario-eval", "--net", str(FIXTURES / "grid3.net.xml"),
        "--changes", changes, "--seeds", "1,2", "--duration", "120", "--output", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
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
