"""The import engine: read, normalise, plan, then write everything or nothing.

1. read the file (size limit, encoding, separator, container) — `sources`;
2. turn each line into a record (mapping, documented corrections, normalisation) —
   `tabular` for CSV/XLSX, `foreign` for the Dutch and UK registers;
3. plan: find each organisation and project by its natural key (SIRET + normalised project
   name, or the foreign register's id), decide created / updated / unchanged, validate the
   models, collect every error of every line;
4. unless it is a dry run and only when no line has an error, write it all in one
   transaction, signed in the audit log ("import <file>").

Imported records land as published by default: they are public in their source register.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territoria.core.audit import acting_as
from territoria.core.models import Organisation
from territoria.registre import schema
from territoria.registre.importers import foreign, sources, tabular
from territoria.registre.importers import mapping as mappings
from territoria.registre.importers import report as rep
from territoria.registre.importers.records import Record
from territoria.registre.importers.report import ImportReport, Issue, LineResult
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle, fold

FORMATS = ["auto", "anchor-csv", "processed-csv", "xlsx", "nl", "uk"]
STATUSES = {"published": Lifecycle.PUBLISHED, "draft": Lifecycle.DRAFT}
Progress = Callable[[int, int], None]


@dataclass
class _PlannedOrganisation:
    instance: Organisation
    line: int
    changes: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)


def import_file(
    source,
    *,
    format: str = "auto",
    mapping_file=None,
    dry_run: bool = False,
    status: str = "published",
    corrections: list | None = None,
    user=None,
    name: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file (path, bytes or uploaded file) and return the report of what happened."""
    if format not in FORMATS:
        raise ValueError(f"format inconnu « {format} » ; formats : {', '.join(FORMATS)}")
    report = ImportReport(
        source=str(name or getattr(source, "name", source)), format=format, dry_run=dry_run
    )
    try:
        file_name, data = sources.read_bytes(source, name)
        report.source = file_name
        records = _records(file_name, data, format, mapping_file, corrections or [], report)
    except sources.SourceError as exc:
        report.file_errors += exc.issues
        return report
    planned = _plan(records, report, STATUSES[status], user, progress)
    if report.ok and not dry_run:
        _write(planned, report, user, progress)
    return report


def _records(file_name, data, format, mapping_file, corrections, report) -> list[Record]:
    if format in ("nl", "uk") or (
        format == "auto" and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    ):
        table = sources.read_json(file_name, data)
        payload = table.payload
        kind = (
            format
            if format != "auto"
            else ("nl" if isinstance(payload, dict) and "algoritmes" in payload else "uk")
        )
        report.format = kind
        records, issues = (foreign.nl_records if kind == "nl" else foreign.uk_records)(payload)
        if issues:
            raise sources.SourceError(*issues)
        return records
    if format == "xlsx":
        table = sources.read_xlsx(file_name, data)
    elif format in ("anchor-csv", "processed-csv"):
        table = sources.read_csv(file_name, data)
    else:
        table = sources.read_table(file_name, data)
    if mapping_file:
        column_map, mapping_name = mappings.load_mapping(mapping_file), "personnalisée"
    elif format == "anchor-csv":
        column_map, mapping_name = mappings.ANCHOR, "anchor"
    elif format == "processed-csv":
        column_map, mapping_name = mappings.SCHEMA_IDS, "ids"
    else:
        mapping_name, column_map = mappings.detect_mapping(table.columns)
    shape = {
        "anchor": "colonnes de data.csv",
        "ids": "identifiants du schéma",
        "titles": "titres des colonnes en clair",
    }.get(mapping_name, "correspondance personnalisée")
    report.format = (
        f"{table.kind}, {shape}"
        + (f", {table.encoding}" if table.encoding else "")
        + (f", séparateur « {table.delimiter} »" if table.delimiter else "")
    )
    issues = mappings.check_columns(table.columns, column_map)
    if issues:
        raise sources.SourceError(*issues)
    ignored = [column for column in table.columns if column not in column_map]
    if ignored:
        report.notes.append(
            "colonnes ignorées (absentes de la correspondance) : " + ", ".join(ignored)
        )
    return [
        tabular.record_from_row(row, column_map, corrections, report.corrections)
        for row in table.rows
    ]


def _plan(records: list[Record], report: ImportReport, lifecycle: str, user, progress) -> list:
    organisations = _existing_organisations(records)
    projects = _existing_projects(records, organisations)
    planned_orgs: dict[tuple, _PlannedOrganisation] = {}
    seen: dict[tuple, int] = {}
    plan = []
    total = len(records)
    for index, record in enumerate(records, start=1):
        line = LineResult(
            line=record.line,
            action=rep.REJECTED,
            name=record.name,
            key=record.source_key,
            errors=record.errors,
            warnings=record.warnings,
        )
        report.lines.append(line)
        org_plan = None
        if record.organisation:
            line.organisation = record.organisation.values.get("name", record.organisation.key)
            org_plan = _plan_organisation(record, organisations, planned_orgs)
            if org_plan.line == record.line:
                line.errors += org_plan.errors
            elif org_plan.errors:
                line.errors.append(
                    Issue(
                        f"organisation invalide (voir la ligne {org_plan.line})",
                        line=record.line,
                        field="coll_nom",
                    )
                )
        if record.natural_key and not record.errors:
            if record.natural_key in seen:
                line.errors.append(
                    Issue(
                        f"doublon de la ligne {seen[record.natural_key]} (même organisation, même nom de projet)",
                        line=record.line,
                        field="nom_projet",
                        expected="un projet par ligne",
                    )
                )
            seen.setdefault(record.natural_key, record.line)
        if not line.errors and org_plan is not None:
            project = projects.get(record.natural_key)
            project, changes = _plan_project(
                record, project, org_plan.instance, lifecycle, user, line
            )
            if not line.errors:
                line.changes = changes
                line.action = (
                    rep.CREATED
                    if project._state.adding
                    else (rep.UPDATED if changes else rep.UNCHANGED)
                )
                plan.append((record, org_plan, project, line))
        if progress:
            progress(index, total * 2)
    for org_plan in planned_orgs.values():
        if org_plan.instance._state.adding:
            report.organisations[rep.CREATED] += 1
        elif org_plan.changes:
            report.organisations[rep.UPDATED] += 1
        else:
            report.organisations[rep.UNCHANGED] += 1
    return plan


