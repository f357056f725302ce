from django.shortcuts import render


def home(request):
    return render(request, "core/home.html")


def accessibility(request):
    return render(request, "core/accessibility.html")


def page_not_found(request, exception=None):
    """404 in French: JSON for API clients (they never parse HTML), the error page otherwise."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"detail": "Ressource introuvable : vérifiez l'adresse et l'identifiant."}, status=404
        )
    from django.views.defaults import page_not_found as default_page_not_found

    return default_page_not_found(request, exception)
