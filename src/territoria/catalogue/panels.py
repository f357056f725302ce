"""The catalogue's panel on a register record's page (core/modules.py, RecordPanel): the
solutions the record uses, the record it reproduces, the copies other collectivités made and
its experiments — each read through the catalogue's and the register's visibility rules."""

from territoria.catalogue.models import Experiment, RecordReplication, SolutionUse
from territoria.catalogue.visibility import can_contribute, visible_experiments, visible_solutions
from territoria.registre.visibility import visible_projects


def record_panel(request, project) -> dict | None:
    user = request.user
    uses = list(
        SolutionUse.objects.filter(project=project, solution__in=visible_solutions(user))
        .select_related("solution", "solution__provider")
        .order_by("solution__name")
    )
    readable = visible_projects(user)
    origin = (
        RecordReplication.objects.filter(project=project, source__in=readable)
        .select_related("source", "source__organisation")
        .first()
    )
    copies = RecordReplication.objects.filter(source=project, project__in=readable).count()
    experiments = list(
        visible_experiments(user, Experiment.objects.filter(project=project))
        .select_related("solution")
        .order_by("title")
    )
    if not (uses or origin or copies or experiments):
        return None
    organisation_id = getattr(user, "organisation_id", None)
    may_copy = (
        can_contribute(user)
        and organisation_id is not None
        and organisation_id != project.organisation_id
        and project.lifecycle == "published"
    )
    return {
        "project": project,
        "uses": uses,
        "origin": origin,
        "copies": copies,
        "experiments": experiments,
        "may_copy": may_copy,
        "copy_solution": uses[0].solution if uses else None,
    }
