"""Creating and editing an organisation, for those who manage them (moderators, administrators).

Who may is one capability of the role policy (`registre.manage_organisations`, core/roles.py),
checked here on every request — the links are a convenience. The change is saved in one
transaction and written to the audit log with its author (Organisation is audited; the web
middleware signs the change).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from territoria.core.models import Organisation
from territoria.registre.organisation_forms import OrganisationForm
from territoria.registre.permissions import can_manage_organisations

REFUSED = (
    "Seuls les modérateurs et les administrateurs créent ou modifient les organisations. "
    "Pour corriger celle de votre collectivité, signalez-le à la modération du registre."
)


@login_required
def organisation_create(request):
    return _edit(request, Organisation())


@login_required
def organisation_edit(request, pk):
    return _edit(request, get_object_or_404(Organisation, pk=pk))


def _edit(request, organisation):
    if not can_manage_organisations(request.user):
        raise PermissionDenied(REFUSED)
    creating = organisation._state.adding
    form = OrganisationForm(request.POST or None, instance=organisation)
    checking = request.POST.get("action") == "verifier"
    if request.method == "POST" and not checking and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        region = saved.region or "non déterminée"
        messages.success(
            request,
            f"Organisation « {saved.name} » {'créée' if creating else 'enregistrée'} "
            f"(région : {region}).",
        )
        return redirect("registre:organisation", pk=saved.pk)
    if checking:
        form.is_valid()  # show the field errors with the lookup, save nothing
    return render(
        request,
        "registre/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "creating": creating,
            "lookup": form.siren_lookup() if form.is_bound or not creating else "",
        },
    )
