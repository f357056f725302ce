"""Pages of the open-data portal (French, server-rendered, usable without JavaScript)."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from territoria.core import operations
from territoria.core.audit import acting_as
from territoria.core.csv_safety import neutralise
from territoria.core.token_pages import token_page
from territoria.opendata import charts, dcat, labels, publishing, querying, withdrawal
from territoria.opendata.api.throttling import OpendataRateThrottle
from territoria.opendata.api.views import QUERY_STATUS
from territoria.opendata.forms import DatasetForm, SourceForm
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import (
    Dataset,
    DatasetUsage,
    Resource,
    Theme,
    UsageKind,
    VersionStatus,
)
from territoria.opendata.permissions import can_create_dataset, get_abilities
from territoria.opendata.query.base import AGGREGATES, FILTER_OPERATORS, QueryError
from territoria.opendata.query.pool import RETRY_AFTER_S
from territoria.opendata.query.tables import published_tables
from territoria.opendata.visibility import (
    can_see_resource,
    can_see_version,
    visible_datasets,
    visible_resources,
    visible_versions,
)

SQL_ROWS_SHOWN = 500  # rows of an SQL result in the console's table; the CSV has them all
AGGREGATE_ROWS_SHOWN = 100  # groups in the page's table; the chart and the API have them all
LAT_NAMES = {"latitude", "lat", "y", "geo_lat"}
LON_NAMES = {"longitude", "lon", "lng", "long", "x", "geo_lon"}


def catalog(request):
    resources = visible_resources(Resource.objects.all(), request.user)
    datasets = visible_datasets(
        Dataset.objects.select_related("organisation").prefetch_related(
            Prefetch("resources", queryset=resources)
        ),
        request.user,
    )
    # A producer also sees its datasets not published (yet, or any more): they say so.
    datasets = datasets.annotate(
        is_published=Exists(
            Resource.objects.filter(dataset=OuterRef("pk"), current_version__isnull=False)
        )
    )
    query = request.GET.get("q", "").strip()
    if query:
        datasets = datasets.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(keywords__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    theme = request.GET.get("theme", "")
    if theme:
        datasets = datasets.filter(theme=theme)
    return render(
        request,
        "opendata/catalog.html",
        {
            "datasets": datasets,
            "query": query,
            "theme": theme,
            "themes": Theme.choices,
            "can_create": can_create_dataset(request.user),
            "withdrawn": withdrawal.withdrawn_datasets()[:50],
        },
    )


PENDING_TODO = (
    "L'analyse se fait en arrière-plan, en quelques secondes à quelques minutes selon la "
    "taille du fichier : revenez plus tard, cette liste se met à jour."
)
REVIEW_TODO = (
    "Relisez l'aperçu, décidez pour chaque colonne à caractère personnel signalée (retirer "
    "ou publier), puis publiez."
)
FAILED_TODO = "Corrigez le fichier en suivant le message, puis déposez-le de nouveau."
FAILED_WITHOUT_REASON = (
    "L'analyse a échoué sans donner de raison. Déposez le fichier de nouveau ; si l'échec se "
    "répète, signalez-le aux administrateurs de la plateforme."
)


@login_required
def my_datasets(request):
    """The datasets of the user's organisation, and what needs them: failed analyses with
    their reason and what to do, work in progress, versions waiting for their review."""
    if not can_create_dataset(request.user):
        raise PermissionDenied(
            "Cette page liste les jeux de données de votre organisation : elle est réservée "
            "aux agents qui publient."
        )
    user = request.user
    datasets = Dataset.objects.filter(system_key__isnull=True)
    if user.organisation_id:
        datasets = datasets.filter(organisation_id=user.organisation_id)
    else:  # a platform administrator without organisation: what they created
        datasets = datasets.filter(created_by=user)
    datasets = datasets.select_related("organisation").prefetch_related(
        Prefetch("resources", queryset=Resource.objects.select_related("current_version")),
        "resources__versions",
    )
    failed, pending, review, rows = [], [], [], []
    notice = ""
    for d in datasets:
        published = 0
        for r in d.resources.all():
            published += r.current_version_id is not None
            for v in r.versions.all():
                item = {"dataset": d, "resource": r, "version": v}
                if v.status == VersionStatus.FAILED:
                    newer = any(
                        o.number > v.number and o.status != VersionStatus.FAILED
                        for o in r.versions.all()
                    )
                    if not newer:  # a failure already replaced by a later upload is history
                        failed.append(
                            {
                                **item,
                                "reason": v.error or FAILED_WITHOUT_REASON,
                                "todo": FAILED_TODO,
                            }
                        )
                elif v.is_pending:
                    if not notice:
                        notice = operations.queue_notice()
                    pending.append(
                        {**item, "reason": v.get_status_display(), "todo": notice or PENDING_TODO}
                    )
                elif v.status == VersionStatus.REVIEW:
                    review.append({**item, "reason": v.get_status_display(), "todo": REVIEW_TODO})
        if d.withdrawn_at:
            state = f"Retiré le {d.withdrawn_at:%d/%m/%Y}"
        elif published:
            state = f"Publié ({published} ressource{'s' if published > 1 else ''})"
        else:
            state = "Pas encore publié"
        rows.append({"dataset": d, "state": state})
    return render(
        request,
        "opendata/mine.html",
        {"rows": rows, "failed": failed, "pending": pending, "review": review},
    )


def _dataset(slug):
    return get_object_or_404(Dataset.objects.select_related("organisation"), slug=slug)


def _require_edit(dataset, user):
    if not get_abilities(user, dataset)["edit"]:
        raise PermissionDenied(
            "Seuls les agents de l'organisation productrice peuvent publier ici."
        )


def _receive(resource, form, user):
    if form.cleaned_data.get("file"):
        return publishing.receive_file(resource, form.cleaned_data["file"], form.source_name, user)
    return publishing.receive_url(resource, form.cleaned_data["url"], user)


@login_required
def dataset_create(request):
    if not can_create_dataset(request.user):
        raise PermissionDenied("Publier un jeu de données demande d'être agent d'une organisation.")
    form = DatasetForm(request.POST or None)
    source = SourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and source.is_valid():
        resource = None
        try:
            publishing.format_of(source.source_name)
            with acting_as(request.user):
                dataset = form.save(commit=False)
                dataset.organisation, dataset.created_by = request.user.organisation, request.user
                dataset.save()
                resource = Resource.objects.create(
                    dataset=dataset,
                    title=source.cleaned_data.get("resource_title") or dataset.title,
                    table_schema=source.cleaned_data.get("table_schema"),
                )
            version = _receive(resource, source, request.user)
        except IngestError as error:
            if resource is not None:
                resource.dataset.delete()  # nothing half-published stays in the catalogue
            source.add_error(None, str(error))
        else:
            return redirect("opendata:version", dataset.slug, resource.slug, version.number)
    return render(request, "opendata/dataset_form.html", {"form": form, "source": source})


def _gone(request, dataset):
    """410 Gone: the dataset was withdrawn by its producer; the date and the reason."""
    return render(
        request,
        "opendata/gone.html",
        {"dataset": dataset, "message": withdrawal.gone_message(dataset)},
        status=410,
    )


def dataset(request, slug):
    dataset = _dataset(slug)
    if not visible_datasets(Dataset.objects.filter(pk=dataset.pk), request.user).exists():
        if dataset.withdrawn_at is not None:
            return _gone(request, dataset)
        raise Http404("Jeu de données non publié.")
    DatasetUsage.record(dataset.id, UsageKind.VIEW)
    usage = {
        row["kind"]: row["total"]
        for row in dataset.usage.values("kind").annotate(total=Sum("count"))
    }
    resources = visible_resources(
        dataset.resources.select_related("current_version").prefetch_related("versions"),
        request.user,
    )
    return render(
        request,
        "opendata/dataset.html",
        {
            "dataset": dataset,
            "resources": resources,
            "abilities": get_abilities(request.user, dataset),
            "usage": {label: usage.get(kind, 0) for kind, label in UsageKind.choices},
            "json_ld": dcat.json_ld_script(dcat.dataset_node(dataset, request)),
            "source": SourceForm(),
        },
    )


@login_required
def dataset_edit(request, slug):
    dataset = _dataset(slug)
    _require_edit(dataset, request.user)
    form = DatasetForm(request.POST or None, instance=dataset)
    if request.method == "POST" and form.is_valid():
        with acting_as(request.user):
            form.save()
        messages.success(request, "Métadonnées enregistrées.")
        return redirect(dataset)
    return render(request, "opendata/dataset_edit.html", {"form": form, "dataset": dataset})


@login_required
@require_http_methods(["GET", "POST"])
def dataset_withdraw(request, slug):
    """Unpublish, put back online, or delete a dataset (its producers only)."""
    dataset = _dataset(slug)
    _require_edit(dataset, request.user)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        try:
            with acting_as(request.user):
                if action == "withdraw":
                    withdrawal.withdraw(dataset, reason)
                    messages.success(
                        request,
                        "Jeu de données retiré de la publication : ses adresses répondent "
                        "désormais qu'il a été retiré, avec votre motif.",
                    )
                    return redirect(dataset)
                if action == "restore":
                    withdrawal.restore(dataset)
                    messages.success(request, "Jeu de données de nouveau publié.")
                    return redirect(dataset)
                if action == "delete":
                    if request.POST.get("confirm") != "1":
                        raise withdrawal.WithdrawalError(
                            "Cochez la case de confirmation : la suppression des fichiers "
                            "est définitive."
                        )
                    kept = withdrawal.delete(dataset, reason)
                    messages.success(
                        request,
                        "Données supprimées."
                        + (
                            " La fiche du jeu de données reste, avec votre motif."
                            if kept
                            else " Ce jeu de données n'avait jamais été publié : il a été "
                            "entièrement supprimé."
                        ),
                    )
                    return redirect("opendata:mine")
                raise withdrawal.WithdrawalError("Choisissez une action.")
        except withdrawal.WithdrawalError as refused:
            error = str(refused)
    return render(
        request,
        "opendata/dataset_withdraw.html",
        {
            "dataset": dataset,
            "error": error,
            "published": withdrawal.has_published(dataset),
            "reason": request.POST.get("reason", ""),
        },
        status=400 if error else 200,
    )


@login_required
def resource_add(request, slug):
    dataset = _dataset(slug)
    _require_edit(dataset, request.user)
    source = SourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and source.is_valid():
        resource = None
        try:
            publishing.format_of(source.source_name)
            with acting_as(request.user):
                resource = Resource.objects.create(
                    dataset=dataset,
                    title=source.cleaned_data.get("resource_title")
                    or source.source_name.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    table_schema=source.cleaned_data.get("table_schema"),
                )
            version = _receive(resource, source, request.user)
        except IngestError as error:
            if resource is not None:
                resource.delete()
            source.add_error(None, str(error))
        else:
            return redirect("opendata:version", dataset.slug, resource.slug, version.number)
    return render(request, "opendata/resource_add.html", {"dataset": dataset, "source": source})


def _resource(slug, resource_slug):
    return get_object_or_404(
        Resource.objects.select_related("dataset__organisation", "current_version"),
        dataset__slug=slug,
        slug=resource_slug,
    )


@login_required
def version_add(request, slug, resource_slug):
    resource = _resource(slug, resource_slug)
    _require_edit(resource.dataset, request.user)
    source = SourceForm(request.POST or None, request.FILES or None, with_title=False)
    if request.method == "POST" and source.is_valid():
        try:
            if source.cleaned_data.get("table_schema") is not None:
                resource.table_schema = source.cleaned_data["table_schema"]
                with acting_as(request.user):
                    resource.save()
            version = _receive(resource, source, request.user)
        except IngestError as error:
            source.add_error(None, str(error))
        else:
            return redirect("opendata:version", slug, resource.slug, version.number)
    return render(
        request,
        "opendata/resource_add.html",
        {"dataset": resource.dataset, "resource": resource, "source": source},
    )


def version(request, slug, resource_slug, number):
    resource = _resource(slug, resource_slug)
    version = get_object_or_404(resource.versions, number=number)
    if not can_see_version(version, request.user):
        raise Http404("Version non publiée.")
    abilities = get_abilities(request.user, resource.dataset)
    context = {
        "resource": resource,
        "dataset": resource.dataset,
        "version": version,
        "abilities": abilities,
        "blockers": [],
        "flagged": [f["column"] for f in version.personal_data],
        "guard": _personal_data_guard(version, request.POST),
    }
    if request.method == "POST":
        _require_edit(resource.dataset, request.user)
        drop = [g["column"] for g in context["guard"] if g["decision"] == "drop"]
        drop += [c for c in request.POST.getlist("drop") if c not in drop]
        confirmed = [g["column"] for g in context["guard"] if g["decision"] == "keep"]
        with acting_as(request.user):
            blockers = publishing.request_publication(version, drop, confirmed, request.user)
        if not blockers:
            version.refresh_from_db()
            if version.status == VersionStatus.PUBLISHED:
                messages.success(request, f"Version {version.number} publiée.")
                return redirect(resource)
            messages.info(request, "Publication en cours.")
            return redirect("opendata:version", slug, resource_slug, number)
        context["blockers"] = blockers
    if request.headers.get("HX-Request"):
        response = render(request, "opendata/_version_status.html", context)
        if not version.is_pending:
            response["HX-Refresh"] = "true"  # the job is done: show the full review page
        return response
    return render(request, "opendata/version.html", context)


def _personal_data_guard(version, data) -> list[dict]:
    """Each flagged column with the publisher's decision ("drop", "keep" or "" when none yet).
    Nothing is decided for them: a column is neither dropped nor published until its box is
    ticked, and a refused form shows the decisions already made."""
    guard = []
    for flag in version.personal_data:
        decision = data.get(f"decision-{flag['column']}", "")
        guard.append({**flag, "decision": decision if decision in ("drop", "keep") else ""})
    return guard


def _geo_columns(columns):
    names = {c.name.lower(): c.name for c in columns if c.type in ("number", "integer")}
    lat = next((names[n] for n in names if n in LAT_NAMES), None)
    lon = next((names[n] for n in names if n in LON_NAMES), None)
    return (lat, lon) if lat and lon else None


def resource(request, slug, resource_slug):
    resource = _resource(slug, resource_slug)
    if not can_see_resource(resource, request.user):
        if resource.dataset.withdrawn_at is not None:
            return _gone(request, resource.dataset)
        raise Http404("Ressource non publiée.")
    abilities = get_abilities(request.user, resource.dataset)
    versions = visible_versions(resource.versions.all(), request.user)
    context = {
        "resource": resource,
        "dataset": resource.dataset,
        "abilities": abilities,
        "versions": versions,
        "operators": FILTER_OPERATORS.items(),
        "aggregates": AGGREGATES.items(),
        "tile_url": settings.OPENDATA_MAP_TILE_URL,
        "agg_orders": querying.AGGREGATE_ORDERS.items(),
        "agg_sort": request.GET.get("_agg_sort", ""),
        "agg_params": request.GET.getlist("_agg"),
        "agg_shown": AGGREGATE_ROWS_SHOWN,
        "agg_slice": f":{AGGREGATE_ROWS_SHOWN}",
    }
    if resource.current_version is None:
        return render(request, "opendata/resource.html", context)
    params = _with_new_filters(request.GET.copy())
    params.setdefault("_size", "25")
    try:
        result, meta = querying.rows(resource, params)
        context.update(result=result, meta=meta)
        context["filters"] = _active_filters(params)
        context["pages"] = _pagination(request, params, meta, result.total)
        _, table = querying.table_of(resource, params)
        context["columns"] = table.columns
        context["sort"] = params.get("_sort", "")
        context["geo"] = _geo_columns(table.columns)
        if context["geo"]:
            context["points"] = _points(result, context["geo"])
        if params.get("_group_by"):
            aggregated, agg_meta = querying.aggregate(resource, params)
            context.update(
                aggregated=aggregated,
                agg_meta=agg_meta,
                agg_title=labels.aggregation_title(
                    agg_meta["aggregate_titles"], agg_meta["group_by"]
                ),
                # The table's headers in words: "Nombre de lignes", not the engine's "count".
                agg_headers=agg_meta["group_by"] + agg_meta["aggregate_titles"],
            )
            if agg_meta["group_by"] and aggregated.rows:
                values = [row[len(agg_meta["group_by"])] for row in aggregated.rows]
                bar_labels = [
                    " · ".join(str(v) for v in row[: len(agg_meta["group_by"])])
                    for row in aggregated.rows
                ]
                context["chart"] = mark_safe(
                    charts.bar_chart(
                        bar_labels,
                        values,
                        context["agg_title"],
                    )
                )
    except QueryError as error:
        context["query_error"] = error.message
        context.setdefault("columns", [])
    context["querystring"] = params.urlencode()
    return render(request, "opendata/resource.html", context)


NOT_FILTERS = {"version", "tableur", "csrfmiddlewaretoken"}


def _with_new_filters(params):
    """The filter form sends (column, operator, value) triples (f_col, f_op, f_val, several
    at once); each becomes col__op=value beside the filters already active, so that filters
    add up (like Datasette) instead of replacing each other."""
    columns, ops, values = (
        params.pop("f_col", []),
        params.pop("f_op", []),
        params.pop("f_val", []),
    )
    for index, column in enumerate(columns):
        op = ops[index] if index < len(ops) and ops[index] else "exact"
        value = values[index] if index < len(values) else ""
        key = f"{column}__{op}"
        if column and value != "" and value not in params.getlist(key):
            params.appendlist(key, value)
    return params


def _active_filters(params) -> list[dict]:
    """Each active filter, with the address of the same page without it."""
    filters = []
    for key, values in params.lists():
        if key.startswith("_") or key in NOT_FILTERS:
            continue
        for value in values:
            rest = params.copy()
            rest.setlist(key, [v for v in values if v != value])
            rest.pop("_offset", None)
            filters.append({"key": key, "value": value, "remove": f"?{rest.urlencode()}"})
    return filters


def _points(result, geo):
    lat, lon = geo
    points = []
    for record in result.records():
        if isinstance(record.get(lat), (int, float)) and isinstance(record.get(lon), (int, float)):
            label = " · ".join(str(v) for k, v in list(record.items())[:3] if k not in geo)
            points.append({"lat": record[lat], "lon": record[lon], "label": label})
    return points


def _pagination(request, params, meta, total):
    def link(offset):
        copy = params.copy()
        copy["_offset"] = offset
        return f"?{copy.urlencode()}"

    pages = {}
    if meta["offset"] > 0:
        pages["previous"] = link(max(0, meta["offset"] - meta["limit"]))
    if total is not None and meta["offset"] + meta["limit"] < total:
        pages["next"] = link(meta["offset"] + meta["limit"])
    pages["first_row"] = meta["offset"] + 1
    pages["last_row"] = (
        meta["offset"] + meta["limit"]
        if total is None
        else min(total, meta["offset"] + meta["limit"])
    )
    return pages


def _sql_throttled(request):
    """The seconds to wait when this address has used up its SQL rate (the API's), else None."""
    throttle = OpendataRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return int(throttle.wait() or 60) + 1


def _csv_cell(value, spreadsheet: bool):
    value = neutralise(value)
    if spreadsheet and isinstance(value, float):
        return repr(value).replace(".", ",")
    return "" if value is None else value


def sql_export(request):
    """The result of a console query as a file: the comma CSV, or with `tableur=1` the CSV
    French spreadsheets open as is (UTF-8 with BOM, `;`, decimal comma). Same limits and rate
    as the console; the file says in its name when the result was cut."""
    query = request.GET.get("sql", "").strip()
    spreadsheet = request.GET.get("tableur") in ("1", "oui")
    if not query:
        return HttpResponse(
            "Indiquez une requête : /donnees/sql/resultat.csv?sql=SELECT…",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    wait = _sql_throttled(request)
    if wait:
        response = HttpResponse(
            f"Trop de requêtes depuis votre adresse : réessayez dans {wait} secondes.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        result = querying.sql(query)
    except QueryError as error:
        return HttpResponse(
            error.message,
            status=QUERY_STATUS.get(error.kind, 400),
            content_type="text/plain; charset=utf-8",
        )
    buffer = io.StringIO()
    if spreadsheet:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";" if spreadsheet else ",", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in result.columns])
    for row in result.rows:
        writer.writerow([_csv_cell(v, spreadsheet) for v in row])
    name = "resultat-sql" + ("-tronque" if result.truncated else "")
    name += "-tableur" if spreadsheet else ""
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def sql_console(request):
    query = request.GET.get("sql", "").strip()
    context = {
        "query": query,
        "tables": published_tables(),
        "max_rows": settings.OPENDATA_SQL_MAX_ROWS,
        "max_result_mb": settings.OPENDATA_SQL_MAX_RESULT_MB,
        "timeout": settings.OPENDATA_QUERY_TIMEOUT_S,
        "memory": f"{settings.OPENDATA_SQL_PROCESS_MEMORY_MB}MB",
        "rows_shown": SQL_ROWS_SHOWN,
        "rows_slice": f":{SQL_ROWS_SHOWN}",
    }
    status, retry_after = 200, None
    if query:
        wait = _sql_throttled(request)  # the same limit as the SQL API
        if wait:
            retry_after = wait
            context["query_error"] = (
                "Trop de requêtes depuis votre adresse : réessayez dans "
                f"{retry_after} secondes, ou utilisez un jeton d'API."
            )
            status = 429
        else:
            try:
                context["result"] = querying.sql(query)
            except QueryError as error:
                context["query_error"] = error.message
                if error.kind == "busy":
                    status, retry_after = 503, RETRY_AFTER_S
    response = render(request, "opendata/sql.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    return token_page(
        request,
        template="opendata/api_keys.html",
        scopes=["opendata:read", "opendata:write"],
        initial=["opendata:read"],
        context={"example_path": reverse("opendata:api-dataset-list")},
    )
