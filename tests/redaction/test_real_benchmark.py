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
    assert kinds["shifted_date"] == {"cases": 1, "passed": 1, "baseline_passed": 1}
    assert result["cases"] == sum(k["cases"] for k in kinds.values())


def test_deliberation_amount_check_on_a_real_sentence(tmp_path):
    result = redaction_real.act_cases(_seed(tmp_path))
    assert result["clean"] == {"cases": 1, "passed": 1}
    assert result["doubled_amount"] == {"cases": 1, "passed": 1}


def test_plain_language_keeps_figures(tmp_path):
    result = redaction_real.plain_cases(_seed(tmp_path))
    assert result["paragraphs"] == 1 and result["passed"] == 1
    assert result["replacements_accepted"] >= 1  # « afin de » → « pour »
