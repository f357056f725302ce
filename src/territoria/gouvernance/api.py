"""The governance API (OpenAPI through drf-spectacular), mounted under `api/gouvernance/`.

Same rules as the pages: `permissions.py` for abilities and restricted parts, `stats.py`
for the public summaries.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from territoria.core.models import Organisation
from territoria.gouvernance import aiact, services, stats
from territoria.gouvernance.models import CitizenMessage, CrpaNotice
from territoria.gouvernance.permissions import get_abilities, public_trust_answers, visible_projects


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(help_text="Réponses : {question: 'oui'|'non'|option|[options]}")
    submit = serializers.BooleanField(
        default=False, help_text="Proposer pour relecture (sinon brouillon)"
    )


def _project(request, pk):
    return get_object_or_404(visible_projects(request.user).select_related("organisation"), pk=pk)


def _dashboard_json(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if key not in ("summaries", "chart")}


class RulesView(APIView):
    @extend_schema(
        summary="Le questionnaire AI Act et ses règles (fichier déclaratif)", responses=dict
    )
    def get(self, request):
        return Response(aiact.load_rules())


class EvaluateView(APIView):
    permission_classes = []  # a pure computation: nothing is stored

    @extend_schema(
        summary="Évaluer des réponses sans les enregistrer",
        request=AnswersSerializer,
        responses=dict,
    )
    def post(self, request):
        data = AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(aiact.evaluate(data.validated_data["answers"]).as_dict())


class ProjectGovernanceView(APIView):
    @extend_schema(
        summary="Gouvernance d'un projet (classification, confiance, frugalité, avis, questions)",
        responses=dict,
    )
    def get(self, request, pk):
        project = _project(request, pk)
        s = stats.record_summary(project)
        restricted = get_abilities(request.user, project)["view_restricted"]
        c = s["classification"]
        trust = s["trust"]
        notice = CrpaNotice.objects.filter(project=project).first()
        body = {
            "projet": str(project.pk),
            "nom_projet": project.nom_projet,
            "classification": c
            and {
                "version": c.number,
                "niveau": c.level,
                "regles": c.rules_version,
                "a_revoir": s["stale"],
                "relue_le": c.reviewed_at,
                "resultat": c.result,
                "obligations": [
                    {
                        "article": o.article,
                        "texte": o.text,
                        "applicable_le": o.applies_from,
                        "faite": o.done,
                        **({"responsable": o.owner, "echeance": o.due_on} if restricted else {}),
                    }
                    for o in c.obligations.all()
                ],
            },
            "confiance": trust
            and {
                "date": trust.created_at,
                "complete": trust.complete,
                "taux": trust.scores,
                "reponses": public_trust_answers(trust.answers, request.user, project),
                "recommandations": services.trust_recommendations(trust.answers),
            },
            "frugalite": s["frugality_figures"],
            "avis": [
                {
                    "comite": o.committee.name,
                    "avis": o.verdict,
                    "texte": o.text,
                    "date": o.given_on,
                    "pour": o.votes_for,
                    "contre": o.votes_against,
                    "abstentions": o.abstentions,
                    "criteres": o.gate_results,
                }
                for o in project.committee_opinions.select_related("committee")
            ],
            "messages": [
                {
                    "type": m.kind,
                    "auteur": m.author_name,
                    "message": m.body,
                    "reponse": m.answer,
                    "date": m.created_at,
                }
                for m in project.citizen_messages.filter(status=CitizenMessage.Status.PUBLISHED)
            ],
            "crpa": notice
            and {
                "applicable": s["crpa_applies"],
                "manquant": [str(m) for m in notice.missing()],
                "mention_explicite": services.mention_explicite(project, notice),
                "regles": dict(services.rules_page(project, notice)),
            },
        }
        return Response(body)


class ClassifyView(APIView):
    @extend_schema(
        summary="Enregistrer une classification (brouillon ou proposition)",
        request=AnswersSerializer,
        responses=dict,
    )
    def post(self, request, pk):
        project = _project(request, pk)
        if not get_abilities(request.user, project)["assess"]:
            raise NotFound()
        data = AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            saved = services.save_classification(
                project,
                data.validated_data["answers"],
                request.user,
                submit=data.validated_data["submit"],
            )
        except ValidationError as error:
            return Response(
                {"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            {"version": saved.number, "statut": saved.status, "resultat": saved.result}, status=201
        )


class DashboardView(APIView):
    @extend_schema(
        summary="Tableau de bord national, ou d'une organisation",
        parameters=[
            OpenApiParameter("organisation", str, description="identifiant d'une organisation")
        ],
        responses=dict,
    )
    def get(self, request):
        projects = visible_projects(None)
        if request.query_params.get("organisation"):
            try:
                organisation = Organisation.objects.get(pk=request.query_params["organisation"])
            except (Organisation.DoesNotExist, ValidationError):
                raise NotFound("Organisation inconnue.") from None
            projects = projects.filter(organisation=organisation)
        return Response(_dashboard_json(stats.dashboard(projects)))


urlpatterns = [
    path("regles/ai-act/", RulesView.as_view(), name="api-rules"),
    path("evaluer/", EvaluateView.as_view(), name="api-evaluate"),
    path("tableau-de-bord/", DashboardView.as_view(), name="api-dashboard"),
    path("projets/<uuid:pk>/", ProjectGovernanceView.as_view(), name="api-project"),
    path("projets/<uuid:pk>/classification/", ClassifyView.as_view(), name="api-classify"),
]
