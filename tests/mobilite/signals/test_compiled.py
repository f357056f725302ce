"""The controllers compiled by mypyc (setup.py) and the pure-Python ones: the same decisions on
real SUMO runs, and a compiled module built from another version of controllers.py is never
used. Skipped where the compiled module is not built (an install without a C compiler)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from territoria.mobilite.signals import controllers as ctl

SIGNALS = Path(ctl.__file__).parent
BUILT = sorted(SIGNALS.glob(f"{ctl.COMPILED_MODULE}*.so"))
needs_build = pytest.mark.skipif(
    ctl.compiled_module()[1] in ("absent", "forced"),
    reason="module compilé non utilisé ici (non construit, sans compilateur C, ou Python pur demandé)",
)

# one run in a fresh process (two libsumo runs in one process can differ): the variant that ran
# and the full log of greens
RUN = """
import hashlib, json, sys, tempfile
from pathlib import Path
from territoria.mobilite.signals import controllers as ctl
from territoria.mobilite.signals.evaluate import run_one
controller, network, seed, scale, horizon = sys.argv[1:]
with tempfile.TemporaryDirectory() as tmp:
    r = run_one(network, controller, seed=int(seed), scale=float(scale),
                horizon=int(horizon) or None, plans_out=str(Path(tmp) / "g.json"))
    log = json.loads((Path(tmp) / "g.json").read_text())
print(json.dumps({"impl": ctl.IMPLEMENTATION, "run_impl": r["controller_impl"],
                  "greens": sum(len(v["greens"]) for v in log.values()),
                  "log": hashlib.sha256(json.dumps(log, sort_keys=True).encode()).hexdigest()}))
"""


def _run(config: tuple, pure: bool) -> dict:
    # the territoria this test imports (an editable install may point elsewhere)
    path = os.pathsep.join([str(SIGNALS.parents[2]), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, ctl.PURE_PYTHON_ENV: "1" if pure else "0", "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, *map(str, config)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@needs_build
@pytest.mark.parametrize(
    "config",
    [
        # controller, network, seed, demand scale, simulated seconds (0: the hour)
        ("territoria", "cologne8", 0, 1.0, 0),
        ("territoria", "cologne3", 4, 0.8, 0),
        # its two signals 12 m apart are decided as one junction (`_step_pair`)
        ("territoria", "ingolstadt21", 5, 1.2, 1200),
        ("max_pressure", "cologne8", 3, 1.2, 0),
    ],
)
def test_compiled_and_pure_python_controllers_take_the_same_decisions(config):
    """The whole log of greens (phase, start, end of every green of every signal)."""
    compiled, pure = _run(config, pure=False), _run(config, pure=True)
    assert (compiled["impl"], compiled["run_impl"]) == ("mypyc", "mypyc")
    assert (pure["impl"], pure["run_impl"]) == ("python", "python")
    assert compiled["greens"] > 50
    assert compiled["log"] == pure["log"], "greens logs differ"


def _package_copy(tmp_path: Path, edit: bool, with_build: bool = True) -> Path:
    """territoria.mobilite.signals alone (empty parent packages) with the built module, its
    controllers.py edited or not."""
    root = tmp_path / "site"
    pkg = root / "territoria" / "mobilite" / "signals"
    shutil.copytree(SIGNALS, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for parent in (root / "territoria", root / "territoria" / "mobilite"):
        (parent / "__init__.py").write_text("")
    if with_build:
        for so in BUILT:
            shutil.copy2(so, pkg / so.name)
    if edit:
        source = pkg / "controllers.py"
        source.write_text(source.read_text() + "\n# edited after the build\n")
    return root


def _import_in(root: Path) -> subprocess.CompletedProcess:
    code = (
        "import warnings; warnings.simplefilter('always')\n"
        "from territoria.mobilite.signals import controllers as ctl\n"
        "print(ctl.IMPLEMENTATION, ctl.TerritoriaController.__module__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop(ctl.PURE_PYTHON_ENV, None)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )


@needs_build
def test_a_compiled_module_built_from_another_source_is_not_used(tmp_path):
    fresh = _import_in(_package_copy(tmp_path / "a", edit=False))
    assert fresh.stdout.split() == ["mypyc", "territoria.mobilite.signals._controllers_c"]
    assert "périmé" not in fresh.stderr
    stale = _import_in(_package_copy(tmp_path / "b", edit=True))
    assert stale.stdout.split() == ["python", "territoria.mobilite.signals.controllers"]
    assert "RuntimeWarning" in stale.stderr and "module compilé périmé" in stale.stderr
    # the same check in this process: another source is another key
    module, status, note = ctl.compiled_module(source=b"# another controllers.py\n")
    assert (module, status) == (None, "stale") and "périmé" in note


def test_without_a_compiled_module_the_pure_python_controllers_run(tmp_path):
    run = _import_in(_package_copy(tmp_path, edit=False, with_build=False))
    assert run.stdout.split() == ["python", "territoria.mobilite.signals.controllers"]
    assert "Warning" not in run.stderr
