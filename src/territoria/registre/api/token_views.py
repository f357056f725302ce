"""The page « Mes jetons d'API » of the register (core/token_pages.py does the work)."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from territoria.core.token_pages import token_page
from territoria.registre.permissions import can_contribute


@login_required
@require_http_methods(["GET", "POST"])
def api_token_page(request):
    contributor = can_contribute(request.user)
    return token_page(
        request,
        template="registre/api_token.html",
        scopes=["registre:read", "registre:write"],
        initial=["registre:read", "registre:write"] if contributor else ["registre:read"],
        context={
            "can_contribute": contributor,
            "example_path": reverse("registre:api-project-list"),
        },
    )
