"""Which projects and which columns an export holds, for a given reader."""

from territoria.registre import schema
from territoria.registre.discovery.service import SearchQuery, parse_query, search_projects
from territoria.registre.models import Project
from territoria.registre.visibility import project_values, visible_fields

CHUNK = 500


def export_fields(user, *, all_fields: bool) -> list[schema.FieldSpec]:
    """All the fields this reader may read (schema ids), or the anchor's public columns."""
    fields = visible_fields(user)
    if all_fields:
        return fields
    return [spec for spec in fields if spec.csv_column]


def export_query(user, params=None) -> SearchQuery:
    """The query of an export: the list page's parameters (?theme=…, ?q=…, ?tri=…)."""
    return parse_query(params or {}, user)


def projects(user, params=None, *, projects_user=None, query: SearchQuery | None = None):
    """Visible projects of `user` matching the list page's query, in its order, by chunks.

    The register's query service picks them (`registre.discovery.service`), so an export holds
    what the list shows. `projects_user` chooses the records when it differs from the reader
    of the values (the CLI exports published records only, even with --restricted)."""
    reader = user if projects_user is None else projects_user
    query = query or export_query(reader, params)
    result = search_projects(None, reader, query=query, with_facets=False, load_projects=False)
    ids = result.all_ids
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        by_id = Project.objects.select_related("organisation").in_bulk(chunk)
        yield from (by_id[pk] for pk in chunk if pk in by_id)


def values(project, user) -> dict:
    return project_values(project, user)
