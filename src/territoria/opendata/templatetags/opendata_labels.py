"""Template filters that show technical names in plain French (see opendata/labels.py)."""

from django import template

from territoria.opendata import labels

register = template.Library()

register.filter("type_label", labels.type_label)
register.filter("date_format_label", labels.date_format_label)
register.filter("size_label", labels.size_label)
