"""Passages split into sentences for extractive answers."""

from territoria.assistant.services.chunking import passage_sentences


def test_heading_line_stands_alone_and_wrapped_lines_are_joined():
    text = (
        "Article 12 - Télétravail\nLes agents peuvent télétravailler deux jours\npar semaine au maximum. "
        "La demande est adressée au supérieur.\nArticle 13 - Congés\nVingt-cinq jours."
    )
    assert passage_sentences(text) == [
        ("Article 12 - Télétravail", True),
        ("Les agents peuvent télétravailler deux jours par semaine au maximum.", False),
        ("La demande est adressée au supérieur.", False),
        ("Article 13 - Congés", True),
        ("Vingt-cinq jours.", False),
    ]


def test_short_line_that_ends_a_sentence_or_continues_lowercase_is_not_a_heading():
    assert passage_sentences("Ouvert le samedi.\nFermé le dimanche.") == [
        ("Ouvert le samedi.", False),
        ("Fermé le dimanche.", False),
    ]
    assert passage_sentences("La déchetterie est ouverte\ndu lundi au samedi.") == [
        ("La déchetterie est ouverte du lundi au samedi.", False)
    ]
