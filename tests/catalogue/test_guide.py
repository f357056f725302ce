import json

from django.core.management import call_command

from territoria.catalogue import guide
from territoria.catalogue.evaluation import demo_solutions


def test_guide_explains_its_proposals_and_its_exclusions():
    solutions = demo_solutions()
    proposals, excluded = guide.recommend(
        guide.Need(
            text="Pseudonymiser les noms et adresses dans les décisions avant publication",
            sensitivity="sensibles",
        ),
        solutions,
    )
    assert [p.solution.name for p in proposals][:2] == ["Presidio", "spaCy"]
    assert (
        "répond à : Détection et pseudonymisation de données personnelles" in proposals[0].reasons
    )
    reasons = {e.solution.name: e.reason for e in excluded}
    assert (
        reasons["Le Chat"]
        == "données sensibles : hébergement sur site ou qualifié SecNumCloud requis"
    )
    assert reasons["Microsoft 365 Copilot"].startswith("données sensibles")


def test_ticked_functions_weigh_more_than_words():
    solutions = demo_solutions()
    proposals, _ = guide.recommend(
        guide.Need(text="Un outil pour la mairie", features=["translation"]), solutions
    )
    assert all("translation" in p.solution.ai_features for p in proposals)


def test_eval_command_prints_json_and_beats_the_keyword_baseline_on_held_out_needs(db, capsys):
    call_command("catalogue", "eval", "--split", "test")
    result = json.loads(capsys.readouterr().out)
    assert result["needs"] == 25 and result["solutions"] == 44
    assert result["guide"]["hit_at_3"] > result["baseline_keywords"]["hit_at_3"]
    assert set(result["by_source"]) == {
        "bibliotheque-ia/data.csv",
        "registers/nl-algoritmeregister.json",
        "registers/uk-atrs.json",
    }
