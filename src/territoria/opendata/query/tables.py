"""From published resource versions to the engine's `Table` descriptions.

Whatever a query reads (rows, aggregates, downloads, the SQL console) is what an anonymous
reader may see (`visibility`, with no user): published versions, published columns."""

from territoria.opendata import storage, visibility
from territoria.opendata.models import Resource, ResourceVersion
from territoria.opendata.query.base import Column, QueryError, Table


def table_for(version: ResourceVersion, name: str | None = None) -> Table:
    if not visibility.can_see_version(version, None):
        raise QueryError("Cette version n'est pas publiée.")
    columns = tuple(Column(f["name"], f["type"]) for f in version.published_columns)
    copy = storage.query_copy(version)
    return Table(
        name or version.resource.table_name,
        str(storage.published_parquet(version)),
        columns,
        version.row_count,
        str(copy) if copy.exists() else None,
    )


def resolve_version(resource: Resource, number=None) -> ResourceVersion:
    """The current version, or the published (or superseded) version `number`."""
    if number in (None, ""):
        if resource.current_version is None:
            raise QueryError("Cette ressource n'a pas encore de version publiée.")
        return resource.current_version
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise QueryError(f"Version « {number} » invalide : un nombre entier est attendu.") from None
    version = (
        visibility.visible_versions(resource.versions.all(), None).filter(number=number).first()
    )
    if version is None:
        raise QueryError(
            f"La version {number} de cette ressource n'existe pas ou n'est pas publiée."
        )
    return version


def published_tables(names: set[str] | None = None) -> list[Table]:
    resources = visibility.visible_resources(
        Resource.objects.select_related("current_version"),
        None,
    )
    if names is not None:
        resources = resources.filter(table_name__in=names)
    return [table_for(r.current_version, r.table_name) for r in resources]
