"""Viewsets of the register API. Every read goes through `visibility`, every write and
transition through `services/workflow.py`, every right through `permissions.get_abilities`."""

import uuid

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from territoria.core.api.body import request_object
from territoria.core.audit import acting_as
from territoria.core.models import AuditLog, Organisation, OrganisationType
from territoria.registre import schema
from territoria.registre.api import serializers as ser
from territoria.registre.api.errors import NOT_FOUND, FrenchErrorsMixin, PreconditionRequired
from territoria.registre.api.permissions import (
    ErrorReportPermission,
    IsModeratorOrReadOnly,
    ProjectPermission,
)
from territoria.registre.discovery.service import parse_query, search_projects
from territoria.registre.filters import ProjectFilter
from territoria.registre.models import ErrorReport, Project
from territoria.registre.permissions import can_contribute, can_moderate
from territoria.registre.services import notifications, workflow
from territoria.registre.services.workflow import ConcurrentEditError
from territoria.registre.visibility import visible_projects

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='Version lue (ex. "3") ; alternative au champ « version » du corps',
)
CONFLICT = OpenApiResponse(
    description="Version périmée : le projet a été modifié depuis (message en français)"
)
PRECONDITION = OpenApiResponse(description="Version manquante : envoyez « version » ou If-Match")


