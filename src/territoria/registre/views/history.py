"""History of a record (its audit log entries) and the global log for moderators.

Diffs go through the same visibility rule as the record: a reader who may not see a
restricted field sees that it changed, never its old or new value.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_date, parse_datetime

from territoria.core.models import AuditLog, Organisation
from territoria.registre.models import Project
from territoria.registre.permissions import can_moderate
from territoria.registre.schema import BY_ATTR
from territoria.registre.views._shared import visible_project_or_404
from territoria.registre.visibility import can_view_restricted
from territoria.registre.vocabulary import Lifecycle

PROJECT_TYPE = Project._meta.label_lower
# Platform fields (not in the schema) that anyone may follow; any other one is restricted,
# including the moderation note and who created the record.
PUBLIC_PLATFORM_FIELDS = {
    "organisation_id": "Organisation porteuse",
    "lifecycle": "État",
    "published_at": "Date de publication",
    "last_reviewed_at": "Dernière revue",
}
RESTRICTED_PLATFORM_FIELDS = {
    "moderation_note": "Motif de renvoi",
    "created_by_id": "Créé par",
    "review_reminder_sent_at": "Dernier rappel envoyé",
    "source": "Source de l'import",
    "source_key": "Clé dans la source",
}
HIDDEN = "valeur masquée (accès restreint)"
SKIPPED_FIELDS = {"id"}  # the record's own identifier, noise in a history
DATE_FIELDS = {"projet_date", "content_updated_on"}
DATETIME_FIELDS = {"published_at", "last_reviewed_at", "review_reminder_sent_at"}


def _format(attname: str, value):
    if value in (None, "", []):
        return "—"
    spec = BY_ATTR.get(attname)
    if spec is not None and spec.vocabulary is not None:
        if isinstance(value, list):
            return ", ".join(spec.vocabulary.label(code) for code in value)
        return spec.vocabulary.label(value)
    if attname == "lifecycle":
        return Lifecycle(value).label if value in Lifecycle.values else value
    if attname == "organisation_id":
        organisation = Organisation.objects.filter(pk=value).first()
        return organisation.name if organisation else value
    if attname in DATETIME_FIELDS and (moment := parse_datetime(str(value))):
        return date_format(timezone.localtime(moment), "d/m/Y à H:i")
    if attname in DATE_FIELDS and (day := parse_date(str(value))):
        return day.strftime("%m/%Y") if attname == "projet_date" else day.strftime("%d/%m/%Y")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def describe_changes(changes: dict, user) -> list[dict]:
    """[{label, before, after, hidden}] of one log entry, for this reader."""
    restricted_ok = can_view_restricted(user)
    rows = []
    for attname, (before, after) in changes.items():
        if attname in SKIPPED_FIELDS:
            continue
        spec = BY_ATTR.get(attname)
        if spec is not None:
            label, public = spec.title, spec.is_public
        elif attname in PUBLIC_PLATFORM_FIELDS:
            label, public = PUBLIC_PLATFORM_FIELDS[attname], True
        else:
            label, public = RESTRICTED_PLATFORM_FIELDS.get(attname, attname), False
        if public or restricted_ok:
            rows.append(
                {
                    "label": label,
                    "before": _format(attname, before),
                    "after": _format(attname, after),
                    "hidden": False,
                }
            )
        else:
            rows.append({"label": label, "before": HIDDEN, "after": HIDDEN, "hidden": True})
    return rows


def _entries(logs, user):
    restricted_ok = can_view_restricted(user)
    return [
        {
            "log": log,
            # Names of contributors are shown to logged-in readers only.
            "actor": log.actor_label if restricted_ok else "un contributeur",
            "changes": describe_changes(log.changes, user),
        }
        for log in logs
    ]


def project_history(request, pk):
    project = visible_project_or_404(request, pk)
    logs = AuditLog.objects.filter(object_type=PROJECT_TYPE, object_id=str(project.pk)).order_by(
        "-at", "-id"
    )
    page = Paginator(logs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "registre/history.html",
        {"project": project, "page": page, "entries": _entries(page.object_list, request.user)},
    )


@login_required
def journal(request):
    if not can_moderate(request.user):
        raise PermissionDenied("Le journal des modifications est réservé aux modérateurs.")
    logs = AuditLog.objects.filter(object_type=PROJECT_TYPE).order_by("-at", "-id")
    page = Paginator(logs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registre/journal.html",
        {"page": page, "entries": _entries(page.object_list, request.user)},
    )
