from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults

from territoria.core import modules
from territoria.core.api.errors import server_error_body


def home(request):
    """The sections the modules declare (core/modules.py), in their declared order."""
    sections = modules.home_sections()
    rendered = []
    for section in sections:
        context = modules.resolve(section.context)(request) if section.context else {}
        rendered.append(render_to_string(section.template, context, request=request))
    stylesheets = list(dict.fromkeys(path for s in sections for path in s.stylesheets))
    return render(
        request,
        "core/home.html",
        {"HOME_SECTIONS": rendered, "HOME_STYLESHEETS": stylesheets},
    )


def operations(request):
    """The operators' page: the job queue, the workers' health, the periodic tasks."""
    from django.core.exceptions import PermissionDenied

    from territoria.core.operations import status
    from territoria.core.roles import has_capability

    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not has_capability(request.user, "core.platform_admin"):
        raise PermissionDenied("Page réservée aux administrateurs de la plateforme.")
    return render(request, "core/operations.html", {"report": status()})


def accessibility(request):
    return render(request, "core/accessibility.html", {"contact_email": settings.CONTACT_EMAIL})


def is_api_client(request) -> bool:
    """API routes, or a client that asks for JSON and not HTML: it never parses an HTML page."""
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def page_not_found(request, exception=None):
    """404 in French: JSON for API clients, the error page otherwise."""
    if is_api_client(request):
        return JsonResponse(
            {"detail": "Ressource introuvable : vérifiez l'adresse et l'identifiant."}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500 outside DRF's handler (plain Django views, middleware): JSON for API clients, with
    no exception text nor server path; the error page otherwise."""
    if is_api_client(request):
        return JsonResponse(server_error_body(), status=500)
    return defaults.server_error(request)
