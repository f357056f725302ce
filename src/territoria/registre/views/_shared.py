"""Small helpers shared by the register pages."""

from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme

from territoria.registre.visibility import visible_projects


def visible_project_or_404(request, pk):
    """The project if this user may see it; a 404 otherwise (drafts do not exist for others)."""
    return get_object_or_404(visible_projects(request.user).select_related("organisation"), pk=pk)


def redirect_back(request, fallback):
    """Back to the page the form came from (`next`), if it belongs to this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def report_prefix(report) -> str:
    # Several status forms share a page: each gets its own ids.
    return f"r{report.pk.hex[:8]}"
