"""Every environment variable the settings read is documented in docs/configuration.md."""

import re
from pathlib import Path

import territoria

SRC = Path(territoria.__file__).parent
DOC = SRC.parent.parent / "docs" / "configuration.md"


def test_every_environment_variable_is_documented():
    read = set()
    for path in SRC.rglob("*.py"):
        read |= set(
            re.findall(
                r"""env(?:_bool|_int|_list)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()
            )
        )
        read |= set(
            re.findall(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text())
        )
    read -= {"DJANGO_SETTINGS_MODULE"}
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", DOC.read_text(), re.MULTILINE))
    assert read, "no variable found: the pattern is broken"
    assert sorted(read - documented) == []
