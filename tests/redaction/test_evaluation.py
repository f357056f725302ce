import json
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.core.management import call_command

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "redaction.json"


def test_eval_command_prints_json_others_can_score(db, fixtures):
    out = StringIO()
    call_command(
        "redaction",
        "eval",
        "--set",
        str(fixtures),
        "--part",
        "minutes",
        "--part",
        "checks",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    for split in ("dev", "heldout"):
        checks = result["checks"][split]
        assert checks["caught"] == checks["corrupted"] > 30
        assert checks["false_alarms"] == 0 and checks["clean"] > 15
        assert checks["baseline_caught"] < checks["caught"]  # the assistant's check misses names
    assert all(m["actions_recall"] == 1.0 for m in result["minutes"].values())


def test_register_entry_quotes_the_committed_benchmark():
    figures = json.loads(RESULTS.read_text(encoding="utf-8"))
    performance = apps.get_app_config("redaction").register_entry.performance
    fused = figures["retrieval"]["dev"]["precision_at_5_hybrid"]
    assert f"{fused:.2f}".replace(".", ",") in performance
    dev = figures["checks"]["dev"]
    assert f"{dev['caught']}/{dev['corrupted']}" in performance
    assert f"{dev['baseline_caught']}/{dev['corrupted']}" in performance
