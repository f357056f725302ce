"""API of the register's discovery: search with facets, facets, map (GeoJSON), dashboard, similar.

Routed by `api/urls.py` under `api/registre/`, next to the CRUD API of the register
(`api/viewsets.py`). Same query string and same query service as the pages, so the API and
the pages always give the same results, and only what the caller may read.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from territoria.registre.discovery.dashboard import build_dashboard
from territoria.registre.discovery.facets import FILTER_FACETS
from territoria.registre.discovery.mapdata import as_geojson, map_points
from territoria.registre.discovery.service import search_projects
from territoria.registre.discovery.similar import similar_projects
from territoria.registre.visibility import project_values, visible_projects

QUERY_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Texte recherché (français ; fautes de frappe tolérées)"
    ),
    OpenApiParameter(
        "mode",
        OpenApiTypes.STR,
        enum=["hybrid", "lexical", "dense"],
        description="hybrid (défaut) : plein texte + sémantique fusionnés",
    ),
    OpenApiParameter(
        "orthographe",
        OpenApiTypes.STR,
        enum=["exacte"],
        description="exacte : chercher les mots tels que saisis ; une correction est alors "
        "seulement proposée (suggested_query) au lieu d'être appliquée (corrected_query)",
    ),
    *[
        OpenApiParameter(
            facet.name,
            OpenApiTypes.STR,
            description=f"Filtre : {facet.label}"
            + (" (réservé aux lecteurs des champs restreints)" if facet.restricted else ""),
        )
        for facet in FILTER_FACETS
    ],
    OpenApiParameter("organisation", OpenApiTypes.UUID, description="Projets d'une organisation"),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("limit", OpenApiTypes.INT, description="≤ 100"),
]


def project_summary(project, user, snippet: str = "") -> dict:
    return {
        "id": str(project.pk),
        "url": project.get_absolute_url(),
        "snippet": snippet,
        "values": project_values(project, user),
    }


class _Discovery(APIView):
    permission_classes = [AllowAny]  # read-only; what is returned depends on who asks


class SearchView(_Discovery):
    @extend_schema(
        parameters=QUERY_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="Rechercher des projets (avec facettes)",
    )
    def get(self, request):
        result = search_projects(request.query_params, request.user)
        return Response(
            {
                "count": result.total,
                "page": result.query.page,
                "pages": result.pages,
                "query": result.query.text,
                "corrected_query": result.corrected_text,
                "suggested_query": result.suggestion,
                "messages": result.messages,
                "results": [
                    project_summary(p, request.user, result.snippets.get(p.pk, ""))
                    for p in result.projects
                ],
                "facets": [facet.as_dict() for facet in result.facets],
            }
        )


class FacetsView(_Discovery):
    @extend_schema(
        parameters=QUERY_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="Facettes et effectifs d'une recherche",
    )
    def get(self, request):
        result = search_projects(request.query_params, request.user, load_projects=False)
        return Response(
            {
                "count": result.total,
                "messages": result.messages,
                "facets": [facet.as_dict() for facet in result.facets],
            }
        )


class MapView(_Discovery):
    @extend_schema(
        parameters=QUERY_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="Organisations et leurs projets (GeoJSON)",
    )
    def get(self, request):
        query, organisations, total = map_points(request.query_params, request.user)
        return Response({**as_geojson(organisations), "count": total, "messages": query.messages})


class DashboardView(_Discovery):
    @extend_schema(
        parameters=QUERY_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="Tableau de bord : projets par dimension",
    )
    def get(self, request):
        return Response(build_dashboard(request.query_params, request.user).as_dict())


class SimilarView(_Discovery):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="Projets similaires (d'autres territoires d'abord)",
    )
    def get(self, request, pk):
        project = get_object_or_404(visible_projects(request.user), pk=pk)
        return Response(
            {
                "results": [
                    project_summary(p, request.user)
                    for p in similar_projects(project, request.user)
                ]
            }
        )
