import json

from territoria.redaction.services.minutes import extract_minutes
from territoria.redaction.services.summary import summarise


def test_minutes_find_attendees_items_decisions_and_actions(fixtures):
    for gold_path in (fixtures / "reunions").glob("*.gold.json"):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        source = (fixtures / "reunions" / gold["source"]).read_text(encoding="utf-8")
        minutes = extract_minutes(source)
        assert minutes.attendees == gold["attendees"]
        assert minutes.excused == gold["excused"]
        assert [d.text for d in minutes.decisions] == gold["decisions"]
        actions = {(a.due, a.owner) for a in minutes.actions}
        for expected in gold["actions"]:
            assert any(
                due == expected["due"] and expected["owner"].lower() in owner.lower()
                for due, owner in actions
            )
        # Every item points at its line in the source.
        lines = source.split("\n")
        for item in minutes.decisions + minutes.actions:
            assert item.text in lines[item.span.line - 1]
            assert source[item.span.start : item.span.end] == item.text


def test_summary_respects_the_length_and_quotes_the_source(fixtures):
    text = (fixtures / "textes" / "2024-008.txt").read_text(encoding="utf-8")
    chosen = summarise(text, max_words=40)
    assert chosen and sum(len(s.text.split()) for s in chosen) <= 40 or len(chosen) == 1
    for sentence in chosen:
        assert text[sentence.span.start : sentence.span.end] == sentence.text
    assert [s.span.start for s in chosen] == sorted(s.span.start for s in chosen)


def test_a_summary_of_several_documents_speaks_of_each_of_them():
    velo = (
        "# Plan vélo\n\n"
        "Le plan vélo crée des pistes cyclables dans toute la commune.\n"
        "Les pistes cyclables du plan vélo relient les écoles et la gare.\n"
        "Le plan vélo prévoit des parkings pour vélos près des pistes cyclables.\n"
        "Chaque année le plan vélo ajoute de nouvelles pistes cyclables sécurisées.\n"
    )
    cantine = "# Cantine\n\nLa cantine sert des repas biologiques aux enfants des écoles.\n"
    text = velo + cantine
    alone = summarise(text, max_words=30)
    assert all(s.span.start < len(velo) for s in alone)  # the larger document crowds it out
    both = summarise(text, max_words=30, groups=[(0, len(velo)), (len(velo), len(text))])
    assert {s.span.start < len(velo) for s in both} == {True, False}
    assert not any(s.text.startswith("#") for s in both)
    assert sum(len(s.text.split()) for s in both) <= 30
