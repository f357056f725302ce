"""One test per path of the AI-Act decision tree (rules/aiact.yaml), plus its edge cases."""

import pytest
import yaml

from territoria.gouvernance import aiact

IN_SCOPE = {"systeme_ia": "oui", "exclusion": "non", "role": "deployeur", "devient_fournisseur": []}
NOT_PROHIBITED = {**IN_SCOPE, "pratiques_interdites": []}
ANNEX_III_FILTER = {**NOT_PROHIBITED, "annexe_i": "non", "annexe_iii": ["prestations_publiques"]}


def test_path_not_an_ai_system_is_out_of_scope():
    result = aiact.evaluate({"systeme_ia": "non"})
    assert (result.level, result.decisive_rule["article"]) == ("hors_champ", "Art. 3, point 1")
    assert result.complete and result.obligations == []
    assert result.register_value == ""


def test_path_excluded_use_is_out_of_scope():
    result = aiact.evaluate({"systeme_ia": "oui", "exclusion": "oui"})
    assert result.level == "hors_champ"
    assert result.decisive_rule["id"] == "exclusion"


@pytest.mark.parametrize(
    "practice", [o["id"] for o in aiact.question("pratiques_interdites")["options"]]
)
def test_path_any_prohibited_practice_is_prohibited(practice):
    result = aiact.evaluate({**IN_SCOPE, "pratiques_interdites": [practice]})
    assert result.level == "interdit" and result.register_value == "inacceptable"
    assert [o["id"] for o in result.obligations] == ["art5_arret"]
    # The prohibited practice's own paragraph is in the reasoning path.
    step = next(s for s in result.path if s["question"] == "pratiques_interdites")
    assert step["articles"][0].startswith("Art. 5, par. 1,")


def test_path_annex_i_safety_component_is_high_risk():
    result = aiact.evaluate({**NOT_PROHIBITED, "annexe_i": "oui", "transparence": []})
    assert result.level == "haut_risque"
    assert result.decisive_rule["article"] == "Art. 6, paragraphe 1"
    assert "annexe_iii" not in [s["question"] for s in result.path]  # not asked


@pytest.mark.parametrize("area", [o["id"] for o in aiact.question("annexe_iii")["options"]])
def test_path_annex_iii_area_with_profiling_is_high_risk(area):
    answers = {**NOT_PROHIBITED, "annexe_i": "non", "annexe_iii": [area], "profilage": "oui"}
    result = aiact.evaluate({**answers, "transparence": []})
    assert result.level == "haut_risque"
    assert result.decisive_rule["id"] == "profilage"


def test_path_annex_iii_without_derogation_is_high_risk():
    result = aiact.evaluate(
        {**ANNEX_III_FILTER, "profilage": "non", "derogation": [], "transparence": []}
    )
    assert result.level == "haut_risque" and result.decisive_rule["id"] == "annexe_iii"
    ids = [o["id"] for o in result.obligations]
    assert {"art4_maitrise", "art26_controle_humain", "art27_aidf", "art86_explication"} <= set(ids)
    assert "art16_fournisseur" not in ids  # a deployer


def test_path_annex_iii_derogation_with_significant_risk_is_high_risk():
    answers = {**ANNEX_III_FILTER, "profilage": "non", "derogation": ["preparatoire"]}
    result = aiact.evaluate({**answers, "risque_important": "oui", "transparence": []})
    assert result.level == "haut_risque" and result.notes == []


def test_path_annex_iii_derogation_without_risk_then_transparency_is_limited():
    answers = {**ANNEX_III_FILTER, "profilage": "non", "derogation": ["tache_procedurale"]}
    result = aiact.evaluate(
        {**answers, "risque_important": "non", "transparence": ["conversationnel"]}
    )
    assert result.level == "limite"
    assert [n["id"] for n in result.notes] == ["derogation"]  # the filter is in the reasoning
    ids = [o["id"] for o in result.obligations]
    assert "art50_information" in ids and "art6_4_documentation" in ids


