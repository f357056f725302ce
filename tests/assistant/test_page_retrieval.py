"""Page-first retrieval (issue 20): pages ranked by title, section path and whole text, then
their best passages — on synthetic pages written for these tests (no shared data)."""

import pytest

from territoria.assistant.services import pages
from territoria.assistant.services.answering import answer_question, retrieve
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.search import Document, get_index
from territoria.search.access import PUBLIC

DEPOSIT = """# Dépôt de garantie dans un contrat de location

Le dépôt de garantie est une somme versée au bailleur à l'entrée dans les lieux.

## Montant

Pour un logement vide, il ne peut pas dépasser un mois de loyer hors charges.

## Restitution

### Délai

Le bailleur doit restituer le dépôt de garantie dans un délai maximal d'un mois après la remise des clés si l'état des lieux de sortie est conforme à celui d'entrée. Ce délai est de deux mois en cas de différences.

### Retard

En cas de retard, la somme due est majorée de 10 % du loyer mensuel pour chaque mois de retard commencé.
"""

FLATSHARE = """# Colocation : quelles sont les règles ?

Une colocation est la location d'un même logement par plusieurs locataires.

## Caution solidaire

Chaque colocataire peut se porter caution solidaire des autres colocataires.
"""

NOISE = """# Troubles de voisinage : bruits de comportement

Les bruits de voisinage sont des bruits causés par le comportement d'une personne.

## Tapage nocturne

La nuit, le tapage nocturne est puni d'une amende forfaitaire de 68 euros.
"""


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    """Page indexes on disk of this test only (the process's data folder outlives a test)."""
    settings.DATA_DIR = tmp_path / "data"


def test_markdown_pages_keep_title_and_section_paths():
    (page,) = pages.pages_from_markdown([("F1", DEPOSIT)])
    assert page.title == "Dépôt de garantie dans un contrat de location"
    paths = [path for path, _text in page.sections]
    assert paths == ["", "Montant", "Restitution › Délai", "Restitution › Retard"]
    assert "un délai maximal d'un mois" in page.sections[2][1]


def test_page_index_ranks_by_subject_and_best_section():
    index = pages.PageIndex(
        pages.pages_from_markdown([("F1", DEPOSIT), ("F2", FLATSHARE), ("F3", NOISE)])
    )
    # The lexicon's phrase for "caution" ("dépôt de garantie") is the first page's subject.
    ranked = index.search("rendre caution dépôt de garantie combien de temps")
    assert ranked[0][0] == "F1"
    assert [doc for doc, _s in index.search("tapage la nuit")][:1] == ["F3"]
    assert index.search("xylophone") == []
    assert index.best_keys("délai restitution", "F1") == []  # no row keys outside an index


def test_page_scores_are_bm25f_and_best_section(monkeypatch):
    """The index's arrays give the formula of the module docstring, computed here by hand:
    BM25F over title, headings and text, plus PASSAGE_WEIGHT × the best section's BM25."""
    import math

    from territoria.search.analyzer import analyze

    index = pages.PageIndex(
        pages.pages_from_markdown([("F1", DEPOSIT), ("F2", FLATSHARE), ("F3", NOISE)])
    )
    (term,) = analyze("majorée")
    # only the first page holds it, once, in its text (the "Restitution › Retard" section)
    idf = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    norm = 1 - pages.B["text"] + pages.B["text"] * index.lengths["text"][0] / index.average["text"]
    tf = pages.WEIGHTS["text"] * 1 / norm
    page = idf * tf * (pages.K1 + 1) / (pages.K1 + tf)
    assert index.page_scores([term]) == pytest.approx({0: page})
    sections = len(index.section_page)
    section = 3  # F1's fourth section: title + "Restitution › Retard" + its text
    length = 1 - 0.75 + 0.75 * index.section_lengths[section] / index.section_average
    best = math.log(1 + (sections - 1 + 0.5) / 1.5) * (pages.K1 + 1) / (1 + pages.K1 * length)
    assert index.section_scores([term], [0, 1, 2]) == pytest.approx({0: best})
    ((doc, score),) = index.search("majorée")
    assert doc == "F1" and score == pytest.approx(page + pages.PASSAGE_WEIGHT * best)
    # the best sections are read for the SECTION_CANDIDATES best pages only
    monkeypatch.setattr(pages, "SECTION_CANDIDATES", 1)
    ranked = dict(index.search("caution garantie"))
    plain = {index.ids[p]: v for p, v in index.page_scores(analyze("caution garantie")).items()}
    top = max(plain, key=plain.get)
    assert [d for d in ranked if ranked[d] != pytest.approx(plain[d])] == [top]


