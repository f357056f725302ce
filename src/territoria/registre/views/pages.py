"""Reading the register: the list with its filters, a record, an organisation."""

import copy
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from territoria.core import modules
from territoria.core.models import Organisation
from territoria.registre.discovery.facets import BY_NAME
from territoria.registre.discovery.service import search_projects
from territoria.registre.filters import ProjectFilter
from territoria.registre.forms import ErrorReportForm, ReportStatusForm, SendBackForm
from territoria.registre.models import ErrorReport
from territoria.registre.permissions import (
    can_contribute,
    can_manage_organisations,
    get_abilities,
)
from territoria.registre.views._shared import report_prefix, visible_project_or_404
from territoria.registre.visibility import (
    can_view_restricted,
    project_values,
    revision_changes,
    visible_fields,
    visible_projects,
)

# Filters shown in the form, in this order; `type_algorithme` only to readers of restricted fields.
FILTER_FIELDS = [
    "q",
    "theme",
    "sous_theme",
    "audience",
    "coll_type",
    "projet_status",
    "risque_categorie",
    "region",
]
RESTRICTED_FILTER_FIELDS = ["type_algorithme"]
EMPTY_LABELS = {
    "theme": "Tous les thèmes",
    "sous_theme": "Tous les sous-thèmes",
    "audience": "Toutes les audiences",
    "coll_type": "Tous les types",
    "projet_status": "Toutes les maturités",
    "risque_categorie": "Toutes les catégories",
    "type_algorithme": "Tous les types",
    "region": "Toutes les régions",
}
# Export routes come from the exports module; links appear once the route exists.
EXPORT_FORMATS = [
    ("csv?tableur=1", "CSV pour tableur (Excel, LibreOffice)"),
    ("csv", "CSV"),  # the anchor's columns, comma-separated, for its existing consumers
    ("xlsx", "Excel (XLSX)"),
    ("json", "JSON"),
    ("geojson", "GeoJSON"),
]
URL_FIELDS = {"url_infos", "url_ressources", "image_url"}


def _filter_form(params, result, user):
    """The filter form of the list, its options counted by the query service's facets.

    Each option shows how many projects it would give with the other filters kept (the
    facet counts of `search_projects`), so an option at (0) leads nowhere.
    """
    form = ProjectFilter(params).form
    shown = FILTER_FIELDS + (RESTRICTED_FILTER_FIELDS if can_view_restricted(user) else [])
    for name in list(form.fields):
        if name not in shown:
            del form.fields[name]
    counts = {
        facet.name: {value.code: value.count for value in facet.values} for facet in result.facets
    }
    for name, empty in EMPTY_LABELS.items():
        if name not in form.fields:
            continue
        facet = BY_NAME[name]
        options = facet.options or tuple((code, code) for code in counts.get(name, {}))
        form.fields[name].widget = forms.Select(
            choices=[("", empty)]
            + [(code, f"{label} ({counts.get(name, {}).get(code, 0)})") for code, label in options]
        )
    form.fields["q"].widget.input_type = "search"
    return form


def _export_links(query_string: str) -> list[dict]:
    links = []
    for extension, label in EXPORT_FORMATS:
        extension, _, fixed = extension.partition("?")
        path = f"/registre/export.{extension}"
        try:
            resolve(path)
        except Resolver404:
            continue
        query = "&".join(part for part in (fixed, query_string) if part)
        links.append({"url": path + (f"?{query}" if query else ""), "label": label})
    return links


def project_list(request):
    """`/registre/`: the register's query service (the search page's), shown as a filter form."""
    result = search_projects(request.GET, request.user)
    query = result.query
    page = Paginator(range(result.total), query.page_size).get_page(query.page)
    page.object_list = result.projects
    filters = query.query_string(tri="")
    active_organisation = (
        Organisation.objects.filter(pk=query.organisation).first() if query.organisation else None
    )
    return render(
        request,
        "registre/project_list.html",
        {
            "filter_form": _filter_form(request.GET, result, request.user),
            "result": result,
            "page": page,
            "query_string": query.query_string(),
            "filtered": bool(filters),
            "sort": query.effective_sort,
            "sort_choices": query.sort_choices,
            "sort_hidden": [(key, value) for key, value in parse_qsl(filters)],
            "export_links": _export_links(query.query_string()),
            "active_organisation": active_organisation,
            "can_contribute": can_contribute(request.user),
        },
    )


@dataclass(frozen=True)
class _Row:
    """A row of the record page that is no schema field (same attributes as a FieldSpec)."""

    title: str
    is_public: bool = True


SEAT_ROW = _Row("Siège de l'organisation")


def seat_place(organisation) -> str:
    """The organisation's seat in words: commune (département) from its SIREN, and region."""
    from territoria.core.collectivites import place_of

    place = place_of(organisation.siret, organisation.name) if organisation.siret else ""
    region = organisation.region
    if place and region and region not in place:
        return f"{place}, {region}"
    return place or region or ""


def seat_map_points(organisation) -> list:
    """The one point of the record page's map (none without coordinates)."""
    from territoria.core.maps import MapPoint

    if organisation.latitude is None or organisation.longitude is None:
        return []
    return [
        MapPoint(
            lat=organisation.latitude,
            lon=organisation.longitude,
            label=organisation.name,
            detail=seat_place(organisation),
        )
    ]