def test_path_annex_iii_derogation_without_risk_nor_transparency_is_minimal():
    answers = {**ANNEX_III_FILTER, "profilage": "non", "derogation": ["amelioration"]}
    result = aiact.evaluate({**answers, "risque_important": "non", "transparence": []})
    assert result.level == "minimal"
    assert "art6_4_documentation" in [o["id"] for o in result.obligations]


def test_path_chatbot_outside_annex_iii_has_transparency_duties():
    answers = {
        **NOT_PROHIBITED,
        "annexe_i": "non",
        "annexe_iii": [],
        "transparence": ["conversationnel"],
    }
    result = aiact.evaluate(answers)
    assert result.level == "limite" and result.register_value == "limite"
    duty = next(o for o in result.obligations if o["id"] == "art50_information")
    assert duty["applies_from"] == "2026-08-02"


def test_path_nothing_regulated_is_minimal():
    answers = {**NOT_PROHIBITED, "annexe_i": "non", "annexe_iii": [], "transparence": []}
    result = aiact.evaluate(answers)
    assert result.level == "minimal"
    assert [o["id"] for o in result.obligations] == ["art4_maitrise"]


def test_half_finished_answers_give_no_level_and_list_what_is_missing():
    result = aiact.evaluate({"systeme_ia": "oui", "exclusion": "non"})
    assert not result.complete and result.level is None
    assert [m["question"] for m in result.missing][:2] == ["role", "pratiques_interdites"]


def test_provider_role_through_article_25_adds_provider_obligations_and_explains_it():
    answers = {
        **ANNEX_III_FILTER,
        "devient_fournisseur": ["modification"],
        "profilage": "oui",
        "transparence": [],
    }
    result = aiact.evaluate(answers)
    assert result.role == "fournisseur"
    assert any("article 25" in message for message in result.contradictions)
    assert "art16_fournisseur" in [o["id"] for o in result.obligations]


def test_critical_infrastructure_is_exempt_from_fria():
    answers = {**NOT_PROHIBITED, "annexe_i": "non", "annexe_iii": ["infrastructure_critique"]}
    result = aiact.evaluate({**answers, "profilage": "non", "derogation": [], "transparence": []})
    assert result.level == "haut_risque"
    assert "art27_aidf" not in [o["id"] for o in result.obligations]


def test_contradictory_answers_are_explained_not_silently_resolved():
    answers = {
        **NOT_PROHIBITED,
        "annexe_i": "non",
        "annexe_iii": [],
        "transparence": ["emotions_biometrie"],
    }
    result = aiact.evaluate(answers)
    assert result.level == "limite"
    assert any("annexe III" in message for message in result.contradictions)


def test_answers_to_questions_not_asked_are_reported_as_ignored():
    result = aiact.evaluate({"systeme_ia": "non", "annexe_iii": ["elections"]})
    assert result.level == "hors_champ"
    assert [i["question"] for i in result.ignored] == ["annexe_iii"]


def test_unknown_options_are_dropped():
    assert aiact.clean_answers({"systeme_ia": "peut-être", "annexe_iii": ["x", "elections"]}) == {
        "annexe_iii": ["elections"]
    }


def test_a_rule_naming_an_unknown_question_is_refused(tmp_path):
    rules = yaml.safe_load(aiact.RULES_FILE.read_text(encoding="utf-8"))
    rules["rules"][0]["when"] = {"question_inconnue": "oui"}
    broken = tmp_path / "aiact.yaml"
    broken.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="question_inconnue"):
        aiact.load_rules(broken)


def test_every_question_and_option_cites_the_regulation():
    for q in aiact.questions():
        assert q["article"].startswith(("Art.", "Annexe")), q["id"]
        for option in q.get("options", []):
            if q["id"] not in ("role",):
                assert option.get("article"), (q["id"], option["id"])
