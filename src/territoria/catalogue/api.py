"""REST API of the catalogue (read-only): the same visibility as the pages (visibility.py)."""

from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from territoria.catalogue import services
from territoria.catalogue.visibility import (
    experiment_values,
    solution_values,
    visible_experiments,
    visible_solutions,
)


class SolutionList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="catalogue_solutions_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        solutions = visible_solutions(request.user).select_related("provider")
        return Response(
            [
                {
                    **solution_values(s, request.user),
                    "url": reverse("catalogue-api:solution", args=[s.pk]),
                }
                for s in solutions
            ]
        )


class SolutionDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="catalogue_solutions_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        solution = get_object_or_404(
            visible_solutions(request.user).select_related("provider"), pk=pk
        )
        scores = services.reconciled(solution, request.user)
        weights = services.weights_for(getattr(request.user, "organisation", None))
        return Response(
            {
                **solution_values(solution, request.user),
                "grid": {
                    "by_criterion": scores.by_criterion,
                    "spread": scores.spread,
                    "evaluators": scores.evaluators,
                    "weighted_total": scores.total(weights),
                },
                "replication": services.replication_counts(solution, request.user),
            }
        )


class ExperimentList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="catalogue_experiments_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        items = visible_experiments(request.user).select_related("solution", "carrier")
        return Response(
            [
                {
                    **experiment_values(e, request.user),
                    "url": reverse("catalogue-api:experiment", args=[e.pk]),
                }
                for e in items
            ]
        )


class ExperimentDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="catalogue_experiments_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        experiment = get_object_or_404(visible_experiments(request.user), pk=pk)
        return Response(experiment_values(experiment, request.user))


app_name = "catalogue-api"
urlpatterns = [
    path("solutions/", SolutionList.as_view(), name="solutions"),
    path("solutions/<uuid:pk>/", SolutionDetail.as_view(), name="solution"),
    path("experimentations/", ExperimentList.as_view(), name="experiments"),
    path("experimentations/<uuid:pk>/", ExperimentDetail.as_view(), name="experiment"),
]
