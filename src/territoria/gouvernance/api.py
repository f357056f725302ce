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

from territoria.core.audit import acting_as
from territoria.core.client_address import client_address
from territoria.core.models import Organisation
from territoria.gouvernance import aiact, exports, services, stats
from territoria.gouvernance.forms import CitizenMessageForm, CrpaForm, FrugalityForm, OpinionForm
from territoria.gouvernance.models import (
    CitizenMessage,
    CrpaNotice,
    FrugalityAssessment,
    Obligation,
    ReviewSupport,
)
from territoria.gouvernance.permissions import (
    get_abilities,
    public_trust_answers,
    visible_projects,
)


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(help_text="Réponses : {question: 'oui'|'non'|option|[options]}")
    submit = serializers.BooleanField(
        default=False, help_text="Proposer pour relecture (sinon brouillon)"
    )


def _project(request, pk):
    return get_object_or_404(visible_projects(request.user).select_related("organisation"), pk=pk)


def _acting(request, pk, ability):
    """The record if this user may see it and has `ability` on it; 404 otherwise (as the pages)."""
    project = _project(request, pk)
    if not get_abilities(request.user, project)[ability]:
        raise NotFound()
    return project


def _form_errors(form) -> Response:
    """400 with each field's label and message in French; nothing was written."""
    errors = {
        (form.fields[name].label if name in form.fields else name) or name: list(messages)
        for name, messages in form.errors.items()
    }
    detail = "; ".join(f"{label} : {' '.join(m)}" for label, m in errors.items())
    return Response(
        {"detail": f"Rien n'a été enregistré. {detail}", "erreurs": errors},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _form_data(request, multi: tuple[str, ...] = ()) -> dict:
    """The JSON body as form data (lists kept for multiple-choice fields, booleans as oui/non)."""
    if not isinstance(request.data, dict):
        raise ValidationError("Le corps de la requête doit être un objet JSON.")
    data = {}
    for key, value in request.data.items():
        if key in multi:
            data[key] = value if isinstance(value, list) else [value]
        elif isinstance(value, bool):
            data[key] = "oui" if value else "non"
        elif value is None:
            data[key] = ""
        else:
            data[key] = value
    return data


class _FormQueryDict(dict):
    """A dict that answers `getlist` (what Django forms ask of multiple-choice data)."""

    def getlist(self, key, default=None):
        value = self.get(key, default if default is not None else [])
        return value if isinstance(value, list) else [value]


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
                "modele_reponse": services.individual_information_template(project, notice),
            },
            "soutiens_examen": project.review_supports.count(),
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


