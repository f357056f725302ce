"""`{% load roles %}{% if user|can:"registre.moderate" %}`: templates ask core.roles too."""

from django import template

from territoria.core.roles import has_capability

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return has_capability(user, capability)
