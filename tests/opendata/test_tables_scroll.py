"""Every open-data table sits in a focusable, named, horizontally scrollable region and has a
caption (issue 12: two tables overflowed on phones). The browser test
tests/browser/test_opendata_mobile_tables.py checks the result at 375 px."""

import re
from pathlib import Path

import pytest

import territoria.opendata

TEMPLATES = Path(territoria.opendata.__file__).parent / "templates" / "opendata"
REGION = '<div class="od-scroll" tabindex="0" role="region" aria-label="'


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_each_table_is_in_a_scroll_region_with_a_caption(path):
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"<table\b", text):
        before = text[: match.start()]
        assert before.rfind(REGION) > before.rfind("</div>"), f"{path.name}: table not wrapped"
        table = text[match.start() : text.index("</table>", match.start())]
        assert "<caption" in table, f"{path.name}: table without caption"
