"""Documenting a project: the contribution form and the workflow actions (all POST + CSRF).

Every save and transition goes through services.workflow, which checks the abilities
again server-side: hiding a button is a convenience, never the protection.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from territoria.registre.forms import EDITABLE_SPECS, ProjectForm, SendBackForm
from territoria.registre.models import Project
from territoria.registre.permissions import can_contribute, get_abilities
from territoria.registre.services import workflow
from territoria.registre.services.workflow import ConcurrentEditError
from territoria.registre.views._shared import redirect_back, visible_project_or_404
from territoria.registre.visibility import display_value, raw_value
from territoria.registre.vocabulary import Lifecycle


@login_required
def project_create(request):
    if not can_contribute(request.user):
        raise PermissionDenied(
            "Seuls les agents d'une organisation et les modérateurs documentent des projets."
        )
    # An agent documents a project of their organisation; a moderator chooses it in the form.
    return _edit(request, Project(organisation=request.user.organisation))


@login_required
def project_edit(request, pk):
    project = visible_project_or_404(request, pk)
    if not get_abilities(request.user, project)["edit"]:
        raise PermissionDenied("Vous ne pouvez modifier que les projets de votre organisation.")
    # A published record is edited through its pending revision (the public one stays as is).
    return _edit(request, workflow.working_copy(project))


def _edit(request, project):
    creating = project._state.adding
    differences = None
    if request.method == "POST":
        submitting = request.POST.get("action") == "submit"
        form = ProjectForm(request.POST, instance=project, user=request.user, submitting=submitting)
        if form.is_valid():
            try:
                saved = workflow.save_project(
                    form.instance,
                    request.user,
                    expected_version=form.cleaned_data.get("expected_version"),
                )
            except ConcurrentEditError as error:
                # Keep everything the person typed; show what changed meanwhile; the next save
                # (with the current version) deliberately replaces the other person's version.
                current = workflow.working_copy(error.project)
                differences = _differences(current, form.instance)
                data = request.POST.copy()
                data["expected_version"] = current.version
                form = ProjectForm(data, instance=current, user=request.user, submitting=submitting)
                form.concurrent_error = str(error)
            except ValidationError as error:
                form.add_save_error(error)
            else:
                return _after_save(request, saved, submitting, creating)
    else:
        form = ProjectForm(instance=project, user=request.user)
    abilities = get_abilities(request.user, project)
    under_review = project.lifecycle == Lifecycle.PUBLISHED
    return render(
        request,
        "registre/project_form.html",
        {
            "form": form,
            "project": project,
            "creating": creating,
            "can_submit": creating or abilities["submit"] or under_review,
            "under_review": under_review,
            "differences": differences,
        },
        status=409 if differences is not None else 200,
    )


def _after_save(request, project, submitting, creating):
    if project.lifecycle == Lifecycle.PUBLISHED:
        return _after_revision_save(request, project, submitting)
    if submitting:
        try:
            workflow.submit(project, request.user)
        except ValidationError as error:
            messages.warning(
                request,
                "Brouillon enregistré, mais la soumission est impossible : "
                + " ".join(error.messages),
            )
            return redirect(project)
        messages.success(
            request,
            "Projet soumis à la modération. Vous serez averti par e-mail de sa publication.",
        )
    elif creating:
        messages.success(
            request,
            "Brouillon enregistré. Vous pouvez le compléter puis le soumettre à la modération.",
        )
    else:
        messages.success(request, "Modifications enregistrées.")
    return redirect(project)


def _after_revision_save(request, project, submitting):
    if project.revision is None:
        messages.info(request, "Aucune modification par rapport à la fiche publiée.")
        return redirect(project)
    if submitting:
        try:
            workflow.submit(project, request.user)
        except ValidationError as error:
            messages.warning(
                request,
                "Modifications enregistrées, mais leur soumission est impossible : "
                + " ".join(error.messages),
            )
            return redirect(project)
        messages.success(
            request,
            "Modifications soumises à la modération. La fiche publique reste inchangée "
            "jusqu'à leur acceptation.",
        )
    else:
        messages.success(
            request,
            "Modifications enregistrées, non publiées : soumettez-les à la modération pour "
            "qu'elles remplacent la fiche publique.",
        )
    return redirect(project)


def _differences(current: Project, mine: Project) -> list[tuple]:
    """(title, value saved meanwhile, value typed by this person) for each field that differs."""

    def text(value):
        return ", ".join(value) if isinstance(value, list) else str(value or "")

    return [
        (spec.title, text(display_value(current, spec)), text(display_value(mine, spec)))
        for spec in EDITABLE_SPECS
        if raw_value(current, spec) != raw_value(mine, spec)
    ]


@login_required
@require_POST
def validate_field(request, field):
    """Inline validation (htmx): the error fragment of one field, from what was typed so far."""
    if not can_contribute(request.user):
        raise PermissionDenied
    project = Project(organisation=request.user.organisation)
    form = ProjectForm(request.POST, instance=project, user=request.user)
    if field not in form.fields:
        raise Http404
    form.is_valid()
    return render(request, "registre/_field_errors.html", {"errors": form.errors.get(field)})


def _send_back(project, user, request):
    form = SendBackForm(request.POST)
    if not form.is_valid():
        raise ValidationError(form.errors["reason"])
    return workflow.send_back(project, user, form.cleaned_data["reason"])


# action in the URL → (service, message once done)
TRANSITIONS = {
    "soumettre": (lambda p, u, r: workflow.submit(p, u), "Projet soumis à la modération."),
    "publier": (
        lambda p, u, r: workflow.publish(p, u),
        "Projet publié : la fiche publique est à jour.",
    ),
    "renvoyer": (_send_back, "Projet renvoyé au contributeur avec votre motif."),
    "archiver": (lambda p, u, r: workflow.archive(p, u), "Projet archivé : il n'est plus public."),
    "revu": (
        lambda p, u, r: workflow.mark_reviewed(p, u),
        "Fiche marquée comme revue aujourd'hui.",
    ),
}


@login_required
@require_POST
def project_transition(request, pk, action):
    if action not in TRANSITIONS:
        raise Http404
    project = visible_project_or_404(request, pk)
    if action == "publier" and request.POST.get("confirme") != "1":
        return _confirm_publication(request, project)
    run, done = TRANSITIONS[action]
    try:
        run(project, request.user, request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect_back(request, project)


def _confirm_publication(request, project):
    """Publishing needs a second step (`confirme=1`): the page shows what the public will read.

    A new record: its public fields as an anonymous reader will see them; changes to a
    published record: each changed field, published value beside the proposed one.
    """
    from django.contrib.auth.models import AnonymousUser

    from territoria.registre.views.pages import _revision_rows, field_groups

    if not get_abilities(request.user, project)["publish"]:
        raise PermissionDenied("Seuls les modérateurs publient des projets.")
    revision = project.revision if project.lifecycle == Lifecycle.PUBLISHED else None
    return render(
        request,
        "registre/publish_confirm.html",
        {
            "project": project,
            "revision": revision,
            "revision_changes": _revision_rows(project, request.user) if revision else [],
            "groups": [] if revision else field_groups(project, AnonymousUser()),
            "next": request.POST.get("next", ""),
        },
    )
