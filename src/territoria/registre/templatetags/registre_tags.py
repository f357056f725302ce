"""Template helpers of the register."""

from django import template

from territoria.registre.schema import BY_NAME

register = template.Library()


@register.filter
def field_title(name: str) -> str:
    """The title of a schema field from its name (error reports name the field concerned)."""
    spec = BY_NAME.get(name)
    return spec.title if spec else name
