from django.http import Http404
from django.shortcuts import get_object_or_404

from territoria.gouvernance.permissions import get_abilities, visible_projects
from territoria.registre.models import Project


def project_for(request, pk, ability: str | None = None):
    """The record if this user may see it (404 otherwise, as the register does), and abilities."""
    project = get_object_or_404(
        visible_projects(request.user).select_related("organisation"), pk=pk
    )
    abilities = get_abilities(request.user, project)
    if ability and not abilities[ability]:
        raise Http404  # not a 403: whether a record's governance exists is not told either
    return project, abilities


__all__ = ["Project", "project_for"]
