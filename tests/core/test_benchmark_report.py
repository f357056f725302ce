"""The figures tables of docs/ are those of the committed benchmark JSON (benchmarks/report.py)."""

import json

import pytest
from benchmarks import report


@pytest.mark.parametrize("name", sorted(report.TABLES))
def test_each_table_has_its_markers_in_its_doc(name):
    doc = (report.DOCS / report.TABLES[name][0]).read_text(encoding="utf-8")
    assert f"<!-- bench:{name} -->\n" in doc and f"\n<!-- /bench:{name} -->" in doc


def test_docs_tables_match_the_committed_json():
    stale = [
        str(path.relative_to(report.ROOT))
        for path, text in report.documents().items()
        if path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `python -m benchmarks.report` and commit the docs"


def test_a_changed_figure_changes_the_table(monkeypatch):
    """Control: the check above compares real figures (a JSON edit would make it fail)."""
    doc = (report.DOCS / "opendata.md").read_text(encoding="utf-8")
    original = report.load

    def edited(name):
        figures = original(name)
        if name == "opendata":
            figures["queries"]["ours_group_by"]["p95_ms"] = 123456.7
        return json.loads(json.dumps(figures))

    monkeypatch.setattr(report, "load", edited)
    assert "123456.7" in report.render(doc) and report.render(doc) != doc
