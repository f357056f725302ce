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


# --- v3: the staged reading of a record's fields ---------------------------------------------


def _level(**fields) -> str:
    return suggest.suggested_level_fields(fields)


def test_v3_one_to_one_face_verification_is_not_annex_iii_but_identification_is():
    verification = (
        "Gezichtsvergelijking: de medewerker vergelijkt het gezicht met het identiteitsdocument."
    )
    assert _level(title="Balie", description=verification) == "minimal"
    assert _level(description="Reconnaissance faciale des passants sur les places") == (
        "haut_risque"
    )


def test_v3_fixed_rules_are_not_ai_unless_a_word_of_learning_is_there():
    assert _level(description="The model is a rule-based classification of properties") == (
        "hors_champ"
    )
    assert _level(description="Het algoritme berekent de leges volgens de verordening") == (
        "hors_champ"
    )
    # a valuation model that "calculates" is still a model, not a fixed rule
    assert _level(description="WOZ taxatiemodellen berekenen de marktwaarde") == "minimal"
    assert _level(description="A rule-based triage, with machine learning to predict demand") == (
        "minimal"
    )


def test_v3_benefit_area_needs_an_assessment_of_persons():
    words_only = suggest.suggest_fields({"description": "Informatie over bijstand op de website"})
    assert aiact.evaluate(words_only.answers).level == "minimal"
    assert words_only.answers["derogation"] == ["preparatoire"]
    assert _level(description="Determines the eligibility of applicants for a council grant") == (
        "haut_risque"
    )


def test_v3_narrow_procedural_task_in_an_area_gets_the_article_6_3_derogation():
    found = suggest.suggest_fields(
        {
            "description": "Anonymiseren van documenten over uitkeringen voordat de aanvrager ze krijgt"
        }
    )
    assert found.answers["derogation"] == ["tache_procedurale"]
    assert aiact.evaluate(found.answers).level == "minimal"
    # profiling keeps it high-risk, whatever the task
    assert _level(description="Risk scoring of benefit claimants to select cases for review") == (
        "haut_risque"
    )


def test_v3_organisation_supports_an_area_only_when_the_text_profiles_persons():
    police = {"organisation": "Politie Nederland"}
    assert _level(description="Telt voetgangers op drukke pleinen", **police) == "minimal"
    assert _level(description="Voorspelt welke personen risico lopen", **police) == "haut_risque"


def test_v3_french_words_that_look_like_annex_iii_words_are_not_read_as_them():
    # "maintenance" once matched "tenan(t)": predictive maintenance of pipes is not housing
    assert _level(description="Maintenance prédictive et détection de fuites du réseau d'eau") == (
        "minimal"
    )


def test_v3_reads_the_register_fields_of_a_project(project):
    project.nom_projet = "Aide aux agents"
    project.usage_description = "Assistant pour les agents du service urbanisme."
    project.type_algorithme = "ia_generative"
    found = suggest.suggest(project)
    assert "contenu_synthetique" in found.answers["transparence"]
    assert aiact.evaluate(found.answers).level == "limite"
    lines = found.explained()
    assert any("IA générative" in line["words"] for line in lines)


def test_v3_explanations_cover_every_reason_it_gives():
    found = suggest.suggest_fields({"description": "Information sur la bourse des collèges"})
    lines = found.explained()
    assert {line["article"] for line in lines} >= {
        aiact.question("annexe_iii")["article"],
        aiact.question("derogation")["article"],
    }


def test_fresh2_labels_are_new_and_were_committed_before_v3():
    import yaml

    fresh2 = yaml.safe_load(Path(evaluation.FRESH2_LABELS).read_text(encoding="utf-8"))
    earlier = [
        yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for path in (evaluation.LABELS, evaluation.FRESH_LABELS)
    ]
    for source, items in fresh2.items():
        assert {item["level"] for item in items.values()} <= set(evaluation.LEVELS)
        for labels in earlier:
            assert not set(map(str, items)) & set(map(str, labels.get(source, {})))
    assert sum(len(items) for items in fresh2.values()) == 60


def test_v4_corrections_each_fix_a_reading_error_seen_on_the_tuning_parts():
    # "politie" is a whole word: "politieke besluitvorming" is not policing
    assert _level(
        description="Voorspelt de rente; de uitkomst gaat naar de politieke besluitvorming"
    ) == ("minimal")
    assert _level(description="Voorspelt welke personen risico lopen", organisation="Politie") == (
        "haut_risque"
    )
    # a subsidy to businesses is not a person's benefit; Universal Credit is
    assert _level(description="Risicoselectie van subsidieaanvragen van bedrijven") == "minimal"
    assert _level(description="Risk assessment of Universal Credit advances to prevent fraud") == (
        "haut_risque"
    )
    # "lage drempel" (easy access) is not a threshold rule
    assert _level(description="Contact met inwoners met een lage drempel via WhatsApp") == (
        "minimal"
    )
    # completing a file with known data is data matching, not AI
    assert _level(description="Aanvullen van dossiers in de registratie") == "hors_champ"
    # a summary is generated content when an AI writes it
    assert _level(description="Dashboard met een samenvatting van de metingen") == "minimal"
    assert _level(description="Een taalmodel maakt een samenvatting van de brieven") == "limite"
    # asking an app questions is a conversation
    assert _level(description="In de app kan men vragen stellen over de crisis") == "limite"


def test_fresh3_labels_are_new():
    import yaml

    fresh3 = yaml.safe_load(Path(evaluation.FRESH3_LABELS).read_text(encoding="utf-8"))
    earlier = [
        yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for path in (evaluation.LABELS, evaluation.FRESH_LABELS, evaluation.FRESH2_LABELS)
    ]
    for source, items in fresh3.items():
        assert {item["level"] for item in items.values()} <= set(evaluation.LEVELS)
        for labels in earlier:
            assert not set(map(str, items)) & set(map(str, labels.get(source, {})))
    assert sum(len(items) for items in fresh3.values()) == 60


def test_fresh4_labels_are_new():
    import yaml

    fresh4 = yaml.safe_load(Path(evaluation.FRESH4_LABELS).read_text(encoding="utf-8"))
    earlier = [
        yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for path in (
            evaluation.LABELS,
            evaluation.FRESH_LABELS,
            evaluation.FRESH2_LABELS,
            evaluation.FRESH3_LABELS,
        )
    ]
    for source, items in fresh4.items():
        assert {item["level"] for item in items.values()} <= set(evaluation.LEVELS)
        for labels in earlier:
            assert not set(map(str, items)) & set(map(str, labels.get(source, {})))
    assert (len(fresh4["uk"]), len(fresh4["nl"])) == (6, 44)


def test_older_patterns_can_be_scored_with_the_current_engine():
    patterns = {**suggest.PATTERNS, "CONVERSATION_V3": r"nothing-matches-this"}
    assert suggest.suggested_level_fields({"description": "Un chatbot municipal"}) == "limite"
    assert suggest.suggested_level_fields({"description": "Un chatbot municipal"}, patterns) == (
        "minimal"
    )
