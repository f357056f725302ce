"""Answer quality on a commune's guide and on the register (issue 12): answers when the guide
holds the answer, keeps the passage's conditions, lists every matching project, numbers its
citations from 1, and abstains on the retrieval's evidence."""

import re
from pathlib import Path

import pytest

from territoria.assistant.services.answering import answer_question, lexical_query
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.assistant.services.module_sources import source_collection
from territoria.core import modules
from territoria.registre.factories import OrganisationFactory, ProjectFactory

GUIDE = Path(__file__).resolve().parents[1] / "fixtures" / "assistant" / "guide"


@pytest.fixture
def guide(faq_collection):
    run_job(add_files(faq_collection, collect_files(GUIDE)))
    return faq_collection


def ask(collection, question):
    return answer_question(question, [collection], ["public"])


@pytest.mark.slow
def test_the_canteen_questions_are_answered_from_their_sections(guide):
    price = ask(guide, "Combien coûte un repas à la cantine ?")
    assert not price.abstained
    assert "quotient familial" in price.text and "4,20 €" in price.text
    assert price.cited_passages()[0].section.endswith("Restauration scolaire › Tarifs")
    signup = ask(guide, "Comment s'inscrire à la cantine ?")
    assert not signup.abstained and "avant le 15 juillet" in signup.text


@pytest.mark.slow
def test_an_answer_keeps_the_conditions_of_its_passage(guide):
    answer = ask(guide, "À quelle heure ferme la déchetterie le samedi ?")
    # The summer hours and the winter closing, both: the section is short, it is kept whole.
    assert "18 h" in answer.text and "Du 1er octobre au 31 mars, elle ferme à 17 h." in answer.text


@pytest.mark.slow
def test_citations_are_numbered_from_one_in_order_of_appearance(guide):
    for question in (
        "Combien coûte un repas à la cantine ?",
        "Mon enfant est allergique, peut-il manger à la cantine ?",
        "Quels déchets sont refusés à la déchetterie ?",
    ):
        answer = ask(guide, question)
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
        first_seen = list(dict.fromkeys(numbers))
        assert first_seen == list(range(1, len(first_seen) + 1)), (question, answer.text)
        assert [p.n for p in answer.passages] == list(range(1, len(answer.passages) + 1))
        assert answer.cited == first_seen


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Quel est le prix d'un billet d'avion pour Tokyo ?",
        "Comment contester une amende de radar ?",
        "Quels sont les horaires des bus de la ligne 4 ?",
    ],
)
def test_questions_the_guide_cannot_answer_abstain(guide, question):
    answer = ask(guide, question)
    assert answer.abstained and answer.cited == []


def test_the_lexical_query_adds_the_administrations_words():
    query = lexical_query(
        "Bonjour, est-ce que je peux récupérer ma caution ? Merci d'avance"
    ).split()
    assert {"caution", "récupérer", "dépôt", "garantie"} <= set(query)
    assert "avance" not in query  # polite phrases out
    assert "peux" in query  # spoken words kept by default (measured: they match fiche titles)
    assert "peux" not in lexical_query("est-ce que je peux récupérer ma caution ?", spoken=True)
    # Never from a common word to another (enfant ↔ fils would add noise to the query).
    assert lexical_query("Mon fils peut-il s'inscrire ?") == "Mon fils peut-il s'inscrire ?"


@pytest.mark.slow
def test_every_matching_register_project_is_listed_without_field_labels(db):
    for name, carrier, description in [
        (
            "Détection des fuites par IA",
            "Eau de Lyon Métropole",
            "L'IA détecte les fuites d'eau sur le réseau d'eau potable à partir des débits nocturnes.",
        ),
        (
            "Fuites d'eau : capteurs acoustiques",
            "Syndicat des eaux du Vivier",
            "Des capteurs acoustiques et un modèle d'apprentissage repèrent les fuites sur les canalisations d'eau.",
        ),
        (
            "Recherche de fuites sur le réseau",
            "Ville de Valbourg",
            "Un algorithme compare la consommation d'eau et la production pour localiser les fuites du réseau.",
        ),
        (
            "Chatbot des déchets",
            "Ville de Nancy",
            "Un agent conversationnel répond aux habitants sur la collecte des déchets et les encombrants.",
        ),
    ]:
        ProjectFactory(
            nom_projet=name,
            organisation=OrganisationFactory(name=carrier),
            usage_description=description,
        )
    registre = source_collection(
        next(s for s in modules.assistant_sources() if s.slug == "registre")
    )
    answer = answer_question(
        "Quelles collectivités détectent les fuites d'eau ?", [registre], ["public"]
    )
    assert not answer.abstained
    for carrier in ("Eau de Lyon Métropole", "Syndicat des eaux du Vivier", "Ville de Valbourg"):
        assert f"projet porté par {carrier}" in answer.text
    assert "Nancy" not in answer.text
    # One line per project, each a sentence of the record followed by its citation.
    for line in re.split(r"(?<=\]) ", answer.text):
        assert re.match(r"^[^\[\]]+ : projet porté par [^\[\]]+\. .*\[\d\]$", line), line
