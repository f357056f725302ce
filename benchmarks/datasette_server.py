"""Datasette, the baseline of the register and open-data benchmarks, served like Territoria.

`territoria serve` runs gunicorn with N worker processes; `datasette serve` runs one
process. For a like-for-like comparison Datasette is served here by uvicorn with the same
number of worker processes, each building its own `Datasette` through `app()` (a uvicorn
factory), with the settings given by the benchmark (suggest_facets off on both sides).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def app():
    """uvicorn factory: the Datasette described by the environment of `start()`."""
    from datasette.app import Datasette

    path = os.environ["BENCH_DATASETTE_DB"]
    immutable = os.environ.get("BENCH_DATASETTE_IMMUTABLE") == "1"
    datasette = Datasette(
        files=[] if immutable else [path],
        immutables=[path] if immutable else [],
        settings=json.loads(os.environ.get("BENCH_DATASETTE_SETTINGS", "{}")),
    )
    return datasette.app()


def start(
    db: Path, port: int, workers: int, settings: dict, immutable: bool = False
) -> subprocess.Popen:
    env = {
        **os.environ,
        "BENCH_DATASETTE_DB": str(db),
        "BENCH_DATASETTE_IMMUTABLE": "1" if immutable else "0",
        "BENCH_DATASETTE_SETTINGS": json.dumps(settings),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.datasette_server:app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def describe(workers: int, settings: dict) -> str:
    return f"Datasette under uvicorn, {workers} worker processes, settings {settings}"
