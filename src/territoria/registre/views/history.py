"""History of a record (its audit log entries) and the global log for moderators.

What each reader sees is decided by `registre.history` (shared with the API): a reader who
may not see a field sees that it changed, never its old or new value.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_date, parse_datetime

from territoria.core.models import AuditLog, Organisation
from territoria.registre.forms import AccessibleFormMixin
from territoria.registre.history import actor_label, visible_changes
from territoria.registre.models import Project
from territoria.registre.permissions import can_moderate
from territoria.registre.schema import BY_ATTR
from territoria.registre.views._shared import visible_project_or_404
from territoria.registre.vocabulary import Lifecycle

PROJECT_TYPE = Project._meta.label_lower
HIDDEN = "valeur masquée (accès restreint)"
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


def _entries(logs, user, project):
    """Rows for the template (`project` is None in the journal, read by moderators only)."""
    rows = []
    for log in logs:
        rows.append(
            {
                "log": log,
                "actor": actor_label(log, user, project),
                "changes": [
                    {
                        "label": change.label,
                        "before": HIDDEN
                        if change.hidden
                        else _format(change.attname, change.before),
                        "after": HIDDEN if change.hidden else _format(change.attname, change.after),
                        "hidden": change.hidden,
                    }
                    for change in visible_changes(log.changes, user, project)
                ],
            }
        )
    return rows


def project_history(request, pk):
    project = visible_project_or_404(request, pk)
    logs = (
        AuditLog.objects.filter(object_type=PROJECT_TYPE, object_id=str(project.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )
    page = Paginator(logs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "registre/history.html",
        {
            "project": project,
            "page": page,
            "entries": _entries(page.object_list, request.user, project),
        },
    )


@login_required
def journal(request):
    if not can_moderate(request.user):
        raise PermissionDenied("Le journal des modifications est réservé aux modérateurs.")
    form = JournalFilterForm(request.GET or None)
    logs = AuditLog.objects.filter(object_type=PROJECT_TYPE).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["projet"]:
            logs = logs.filter(object_repr__icontains=data["projet"])
        if data["action"]:
            logs = logs.filter(action=data["action"])
        if data["auteur"]:
            logs = logs.filter(
                Q(actor__username__icontains=data["auteur"])
                | Q(actor__first_name__icontains=data["auteur"])
                | Q(actor__last_name__icontains=data["auteur"])
                | Q(actor_label__icontains=data["auteur"])
            )
        if data["du"]:
            logs = logs.filter(at__date__gte=data["du"])
        if data["au"]:
            logs = logs.filter(at__date__lte=data["au"])
    logs = logs.order_by("-at", "-id")
    page = Paginator(logs, JOURNAL_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "registre/journal.html",
        {
            "form": form,
            "page": page,
            "entries": _entries(page.object_list, request.user, None),
            "query_string": urlencode(filters),
            "filtered": bool(filters),
        },
    )


JOURNAL_PAGE_SIZE = 20


class JournalFilterForm(AccessibleFormMixin, forms.Form):
    projet = forms.CharField(label="Projet (nom contient)", required=False, max_length=200)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Toutes")] + AuditLog.Action.choices
    )
    auteur = forms.CharField(label="Auteur (identifiant ou nom)", required=False, max_length=150)
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_fields()
