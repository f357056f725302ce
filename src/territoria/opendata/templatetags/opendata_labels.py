"""Template filters that show technical names in plain French (see opendata/labels.py)."""

from django import template
from django.utils.html import format_html

from territoria.opendata import labels

register = template.Library()

register.filter("type_label", labels.type_label)
register.filter("date_format_label", labels.date_format_label)
register.filter("size_label", labels.size_label)


CELL_CHARS = 120  # a longer cell is shown cut, with a control that opens the whole text


@register.filter
def cell(value):
    """A table cell: empty for None; past CELL_CHARS characters, the start of the text with a
    « tout afficher » control (details/summary, works without JavaScript), so that one long
    text does not make every row hundreds of pixels high."""
    if value is None:
        return ""
    text = str(value)
    if len(text) <= CELL_CHARS:
        return text
    return format_html(
        '<details class="od-cell"><summary>{}… <span class="help">(tout afficher, {} '
        "caractères)</span></summary>{}</details>",
        text[:CELL_CHARS].rstrip(),
        len(text),
        text,
    )