def _existing_organisations(records: list[Record]) -> dict[tuple, Organisation]:
    sirets = {
        r.organisation.key for r in records if r.organisation and r.organisation.country == "FR"
    }
    identifiers = {
        r.organisation.key for r in records if r.organisation and r.organisation.country != "FR"
    }
    found = {("FR", o.siret): o for o in Organisation.objects.filter(siret__in=sirets)}
    found.update(
        {
            (o.country, o.identifier): o
            for o in Organisation.objects.filter(identifier__in=identifiers)
        }
    )
    return found


def _existing_projects(records: list[Record], organisations: dict) -> dict[tuple, Project]:
    """Existing projects by natural key: (FR, SIRET, folded name) or (source, source key)."""
    found: dict[tuple, Project] = {}
    french = [o.pk for (country, _), o in organisations.items() if country == "FR"]
    for project in Project.objects.filter(organisation_id__in=french).select_related(
        "organisation"
    ):
        found[("FR", project.organisation.siret, fold(project.nom_projet))] = project
    by_source: dict[str, set] = {}
    for record in records:
        if record.source != tabular.SOURCE and record.source_key:
            by_source.setdefault(record.source, set()).add(record.source_key)
    for source, keys in by_source.items():
        for project in Project.objects.filter(source=source, source_key__in=keys):
            found[(source, project.source_key)] = project
    return found


def _plan_organisation(record: Record, organisations: dict, planned: dict) -> _PlannedOrganisation:
    data = record.organisation
    key = (data.country, data.key)
    if key in planned:
        org_plan = planned[key]
        differing = [
            attr for attr, value in data.values.items() if getattr(org_plan.instance, attr) != value
        ]
        if differing:
            record.warnings.append(
                Issue(
                    f"valeurs de l'organisation différentes de la ligne {org_plan.line} "
                    f"({', '.join(differing)}) : celles de la ligne {org_plan.line} sont gardées",
                    line=record.line,
                    field="coll_nom",
                )
            )
        return org_plan
    instance = organisations.get(key) or Organisation(country=data.country, **data.lookup)
    changes = [attr for attr, value in data.values.items() if getattr(instance, attr) != value]
    for attr in changes:
        setattr(instance, attr, data.values[attr])
    org_plan = _PlannedOrganisation(instance, record.line, changes)
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        org_plan.errors = _issues(exc, record.line, organisation=True)
    planned[key] = org_plan
    return org_plan


def _plan_project(
    record, project, organisation, lifecycle, user, line
) -> tuple[Project, list[str]]:
    values = record.values
    if project is None:
        project = Project(
            organisation=organisation,
            lifecycle=lifecycle,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        changes = []
    else:
        changes = [attr for attr, value in values.items() if getattr(project, attr) != value]
    for attr, value in values.items():
        setattr(project, attr, value)
    # Where the record came from; a project first documented on the platform keeps its
    # empty source (it is found again by its natural key) and is not "changed" by it.
    if project._state.adding or (changes and not project.source):
        project.source, project.source_key = record.source, record.source_key
    try:
        project.full_clean(
            exclude=["organisation"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        line.errors += _issues(exc, record.line)
    return project, changes


def _issues(exc: ValidationError, line: int, organisation: bool = False) -> list[Issue]:
    issues = []
    for attr, messages in exc.message_dict.items():
        spec = _spec_for(attr, organisation)
        for message in messages:
            issues.append(
                Issue(
                    message,
                    line=line,
                    column=spec.csv_column if spec else None,
                    field=spec.name if spec else attr,
                    expected=spec.description if spec else None,
                )
            )
    return issues


def _spec_for(attr: str, organisation: bool):
    if organisation:
        return next((s for s in schema.ORGANISATION_FIELDS if s.organisation_attr == attr), None)
    return schema.BY_ATTR.get(attr)


def _write(plan: list, report: ImportReport, user, progress) -> None:
    now = timezone.now()
    today = timezone.localdate()
    total = len(plan)
    with transaction.atomic(), acting_as(user, label=f"import {report.source}"):
        saved_orgs = set()
        for index, (record, org_plan, project, line) in enumerate(plan, start=1):
            organisation = org_plan.instance
            if id(organisation) not in saved_orgs:
                if organisation._state.adding or org_plan.changes:
                    organisation.save()
                saved_orgs.add(id(organisation))
            if line.action == rep.CREATED:
                project.organisation = organisation
                if project.lifecycle == Lifecycle.PUBLISHED:
                    project.published_at = project.last_reviewed_at = now
                project.content_updated_on = project.content_updated_on or today
                project.save()
            elif line.action == rep.UPDATED:
                project.version += 1
                if "content_updated_on" not in record.values:
                    project.content_updated_on = today
                project.save()
            if progress:
                progress(total + index, total * 2)
    report.written = True
