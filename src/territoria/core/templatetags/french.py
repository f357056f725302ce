"""Counting in French: « aucun projet », « 1 projet », « 2 projets » (issue 12).

Django's `pluralize` follows English: « 0 projets ». In French 0 and 1 take the singular, and
none is said « aucun(e) » rather than « 0 ». Use

    {% load french %}
    {{ total|compte:"projet" }}                      → aucun projet · 1 projet · 12 projets
    {{ total|compte:"organisation|f" }}              → aucune organisation
    {{ total|compte:"jeu de données|m|jeux de données" }}
    publié{{ total|accord }}  correspond{{ total|accord:"ent" }}   → "s" / "ent" from 2 on

Large numbers are grouped by thousands with a narrow no-break space (« 12 345 projets »).
"""

from django import template

register = template.Library()

NARROW_NBSP = "\u202f"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", NARROW_NBSP)


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def count_words(value, noun: str) -> str:
    """The French phrase for `value` `noun`s (see the module's docstring for `noun`)."""
    singular, _, rest = noun.partition("|")
    gender, _, plural = rest.partition("|")
    plural = plural or f"{singular}s"
    number = _as_int(value)
    if number is None:
        return f"{value} {plural}"
    if number == 0:
        return f"{'aucune' if gender == 'f' else 'aucun'} {singular}"
    return f"{_number(number)} {singular if abs(number) < 2 else plural}"


@register.filter
def compte(value, noun: str) -> str:
    return count_words(value, noun)


@register.filter
def accord(value, suffix: str = "s") -> str:
    """The plural ending of a word agreeing with a count: "" for 0 and 1, `suffix` from 2 on."""
    number = _as_int(value)
    return suffix if number is not None and abs(number) >= 2 else ""