def _coordinates(organisation) -> str:
    """« 48,85 ; 2,56 »: French decimals, no trailing zeros (5 decimals ≈ 1 m)."""

    def number(value: float) -> str:
        return f"{value:.5f}".rstrip("0").rstrip(".").replace(".", ",")

    if organisation.latitude is None or organisation.longitude is None:
        return ""
    return f"{number(organisation.latitude)} ; {number(organisation.longitude)}"


def field_groups(project, user):
    """[(category, [(spec, value, kind)])] of the fields this user may read."""
    values = project_values(project, user)
    groups: dict[str, list] = {}
    for spec in visible_fields(user):
        value = values[spec.name]
        if spec.name == "status_abandon" and not value and project.projet_status != "abandonne":
            continue  # « Description d'un projet abandonné : Non renseigné » on a running project
        if spec.name == "longitude":
            continue  # the seat is one row, "latitude" below, in words
        if spec.name == "latitude":
            # Where the carrier is, as a place (commune, département) and a map under the
            # fields — not two numbers nobody reads (they stay in the exports and the API).
            groups.setdefault(spec.category, []).append(
                (SEAT_ROW, seat_place(project.organisation), "text")
            )
            continue
        if spec.name in URL_FIELDS and value:
            kind = "url"
        elif spec.name == "projet_contact" and value:
            kind = "email"
        elif spec.multiple:
            kind = "list"
        else:
            kind = "text"
        groups.setdefault(spec.category, []).append((spec, value, kind))
    return list(groups.items())


def module_panels(request, project, reader) -> list[str]:
    """The sections other modules lend this record's page (core/modules.py, RecordPanel),
    rendered for `reader` (the anonymous reader in the public preview)."""
    if reader is not request.user:
        request = copy.copy(request)
        request.user = reader
    rendered = []
    for panel in modules.record_panels():
        context = modules.resolve(panel.context)(request, project)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered


def project_detail(request, pk):
    project = visible_project_or_404(request, pk)
    abilities = get_abilities(request.user, project)
    # ?vue=publique: a logged-in reader previews what an anonymous reader sees.
    public_preview = request.GET.get("vue") == "publique" and abilities["view_restricted"]
    reader = AnonymousUser() if public_preview else request.user
    reports = []
    if abilities["moderate_reports"]:
        reports = [
            (report, ReportStatusForm(instance=report, prefix=report_prefix(report)))
            for report in project.error_reports.filter(status=ErrorReport.Status.OPEN)
        ]
    return render(
        request,
        "registre/project_detail.html",
        {
            "project": project,
            "groups": field_groups(project, reader),
            "seat": seat_place(project.organisation),
            "seat_points": seat_map_points(project.organisation),
            "module_panels": module_panels(request, project, reader),
            "abilities": abilities,
            "shows_restricted": abilities["view_restricted"] and not public_preview,
            "public_preview": public_preview,
            "send_back_form": SendBackForm() if abilities["send_back"] else None,
            "report_form": ErrorReportForm(user=request.user)
            if abilities["report_error"]
            else None,
            "reports": reports,
            "revision": project.revision if abilities["view_revision"] else None,
            "revision_changes": _revision_rows(project, request.user)
            if abilities["view_revision"]
            else [],
        },
    )


def _revision_rows(project, user) -> list[tuple[str, str, str]]:
    """(field title, published value, proposed value) of the pending revision, as text."""

    def text(value) -> str:
        return ", ".join(value) if isinstance(value, list) else str(value or "")

    return [
        (change.title, text(change.before), text(change.after))
        for change in revision_changes(project, project.revision, user)
    ]


def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    projects = (
        visible_projects(request.user).filter(organisation=organisation).order_by("nom_projet")
    )
    return render(
        request,
        "registre/organisation_detail.html",
        {
            "organisation": organisation,
            "projects": projects,
            "shows_restricted": can_view_restricted(request.user),
            "can_manage": can_manage_organisations(request.user),
            "seat": seat_place(organisation),
            "seat_points": seat_map_points(organisation),
            "coordinates": _coordinates(organisation),
        },
    )


def _french_key(text: str) -> tuple:
    """Order names as a French reader does: case and accents ignored (« Écully » after « Eaux »)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text or "").casefold()
    return ("".join(c for c in folded if not unicodedata.combining(c)), text)


def organisation_list(request):
    """Every organisation that carries at least one published record: public, like its page."""
    from django.db.models import Count, Q

    from territoria.registre.vocabulary import Lifecycle

    organisations = (
        Organisation.objects.annotate(
            published=Count("projects", filter=Q(projects__lifecycle=Lifecycle.PUBLISHED))
        )
        .filter(published__gt=0)
        .only("name", "type", "region")
    )
    rows = sorted(organisations, key=lambda organisation: _french_key(organisation.name))
    can_manage = can_manage_organisations(request.user)
    without_projects = []
    if can_manage:  # the managers reach every organisation, to edit it
        without_projects = sorted(
            Organisation.objects.exclude(pk__in=[o.pk for o in rows]).only("name"),
            key=lambda organisation: _french_key(organisation.name),
        )
    return render(
        request,
        "registre/organisation_list.html",
        {
            "organisations": rows,
            "total": sum(o.published for o in rows),
            "can_manage": can_manage,
            "without_projects": without_projects,
        },
    )
