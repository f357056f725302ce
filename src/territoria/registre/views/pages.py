"""Reading the register: the list with its filters, a record, an organisation."""

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve

from territoria.core.models import Organisation, OrganisationType
from territoria.registre import vocabulary as voc
from territoria.registre.filters import ProjectFilter
from territoria.registre.forms import ErrorReportForm, ReportStatusForm, SendBackForm
from territoria.registre.models import ErrorReport
from territoria.registre.permissions import can_contribute, get_abilities
from territoria.registre.views._shared import report_prefix, visible_project_or_404
from territoria.registre.visibility import (
    can_view_restricted,
    project_values,
    revision_changes,
    visible_fields,
    visible_projects,
)

PAGE_SIZE = 20
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
# Single-valued filters whose options show how many visible projects they hold (one GROUP BY each).
COUNTED_FILTERS = {
    "theme": ("theme", voc.THEMES.choices),
    "coll_type": ("organisation__type", OrganisationType.choices),
    "projet_status": ("projet_status", voc.PROJECT_STATUSES.choices),
    "risque_categorie": ("risque_categorie", voc.RISK_CATEGORIES.choices),
}
EMPTY_LABELS = {
    "theme": "Tous les thèmes",
    "sous_theme": "Tous les sous-thèmes",
    "audience": "Toutes les audiences",
    "coll_type": "Tous les types",
    "projet_status": "Toutes les maturités",
    "risque_categorie": "Toutes les catégories",
    "type_algorithme": "Tous les types",
}
# Export routes come from the exports module; links appear once the route exists.
EXPORT_FORMATS = [
    ("csv", "CSV"),
    ("xlsx", "Excel (XLSX)"),
    ("json", "JSON"),
    ("geojson", "GeoJSON"),
]
URL_FIELDS = {"url_infos", "url_ressources", "image_url"}
# ?tri= of the list: (label, ordering)
RELEVANCE = "pertinence"
SORTS = {
    "nom": ("Nom du projet", ["nom_projet", "pk"]),
    "recent": ("Mise à jour la plus récente", ["-content_updated_on", "nom_projet", "pk"]),
    "organisation": ("Organisation", ["organisation__name", "nom_projet", "pk"]),
}


def _prepare_filter_form(project_filter, base_queryset, user):
    form = project_filter.form
    shown = FILTER_FIELDS + (RESTRICTED_FILTER_FIELDS if can_view_restricted(user) else [])
    for name in list(form.fields):
        if name not in shown:
            del form.fields[name]
    for name, label in EMPTY_LABELS.items():
        if name in form.fields:
            form.fields[name].empty_label = label
            form.fields[name].choices = list(form.fields[name].choices)[1:]
    for name, (lookup, choices) in COUNTED_FILTERS.items():
        counts = dict(base_queryset.order_by().values_list(lookup).annotate(n=Count("pk")))
        form.fields[name].choices = [
            (code, f"{label} ({counts.get(code, 0)})") for code, label in choices
        ]
    form.fields["q"].widget.input_type = "search"
    regions = base_queryset.exclude(organisation__region="").order_by("organisation__region")
    regions = regions.values_list("organisation__region", flat=True).distinct()
    form.fields["region"].widget = forms.Select(
        choices=[("", "Toutes les régions")] + [(r, r) for r in regions]
    )
    return form


def _export_links(query_string: str) -> list[dict]:
    links = []
    for extension, label in EXPORT_FORMATS:
        path = f"/registre/export.{extension}"
        try:
            resolve(path)
        except Resolver404:
            continue
        links.append({"url": path + (f"?{query_string}" if query_string else ""), "label": label})
    return links


def project_list(request):
    base = visible_projects(request.user).select_related("organisation")
    project_filter = ProjectFilter(request.GET or None, queryset=base, request=request)
    form = _prepare_filter_form(project_filter, base, request.user)
    matches = project_filter.qs  # runs the text search, which sets ranked_ids
    ranked_ids = getattr(project_filter, "ranked_ids", None)
    # A text query adds "Pertinence" (best matches first), its default order.
    sorts = {RELEVANCE: ("Pertinence", SORTS["nom"][1]), **SORTS} if ranked_ids else SORTS
    default_sort = RELEVANCE if ranked_ids else "nom"
    sort = request.GET.get("tri") if request.GET.get("tri") in sorts else default_sort
    results = matches.order_by(*sorts[sort][1])
    if sort == RELEVANCE:
        from territoria.registre.search.text import order_by_relevance

        results = order_by_relevance(results, ranked_ids)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The sort form resends the current filters; the filter form resends the current sort.
    sort_hidden = [
        (key, value) for key, values in query.lists() if key != "tri" for value in values
    ]
    active_organisation = None
    if project_filter.form.is_valid() and project_filter.form.cleaned_data.get("organisation"):
        active_organisation = Organisation.objects.filter(
            pk=project_filter.form.cleaned_data["organisation"]
        ).first()
    return render(
        request,
        "registre/project_list.html",
        {
            "filter_form": form,
            "page": page,
            "query_string": query.urlencode(),
            "filtered": any(
                value for key, value in request.GET.items() if key not in ("page", "tri")
            ),
            "sort": sort,
            "default_sort": default_sort,
            "sort_choices": [(code, label) for code, (label, _) in sorts.items()],
            "sort_hidden": sort_hidden,
            "export_links": _export_links(query.urlencode()),
            "active_organisation": active_organisation,
            "can_contribute": can_contribute(request.user),
        },
    )


def field_groups(project, user):
    """[(category, [(spec, value, kind)])] of the fields this user may read."""
    values = project_values(project, user)
    groups: dict[str, list] = {}
    for spec in visible_fields(user):
        value = values[spec.name]
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
        },
    )
