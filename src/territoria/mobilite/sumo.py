"""SUMO, as installed from PyPI (`eclipse-sumo`): binaries, tools and SUMO_HOME.

SUMO_HOME is always the installed `sumo` package's folder, never the machine's environment:
the binaries and tools that run are the versions pinned in the locks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class SumoError(Exception):
    """A SUMO program refused its input; the message is the program's own, in short."""


def sumo_home() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("sumo")
    if spec is None or not spec.origin:
        raise SumoError("SUMO n'est pas installé (paquet eclipse-sumo).")
    return Path(spec.origin).parent


def import_sumo_keeping_proj() -> None:
    """Import eclipse-sumo's package once, then put PROJ_LIB/PROJ_DATA back as they were.

    Its `__init__` points both at its own proj.db for the whole process when neither is set,
    and `sumolib` imports it; rasterio and pyproj then refuse that database ("it comes from
    another PROJ installation") and every EPSG code becomes unknown — in the web process,
    the worker or the tests, once anything touched SUMO. Called from the app's `ready()`, so
    it runs before any other import of `sumo`; SUMO's own programs still get its proj.db
    through `environment()`."""
    saved = {name: os.environ.get(name) for name in ("PROJ_LIB", "PROJ_DATA")}
    try:
        import sumo  # noqa: F401
    except ImportError:
        return
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def environment() -> dict[str, str]:
    home = sumo_home()
    env = dict(os.environ)
    env["SUMO_HOME"] = str(home)
    env.setdefault("PROJ_DATA", str(home / "data" / "proj"))
    env["PROJ_LIB"] = env["PROJ_DATA"]
    tools = str(home / "tools")
    env["PYTHONPATH"] = tools + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def binary(name: str) -> str:
    return str(sumo_home() / "bin" / name)


def tool(relative: str) -> str:
    return str(sumo_home() / "tools" / relative)


def _short(text: str, limit: int = 600) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line] or lines[-5:]
    return " ".join(errors)[:limit]


def run(args: list[str], cwd: Path | None = None, timeout: float = 1800) -> str:
    """Run a SUMO binary (`sumo`, `netconvert`…) or a tool (`*.py`); raise SumoError with the
    program's own error lines when it fails."""
    program = args[0]
    if program.endswith(".py"):
        command = [sys.executable, tool(program), *args[1:]]
    else:
        command = [binary(program), *args[1:]]
    done = subprocess.run(
        command,
        check=False,
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise SumoError(f"{Path(program).name} : {_short(done.stderr or done.stdout)}")
    return done.stdout + done.stderr


def version() -> str:
    first = run(["sumo", "--version"]).splitlines()[0]
    return first.replace("Eclipse SUMO sumo ", "").strip()
