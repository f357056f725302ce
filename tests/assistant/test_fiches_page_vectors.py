"""The page vector's text (benchmarks/assistant_fiches_vectors.py): one short first window per
page — the fiche's title and description, never a heading, at most 60 words (issue 20)."""

from benchmarks.assistant_fiches_vectors import WORDS, summary

PAGE = """# Dépôt de garantie (caution) d'un logement loué vide

Le dépôt de garantie est une somme versée au propriétaire à la signature du bail.

## Montant

Il ne peut pas dépasser un mois de loyer hors charges.
"""


def test_summary_is_title_and_description():
    assert summary(PAGE) == (
        "Dépôt de garantie (caution) d'un logement loué vide. Le dépôt de garantie est une somme"
        " versée au propriétaire à la signature du bail."
    )


def test_summary_never_takes_a_heading_for_the_description():
    page = "# Carte grise\n\n## Démarche\n\nEn ligne."
    assert summary(page) == "Carte grise."


def test_summary_is_capped():
    page = "# Titre\n\n" + " ".join(f"mot{i}" for i in range(200))
    words = summary(page).split()
    assert len(words) == WORDS
    assert words[0] == "Titre." and words[-1] == f"mot{WORDS - 2}"
