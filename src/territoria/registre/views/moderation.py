"""The moderators' queue (submissions, changes to published records, overdue reviews, error
reports) and the account page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from territoria.registre.forms import ReportStatusForm, SendBackForm
from territoria.registre.models import ErrorReport, Project, ProjectRevision
from territoria.registre.permissions import can_contribute, can_moderate, get_abilities
from territoria.registre.services import notifications
from territoria.registre.views._shared import redirect_back, report_prefix
from territoria.registre.visibility import revision_changes
from territoria.registre.vocabulary import Lifecycle


@login_required
def moderation_queue(request):
    if not can_moderate(request.user):
        raise PermissionDenied("La file de modération est réservée aux modérateurs.")
    submitted = (
        Project.objects.filter(lifecycle=Lifecycle.SUBMITTED)
        .select_related("organisation")
        .order_by("updated_at")
    )
    revisions = (
        ProjectRevision.objects.filter(state=ProjectRevision.State.SUBMITTED)
        .select_related("project__organisation")
        .order_by("updated_at")
    )
    reports = ErrorReport.objects.filter(status=ErrorReport.Status.OPEN).select_related(
        "project__organisation"
    )
    return render(
        request,
        "registre/moderation.html",
        {
            "submitted": [
                (project, SendBackForm(prefix=f"p{project.pk.hex[:8]}")) for project in submitted
            ],
            # Changes to published records: what they change (the diff is on the record's page).
            "revisions": [
                (
                    revision,
                    [
                        change.title
                        for change in revision_changes(revision.project, revision, request.user)
                    ],
                    SendBackForm(prefix=f"v{revision.project.pk.hex[:8]}"),
                )
                for revision in revisions
            ],
            "overdue": Project.objects.review_overdue()
            .select_related("organisation")
            .order_by("last_reviewed_at"),
            "reports": [
                (report, ReportStatusForm(instance=report, prefix=report_prefix(report)))
                for report in reports
            ],
        },
    )


@login_required
@require_POST
def report_status(request, pk):
    report = get_object_or_404(ErrorReport.objects.select_related("project"), pk=pk)
    if not get_abilities(request.user, report.project)["moderate_reports"]:
        raise PermissionDenied(
            "Seuls les modérateurs et l'organisation porteuse traitent les signalements."
        )
    previous_answer = report.answer
    form = ReportStatusForm(request.POST, instance=report, prefix=report_prefix(report))
    if form.is_valid():
        report = form.save()
        done = f"Signalement marqué « {report.get_status_display()} »."
        recipient = notifications.report_recipient(report)
        if report.answer.strip() and report.answer != previous_answer:
            if recipient:
                transaction.on_commit(lambda: notifications.report_answered(report))
                done += f" Votre réponse est envoyée par e-mail à {recipient}."
            else:
                done += " La personne n'a pas laissé d'adresse : la réponse n'est pas envoyée."
        messages.success(request, done)
    else:
        messages.error(request, "Statut inconnu : choisissez Ouvert, Traité ou Rejeté.")
    return redirect_back(request, report.project)


@login_required
def account(request):
    user = request.user
    projects = Project.objects.none()
    if user.organisation_id:
        projects = Project.objects.of_organisation(user.organisation).order_by(
            "lifecycle", "nom_projet"
        )
    return render(
        request,
        "registre/account.html",
        {"projects": projects, "can_contribute": can_contribute(user)},
    )
