"""The page « Mon jeton d'API »: a logged-in person sees, creates, regenerates or revokes their token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from territoria.registre.api import tokens
from territoria.registre.permissions import can_contribute


@login_required
@require_http_methods(["GET", "POST"])
def api_token_page(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("create", "regenerate"):
            tokens.issue(request.user, regenerate=action == "regenerate")
            messages.success(
                request,
                "Votre jeton d'API est prêt."
                if action == "create"
                else "Nouveau jeton créé : l'ancien ne fonctionne plus.",
            )
        elif action == "revoke":
            tokens.revoke(request.user)
            messages.success(request, "Votre jeton d'API est révoqué.")
        else:
            messages.error(request, "Action inconnue.")
        return redirect("registre:api_token")
    return render(
        request,
        "registre/api_token.html",
        {
            "token": tokens.token_of(request.user),
            "can_contribute": can_contribute(request.user),
        },
    )
