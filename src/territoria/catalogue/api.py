"""REST API of the catalogue: reads with the same visibility as the pages (visibility.py), and
writes with the same rules as the pages (the same forms and services.py): curators create and
edit solutions, agents score them on the grid, participants of an ideation session propose
ideas, its host triages them. Errors are French, by field, and nothing is written partially."""

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from territoria.catalogue import grid, services
from territoria.catalogue import vocabulary as voc
from territoria.catalogue.forms import IdeaForm, SolutionForm
from territoria.catalogue.models import Idea, IdeationSession, Solution
from territoria.catalogue.visibility import (
    can_curate,
    can_view_restricted,
    experiment_values,
    solution_values,
    visible_experiments,
    visible_solutions,
)

# --- Request shapes (documentation in the OpenAPI description; validation is the forms') ----


class CatalogueSolutionWrite(serializers.Serializer):
    name = serializers.CharField(help_text="Nom de la solution.")
    provider = serializers.UUIDField(
        required=False, help_text="Identifiant d'un fournisseur existant…"
    )
    provider_name = serializers.CharField(
        required=False, help_text="…ou le nom d'un nouveau fournisseur (créé avec la fiche)."
    )
    provider_siren = serializers.CharField(required=False, help_text="9 chiffres, clé vérifiée.")
    provider_country = serializers.CharField(required=False, help_text="Code ISO, ex. FR.")
    provider_size = serializers.ChoiceField(choices=voc.ProviderSize.choices, required=False)
    description = serializers.CharField()
    licence = serializers.CharField(required=False)
    free_software = serializers.BooleanField(required=False)
    hosting = serializers.ChoiceField(choices=voc.Hosting.choices)
    data_location = serializers.CharField(required=False)
    secnumcloud = serializers.BooleanField(required=False)
    open_formats = serializers.BooleanField(required=False)
    reversibility = serializers.CharField(required=False)
    ai_features = serializers.ListField(
        child=serializers.ChoiceField(choices=voc.AI_FEATURES.choices)
    )
    domains = serializers.ListField(
        child=serializers.ChoiceField(choices=voc.DOMAINS.choices), required=False
    )
    business_software = serializers.BooleanField(required=False)
    price_model = serializers.ChoiceField(choices=voc.PriceModel.choices)
    negotiated_price = serializers.CharField(required=False, help_text="Restreint.")
    energy = serializers.CharField(required=False)
    documentation_url = serializers.URLField(required=False)
    source_url = serializers.URLField(required=False)
    published = serializers.BooleanField(required=False)
    homonym = serializers.BooleanField(
        required=False, help_text="Confirmer un homonyme chez un autre fournisseur."
    )


class CatalogueGridAnswer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=4)
    evidence = serializers.CharField(required=False, allow_blank=True)


class CatalogueEvaluationWrite(serializers.Serializer):
    answers = serializers.DictField(
        child=CatalogueGridAnswer(), help_text="« critère.question » → note de 0 à 4 et preuve."
    )
    public = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(required=False, allow_blank=True)


class CatalogueIdeaWrite(serializers.Serializer):
    session = serializers.UUIDField(help_text="La session d'idéation (vous y participez).")
    need = serializers.CharField()
    service = serializers.CharField()
    benefit = serializers.CharField()
    data_available = serializers.CharField(required=False, allow_blank=True)


class CatalogueIdeaTriage(serializers.Serializer):
    status = serializers.ChoiceField(choices=voc.Status.choices)


ERRORS = inline_serializer(
    "CatalogueErreurs",
    {"champ": serializers.ListField(child=serializers.CharField())},
)


def _refused(error: ValidationError) -> Response:
    if hasattr(error, "error_dict"):
        body = error.message_dict
    else:
        body = {"non_field_errors": error.messages}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _form_errors(form) -> Response:
    body = {
        ("non_field_errors" if field == "__all__" else field): [str(m) for m in problems]
        for field, problems in form.errors.items()
    }
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


UNKNOWN_FIELDS = "champ inconnu ; champs attendus : {}"


def _unknown(data, allowed) -> Response | None:
    if not isinstance(data, dict):
        return Response(
            {"non_field_errors": ["Le corps de la requête doit être un objet JSON."]}, status=400
        )
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        return Response(
            {name: [UNKNOWN_FIELDS.format(", ".join(sorted(allowed)))] for name in unknown},
            status=400,
        )
    return None


# --- Solutions ------------------------------------------------------------------------------


