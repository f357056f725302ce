"""Who sees what in the register — the one place that decides it.

Every route (pages, API, exports, feeds, search index and snippets, assistant context) takes
the values of a project through `project_values` or the field list of `visible_fields`, and
the projects themselves through `visible_projects`. Restricted fields reach only the roles that
hold `registre.view_restricted` (registre/apps.py: agents, élus, moderators, administrators).
"""

import datetime
from dataclasses import dataclass

from territoria.core.roles import has_capability
from territoria.registre import schema
from territoria.registre.schema import FieldSpec
from territoria.registre.vocabulary import Lifecycle


def can_view_restricted(user) -> bool:
    return has_capability(user, "registre.view_restricted")


def visible_fields(user) -> list[FieldSpec]:
    """The fields of the data model this user may read, in the model's order."""
    restricted_ok = can_view_restricted(user)
    return [spec for spec in schema.FIELDS if spec.is_public or restricted_ok]


def visible_projects(user, queryset=None):
    """Published projects for everyone; drafts and submissions for their owners and moderators."""
    from django.db.models import Q

    from territoria.registre.models import Project

    queryset = Project.objects.all() if queryset is None else queryset
    if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
        if has_capability(user, "registre.moderate"):
            return queryset
        if user.organisation_id:
            return queryset.filter(
                Q(lifecycle=Lifecycle.PUBLISHED) | Q(organisation_id=user.organisation_id)
            )
    return queryset.filter(lifecycle=Lifecycle.PUBLISHED)


def raw_value(project, spec: FieldSpec):
    """The stored value of a field: codes for vocabularies, lists for multi-valued fields."""
    if spec.organisation_attr:
        return getattr(project.organisation, spec.organisation_attr)
    return getattr(project, spec.attr)


def display_value(project, spec: FieldSpec):
    """The value as a person reads it: labels instead of codes, MM/AAAA for the start date."""
    value = raw_value(project, spec)
    if spec.name == "coll_type":
        return project.organisation.get_type_display()
    if spec.vocabulary is not None:
        if spec.multiple:
            return [spec.vocabulary.label(code) for code in value or []]
        return spec.vocabulary.label(value) if value else ""
    if spec.name == "projet_date":
        return value.strftime("%m/%Y") if value else ""
    if spec.name == "date":
        return value.strftime("%d/%m/%Y") if value else ""
    return value if value is not None else ""


def project_values(project, user, *, labels: bool = True) -> dict:
    """{schema field name: value} restricted to the fields this user may read."""
    read = display_value if labels else raw_value
    return {spec.name: read(project, spec) for spec in visible_fields(user)}


@dataclass(frozen=True)
class FieldChange:
    name: str
    title: str
    before: object
    after: object


def revision_changes(project, revision, user, *, labels: bool = True) -> list[FieldChange]:
    """What a pending revision changes in a published record, among the fields `user` may read.

    `labels=False` gives stored values (codes, ISO dates) for the API."""
    from territoria.registre.models import Project

    fields = Project._meta.concrete_fields
    proposed = revision.apply_to(
        Project(**{f.attname: getattr(project, f.attname) for f in fields})
    )
    read = display_value if labels else raw_value
    changes = []
    for spec in visible_fields(user):
        if raw_value(project, spec) == raw_value(proposed, spec):
            continue
        before, after = read(project, spec), read(proposed, spec)
        if not labels:
            before, after = _json_value(before), _json_value(after)
        changes.append(FieldChange(spec.name, spec.title, before, after))
    return changes


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value
