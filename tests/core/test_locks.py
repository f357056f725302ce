"""Production and development locks: production installs no test tool, and both agree."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_TOOLS = {"pytest", "pytest-django", "playwright", "datasette", "ruff", "factory-boy"}


def pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.MULTILINE))


@pytest.mark.parametrize("tool", sorted(TEST_TOOLS))
def test_production_lock_installs_no_test_tool_and_dev_lock_does(tool):
    assert tool not in pins("requirements.lock")
    assert tool in pins("requirements-dev.lock")


def test_dev_lock_pins_the_production_versions():
    production, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert len(production) > 30  # the pattern reads the file
    assert {name: development.get(name) for name in production} == production
