"""Counting in French (issue 12): « aucun projet », « 1 projet », « 2 projets », never « 0 projets »."""

import pytest
from django.template import Context, Template

from territoria.core.templatetags.french import count_words


@pytest.mark.parametrize(
    ("value", "noun", "expected"),
    [
        (0, "projet", "aucun projet"),
        (1, "projet", "1 projet"),
        (2, "projet", "2 projets"),
        (12345, "projet", "12\u202f345 projets"),
        (0, "organisation|f", "aucune organisation"),
        (1, "jeu de données|m|jeux de données", "1 jeu de données"),
        (3, "jeu de données|m|jeux de données", "3 jeux de données"),
        ("n/a", "projet", "n/a projets"),
    ],
)
def test_count_words(value, noun, expected):
    assert count_words(value, noun) == expected


def test_template_filters_count_and_agree():
    template = Template(
        '{% load french %}{{ n|compte:"projet"|capfirst }} publié{{ n|accord }} '
        'correspond{{ n|accord:"ent" }}'
    )
    assert [template.render(Context({"n": n})) for n in (0, 1, 3)] == [
        "Aucun projet publié correspond",
        "1 projet publié correspond",
        "3 projets publiés correspondent",
    ]
