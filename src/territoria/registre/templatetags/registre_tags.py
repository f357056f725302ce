"""Template helpers of the register: the home page section."""

from django import template
from django.db.models import Count, Q

from territoria.registre.models import Project
from territoria.registre.schema import BY_NAME

register = template.Library()

LATEST_COUNT = 6


@register.inclusion_tag("registre/_home_section.html")
def registre_home():
    """What the register is, a search box, key figures and the latest published projects."""
    published = Project.objects.published()
    figures = published.order_by().aggregate(
        projects=Count("pk", distinct=True),
        organisations=Count("organisation", distinct=True),
        themes=Count("theme", distinct=True, filter=~Q(theme="")),
    )
    latest = published.select_related("organisation").order_by("-published_at", "-updated_at")[
        :LATEST_COUNT
    ]
    return {"figures": figures, "latest": latest}


@register.filter
def field_title(name: str) -> str:
    """The title of a schema field from its name (error reports name the field concerned)."""
    spec = BY_NAME.get(name)
    return spec.title if spec else name
