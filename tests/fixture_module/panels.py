from territoria.core.roles import has_capability
from tests.fixture_module.apps import READ_SECRET


def record_panel(request, project):
    """No panel on records whose name says so; the insider line for READ_SECRET holders."""
    if "sans panneau" in project.nom_projet.lower():
        return None
    return {"project": project, "insider": has_capability(request.user, READ_SECRET)}