class FrenchFilterBackend(DjangoFilterBackend):
    """The parameters of `ProjectFilter` (documented in the OpenAPI description), matched by the
    register's query service like every page; an invalid value is refused naming the filter
    and the expected values."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise exceptions.ValidationError(self.errors_of(filterset))
        query = parse_query(request.query_params, request.user)
        if not (query.text or query.filters or query.organisation):
            return queryset
        result = search_projects(
            None, request.user, query=query, with_facets=False, load_projects=False
        )
        return queryset.filter(pk__in=result.all_ids)

    @staticmethod
    def errors_of(filterset) -> dict:
        errors = {}
        for name, messages in filterset.errors.items():
            field = filterset.form.fields.get(name)
            choices = [str(code) for code, _ in getattr(field, "choices", []) if code]
            value = filterset.data.get(name, "")
            if choices:
                errors[name] = [
                    f"Filtre « {name} » : valeur inconnue « {value} » ; valeurs attendues : "
                    + ", ".join(choices)
                    + "."
                ]
            else:
                errors[name] = [f"Filtre « {name} » : {message}" for message in messages]
        return errors


def parse_version(raw) -> int:
    text = str(raw).strip()
    text = text.removeprefix("W/")
    text = text.strip('"')
    if not text.isdigit():
        raise exceptions.ValidationError(
            {"version": [f"Version invalide « {str(raw)[:50]} » : un entier est attendu (ex. 3)."]}
        )
    return int(text)


def expected_version(request, validated_data, required: bool) -> int | None:
    if validated_data.get("version") is not None:
        return validated_data["version"]
    header = request.headers.get("If-Match")
    if header:
        return parse_version(header)
    if required:
        raise PreconditionRequired()
    return None


@extend_schema_view(
    list=extend_schema(
        summary="Projets visibles (publiés ; les vôtres aussi si vous êtes connecté)"
    ),
    retrieve=extend_schema(
        summary="Un projet (champs restreints seulement pour les lecteurs autorisés)"
    ),
    create=extend_schema(
        summary="Documenter un projet (brouillon)",
        request=ser.ProjectWriteSerializer,
        responses={201: ser.ProjectSerializer},
    ),
    update=extend_schema(
        summary="Modifier un projet",
        request=ser.ProjectWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ser.ProjectSerializer, 409: CONFLICT, 428: PRECONDITION},
    ),
    partial_update=extend_schema(
        summary="Modifier quelques champs d'un projet",
        request=ser.ProjectWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ser.ProjectSerializer, 409: CONFLICT, 428: PRECONDITION},
    ),
)
class ProjectViewSet(
    FrenchErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Projets d'IA du registre. Lecture ouverte (champs publics ; champs restreints pour les agents,
    élus et modérateurs connectés) ; écriture avec un jeton ou une session, selon `abilities`."""

    serializer_class = ser.ProjectSerializer
    permission_classes = [ProjectPermission]
    filter_backends = [FrenchFilterBackend, OrderingFilter]
    filterset_class = ProjectFilter
    # Only public, non-sensitive columns: ordering by a restricted field would leak its values.
    ordering_fields = [
        "nom_projet",
        "projet_date",
        "content_updated_on",
        "published_at",
        "created_at",
    ]
    ordering = ["nom_projet"]

    def get_queryset(self):
        return visible_projects(self.request.user).select_related(
            "organisation", "pending_revision"
        )

    def get_object(self):
        try:
            uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise exceptions.NotFound(
                f"Identifiant de projet invalide « {str(self.kwargs['pk'])[:50]} » : "
                "un UUID est attendu."
            ) from None
        return super().get_object()

    def _read(self, project, status_code=status.HTTP_200_OK):
        data = ser.ProjectSerializer(project, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": f'"{project.version}"'})

    def retrieve(self, request, *args, **kwargs):
        return self._read(self.get_object())

    def _write_serializer(self, partial):
        serializer = ser.ProjectWriteSerializer(
            data=request_object(self.request),
            partial=partial,
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def create(self, request, *args, **kwargs):
        serializer = self._write_serializer(partial=False)
        data = serializer.validated_data
        if not data.get("nom_projet"):
            raise exceptions.ValidationError({"nom_projet": ["Ce champ est obligatoire."]})
        organisation = data.get("organisation") or request.user.organisation
        if organisation is None:
            raise exceptions.ValidationError(
                {"organisation": ["Indiquez l'organisation porteuse du projet."]}
            )
        project = serializer.apply(Project(organisation=organisation))
        with acting_as(request.user):
            workflow.save_project(project, request.user)
        response = self._read(project, status.HTTP_201_CREATED)
        response["Location"] = response.data["api_url"]
        return response

    def update(self, request, *args, partial=False, **kwargs):
        # A partial edit of a published record adds to its pending revision, if any.
        project = workflow.working_copy(self.get_object())
        serializer = self._write_serializer(partial=partial)
        version = expected_version(request, serializer.validated_data, required=True)
        new_organisation = serializer.validated_data.get("organisation")
        if new_organisation is not None and new_organisation.pk != project.organisation_id:
            project.organisation = new_organisation
            self.check_object_permissions(request, project)  # may the user edit it there too?
        serializer.apply(project)
        with acting_as(request.user):
            # A published record comes back unchanged: the edit waits in `pending_revision`.
            saved = workflow.save_project(project, request.user, expected_version=version)
        return self._read(saved)

    def _transition(self, request, step, *args):
        project = self.get_object()
        raw = request_object(request).get("version")
        version = (
            parse_version(raw)
            if raw not in (None, "")
            else expected_version(request, {}, required=False)
        )
        if version is not None and version != project.version:
            raise ConcurrentEditError(project, version)
        with acting_as(request.user):
            step(project, request.user, *args)
        # Read back as stored (a step on a published record may change only its revision).
        return self._read(
            Project.objects.select_related("organisation", "pending_revision").get(pk=project.pk)
        )

    @extend_schema(
        summary="Soumettre à la modération",
        request=None,
        parameters=[IF_MATCH],
        responses={200: ser.ProjectSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="soumettre")
    def submit(self, request, pk=None):
        return self._transition(request, workflow.submit)

    @extend_schema(
        summary="Publier (modérateurs)",
        request=None,
        parameters=[IF_MATCH],
        responses={200: ser.ProjectSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="publier")
    def publish(self, request, pk=None):
        return self._transition(request, workflow.publish)

    @extend_schema(
        summary="Renvoyer au contributeur avec un motif (modérateurs)",
        request=ser.SendBackSerializer,
        parameters=[IF_MATCH],
        responses={200: ser.ProjectSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="renvoyer")
    def send_back(self, request, pk=None):
        self.get_object()  # permissions before validating the body
        body = ser.SendBackSerializer(data=request_object(request))
        body.is_valid(raise_exception=True)
        return self._transition(request, workflow.send_back, body.validated_data["reason"])

    @extend_schema(
        summary="Archiver un projet publié (modérateurs)",
        request=None,
        parameters=[IF_MATCH],
        responses={200: ser.ProjectSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="archiver")
    def archive(self, request, pk=None):
        return self._transition(request, workflow.archive)

    @extend_schema(
        summary="Historique des modifications (valeurs des champs restreints masquées si besoin)",
        responses=ser.HistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="historique", filter_backends=[])
    def history(self, request, pk=None):
        project = self.get_object()
        entries = AuditLog.objects.filter(
            object_type=Project._meta.label_lower, object_id=str(project.pk)
        ).select_related("actor")
        page = self.paginate_queryset(entries)
        rows = [ser.history_entry(entry, request.user, project) for entry in page]
        return self.get_paginated_response(rows)


@extend_schema_view(
    list=extend_schema(summary="Organisations porteuses"),
    retrieve=extend_schema(summary="Une organisation"),
    create=extend_schema(summary="Créer une organisation (modérateurs)"),
)
class OrganisationViewSet(
    FrenchErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations porteuses de projets (collectivités, opérateurs)."""

    serializer_class = ser.OrganisationSerializer
    permission_classes = [IsModeratorOrReadOnly]
    queryset = Organisation.objects.all()
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def get_object(self):
        try:
            uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise exceptions.NotFound(NOT_FOUND) from None
        return super().get_object()

    def perform_create(self, serializer):
        with acting_as(self.request.user):
            serializer.save()


class ReportThrottle(AnonRateThrottle):
    rate = "30/hour"


@extend_schema_view(
    list=extend_schema(summary="Signalements sur vos projets (modérateurs : tous)"),
    retrieve=extend_schema(summary="Un signalement"),
    create=extend_schema(summary="Signaler une erreur sur un projet publié (ouvert à tous)"),
)
class ErrorReportViewSet(
    FrenchErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Signalements d'erreur : dépôt ouvert à tous sur un projet publié ; lecture par la modération
    et par les agents de l'organisation porteuse."""

    permission_classes = [ErrorReportPermission]
    filter_backends = []

    def get_throttles(self):
        return [ReportThrottle()] if self.action == "create" else []

    def get_serializer_class(self):
        if self.action == "create":
            return ser.ErrorReportSerializer
        return ser.ErrorReportDetailSerializer

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create":
            # Only published projects can be reported; a draft reads as unknown (no existence leak).
            serializer.fields["project"].queryset = Project.objects.published()
        return serializer

    def get_queryset(self):
        user = self.request.user
        reports = ErrorReport.objects.select_related("project")
        if not user.is_authenticated:
            return reports.none()
        if can_moderate(user):
            return reports
        # Owners read the reports on their organisation's projects (ability `moderate_reports`).
        if can_contribute(user):
            return reports.filter(project__organisation_id=user.organisation_id)
        return reports.none()

    def get_object(self):
        try:
            uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise exceptions.NotFound(NOT_FOUND) from None
        return super().get_object()

    def perform_create(self, serializer):
        user = self.request.user
        with acting_as(user):
            report = serializer.save(reporter=user if user.is_authenticated else None)
        transaction.on_commit(lambda: notifications.error_reported(report))


class VocabularySerializer(ser.serializers.Serializer):
    field = ser.serializers.CharField(help_text="Identifiant du champ dans le schéma")
    title = ser.serializers.CharField()
    multiple = ser.serializers.BooleanField()
    entries = ser.CodeLabelSerializer(many=True)


class VocabularyView(FrenchErrorsMixin, APIView):
    """The enumerations of the data model: codes (stored, accepted on writes) and French labels."""

    permission_classes = []

    @extend_schema(
        summary="Vocabulaires contrôlés (codes et libellés)",
        responses=VocabularySerializer(many=True),
    )
    def get(self, request):
        rows = [
            {
                "field": spec.name,
                "title": spec.title,
                "multiple": spec.multiple,
                "entries": [{"code": c, "label": lbl} for c, lbl in spec.vocabulary.entries],
            }
            for spec in schema.FIELDS
            if spec.vocabulary is not None
        ]
        rows.append(
            {
                "field": "coll_type",
                "title": schema.spec("coll_type").title,
                "multiple": False,
                "entries": [{"code": c, "label": lbl} for c, lbl in OrganisationType.choices],
            }
        )
        rows.append(
            {
                "field": "lifecycle",
                "title": "État",
                "multiple": False,
                "entries": ser.lifecycle_vocabulary(),
            }
        )
        return Response(rows)
