"""Benchmarks of Territoria: each module measures one part against a baseline run in the same
session and writes its figures as JSON into benchmarks/results/ (see benchmarks/__main__.py)."""

import json
import platform
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_result(name: str, figures: dict) -> Path:
    """Write `figures` with the machine they were measured on to results/<name>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    import os

    payload = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        **figures,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    return path


# The team's shared data: ../shared/data beside the checkout (TERRITORIA_SHARED_DATA overrides).
SHARED_DATA = Path(
    __import__("os").environ.get(
        "TERRITORIA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
