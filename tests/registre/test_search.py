"""Register search: French analysis, visibility of restricted text, typos, bad queries, facets."""

import pytest

from benchmarks.registre_data import load_real_records
from territoria.registre.search.indexing import embed_pending
from territoria.registre.search.service import search_projects
from territoria.registre.search.text import match_projects


@pytest.fixture
def real_records(db):
    return load_real_records()


@pytest.fixture
def embedded_real_records(real_records):
    embed_pending()
    return real_records


def names(result):
    return [p.nom_projet for p in result.projects]


def lexical_names(text, user=None):
    return [p.nom_projet for p in search_projects({"q": text, "mode": "lexical"}, user).projects]


@pytest.mark.parametrize("query", ["fuites d'eau", "FUITES D’EAU", "fuite eau", "fuites"])
def test_search_anonymous_finds_water_leaks_with_elision_case_and_plural(real_records, query):
    assert "Expérimentation IA pour la détection des fuites d'eau" in lexical_names(query)


def test_search_anonymous_finds_callbot_encombrants(real_records):
    assert lexical_names("callbot encombrants")[0] == "Callbot pour le ramassage des encombrants"


def test_search_accents_folded_both_ways(real_records):
    assert "RECITAL" in lexical_names("energetique batiments")
    assert "RECITAL" in lexical_names("énergétique bâtiments")


def test_search_typo_is_corrected_and_reader_told(real_records):
    result = search_projects({"q": "encombrnts", "mode": "lexical"}, None)
    assert "Callbot pour le ramassage des encombrants" in names(result)
    assert result.corrected_text == "encombrants"
    assert any("orthographe" in m for m in result.messages)


def test_search_snippet_highlights_matched_words(real_records):
    result = search_projects({"q": "fuites d'eau", "mode": "lexical"}, None)
    snippet = result.snippets[result.ids[0]]
    assert "<mark>" in snippet
