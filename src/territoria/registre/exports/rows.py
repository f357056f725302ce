"""Which projects and which columns an export holds, for a given reader."""

from territoria.registre import schema
from territoria.registre.filters import ProjectFilter
from territoria.registre.models import Project
from territoria.registre.visibility import (
    project_values,
    visible_fields,
    visible_projects,
)

CHUNK = 500


class _FilterRequest:
    """What ProjectFilter reads from a request, for exports made outside one (CLI)."""

    def __init__(self, user):
        self.user = user


def export_fields(user, *, all_fields: bool) -> list[schema.FieldSpec]:
    """All the fields this reader may read (schema ids), or the anchor's public columns."""
    fields = visible_fields(user)
    if all_fields:
        return fields
    return [spec for spec in fields if spec.csv_column]


def projects(user, params=None, *, request=None, projects_user=None):
    """Visible projects of `user`, filtered like the list page (?theme=…), streamed in chunks.

    `projects_user` chooses the records when it differs from the reader of the values (the CLI
    exports published records only, even with --restricted)."""
    reader = user if projects_user is None else projects_user
    queryset = visible_projects(reader, Project.objects.select_related("organisation"))
    filterset = ProjectFilter(
        params or {}, queryset=queryset, request=request or _FilterRequest(user)
    )
    return filterset.qs.order_by("organisation__name", "nom_projet").iterator(chunk_size=CHUNK)


def values(project, user) -> dict:
    return project_values(project, user)