class TrustView(APIView):
    @extend_schema(
        summary="Enregistrer une auto-évaluation selon les 7 exigences (nouvelle évaluation datée)",
        request=dict,
        responses=dict,
    )
    def post(self, request, pk):
        project = _acting(request, pk, "assess")
        raw = request.data.get("reponses") if isinstance(request.data, dict) else None
        errors = services.trust_errors(raw)
        if errors:
            return Response(
                {"detail": "Rien n'a été enregistré. " + " ".join(errors), "erreurs": errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        saved = services.save_trust(project, raw, request.user)
        return Response(
            {
                "date": saved.created_at,
                "complete": saved.complete,
                "taux": saved.scores,
                "recommandations": services.trust_recommendations(saved.answers),
            },
            status=status.HTTP_201_CREATED,
        )


class FrugalityView(APIView):
    @extend_schema(
        summary="Enregistrer une évaluation de frugalité (trois portes, énergie et carbone)",
        description=(
            "Champs du formulaire : alternative (oui/non), alternative_text, practices (liste), "
            "limits (oui/non), limits_text, runtime_hours, uses_per_year, cores, "
            "tdp_per_core_w, usage, memory_gb, pue, carbon_intensity (gCO2e/kWh)."
        ),
        request=dict,
        responses=dict,
    )
    def post(self, request, pk):
        project = _acting(request, pk, "assess")
        base = FrugalityAssessment(
            project=project, carbon_intensity=services.grid_carbon_intensity()
        )
        try:
            data = _FormQueryDict(_form_data(request, multi=("practices",)))
        except ValidationError as error:
            return Response({"detail": error.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        for name in FrugalityForm.Meta.fields:  # omitted figures keep the form's defaults
            data.setdefault(name, [] if name == "practices" else getattr(base, name))
        form = FrugalityForm(data, instance=base, practices=services.frugality_rules()["practices"])
        if not form.is_valid():
            return _form_errors(form)
        assessment = form.save(commit=False)
        assessment.created_by = request.user
        assessment.source = "api"
        with acting_as(request.user):
            assessment.save()
        return Response(services.frugality_figures(assessment), status=status.HTTP_201_CREATED)


class CrpaView(APIView):
    @extend_schema(
        summary="Remplir la fiche CRPA d'un projet et obtenir les textes générés",
        description=(
            "Champs : individual_decisions, service, contact, purpose, decision_place, "
            "automation (aide/automatique), legal_basis, decisions_per_year, data_sources, "
            "parameters, operations, code_url. Les champs absents gardent leur valeur."
        ),
        request=dict,
        responses=dict,
    )
    def put(self, request, pk):
        project = _acting(request, pk, "assess")
        notice = CrpaNotice.objects.filter(project=project).first() or CrpaNotice(
            project=project, purpose=project.usage_description
        )
        try:
            data = _form_data(request)
        except ValidationError as error:
            return Response({"detail": error.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        for name in CrpaForm.Meta.fields:
            if name not in data:
                current = getattr(notice, name)
                data[name] = (
                    ("on" if current else "") if isinstance(current, bool) else current or ""
                )
        if data.get("individual_decisions") in ("non", "false", False):
            data["individual_decisions"] = ""
        form = CrpaForm(data, instance=notice)
        if not form.is_valid():
            return _form_errors(form)
        saved = form.save(commit=False)
        saved.updated_by = request.user
        with acting_as(request.user):
            saved.save()
        return Response(
            {
                "applicable": services.crpa_applies(project, saved),
                "manquant": [str(m) for m in saved.missing()],
                "mention_explicite": services.mention_explicite(project, saved),
                "regles": dict(services.rules_page(project, saved)),
                "modele_reponse": services.individual_information_template(project, saved),
            }
        )


class OpinionView(APIView):
    @extend_schema(
        summary="Enregistrer l'avis d'un comité sur un projet",
        description=(
            "Champs : committee (identifiant d'un comité de l'organisation), verdict "
            "(favorable, reserves, defavorable), text, given_on (AAAA-MM-JJ), votes_for, "
            "votes_against, abstentions, criteres (liste des critères vérifiés : libellés ou "
            "identifiants)."
        ),
        request=dict,
        responses=dict,
    )
    def post(self, request, pk):
        project = _acting(request, pk, "committee")
        try:
            data = _form_data(request)
        except ValidationError as error:
            return Response({"detail": error.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        for name in ("votes_for", "votes_against", "abstentions"):
            data.setdefault(name, 0)
        form = OpinionForm(data, organisation=project.organisation)
        if not form.is_valid():
            return _form_errors(form)
        checked = request.data.get("criteres") or []
        known = {c.label for c in project.organisation.ai_gate_criteria.all()} | {
            str(c.pk) for c in project.organisation.ai_gate_criteria.all()
        }
        unknown = (
            [str(c) for c in checked if str(c) not in known]
            if isinstance(checked, list)
            else [checked]
        )
        if unknown:
            return Response(
                {
                    "detail": "Rien n'a été enregistré. Critères inconnus pour cette organisation : "
                    + ", ".join(f"« {c} »" for c in unknown)
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        opinion = services.record_opinion(project, form.save(commit=False), checked, request.user)
        return Response(
            {"avis": opinion.verdict, "date": opinion.given_on, "criteres": opinion.gate_results},
            status=status.HTTP_201_CREATED,
        )


class MessageTokenView(APIView):
    permission_classes = []

    @extend_schema(
        summary="Jeton du formulaire de participation (à renvoyer avec le message, après 3 s)",
        responses=dict,
    )
    def get(self, request):
        return Response(
            {
                "jeton": services.form_token(),
                "delai_minimum_s": services.MIN_SECONDS,
                "validite_s": services.MAX_SECONDS,
            }
        )


class MessageView(APIView):
    permission_classes = []  # no account needed: moderated, with the page's anti-spam checks

    @extend_schema(
        summary="Poser une question ou commenter un projet publié (modéré avant publication)",
        description=(
            "Champs : kind (question, commentaire), author_name, author_email (jamais publié), "
            "body, jeton (voir participer/jeton/), charte (true : la charte de participation "
            "est acceptée), site_web (à laisser vide)."
        ),
        request=dict,
        responses=dict,
    )
    def post(self, request, pk):
        project = _project(request, pk)
        if not get_abilities(request.user, project)["participate"]:
            raise NotFound()
        try:
            data = _form_data(request)
        except ValidationError as error:
            return Response({"detail": error.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        if data.get("charte") == "non":
            data.pop("charte")
        data.setdefault("kind", CitizenMessage.Kind.QUESTION)
        form = CitizenMessageForm(data)
        if not form.is_valid():
            return _form_errors(form)
        message, reason = services.receive_citizen_message(
            project, form.cleaned_data, client_address(request)
        )
        if reason:
            return Response(
                {"detail": f"Le message n'a pas été envoyé. {reason}"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"statut": message.status, "detail": "Votre message sera publié après relecture."},
            status=status.HTTP_201_CREATED,
        )


class SupportView(APIView):
    permission_classes = []

    @extend_schema(
        summary="Soutenir une demande d'examen du projet par le comité",
        request=None,
        responses=dict,
    )
    def post(self, request, pk):
        project = _project(request, pk)
        if not get_abilities(request.user, project)["participate"]:
            raise NotFound()
        key = services.sender_key(f"soutien-api:{client_address(request)}")
        created = ReviewSupport.objects.get_or_create(project=project, supporter_key=key)[1]
        return Response(
            {"compte": created, "soutiens_examen": project.review_supports.count()},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ModerationView(APIView):
    @extend_schema(
        summary="Publier (avec une réponse), refuser, ou répondre à un message publié",
        description="Champs : action (publier, refuser, repondre), answer.",
        request=dict,
        responses=dict,
    )
    def post(self, request, message_pk):
        try:
            message = CitizenMessage.objects.select_related("project").get(pk=message_pk)
        except (CitizenMessage.DoesNotExist, ValidationError):
            raise NotFound() from None
        _acting(request, message.project_id, "answer")
        try:
            services.moderate_message(
                message,
                str(request.data.get("action", "")),
                str(request.data.get("answer", "") or ""),
                request.user,
            )
        except ValidationError as error:
            return Response(
                {"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"statut": message.status, "reponse": message.answer})


class ObligationView(APIView):
    @extend_schema(
        summary="Modifier une obligation : responsable, échéance, faite",
        description="Champs : owner, due_on (AAAA-MM-JJ, vide pour aucune), done (booléen).",
        request=dict,
        responses=dict,
    )
    def patch(self, request, obligation_pk):
        try:
            obligation = Obligation.objects.select_related("classification").get(pk=obligation_pk)
        except (Obligation.DoesNotExist, ValidationError):
            raise NotFound() from None
        _acting(request, obligation.classification.project_id, "assess")
        data = request.data if isinstance(request.data, dict) else {}
        done = data.get("done")
        if done is not None and not isinstance(done, bool):
            return Response(
                {"detail": "« done » attend true ou false."}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            services.update_obligation(
                obligation,
                request.user,
                owner=data.get("owner"),
                due_on=data.get("due_on"),
                done=done,
            )
        except ValidationError as error:
            return Response(
                {"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            {
                "article": obligation.article,
                "responsable": obligation.owner,
                "echeance": obligation.due_on,
                "faite": obligation.done,
                "faite_le": obligation.done_on,
            }
        )


class ObservatoryView(APIView):
    @extend_schema(
        summary="Observatoire d'une organisation : ses systèmes, niveaux, évaluations, avis, "
        "chartes, critères, comités et questions ouvertes (données publiques)",
        responses=dict,
    )
    def get(self, request, pk):
        try:
            organisation = Organisation.objects.get(pk=pk)
        except (Organisation.DoesNotExist, ValidationError):
            raise NotFound("Organisation inconnue.") from None
        projects = visible_projects(None).filter(organisation=organisation)
        published = CitizenMessage.objects.filter(
            project__in=projects, status=CitizenMessage.Status.PUBLISHED
        ).select_related("project")
        return Response(
            {
                "organisation": {"id": str(organisation.pk), "nom": organisation.name},
                "tableau_de_bord": _dashboard_json(stats.dashboard(projects)),
                "systemes": exports.public_rows(organisation),
                "chartes": [
                    {
                        "titre": c.title,
                        "adoptee_le": c.adopted_on,
                        "principes": c.principle_list(),
                        "lien": c.url,
                    }
                    for c in organisation.ai_charters.all()
                ],
                "criteres": [c.label for c in organisation.ai_gate_criteria.all()],
                "comites": [
                    {"nom": c.name, "composition": c.composition}
                    for c in organisation.ai_committees.all()
                ],
                "questions_ouvertes": [
                    {"projet": str(m.project_id), "message": m.body, "date": m.created_at}
                    for m in published
                    if m.kind == CitizenMessage.Kind.QUESTION and not m.answer
                ],
            }
        )


urlpatterns = [
    path("regles/ai-act/", RulesView.as_view(), name="api-rules"),
    path("evaluer/", EvaluateView.as_view(), name="api-evaluate"),
    path("tableau-de-bord/", DashboardView.as_view(), name="api-dashboard"),
    path("projets/<uuid:pk>/", ProjectGovernanceView.as_view(), name="api-project"),
    path("projets/<uuid:pk>/classification/", ClassifyView.as_view(), name="api-classify"),
    path("projets/<uuid:pk>/confiance/", TrustView.as_view(), name="api-trust"),
    path("projets/<uuid:pk>/frugalite/", FrugalityView.as_view(), name="api-frugality"),
    path("projets/<uuid:pk>/crpa/", CrpaView.as_view(), name="api-crpa"),
    path("projets/<uuid:pk>/avis/", OpinionView.as_view(), name="api-opinion"),
    path("projets/<uuid:pk>/messages/", MessageView.as_view(), name="api-message"),
    path("projets/<uuid:pk>/soutenir/", SupportView.as_view(), name="api-support"),
    path("participer/jeton/", MessageTokenView.as_view(), name="api-message-token"),
    path("messages/<uuid:message_pk>/moderation/", ModerationView.as_view(), name="api-moderate"),
    path("obligations/<uuid:obligation_pk>/", ObligationView.as_view(), name="api-obligation"),
    path(
        "organisations/<uuid:pk>/observatoire/", ObservatoryView.as_view(), name="api-observatory"
    ),
]
