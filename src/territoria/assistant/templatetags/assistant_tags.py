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
