"""Discovery pages of the register: search with facets, map, dashboard, similar projects.

All of them read the same query string (the parameters declared by `ProjectFilter`), go through
the query service (`registre.discovery.service`) and so through `visibility`; all work without
JavaScript (the map then shows its list of organisations).
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from territoria.registre.discovery.dashboard import build_dashboard
from territoria.registre.discovery.mapdata import map_points, map_points_of
from territoria.registre.discovery.service import search_projects
from territoria.registre.discovery.similar import similar_projects
from territoria.registre.visibility import visible_projects


@require_GET
def search(request):
    result = search_projects(request.GET, request.user)
    template = "registre/discovery/search.html"
    if request.headers.get("HX-Request"):
        template = "registre/discovery/_results.html"
    return render(request, template, {"result": result, "query": result.query})


@require_GET
def project_map(request):
    query, organisations, total = map_points(request.GET, request.user)
    filters = search_projects(request.GET, request.user, load_projects=False)
    return render(
        request,
        "registre/discovery/map.html",
        {
            "query": query,
            "organisations": organisations,
            "total": total,
            "facets": filters.facets,
            "map_points": map_points_of(organisations),
        },
    )


@require_GET
def dashboard(request):
    board = build_dashboard(request.GET, request.user)
    filters = search_projects(request.GET, request.user, load_projects=False)
    return render(
        request,
        "registre/discovery/dashboard.html",
        {
            "board": board,
            "query": board.query,
            "facets": filters.facets,
        },
    )


@require_GET
def similar(request, pk):
    project = get_object_or_404(visible_projects(request.user), pk=pk)
    return render(
        request,
        "registre/discovery/_similar.html",
        {
            "project": project,
            "similar": similar_projects(project, request.user),
        },
    )
