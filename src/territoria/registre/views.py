"""Pages of the register (public reading without JavaScript)."""

from django.shortcuts import get_object_or_404, render

from territoria.registre.models import Project
from territoria.registre.permissions import get_abilities
from territoria.registre.visibility import project_values, visible_fields, visible_projects


def project_list(request):
    projects = visible_projects(request.user).select_related("organisation")
    return render(request, "registre/project_list.html", {"projects": projects})


def project_detail(request, pk):
    project = get_object_or_404(visible_projects(request.user).select_related("organisation"), pk=pk)
    values = project_values(project, request.user)
    fields = [(spec, values[spec.name]) for spec in visible_fields(request.user)]
    return render(
        request,
        "registre/project_detail.html",
        {"project": project, "fields": fields, "abilities": get_abilities(request.user, project)},
    )
