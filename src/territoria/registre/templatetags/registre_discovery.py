"""`{% similar_projects project %}`: the similar projects block of a record page."""

from django import template

from territoria.registre.discovery.similar import similar_projects as find_similar

register = template.Library()


@register.inclusion_tag("registre/discovery/_similar.html", takes_context=True)
def similar_projects(context, project, limit=5):
    user = getattr(context.get("request"), "user", None)
    return {"project": project, "similar": find_similar(project, user, limit=limit)}
