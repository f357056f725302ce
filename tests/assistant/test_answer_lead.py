"""Answers that hold the answer (issue 20): a definition, right or how question opens with its
page's opening sentences, cited; a sentence announcing a list keeps the list's items; a page's
opening is read through the access rule."""

import re

import pytest

from territoria.assistant.services import answering
from territoria.assistant.services.answering import Passage, answer_question, extract_answer
from territoria.search import Document, get_index
from territoria.search.access import PUBLIC
from tests.assistant.test_page_retrieval import fiches  # noqa: F401 (fixture)

LEP_OPENING = (
    "Le livret d'épargne populaire est un produit d'épargne réglementé. Il est réservé aux "
    "personnes qui ont des revenus modestes."
)


def passage(key, text, n=0, opening=None, section=""):
    return Passage(
        key=key,
        collection="c",
        document=key.split(":")[0],
        source="lep.md",
        title="Livret d'épargne populaire",
        section=section,
        page=None,
        text=text,
        snippet="",
        score=1.0,
        n=n,
        opening=opening,
    )


def lep_passages():
    opening = passage("7:0", LEP_OPENING)
    anchor = passage(
        "7:3",
        "Le plafond du livret d'épargne populaire est de 10 000 euros, intérêts non compris.",
        n=1,
        opening=opening,
        section="Plafond",
    )
    return [anchor]


def test_a_definition_question_opens_with_its_pages_opening_cited():
    passages = lep_passages()
    text, cited = extract_answer("Qu'est-ce que le livret d'épargne populaire ?", passages, {})
    assert text.startswith("Le livret d'épargne populaire est un produit d'épargne réglementé. [2]")
    assert "réservé aux personnes qui ont des revenus modestes. [2]" in text
    assert "10 000 euros" in text and text.endswith("[1]")
    # The opening was not retrieved: it is added to the answer's passages, so it is a source.
    assert [p.key for p in passages] == ["7:3", "7:0"] and cited == [2, 1]


def test_other_questions_and_the_rule_before_have_no_lead(monkeypatch):
    passages = lep_passages()
    text, cited = extract_answer(
        "Quel est le plafond du livret d'épargne populaire ?", passages, {}
    )
    assert "réglementé" not in text and cited == [1] and len(passages) == 1
    monkeypatch.setattr(answering, "ANSWER_LEAD", False)
    text, cited = extract_answer("Qu'est-ce que le livret d'épargne populaire ?", passages, {})
    assert "réglementé" not in text and cited == [1] and len(passages) == 1


def test_a_sentence_announcing_a_list_keeps_its_items(monkeypatch):
    filler = " ".join(
        f"Phrase de contexte numéro {i} sur un autre sujet sans rapport." for i in range(8)
    )
    items = [
        "Avoir son domicile fiscal en France.",
        "Être majeur et ne plus être rattaché au foyer de ses parents.",
        "Ne pas dépasser le plafond de revenus de son foyer.",
        "Ne détenir aucun autre livret d'épargne populaire.",
    ]
    text = "\n".join(
        [filler, "Pour ouvrir un livret d'épargne populaire, vous devez remplir ces conditions :"]
        + items
        + [filler]
    )
    question = "Quelles conditions pour ouvrir un livret d'épargne populaire ?"
    answer, _cited = extract_answer(question, [passage("7:2", text, n=1)], {})
    assert all(item in answer for item in items)
    monkeypatch.setattr(answering, "ANSWER_LEAD", False)
    answer, _cited = extract_answer(question, [passage("7:2", text, n=1)], {})
    assert items[0] in answer and items[3] not in answer  # the rule before cut the list


@pytest.mark.slow
def test_a_how_question_over_pages_gets_the_pages_summary_cited(fiches):  # noqa: F811
    question = (
        "Comment récupérer l'argent versé à l'entrée dans les lieux après la remise des clés ?"
    )
    answer = answer_question(question, [fiches], [PUBLIC], mode="lexical")
    assert not answer.abstained
    assert "Le dépôt de garantie est une somme versée au bailleur" in answer.text
    assert "délai maximal d'un mois" in answer.text
    cited = answer.cited_passages()
    assert {p.key.rsplit(":", 1)[1] for p in cited} >= {"0"}
    assert all(p.source.endswith("depot.md") for p in cited)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert list(dict.fromkeys(numbers)) == list(range(1, len(set(numbers)) + 1))
    assert [p.n for p in answer.passages] == list(range(1, len(answer.passages) + 1))


def test_a_pages_opening_is_read_through_the_access_rule(db):
    namespace = "assistant:test-openings"
    get_index().upsert(
        namespace,
        [
            Document(
                key="2:0",
                title="Note",
                text="Le projet Orion est suspendu.",
                access=["group:direction"],
                fields={"document": "2", "title": "Note", "section": ""},
            ),
            Document(
                key="3:0",
                title="Guide",
                text="La salle des fêtes se loue en mairie.",
                access=[PUBLIC],
                fields={"document": "3", "title": "Guide", "section": ""},
            ),
        ],
    )
    found = [passage("2:4", "Texte public.", n=1), passage("3:5", "Autre texte.", n=2)]
    answering._attach_openings(found, {"c": namespace}, [PUBLIC])
    assert found[0].opening is None
    assert found[1].opening.text == "La salle des fêtes se loue en mairie."
    answering._attach_openings(found, {"c": namespace}, [PUBLIC, "group:direction"])
    assert found[0].opening.text == "Le projet Orion est suspendu."