def test_equal_pages_keep_the_order_they_were_read_in():
    index = pages.PageIndex(
        pages.pages_from_markdown([("F3", NOISE), ("F9", NOISE), ("F1", DEPOSIT)])
    )
    ranked = index.search("tapage nocturne", limit=2)
    assert [doc for doc, _s in ranked] == ["F3", "F9"]
    assert ranked[0][1] == ranked[1][1]
    assert [doc for doc, _s in index.search("tapage nocturne", limit=1)] == ["F3"]


@pytest.fixture
def fiches(faq_collection, tmp_path):
    root = tmp_path / "fiches"
    root.mkdir()
    for name, text in (("depot", DEPOSIT), ("colocation", FLATSHARE), ("bruit", NOISE)):
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    run_job(add_files(faq_collection, collect_files(root)))
    return faq_collection


def test_citizen_wording_finds_the_page_and_its_deciding_sentence(fiches):
    question = "Mon proprio ne veut pas me rendre ma caution, combien de temps a-t-il ?"
    passages = retrieve([fiches], question, [PUBLIC], mode="lexical")
    assert passages[0].source.endswith("depot.md")
    # The best page brings its two best passages, then one passage per page.
    assert [p.source.endswith("depot.md") for p in passages[:2]] == [True, True]
    assert passages[0].ranks["page"] == 1
    assert len({p.document for p in passages}) == len(passages) - 1
    # The answer counts the lexicon's phrases for the question's words ("proprio" → "bailleur").
    question = "Mon proprio ne m'a pas rendu ma caution, quel est le délai ?"
    answer = answer_question(question, [fiches], [PUBLIC], mode="lexical")
    assert not answer.abstained
    cited = answer.cited_passages()
    assert cited and cited[0].source.endswith("depot.md")
    assert "délai maximal d'un mois" in answer.text


def test_without_page_index_the_passage_order_is_kept(fiches, monkeypatch):
    question = "Mon proprio ne veut pas me rendre ma caution, combien de temps a-t-il ?"
    plain = retrieve([fiches], question, [PUBLIC], mode="lexical", by_page=False)
    monkeypatch.setattr(pages, "page_index", lambda namespace, access: None)
    assert [p.key for p in retrieve([fiches], question, [PUBLIC], mode="lexical")] == [
        p.key for p in plain
    ]


def test_page_index_is_rebuilt_when_the_collection_changes(fiches, tmp_path):
    first = pages.page_index(fiches.namespace, [PUBLIC])
    assert pages.page_index(fiches.namespace, [PUBLIC]) is first  # cached
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "chien.md").write_text(
        "# Chien dangereux\n\nLe maire peut ordonner la garde d'un chien dangereux.\n",
        encoding="utf-8",
    )
    run_job(add_files(fiches, collect_files(tmp_path / "more")))
    second = pages.page_index(fiches.namespace, [PUBLIC])
    assert second is not first and len(second) == len(first) + 1
    passages = retrieve([fiches], "Le chien du voisin est dangereux", [PUBLIC], mode="lexical")
    assert passages[0].source.endswith("chien.md")


def test_large_collection_is_built_in_the_background_and_searches_meanwhile(fiches, monkeypatch):
    """Without a copy on disk (the ingestion leaves one: removed here)."""
    pages.forget(fiches.namespace)
    started = []

    class Thread:
        def __init__(self, target, name, daemon):
            started.append(name)

        def start(self):
            pass

    monkeypatch.setattr(pages, "SYNC_ROWS", 0)
    monkeypatch.setattr(pages, "_cache", {})
    monkeypatch.setattr(pages, "_by_tokens", {})
    monkeypatch.setattr(pages, "_building", set())
    monkeypatch.setattr(pages.threading, "Thread", Thread)
    assert pages.page_index(fiches.namespace, [PUBLIC]) is None
    assert pages.page_index(fiches.namespace, [PUBLIC]) is None  # one build at a time
    assert started == [f"pages:{fiches.namespace}"]
    passages = retrieve([fiches], "tapage nocturne la nuit", [PUBLIC], mode="lexical")
    assert passages and passages[0].source.endswith("bruit.md")


def test_restricted_rows_never_weigh_in_a_page_ranking(db):
    index = get_index()
    namespace = "assistant:test-pages-access"
    index.upsert(
        namespace,
        [
            Document(
                key="1:0",
                title="Subventions",
                text="Les associations demandent une subvention en mairie.",
                access=[PUBLIC],
                fields={"document": "1", "title": "Subventions", "section": ""},
            ),
            Document(
                key="2:0",
                title="Note confidentielle",
                text="Le projet Orion de subvention secrète est suspendu.",
                access=["group:direction"],
                fields={"document": "2", "title": "Note confidentielle", "section": ""},
            ),
        ],
    )
    public = pages.page_index(namespace, [PUBLIC])
    assert public.ids == ["1"]
    assert public.search("projet Orion") == []
    both = pages.page_index(namespace, [PUBLIC, "group:direction"])
    assert sorted(both.ids) == ["1", "2"] and both is not public
    assert [doc for doc, _s in both.search("projet Orion")] == ["2"]
    assert pages.page_index(namespace, ["group:other"]) is None
    # Read back from disk by a process that has neither in memory: still two indexes.
    pages._cache.clear()
    pages._by_tokens.clear()
    assert pages.page_index(namespace, [PUBLIC]).search("projet Orion") == []
    assert [
        d
        for d, _s in pages.page_index(namespace, [PUBLIC, "group:direction"]).search("projet Orion")
    ] == ["2"]


