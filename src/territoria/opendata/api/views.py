"""The open-data API: catalogue, publication, queries (filters, aggregations, SQL), downloads."""

import uuid

from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from territoria.core import tokens
from territoria.core.api.authentication import ApiTokenAuthentication
from territoria.core.api.body import request_object
from territoria.core.api.serializers import ApiTokenSerializer
from territoria.core.audit import acting_as
from territoria.core.models import ApiToken
from territoria.opendata import dcat, publishing, querying, storage, withdrawal
from territoria.opendata.api.serializers import (
    DatasetSerializer,
    PublicationSerializer,
    ResourceSerializer,
    ResourceUploadSerializer,
    VersionSerializer,
)
from territoria.opendata.api.throttling import OpendataRateThrottle
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import (
    Dataset,
    DatasetUsage,
    Resource,
    ResourceVersion,
    UsageKind,
)
from territoria.opendata.permissions import can_create_dataset, get_abilities
from territoria.opendata.query.base import QueryError, get_engine
from territoria.opendata.query.pool import RETRY_AFTER_S
from territoria.opendata.visibility import (
    visible_datasets,
    visible_resources,
    visible_versions,
)

AUTHENTICATION = [ApiTokenAuthentication, SessionAuthentication]
QUERY_STATUS = {"invalid": 400, "forbidden": 403, "timeout": 408, "memory": 413, "busy": 503}


def query_error_response(error: QueryError) -> Response:
    response = Response(
        {"error": error.message, "kind": error.kind}, status=QUERY_STATUS.get(error.kind, 400)
    )
    if error.kind == "busy":
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _require_edit(dataset: Dataset, user) -> None:
    if not get_abilities(user, dataset)["edit"]:
        raise PermissionDenied(
            "Seuls les agents de l'organisation productrice peuvent publier dans ce jeu de données."
        )


class DatasetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Datasets of the catalogue. Creating one needs a logged-in agent of an organisation."""

    serializer_class = DatasetSerializer
    lookup_field = "slug"
    throttle_classes = [OpendataRateThrottle]
    authentication_classes = AUTHENTICATION

    def get_queryset(self):
        queryset = visible_datasets(
            Dataset.objects.select_related("organisation"), self.request.user
        )
        if organisation := self.request.query_params.get("organisation"):
            try:
                queryset = queryset.filter(organisation_id=uuid.UUID(organisation))
            except ValueError:
                raise ValidationError(
                    {
                        "organisation": f"« {organisation} » n'est pas un "
                        "identifiant d'organisation (UUID)."
                    }
                ) from None
        if theme := self.request.query_params.get("theme"):
            queryset = queryset.filter(theme=theme)
        return queryset

    def perform_create(self, serializer):
        user = self.request.user
        if not can_create_dataset(user):
            raise PermissionDenied(
                "Publier un jeu de données demande d'être agent d'une organisation."
            )
        with acting_as(user):
            serializer.save(organisation=user.organisation, created_by=user)

    def perform_update(self, serializer):
        _require_edit(serializer.instance, self.request.user)
        with acting_as(self.request.user):
            serializer.save()

    @extend_schema(request=ResourceUploadSerializer, responses={202: VersionSerializer})
    @action(detail=True, methods=["post"], url_path="resources")
    def add_resource(self, request, slug=None):
        """Add a resource from a file (multipart `file`) or an address (`url`); analysed in the background."""
        dataset = self.get_object()
        _require_edit(dataset, request.user)
        upload = ResourceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        name = data["file"].name if data.get("file") else data["url"]
        resource = None
        try:
            publishing.format_of(name)
            with acting_as(request.user):
                resource = Resource.objects.create(
                    dataset=dataset,
                    title=data.get("title") or _title_from(name),
                    description=data.get("description", ""),
                    table_schema=data.get("table_schema"),
                )
            version = _receive(resource, data, request.user)
        except IngestError as error:
            if resource is not None:
                resource.delete()  # nothing half-created stays in the catalogue
            return Response({"error": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "resource": ResourceSerializer(resource, context={"request": request}).data,
                "version": VersionSerializer(version, context={"request": request}).data,
            },
            status=status.HTTP_202_ACCEPTED,
        )


def _title_from(name: str) -> str:
    stem = name.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip().capitalize() or "Ressource"


def _receive(resource: Resource, data: dict, user) -> ResourceVersion:
    if data.get("table_schema") is not None:
        from territoria.opendata.ingest.table_schema import load_schema

        load_schema(data["table_schema"])
    if data.get("file"):
        return publishing.receive_file(resource, data["file"], data["file"].name, user)
    return publishing.receive_url(resource, data["url"], user)


class ResourceViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ResourceSerializer
    throttle_classes = [OpendataRateThrottle]
    authentication_classes = AUTHENTICATION

    def get_queryset(self):
        return visible_resources(
            Resource.objects.select_related("dataset", "current_version"), self.request.user
        )

    @extend_schema(request=ResourceUploadSerializer, responses={202: VersionSerializer})
    @action(detail=True, methods=["post"], url_path="versions")
    def new_version(self, request, pk=None):
        """Re-publish the resource from a new file; the previous versions stay downloadable."""
        resource = self.get_object()
        _require_edit(resource.dataset, request.user)
        upload = ResourceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        if "table_schema" in data:
            resource.table_schema = data["table_schema"]
            resource.save()
        try:
            version = _receive(resource, data, request.user)
        except IngestError as error:
            return Response({"error": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            VersionSerializer(version, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class VersionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A version's state: analysis (schema, preview, flagged columns, validation) and publication."""

    serializer_class = VersionSerializer
    throttle_classes = [OpendataRateThrottle]
    authentication_classes = AUTHENTICATION

    def get_queryset(self):
        return visible_versions(
            ResourceVersion.objects.select_related("resource__dataset"), self.request.user
        )

    @extend_schema(request=PublicationSerializer, responses={202: VersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        version = self.get_object()
        _require_edit(version.resource.dataset, request.user)
        choice = PublicationSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        with acting_as(request.user):
            blockers = publishing.request_publication(
                version,
                choice.validated_data["drop_columns"],
                choice.validated_data["confirm_columns"],
                request.user,
            )
        if blockers:
            return Response(
                {"error": " ".join(blockers), "blockers": blockers}, status=status.HTTP_409_CONFLICT
            )
        version.refresh_from_db()
        return Response(
            VersionSerializer(version, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class Gone(APIException):
    status_code = 410
    default_code = "gone"


def _published_resource(request, table_name: str) -> Resource:
    """The table's resource if `request.user` may read it; 410 with the date and reason when
    its dataset was withdrawn, 404 otherwise."""
    resource = (
        visible_resources(Resource.objects.select_related("dataset"), request.user)
        .filter(table_name=table_name)
        .first()
    )
    if resource is None or resource.current_version_id is None:
        gone = withdrawal.withdrawn_dataset_of_table(table_name)
        if gone is not None:
            raise Gone(withdrawal.gone_message(gone))
    if resource is None:
        raise Http404("Table inconnue ou non publiée.")
    return resource


FILTER_DOC = (
    "Filtres `colonne__op=valeur` (op : exact, not, contains, startswith, gt, gte, lt, "
    "lte, in, isnull), `_sort=col` ou `_sort=-col`, `_size`, `_offset`, `version`."
)


class TableRowsView(APIView):
    throttle_classes = [OpendataRateThrottle]
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        description=FILTER_DOC,
        parameters=[
            OpenApiParameter("_sort", str),
            OpenApiParameter("_size", int),
            OpenApiParameter("_offset", int),
            OpenApiParameter("version", int),
        ],
        responses={200: dict},
    )
    def get(self, request, table_name):
        resource = _published_resource(request, table_name)
        try:
            result, meta = querying.rows(resource, request.query_params)
        except QueryError as error:
            return query_error_response(error)
        next_url = None
        if result.total is not None and meta["offset"] + meta["limit"] < result.total:
            params = request.query_params.copy()
            params["_offset"] = meta["offset"] + meta["limit"]
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(
            {
                "table": table_name,
                **meta,
                "total": result.total,
                "next": next_url,
                "rows": result.records(),
                "elapsed_ms": round(result.elapsed_ms, 2),
                "cpu_ms": round(result.cpu_ms, 2),
                "cached": result.cached,
            }
        )


class TableAggregateView(APIView):
    throttle_classes = [OpendataRateThrottle]
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        description="Agrégation : `_group_by=col1,col2`, `_agg_sort=-value` (ou value, group, "
        "-group), `_agg=count,sum:montant,"
        "avg:montant` (count, sum, avg, min, max, count_distinct), plus les filtres.",
        responses={200: dict},
    )
    def get(self, request, table_name):
        resource = _published_resource(request, table_name)
        try:
            result, meta = querying.aggregate(resource, request.query_params)
        except QueryError as error:
            return query_error_response(error)
        return Response(
            {
                "table": table_name,
                **meta,
                "rows": result.records(),
                "truncated": result.truncated,
                "elapsed_ms": round(result.elapsed_ms, 2),
                "cpu_ms": round(result.cpu_ms, 2),
                "cached": result.cached,
            }
        )


class SqlView(APIView):
    """Read-only SQL (DuckDB dialect) over the published tables, with time and memory limits."""

    token_scope = "opendata:read"  # POST only carries a long query: it writes nothing
    throttle_classes = [OpendataRateThrottle]
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("sql", str, required=True)], responses={200: dict})
    def get(self, request):
        return self._run(request.query_params.get("sql", ""))

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request):
        return self._run(request_object(request).get("sql", ""))

    def _run(self, query):
        if not isinstance(query, str):
            return Response(
                {"error": "Le champ « sql » doit être un texte (une requête SELECT)."}, status=400
            )
        try:
            result = querying.sql(query)
        except QueryError as error:
            return query_error_response(error)
        return Response(
            {
                "columns": result.columns,
                "rows": result.rows,
                "truncated": result.truncated,
                "notice": result.notice,
                "elapsed_ms": round(result.elapsed_ms, 2),
            }
        )


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


