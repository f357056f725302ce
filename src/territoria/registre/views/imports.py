"""Import pages for moderators: upload → dry run report → confirm → background job page.

1. `import_page` (GET: form and recent jobs; POST: the upload is stored in
   `DATA_DIR/imports/` under a random name and its dry run (nothing written) is enqueued as
   an `ImportJob` with `dry_run=True`: reading a big file never happens in the request).
2. `import_job` shows status, progress (htmx polls it every 2 s while it runs; a plain
   "Actualiser" link without JS) and the report; a clean dry run's page carries the
   confirmation form with a signed ticket naming the stored file (bound to the user).
3. `import_confirm` turns the ticket into the real `ImportJob` and enqueues it (django-tasks);
   the task deletes the file when it ends.
The uploaded files are never reachable by URL: their storage has none.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from territoria.registre import schema
from territoria.registre.import_forms import (
    FORMAT_LABELS,
    ImportUploadForm,
    max_upload_mb,
)
from territoria.registre.importers import report as rep
from territoria.registre.importers.mapping import load_mapping
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
        started = _start_dry_run(request, form)
        if started is not None:
            return started
    return render(request, "registre/import/import_page.html", context, status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _start_dry_run(request, form):
    """Store the upload and simulate its import in the background (a job, like the real one).

    Reading and checking a big file takes seconds and memory: never in the web request."""
    upload = form.cleaned_data["file"]
    mapping = None
    if form.cleaned_data.get("mapping"):
        try:
            mapping = load_mapping(form.cleaned_data["mapping"])
        except SourceError as exc:
            for issue in exc.issues:
                form.add_error("mapping", str(issue))
            return None
    _discard_stale_uploads()
    job = ImportJob(
        file_name=upload.name,
        format=form.cleaned_data["format"],
        mapping=mapping,
        dry_run=True,
        status_after_import=form.cleaned_data["status"],
        requested_by=request.user,
    )
    job.file.name = import_storage().save(random_import_name(None, upload.name), upload)
    job.save()
    import_registre_task.enqueue(str(job.pk))
    return redirect("registre:import_job", pk=job.pk)


def _confirmation_ticket(job, user) -> str | None:
    """A clean simulation, by this user, whose file still waits: the ticket to import it."""
    if not (job.dry_run and job.status == ImportJob.Status.DONE and job.report.get("ok")):
        return None
    if job.requested_by_id != user.pk or not job.file or not import_storage().exists(job.file.name):
        return None
    if timezone.now() - job.created_at > TICKET_MAX_AGE:
        return None
    return signing.dumps(
        {
            "file": job.file.name,
            "name": job.file_name,
            "user": str(user.pk),
            "format": job.format,
            "status": job.status_after_import,
            "mapping": job.mapping,
        },
        salt=TICKET_SALT,
    )


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
    existing = ImportJob.objects.filter(file=ticket["file"], dry_run=False).first()
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
        # A simulation shows its first lines, rejected ones first; a real import, pages.
        page_number = None if job.dry_run else request.GET.get("page") or 1
        context["report"] = report_context(job.report, page_number=page_number)
        context["ticket"] = _confirmation_ticket(job, request.user)
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