QUERIES = ("caution garantie", "tapage la nuit", "délai restitution", "colocataire", "xylophone")


def test_a_saved_index_scores_like_the_built_one(tmp_path):
    import numpy as np

    built = pages.PageIndex(
        pages.pages_from_markdown([("F1", DEPOSIT), ("F2", FLATSHARE), ("F3", NOISE)])
    )
    built.save(tmp_path / "index")
    loaded = pages.PageIndex.load(tmp_path / "index")
    assert loaded.ids == built.ids and loaded.titles == built.titles
    for query in QUERIES:
        assert loaded.search(query) == built.search(query)
    assert isinstance(loaded._a["text.rows"].base, np.memmap)  # mapped: shared by processes
    assert not loaded._a["text.rows"].flags.writeable


def test_the_ingestion_leaves_the_page_index_on_disk_for_every_process(fiches, monkeypatch):
    first = pages.page_index(fiches.namespace, [PUBLIC])
    expected = {q: first.search(q) for q in QUERIES}
    (copy,) = [p for p in pages._folder(fiches.namespace).iterdir()]
    assert (copy / "meta.json").exists()
    # A restarted server (nothing in memory) with a large collection: read at once, not built.
    monkeypatch.setattr(pages, "_cache", {})
    monkeypatch.setattr(pages, "_by_tokens", {})
    monkeypatch.setattr(pages, "SYNC_ROWS", 0)
    monkeypatch.setattr(pages, "_build", lambda pks: pytest.fail("rebuilt"))
    again = pages.page_index(fiches.namespace, [PUBLIC])
    assert again is not first and {q: again.search(q) for q in QUERIES} == expected
    passages = retrieve([fiches], "Mon proprio garde ma caution", [PUBLIC], mode="lexical")
    assert passages[0].ranks["page"] == 1


def test_vectors_arriving_do_not_rebuild_the_page_index(fiches, monkeypatch):
    from territoria.search.models import IndexedDocument

    first = pages.page_index(fiches.namespace, [PUBLIC])
    IndexedDocument.objects.filter(namespace=fiches.namespace).update(vector_model="")
    assert get_index().embed_pending(fiches.namespace, batch_size=2) > 2  # new version stamps
    # Not rebuilt, and the rows are not even read again (44 000 of them: 0.3 s a question).
    monkeypatch.setattr(pages, "_build", lambda pks: pytest.fail("rebuilt"))
    monkeypatch.setattr(pages, "_rows", lambda namespace, access: pytest.fail("rows read"))
    assert pages.page_index(fiches.namespace, [PUBLIC]) is first


def test_a_copy_of_another_layout_is_rebuilt(fiches, monkeypatch):
    import json

    (copy,) = [p for p in pages._folder(fiches.namespace).iterdir()]
    meta = json.loads((copy / "meta.json").read_text("utf-8"))
    (copy / "meta.json").write_text(json.dumps({**meta, "format": 0}), "utf-8")
    monkeypatch.setattr(pages, "_cache", {})
    monkeypatch.setattr(pages, "_by_tokens", {})
    rebuilt = pages.page_index(fiches.namespace, [PUBLIC])
    assert len(rebuilt) == 3 and [d for d, _s in rebuilt.search("tapage")][:1]
    assert json.loads((copy / "meta.json").read_text("utf-8"))["format"] == pages.DISK_FORMAT


def test_deleting_a_collection_removes_its_page_index(fiches):
    from territoria.assistant.services.ingestion import delete_collection

    folder = pages._folder(fiches.namespace)
    assert any(folder.iterdir())
    delete_collection(fiches)
    assert not folder.exists()


def test_an_unwritable_data_folder_leaves_the_index_in_memory(faq_collection, settings, tmp_path):
    """A full or read-only disk: the ingestion still ends, searches still use the page index."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    settings.DATA_DIR = blocked
    root = tmp_path / "fiches"
    root.mkdir()
    (root / "bruit.md").write_text(NOISE, encoding="utf-8")
    job = run_job(add_files(faq_collection, collect_files(root)))
    assert job.state == "done"
    index = pages.page_index(faq_collection.namespace, [PUBLIC])
    assert [d for d, _s in index.search("tapage nocturne")][:1]
