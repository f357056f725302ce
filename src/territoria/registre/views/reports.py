"""Anyone, anonymous included, can report an error on a published record."""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render

from territoria.core.client_address import client_address
from territoria.registre.forms import ErrorReportForm
from territoria.registre.permissions import get_abilities
from territoria.registre.services import notifications
from territoria.registre.views._shared import visible_project_or_404

# A person reports a few errors; a robot, hundreds: cap the reports per address and hour.
MAX_REPORTS_PER_HOUR = 5


def _rate_key(request) -> str:
    return "registre-report:" + (client_address(request) or "inconnu")


def report_error(request, pk):
    project = visible_project_or_404(request, pk)
    if not get_abilities(request.user, project)["report_error"]:
        raise PermissionDenied("On ne peut signaler une erreur que sur une fiche publiée.")
    form = ErrorReportForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.is_spam():
            # Honeypot filled: thank the robot and keep nothing.
            messages.success(request, "Merci, votre signalement a été transmis.")
            return redirect(project)
        if cache.get(_rate_key(request), 0) >= MAX_REPORTS_PER_HOUR:
            form.add_error(
                None,
                "Trop de signalements envoyés depuis votre connexion : réessayez dans une heure.",
            )
            status = 429
        elif form.is_valid():
            report = form.save(commit=False)
            report.project = project
            report.reporter = request.user if request.user.is_authenticated else None
            report.save()
            cache.set(_rate_key(request), cache.get(_rate_key(request), 0) + 1, 3600)
            transaction.on_commit(lambda: notifications.error_reported(report))
            messages.success(
                request,
                "Merci, votre signalement a été transmis à la modération et à l'organisation porteuse.",
            )
            return redirect(project)
    return render(
        request, "registre/report_form.html", {"project": project, "form": form}, status=status
    )
