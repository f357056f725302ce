"""The register's section of the home page (declared in apps.py, rendered by core)."""

from django.db.models import Count, Q

from territoria.registre.models import Project

LATEST_COUNT = 6


def home_context(request) -> dict:
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
