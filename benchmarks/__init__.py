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


def setup_django(
    data_dir: str | Path | None = None, *, embedded: bool = False, migrate: bool = False
) -> Path:
    """Start Django for a benchmark and return its data folder.

    The folder is `data_dir`, else TERRITORIA_DATA_DIR when the caller set it, else a new
    temporary one; it is prepared as `territoria run` would (secret key included). `embedded`
    drops any DATABASE_URL so that figures come from the embedded SQLite database of that folder;
    `migrate` creates the tables."""
    import os
    import tempfile

    if data_dir is not None:
        os.environ["TERRITORIA_DATA_DIR"] = str(data_dir)
    else:
        os.environ.setdefault("TERRITORIA_DATA_DIR", tempfile.mkdtemp(prefix="territoria-bench-"))
    if embedded:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("TERRITORIA_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
    from territoria.datadir import prepare_data_dir

    folder = prepare_data_dir()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return folder