def _save_solution(request, instance=None):
    if not can_curate(request.user):
        raise PermissionDenied("Seuls les modérateurs et administrateurs modifient le catalogue.")
    fields = set(CatalogueSolutionWrite().fields)
    refused = _unknown(request.data, fields)
    if refused:
        return refused
    data = {}
    if instance is not None:  # PATCH: what is not sent keeps its value
        data = {
            k: v
            for k, v in model_to_dict(instance).items()
            if k in fields and v is not None and k != "provider"
        }
        data["provider"] = str(instance.provider_id)
    data.update(request.data)
    for name in ("free_software", "secnumcloud", "open_formats", "business_software"):
        data[name] = bool(data.get(name))
    data["published"] = bool(data.get("published", True))
    form = SolutionForm(data, instance=instance)
    if not form.is_valid():
        return _form_errors(form)
    try:
        saved = services.save_solution(
            request.user,
            form.values(),
            provider=form.cleaned_data["provider"],
            new_provider=form.new_provider(),
            instance=instance,
            homonym=form.cleaned_data["homonym"],
        )
    except ValidationError as error:
        return _refused(error)
    body = {
        **solution_values(saved, request.user),
        "url": reverse("catalogue-api:solution", args=[saved.pk]),
    }
    response = Response(body, status=201 if instance is None else 200)
    if instance is None:
        response["Location"] = body["url"]
    return response


