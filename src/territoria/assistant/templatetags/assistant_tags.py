"""Template helpers of the assistant."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

_CITATION = re.compile(r"\[(\d+)\]")


@register.filter
def cited(exchange) -> str:
    """The answer with each [n] turned into a link to its source beside it (other text escaped)."""
    numbers = {str(source.get("n")) for source in exchange.citations}

    def link(match):
        n = match.group(1)
        if n not in numbers:
            return match.group(0)
        return f'<a class="citation" href="#source-{exchange.pk}-{n}" aria-label="source {n}">[{n}]</a>'

    return mark_safe(_CITATION.sub(link, escape(exchange.answer)))  # the answer was escaped above


LED_WATTS = 10  # a household LED bulb: the comparison a citizen can picture


@register.filter
def energy_equivalent(energy_wh) -> str:
    """ "une ampoule LED de 10 W allumée 0,06 seconde": what an estimate in Wh amounts to."""
    seconds = float(energy_wh or 0) * 3600 / LED_WATTS
    if seconds < 0.01:
        return f"moins qu'une ampoule LED de {LED_WATTS} W allumée un centième de seconde"
    if seconds < 60:
        shown = f"{seconds:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        unit = "seconde" if seconds < 2 else "secondes"
        return f"autant qu'une ampoule LED de {LED_WATTS} W allumée {shown} {unit}"
    minutes = round(seconds / 60)
    return f"autant qu'une ampoule LED de {LED_WATTS} W allumée {minutes} minute{'s' if minutes > 1 else ''}"
