"""The real-text evaluation (benchmarks/redaction_real.py) on a small text written here: the
same code the benchmark runs on the seed documents, without the shared folder."""

from benchmarks import redaction_real

TEXT = """Rapport du comité

Le comité s'est réuni le 7 juillet 2023 à Rouen avec Mme Claire Martin et 12 agents de la Métropole.
Il propose 3 actions pour l'intelligence artificielle, afin de mieux servir les habitants du territoire.
La Métropole consacre 93 000 euros à ce programme de formation des agents en 2024.
"""


def _seed(tmp_path):
    path = tmp_path / "seed.txt"
    path.write_text(TEXT, encoding="utf-8")
    return [path]


def test_list_numbers_and_footnotes_are_not_the_figure_corrupted():
    assert redaction_real._corrupt_figure("5. Renforcer la transparence.") is None
    assert redaction_real._corrupt_figure("[2] Il y a 12 agents.") == "[2] Il y a 24 agents."


def test_grounding_cases_pass_clean_sentences_and_catch_corruptions(db, tmp_path):
    result = redaction_real.grounding_cases(_seed(tmp_path))
    kinds = result["by_kind"]
    assert kinds["clean"]["cases"] == kinds["clean"]["passed"] == result["sentences"] == 3
    assert kinds["invented_name"]["passed"] == 3
    assert kinds["shifted_date"] == {
        "cases": 1,
        "passed": 1,
        "passed_before": 1,
        "baseline_passed": 1,
    }
    main = [k for name, k in kinds.items() if not name.startswith("reformatted")]
    assert result["cases"] == sum(k["cases"] for k in main)
    # « 93 000 euros » → « 93 000 € » passes; « 186 000 € » is flagged
    assert kinds["reformatted"]["passed"] == kinds["reformatted"]["cases"] >= 1
    assert kinds["reformatted_wrong"]["passed"] == kinds["reformatted_wrong"]["cases"] >= 1


def test_deliberation_amount_check_on_a_real_sentence(tmp_path):
    result = redaction_real.act_cases(_seed(tmp_path))
    assert result["clean"] == {"cases": 1, "passed": 1}
    assert result["doubled_amount"] == {"cases": 1, "passed": 1}


def test_plain_language_keeps_figures(tmp_path):
    result = redaction_real.plain_cases(_seed(tmp_path))
    assert result["paragraphs"] == 1 and result["passed"] == 1
    assert result["replacements_accepted"] >= 1  # « afin de » → « pour »


def test_a_wrong_figure_found_elsewhere_in_the_document_is_caught_now_and_was_not_before(db):
    text = (
        "La stratégie se décline en 2 grandes ambitions et 9 actions.\n"
        "Elle associe 4 directions de la métropole et leurs agents du territoire.\n"
    )
    documents = [("doc", text, ["La stratégie se décline en 2 grandes ambitions et 9 actions."])]
    result = redaction_real.grounding_cases([], documents)
    wrong = result["by_kind"]["wrong_figure"]  # « 3 grandes ambitions »: 3 is not in the text
    assert wrong["cases"] == 1 and wrong["passed"] == 1
    documents = [("doc", text + "Il y a 3 sites.\n", documents[0][2])]
    wrong = redaction_real.grounding_cases([], documents)["by_kind"]["wrong_figure"]
    assert wrong == {"cases": 1, "passed": 1, "passed_before": 0, "baseline_passed": 0}


def test_reformatted_figures_keep_their_meaning_and_the_wrong_one_does_not():
    good, bad = redaction_real._reformat("Le budget atteint 2,2 M€ cette année pour le projet.")
    assert good == "Le budget atteint 2 200 000 € cette année pour le projet."
    assert bad == "Le budget atteint 4 400 000 € cette année pour le projet."
    good, bad = redaction_real._reformat("Ils sont 85 % à être satisfaits du service rendu.")
    assert (good, bad) == (
        "Ils sont 85 pour cent à être satisfaits du service rendu.",
        "Ils sont 170 pour cent à être satisfaits du service rendu.",
    )
    assert redaction_real._reformat("Il y a 12 agents et 3 sites en 2024.") is None


def test_the_range_part_checks_each_bound_against_the_reading_before():
    text = (
        "Selon l'enquête menée en 2024, 10-15 % des agents télétravaillent chaque "
        "semaine dans les services de la ville.\n\nLe reste du personnel travaille sur place."
    )
    variants = redaction_real._range_variants(text.split("\n")[0])
    assert "2024, entre 10 et 15 % des agents" in variants["rewritten"]
    assert "2024, 20-15 % des agents" in variants["wrong_lower"]
    assert "2024, 10-30 % des agents" in variants["wrong_upper"]
    result = redaction_real.range_cases([("note", text, [])])
    assert result["sentences"] == 1
    assert result["passed"] == result["cases"] == 4
    # before, « 10-15 % » was read as « 10 » alone: « 10-30 % » passed, the rewrite was flagged
    assert result["by_kind"]["wrong_upper"]["passed_before"] == 0
    assert result["by_kind"]["rewritten"]["passed_before"] == 0