class SolutionList(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

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

    @extend_schema(
        operation_id="catalogue_solutions_create",
        summary="Ajouter une solution (modérateurs et administrateurs)",
        description="Les règles de la page « Ajouter une solution » : doublon (même nom replié, "
        "même fournisseur) refusé avec le lien vers la fiche ; même nom chez un autre "
        "fournisseur refusé sauf `homonym` ; SIREN d'un nouveau fournisseur vérifié ; rien "
        "n'est écrit en cas de refus.",
        request=CatalogueSolutionWrite,
        responses={201: OpenApiTypes.OBJECT, 400: ERRORS, 401: None, 403: None},
        examples=[
            OpenApiExample(
                "Nouvelle solution",
                value={
                    "name": "Whisper",
                    "provider_name": "OpenAI",
                    "provider_country": "US",
                    "description": "Reconnaissance de la parole, modèle ouvert.",
                    "licence": "MIT",
                    "free_software": True,
                    "hosting": "sur_site",
                    "ai_features": ["stt"],
                    "price_model": "gratuit",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        return _save_solution(request)


def _territory(solution, user) -> dict:
    """For a member of a collectivité: who holds the solution's competences in its territory."""
    organisation = getattr(user, "organisation", None)
    if organisation is None or not can_view_restricted(user):
        return {}
    return {
        "competences_in_territory": [
            {
                "domain": row.domain,
                "competence": row.label,
                "holding": row.holding,
                "held_by": row.to,
                "recorded": row.recorded,
            }
            for row in services.territory_competences(organisation, solution.domains)
        ]
    }


class SolutionDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

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
                **_territory(solution, request.user),
            }
        )

    @extend_schema(
        operation_id="catalogue_solutions_update",
        summary="Modifier une fiche (modérateurs et administrateurs)",
        description="Seuls les champs envoyés changent ; mêmes règles que la création.",
        request=CatalogueSolutionWrite(partial=True),
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS, 401: None, 403: None, 404: None},
    )
    def patch(self, request, pk):
        if not can_curate(request.user):
            raise PermissionDenied(
                "Seuls les modérateurs et administrateurs modifient le catalogue."
            )
        solution = get_object_or_404(
            Solution.objects.filter(merged_into__isnull=True).select_related("provider"), pk=pk
        )
        return _save_solution(request, solution)


class EvaluationCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="catalogue_solutions_evaluate",
        summary="Noter une solution sur la grille (agents)",
        description="Remplace l'évaluation de l'agent pour cette solution. Chaque réponse est "
        "vérifiée (note de 0 à 4 ; une note de 3 ou 4, et certaines questions, exigent une "
        "preuve) ; une seule réponse fausse et rien n'est écrit. Questions : "
        + ", ".join(grid.QUESTIONS)
        + ".",
        request=CatalogueEvaluationWrite,
        responses={201: OpenApiTypes.OBJECT, 400: ERRORS, 401: None, 403: None, 404: None},
    )
    def post(self, request, pk):
        solution = get_object_or_404(visible_solutions(request.user), pk=pk)
        refused = _unknown(request.data, {"answers", "public", "comment"})
        if refused:
            return refused
        raw = request.data.get("answers")
        if not isinstance(raw, dict) or not raw:
            return Response({"answers": ["un objet « critère.question » → {score, evidence}"]}, 400)
        problems, answers = [], {}
        for key, answer in raw.items():
            if key not in grid.QUESTIONS:
                problems.append(f"« {key} » : question inconnue de la grille")
            elif (
                not isinstance(answer, dict)
                or isinstance(answer.get("score"), bool)
                or not isinstance(answer.get("score"), int)
            ):
                problems.append(
                    f'« {key} » : attendu {{"score": un entier de 0 à 4, "evidence": "…"}}'
                )
            else:
                answers[key] = (answer["score"], str(answer.get("evidence") or ""))
        if problems:
            return Response({"answers": problems}, status=400)
        try:
            evaluation = services.save_evaluation(
                solution,
                request.user,
                answers,
                public=bool(request.data.get("public")),
                comment=str(request.data.get("comment") or "")[:5000],
            )
        except grid.GridError as error:
            return Response({"answers": str(error).split("\n")}, status=400)
        return Response(
            {
                "id": str(evaluation.pk),
                "solution": str(solution.pk),
                "public": evaluation.public,
                "answers": evaluation.answers(),
            },
            status=201,
        )


# --- Experiments ----------------------------------------------------------------------------


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


# --- Ideas (internal: agents and élus read; participants propose; the host triages) ---------


def _idea_values(idea) -> dict:
    return {
        "id": str(idea.pk),
        "url": reverse("catalogue-api:idea", args=[idea.pk]),
        "session": str(idea.session_id) if idea.session_id else None,
        "session_title": idea.session.title if idea.session_id else None,
        "organisation": idea.organisation.name,
        "need": idea.need,
        "service": idea.service,
        "benefit": idea.benefit,
        "data_available": idea.data_available,
        "status": idea.status,
        "votes": idea.voters.count(),
    }


def _ideas_reader(request):
    if not can_view_restricted(request.user):
        raise PermissionDenied("Les idées sont lues par les agents et les élus.")


class IdeaList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="catalogue_ideas_list", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        _ideas_reader(request)
        items = Idea.objects.select_related("session", "organisation").annotate(n=Count("voters"))
        if request.query_params.get("session"):
            items = items.filter(session_id__in=_uuids(request.query_params.getlist("session")))
        return Response([_idea_values(i) for i in items.order_by("-n", "-created_at")])

    @extend_schema(
        operation_id="catalogue_ideas_create",
        summary="Proposer une idée dans une session d'idéation (ses participants)",
        request=CatalogueIdeaWrite,
        responses={201: OpenApiTypes.OBJECT, 400: ERRORS, 401: None, 403: None},
    )
    def post(self, request):
        _ideas_reader(request)
        refused = _unknown(request.data, set(CatalogueIdeaWrite().fields))
        if refused:
            return refused
        session = IdeationSession.objects.filter(
            pk__in=_uuids([str(request.data.get("session") or "")])
        ).first()
        if session is None:
            return Response({"session": ["session d'idéation inconnue"]}, status=400)
        form = IdeaForm(request.data)
        if not form.is_valid():
            return _form_errors(form)
        try:
            idea = services.propose_idea(request.user, session, form.cleaned_data)
        except ValidationError as error:
            return _refused(error)
        body = _idea_values(idea)
        response = Response(body, status=201)
        response["Location"] = body["url"]
        return response


class IdeaDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="catalogue_ideas_detail", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        _ideas_reader(request)
        return Response(_idea_values(get_object_or_404(Idea, pk=pk)))

    @extend_schema(
        operation_id="catalogue_ideas_triage",
        summary="Trier une idée (l'hôte de sa session : animateur, sa collectivité, modérateurs)",
        description="Une étape du parcours à la fois (idée → qualifiée → expérimentation → "
        "évaluée → déployée, ou abandonnée) ; audité.",
        request=CatalogueIdeaTriage,
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS, 401: None, 403: None, 404: None},
    )
    def patch(self, request, pk):
        _ideas_reader(request)
        idea = get_object_or_404(Idea.objects.select_related("session"), pk=pk)
        refused = _unknown(request.data, {"status"})
        if refused:
            return refused
        new = request.data.get("status")
        if new not in voc.Status.values:
            expected = ", ".join(voc.Status.values)
            return Response({"status": [f"état inconnu « {new} » ; attendus : {expected}"]}, 400)
        try:
            services.triage(request.user, {idea: new})
        except ValidationError as error:
            return Response({"status": error.messages}, status=400)
        idea.refresh_from_db()
        return Response(_idea_values(idea))


def _uuids(values):
    import uuid

    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


app_name = "catalogue-api"
urlpatterns = [
    path("solutions/", SolutionList.as_view(), name="solutions"),
    path("solutions/<uuid:pk>/", SolutionDetail.as_view(), name="solution"),
    path("solutions/<uuid:pk>/evaluations/", EvaluationCreate.as_view(), name="evaluate"),
    path("experimentations/", ExperimentList.as_view(), name="experiments"),
    path("experimentations/<uuid:pk>/", ExperimentDetail.as_view(), name="experiment"),
    path("idees/", IdeaList.as_view(), name="ideas"),
    path("idees/<uuid:pk>/", IdeaDetail.as_view(), name="idea"),
]