@extend_schema(
    description="Téléchargement complet ou filtré (mêmes filtres que /rows/) "
    "en CSV, JSON ou Parquet ; `version=n` pour une version précédente ; `tableur=1` : "
    "le CSV pour les tableurs français (UTF-8 avec BOM, « ; », virgule décimale).",
    responses={200: bytes},
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
@authentication_classes(AUTHENTICATION)
@throttle_classes([OpendataRateThrottle])
def download(request, table_name, fmt):
    if fmt not in CONTENT_TYPES:
        return Response({"error": f"Format « {fmt} » inconnu : csv, json ou parquet."}, status=404)
    resource = _published_resource(request, table_name)
    try:
        version, table = querying.table_of(resource, request.query_params)
        filters = querying.qp.parse_filters(table, request.query_params)
        sort = querying.qp.parse_sort(table, request.query_params)
        stem = f"{table_name}-v{version.number}"
        if fmt == "parquet":
            if filters or sort:
                raise QueryError(
                    "Le téléchargement Parquet est le fichier complet : retirez les "
                    "filtres, ou choisissez CSV ou JSON."
                )
            response = FileResponse(
                storage.published_parquet(version).open("rb"),
                content_type=CONTENT_TYPES["parquet"],
                as_attachment=True,
                filename=f"{stem}.parquet",
            )
        else:
            spreadsheet = fmt == "csv" and request.query_params.get("tableur") in ("1", "oui")
            chunks = get_engine().export(table, filters, sort, fmt, spreadsheet=spreadsheet)
            response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
            if spreadsheet:
                stem += "-tableur"
            response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    except QueryError as error:
        return query_error_response(error)
    DatasetUsage.record(resource.dataset_id, UsageKind.DOWNLOAD)
    return response


class ApiKeyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Your open-data API keys (core API tokens with open-data scopes). The key itself is shown
    once, at creation. Session only: a token cannot mint tokens."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    authentication_classes = [SessionAuthentication]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation
            return ApiToken.objects.none()
        return ApiToken.objects.filter(owner=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            key, raw = tokens.issue(
                owner=request.user,
                name=serializer.validated_data["name"],
                scopes=serializer.validated_data.get("scopes") or ["opendata:read"],
            )
        return Response(
            {**ApiTokenSerializer(key).data, "key": raw}, status=status.HTTP_201_CREATED
        )


def dcat_catalog(request):
    return JsonResponse(
        dcat.catalog(request),
        json_dumps_params={"ensure_ascii": False},
        content_type="application/ld+json",
    )
