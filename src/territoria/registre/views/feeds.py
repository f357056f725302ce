"""Atom and RSS feeds of recently published or updated projects — public fields only.

The feed is the same for everyone (it is cached and shared by readers), so it is built as an
anonymous reader sees the register, through `visibility`.
"""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from territoria.registre.visibility import project_values, visible_projects

FEED_SIZE = 50


class ProjectRssFeed(Feed):
    title = "Registre des IA territoriales — projets publiés et mis à jour"
    description = (
        "Les derniers projets d'IA des collectivités publiés ou mis à jour dans le registre."
    )

    def link(self):
        return reverse("registre:list")

    def items(self):
        return (
            visible_projects(None)
            .select_related("organisation")
            .order_by("-updated_at")[:FEED_SIZE]
        )

    def item_title(self, project):
        return f"{project.nom_projet} — {project.organisation.name}"

    def item_description(self, project):
        values = project_values(project, None)
        parts = [values.get("usage_description", "")]
        if values.get("theme"):
            parts.append(f"Thème : {values['theme']}.")
        if values.get("projet_status"):
            parts.append(f"Maturité : {values['projet_status']}.")
        return " ".join(part for part in parts if part)

    def item_link(self, project):
        return project.get_absolute_url()

    def item_pubdate(self, project):
        return project.published_at

    def item_updateddate(self, project):
        return project.updated_at

    def item_author_name(self, project):
        return project.organisation.name

    def item_categories(self, project):
        theme = project_values(project, None).get("theme")
        return [theme] if theme else []


class ProjectAtomFeed(ProjectRssFeed):
    feed_type = Atom1Feed
    subtitle = ProjectRssFeed.description
