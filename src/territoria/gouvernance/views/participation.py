"""Citizens' say (moderated messages, support for a committee review), committee opinions,
an organisation's charters, gate criteria and committees."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from territoria.core.client_address import client_address
from territoria.core.models import Organisation
from territoria.gouvernance import services
from territoria.gouvernance.forms import (
    CharterForm,
    CitizenMessageForm,
    CommitteeForm,
    GateCriteriaForm,
    OpinionForm,
)
from territoria.gouvernance.models import CitizenMessage, GateCriterion, ReviewSupport
from territoria.gouvernance.permissions import can_manage_organisation, get_abilities
from territoria.gouvernance.views._shared import project_for


@require_POST
def message_create(request, pk):
    project, _abilities = project_for(request, pk, "participate")
    form = CitizenMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Le message n'a pas été envoyé : vérifiez les champs signalés.")
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{label} : {' '.join(errors)}")
        return redirect(f"{project_url(project)}#participer")
    _message, reason = services.receive_citizen_message(
        project, form.cleaned_data, client_address(request)
    )
    if reason:
        messages.error(request, f"Le message n'a pas été envoyé. {reason}")
        return redirect(f"{project_url(project)}#participer")
    messages.success(
        request, "Merci : votre message sera publié après relecture par la collectivité."
    )
    return redirect(f"{project_url(project)}#participer")


@require_POST
def support(request, pk):
    project, _abilities = project_for(request, pk, "participate")
    key = services.sender_key(
        f"soutien:{client_address(request)}:{request.session.session_key or ''}"
    )
    try:
        with transaction.atomic():
            ReviewSupport.objects.create(project=project, supporter_key=key)
    except IntegrityError:
        messages.info(request, "Votre soutien était déjà compté.")
    else:
        messages.success(
            request, "Votre soutien à une demande d'examen par le comité est enregistré."
        )
    return redirect(f"{project_url(project)}#participer")


@require_POST
def message_moderate(request, message_pk):
    message = get_object_or_404(CitizenMessage.objects.select_related("project"), pk=message_pk)
    project, _abilities = project_for(request, message.project_id, "answer")
    action = request.POST.get("action")
    if action not in ("publier", "refuser"):
        raise Http404
    services.moderate_message(message, action, request.POST.get("answer", ""), request.user)
    messages.success(request, "Message refusé." if action == "refuser" else "Message publié.")
    return redirect(f"{project_url(project)}#participer")


@require_POST
def opinion_create(request, pk):
    project, _abilities = project_for(request, pk, "committee")
    form = OpinionForm(request.POST, organisation=project.organisation)
    if not form.is_valid():
        messages.error(
            request,
            "L'avis n'a pas été enregistré : "
            + "; ".join(
                f"{form.fields[f].label if f in form.fields else f} : {' '.join(e)}"
                for f, e in form.errors.items()
            ),
        )
        return redirect(f"{project_url(project)}#avis")
    checked = [
        c.pk
        for c in project.organisation.ai_gate_criteria.all()
        if request.POST.get(f"critere-{c.pk}") == "oui"
    ]
    services.record_opinion(project, form.save(commit=False), checked, request.user)
    messages.success(request, "Avis du comité enregistré et publié sur la fiche.")
    return redirect(f"{project_url(project)}#avis")


def organisation_settings(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can_manage_organisation(request.user, organisation):
        raise Http404
    charter_form = CharterForm(prefix="charte")
    committee_form = CommitteeForm(prefix="comite")
    criteria_form = GateCriteriaForm(
        prefix="criteres",
        initial={"criteria": "\n".join(c.label for c in organisation.ai_gate_criteria.all())},
    )
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == "charte":
            charter_form = CharterForm(request.POST, prefix="charte")
            if charter_form.is_valid():
                charter = charter_form.save(commit=False)
                charter.organisation = organisation
                charter.save()
                messages.success(request, "Charte enregistrée.")
                return redirect("gouvernance:organisation_settings", pk=pk)
        elif kind == "comite":
            committee_form = CommitteeForm(request.POST, prefix="comite")
            if committee_form.is_valid():
                committee = committee_form.save(commit=False)
                committee.organisation = organisation
                committee.save()
                messages.success(request, "Comité enregistré.")
                return redirect("gouvernance:organisation_settings", pk=pk)
        elif kind == "criteres":
            criteria_form = GateCriteriaForm(request.POST, prefix="criteres")
            if criteria_form.is_valid():
                labels = [
                    line.strip()[:255]
                    for line in criteria_form.cleaned_data["criteria"].splitlines()
                    if line.strip()
                ]
                with transaction.atomic():
                    organisation.ai_gate_criteria.all().delete()
                    GateCriterion.objects.bulk_create(
                        GateCriterion(organisation=organisation, label=label, order=i)
                        for i, label in enumerate(labels)
                    )
                messages.success(request, "Critères enregistrés.")
                return redirect("gouvernance:organisation_settings", pk=pk)
    return render(
        request,
        "gouvernance/organisation_settings.html",
        {
            "organisation": organisation,
            "charter_form": charter_form,
            "committee_form": committee_form,
            "criteria_form": criteria_form,
            "charters": organisation.ai_charters.all(),
            "committees": organisation.ai_committees.all(),
        },
    )


def project_url(project) -> str:
    from django.urls import reverse

    return reverse("gouvernance:project", args=[project.pk])


__all__ = ["get_abilities"]
