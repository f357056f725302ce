"""The suggestion cues and `territoria gouvernance eval` on real files."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from territoria.gouvernance import aiact, evaluation, suggest
from tests.shared_data import SHARED_DATA, requires_shared_data


def test_video_analysis_with_face_recognition_lands_on_high_risk():
    level = suggest.suggested_level(
        "Vidéosurveillance des places avec reconnaissance faciale des passants."
    )
    assert level == "haut_risque"


def test_live_face_recognition_for_policing_is_suggested_prohibited():
    text = "Reconnaissance faciale en temps réel dans l'espace public pour la police municipale."
    assert suggest.suggested_level(text) == "interdit"


def test_chatbot_gets_transparency_duties_and_leak_detection_stays_minimal():
    assert (
        suggest.suggested_level("Callbot, agent conversationnel pour les encombrants") == "limite"
    )
    assert (
        suggest.suggested_level("Détection des fuites sur le réseau d'eau potable par capteurs")
        == "minimal"
    )


def test_suggestion_explains_the_words_it_used():
    found = suggest.suggest_text("Un chatbot qui vérifie l'éligibilité aux aides sociales").reasons
    assert ("conversationnel", "chatbot") in found["transparence"]
    assert found["annexe_iii"][0][0] == "prestations_publiques"


def test_suggested_answers_are_always_a_complete_questionnaire():
    for text in (
        "rien",
        "chatbot",
        "fraude aux allocations",
        "calculator",
        "recrutement des agents",
    ):
        assert aiact.evaluate(suggest.suggest_text(text).answers).complete, text


def test_french_demo_records_are_labelled_from_the_register_fixtures():
    records = evaluation.labelled_records(None)
    assert {r["source"] for r in records} == {"fr"} and len(records) == 24
    assert {r["split"] for r in records} == {"dev", "test"}


def test_missing_foreign_registers_are_a_clear_error(tmp_path):
    with pytest.raises(evaluation.EvaluationDataError, match="registre étranger introuvable"):
        evaluation.labelled_records(tmp_path)
    with pytest.raises(CommandError, match="introuvable"):
        call_command("gouvernance", "eval", "--shared-data", str(tmp_path))


def test_metrics_kappa_and_confusion():
    pairs = [
        ("minimal", "minimal"),
        ("limite", "limite"),
        ("haut_risque", "minimal"),
        ("minimal", "minimal"),
    ]
    result = evaluation.metrics(pairs)
    assert result["accuracy"] == 0.75 and result["confusion"]["haut_risque"] == {"minimal": 1}
    assert 0 < result["cohen_kappa"] < 1


@requires_shared_data
def test_eval_command_prints_json_and_beats_the_baseline_on_held_out_records():
    out = StringIO()
    call_command(
        "gouvernance", "eval", "--split", "test", "--shared-data", str(SHARED_DATA), stdout=out
    )
    report = json.loads(out.getvalue())
    assert set(report["sources"]) == {"fr", "uk", "nl"}
    assert report["suggestion"]["accuracy"] > report["baseline_majority"]["accuracy"]


def test_labels_files_name_only_known_levels_and_the_fresh_set_is_new():
    import yaml

    labels = yaml.safe_load(Path(evaluation.LABELS).read_text(encoding="utf-8"))
    fresh = yaml.safe_load(Path(evaluation.FRESH_LABELS).read_text(encoding="utf-8"))
    for items in (*labels.values(), *fresh.values()):
        assert {item["level"] for item in items.values()} <= set(evaluation.LEVELS)
    for source, items in fresh.items():
        assert not set(map(str, items)) & set(map(str, labels.get(source, {})))
    assert sum(len(items) for items in fresh.values()) == 60


def test_other_cues_can_be_scored_alike():
    only_chatbots = [("transparence", "conversationnel", r"chatbot")]
    assert suggest.suggested_level("Un chatbot municipal", only_chatbots) == "limite"
    assert suggest.suggested_level("Reconnaissance faciale", only_chatbots) == "minimal"


def test_v2_cues_read_annex_iii_words_and_data_exchange():
    assert suggest.suggested_level("Estimates the risk of re-offending of offenders") == (
        "haut_risque"
    )
    assert suggest.suggested_level("Gegevensuitwisseling met het UWV over uitkeringen") == (
        "hors_champ"
    )


def test_eval_command_without_shared_data_scores_the_demo_records():
    out = StringIO()
    call_command("gouvernance", "eval", stdout=out)
    report = json.loads(out.getvalue())
    assert report["sources"] == {"fr": 24} and report["suggestion"]["n"] == 24
