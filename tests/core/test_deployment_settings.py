"""Settings read without side effects, the data folder prepared by an explicit step, the
documented production values pass `territoria check --deploy`, and the CLI says when the
database is not migrated. Each runs the real command in a fresh process and folder."""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"


def clean_env(**values) -> dict:
    """This process's environment without any Territoria setting, plus `values`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TERRITORIA_")
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests of this same process
        and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(values)
    return env


def territoria(cwd, *args, **env):
    return subprocess.run(
        [sys.executable, "-m", "territoria", *args],
        check=False,
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def documented_production_values() -> dict:
    section = CONFIGURATION_DOC.read_text().split("## Production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    values = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
    assert values["TERRITORIA_SECRET_KEY"].startswith("<")  # a placeholder, filled here
    values["TERRITORIA_SECRET_KEY"] = secrets.token_urlsafe(50)
    return values


def test_importing_the_settings_creates_nothing(tmp_path):
    run = lambda **env: subprocess.run(
        [sys.executable, "-c", "import territoria.settings"],
        check=False,
        cwd=tmp_path,
        env=clean_env(**env),
        capture_output=True,
        text=True,
    )
    assert run(TERRITORIA_SECRET_KEY="k" * 50).returncode == 0
    unprepared = run()
    assert unprepared.returncode != 0
    assert "Aucune clé secrète" in unprepared.stderr and "territoria setup" in unprepared.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_setup_prepares_the_folder_and_a_private_key_then_commands_run(tmp_path):
    data = tmp_path / "donnees"
    before = territoria(tmp_path, "assistant", "eval", "--help", TERRITORIA_DATA_DIR=str(data))
    assert before.returncode == 2 and "territoria setup" in before.stderr
    assert not data.exists()
    setup = territoria(tmp_path, "setup", TERRITORIA_DATA_DIR=str(data))
    assert setup.returncode == 0, setup.stderr
    key = data / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text()) >= 50
    after = territoria(tmp_path, "assistant", "eval", "--help", TERRITORIA_DATA_DIR=str(data))
    assert after.returncode == 0 and "--corpus" in after.stdout
    assert list(tmp_path.iterdir()) == [data]  # nothing written in the current folder


def test_a_command_on_an_unmigrated_database_says_so(tmp_path):
    import sqlite3

    sqlite3.connect(tmp_path / "territoria.sqlite3").execute("CREATE TABLE other (x)")
    env = {"TERRITORIA_DATA_DIR": str(tmp_path), "TERRITORIA_SECRET_KEY": "k" * 50}
    result = territoria(tmp_path, "assistant", "eval", "--help", **env)
    assert result.returncode == 2
    assert "n'est pas à jour" in result.stderr and "territoria migrate" in result.stderr
    assert "no such table" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("drop", [None, "TERRITORIA_HTTPS"])
def test_check_deploy_passes_with_the_documented_production_values(tmp_path, drop):
    values = documented_production_values()
    if drop:  # control: without HTTPS the check must complain (the test can fail)
        del values[drop]
    # As the deployment guide does: the data folder is prepared once, then checked.
    setup = territoria(tmp_path, "setup", **values)
    assert setup.returncode == 0, setup.stderr
    result = territoria(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **values)
    if drop:
        assert result.returncode != 0
        assert "security.W012" in result.stderr and "security.W004" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout


def test_pages_carry_the_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
