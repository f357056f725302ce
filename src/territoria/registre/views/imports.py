"""Import pages for moderators: upload → dry run report → confirm → background job page.

1. `import_page` (GET: form and recent jobs; POST: dry run of the uploaded file, nothing
   written). A file whose dry run is clean waits in `DATA_DIR/imports/` under a random
   name; the confirmation form carries a signed ticket naming it (bound to the user).
2. `import_confirm` turns the ticket into an `ImportJob` and enqueues the real import
   (django-tasks); the task deletes the file when it ends.
3. `import_job` shows status, progress (htmx polls it every 2 s while it runs; a plain
   "Actualiser" link without JS) and the final report.
The uploaded files are never reachable by URL: their storage has none.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from territoria.registre import schema
from territoria.registre.import_forms import (
    FORMAT_LABELS,
    STATUS_LABELS,
    ImportUploadForm,
    max_upload_mb,
)
from territoria.registre.importers import report as rep
from territoria.registre.importers.mapping import load_mapping
from territoria.registre.importers.service import import_file
from territoria.registre.importers.sources import SourceError
from territoria.registre.importers.storage import import_storage, random_import_name
from territoria.registre.importers.tasks import import_registre_task
from territoria.registre.models import ImportJob
from territoria.registre.permissions import can_moderate

TICKET_SALT = "registre.import.confirm"
TICKET_MAX_AGE = timedelta(hours=24)  # an unconfirmed upload is deleted after this
LINES_SHOWN = 200  # lines of a report per page (dry run: the first ones, rejected first)
RECENT_JOBS = 10
ACTIVE = (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)


def moderator_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_moderate(request.user):
            raise PermissionDenied(
                "L'import de fiches est réservé aux modérateurs et aux administrateurs."
            )
        return view(request, *args, **kwargs)

    return wrapper


@moderator_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "jobs": ImportJob.objects.select_related("requested_by")[:RECENT_JOBS],
        "max_upload_mb": max_upload_mb(),
    }
    if request.method == "POST" and form.is_valid():
        dry_run = _dry_run(request, form)
        if dry_run is not None:
            context.update(dry_run)
    return render(request, "registre/import/import_page.html", context, status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _dry_run(request, form) -> dict | None:
    """Simulate the import of the uploaded file; keep the file if it could be confirmed."""
    upload, options = (
        form.cleaned_data["file"],
        {
            "format": form.cleaned_data["format"],
            "status": form.cleaned_data["status"],
            "mapping": None,
        },
    )
    if form.cleaned_data.get("mapping"):
        try:
            options["mapping"] = load_mapping(form.cleaned_data["mapping"])
        except SourceError as exc:
            for issue in exc.issues:
                form.add_error("mapping", str(issue))
            return None
    data = upload.read()
    report = import_file(
        data,
        name=upload.name,
        format=options["format"],
        mapping_file=options["mapping"],
        dry_run=True,
        status=options["status"],
        user=request.user,
    ).as_dict()
    context = {
        "report": report_context(report, page_number=None),
        "options": _options_labels(options),
    }
    if report["ok"]:
        _discard_stale_uploads()
        stored = import_storage().save(random_import_name(None, upload.name), ContentFile(data))
        context["ticket"] = signing.dumps(
            {"file": stored, "name": upload.name, "user": str(request.user.pk), **options},
            salt=TICKET_SALT,
        )
    return context


@moderator_required
@require_POST
def import_confirm(request):
    try:
        ticket = signing.loads(
            request.POST.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(
            request, "Cette simulation a expiré ou n'est pas valide : déposez le fichier à nouveau."
        )
        return redirect("registre:import")
    if ticket["user"] != str(request.user.pk):
        raise PermissionDenied("Cette simulation a été lancée par une autre personne.")
    existing = ImportJob.objects.filter(file=ticket["file"]).first()
    if existing:  # the button pressed twice: one job only
        return redirect("registre:import_job", pk=existing.pk)
    if not import_storage().exists(ticket["file"]):
        messages.error(
            request, "Le fichier de cette simulation n'est plus disponible : déposez-le à nouveau."
        )
        return redirect("registre:import")
    job = ImportJob(
        file_name=ticket["name"],
        format=ticket["format"],
        mapping=ticket["mapping"],
        status_after_import=ticket["status"],
        requested_by=request.user,
    )
    job.file.name = ticket["file"]
    job.save()
    import_registre_task.enqueue(str(job.pk))
    return redirect("registre:import_job", pk=job.pk)


@moderator_required
def import_job(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("requested_by"), pk=pk)
    context = {
        "job": job,
        "running": job.status in ACTIVE,
        "percent": round(job.progress * 100),
        "format_label": FORMAT_LABELS.get(job.format, job.format),
    }
    if job.report and job.status not in ACTIVE:
        context["report"] = report_context(job.report, page_number=request.GET.get("page") or 1)
    template = (
        "registre/import/_job_status.html"
        if request.headers.get("HX-Request")
        else "registre/import/job.html"
    )
    return render(request, template, context)


def report_context(report: dict, page_number) -> dict:
    """The report as the template shows it: counts, file errors, one row per line with
    what changes or why it is rejected (field, column, expected value).

    `page_number=None` (a dry run, nothing to paginate against): the first lines, rejected
    ones first when they do not all fit; otherwise a page of lines in file order."""
    lines = [_line_row(line) for line in report.get("lines", [])]
    total = len(lines)
    context = {
        "summary": report.get("summary", ""),
        "ok": report.get("ok", False),
        "dry_run": report.get("dry_run", False),
        "written": report.get("written", False),
        "counts": [
            (action, label, report.get("counts", {}).get(action, 0))
            for action, label in rep.ACTION_LABELS.items()
        ],
        "organisations": report.get("organisations", {}),
        "file_errors": [_issue(issue) for issue in report.get("file_errors", [])],
        "corrections": report.get("corrections", []),
        "notes": report.get("notes", []),
        "total_lines": total,
        "error_count": len(report.get("errors", [])),
    }
    if page_number is None:
        if total > LINES_SHOWN:
            lines.sort(key=lambda row: row["action"] != rep.REJECTED)
        context["lines"] = lines[:LINES_SHOWN]
        context["hidden_lines"] = max(total - LINES_SHOWN, 0)
    else:
        page = Paginator(lines, LINES_SHOWN).get_page(page_number)
        context["lines"], context["page_obj"] = page.object_list, page
    context["rejected_lines"] = [row for row in context["lines"] if row["errors"]]
    return context


def _line_row(line: dict) -> dict:
    return {
        "line": line["line"],
        "name": line.get("name", ""),
        "organisation": line.get("organisation", ""),
        "action": line["action"],
        "action_label": rep.ACTION_LABELS.get(line["action"], line["action"]),
        "changes": [_attr_title(attr) for attr in line.get("changes", [])]
        if line["action"] == rep.UPDATED
        else [],
        "errors": [_issue(issue) for issue in line.get("errors", [])],
        "warnings": [_issue(issue) for issue in line.get("warnings", [])],
    }


def _attr_title(attr: str) -> str:
    spec = schema.BY_ATTR.get(attr) or schema.BY_NAME.get(attr)
    return spec.title if spec else attr


def _issue(issue: dict) -> dict:
    spec = schema.BY_NAME.get(issue.get("field") or "")
    return {**issue, "field_title": spec.title if spec else issue.get("field")}


def _options_labels(options: dict) -> dict:
    return {
        "format": FORMAT_LABELS.get(options["format"], options["format"]),
        "status": STATUS_LABELS.get(options["status"], options["status"]),
        "mapping": bool(options["mapping"]),
    }


def _discard_stale_uploads() -> None:
    """Delete uploads whose simulation was never confirmed (older than a ticket can be)."""
    storage = import_storage()
    if not storage.exists(""):
        return
    in_use = set(ImportJob.objects.filter(status__in=ACTIVE).values_list("file", flat=True))
    limit = timezone.now() - TICKET_MAX_AGE
    for name in storage.listdir("")[1]:
        if name not in in_use and storage.get_modified_time(name) < limit:
            storage.delete(name)
