"""REST API of the assistant: collections, documents, ask, search, feedback, hand-off, log."""

from django.conf import settings
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404  # malformed UUID: 404, not 500
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from territoria.assistant.api import serializers as s
from territoria.assistant.models import (
    Collection,
    Exchange,
    HandoffRequest,
    IngestionJob,
)
from territoria.assistant.permissions import (
    can_administer,
    can_create_collection,
    can_manage,
    can_open,
    can_read,
    can_see_log,
    creatable_organisations,
)
from territoria.assistant.services.answering import retrieve
from territoria.assistant.services.assistant import ask, conversations_of, readable_collections
from territoria.assistant.services.handoffs import answer_handoff, create_handoff, handoffs_for
from territoria.assistant.services.ingestion import delete_collection, delete_document
from territoria.assistant.services.uploads import save_upload
from territoria.assistant.tasks import run_ingestion_job
from territoria.assistant.throttling import enforce_api
from territoria.assistant.upload_limits import (
    MB,
    MULTIPART_OVERHEAD,
    UploadTooLarge,
    limit_upload,
    refused_upload_messages,
)
from territoria.search.access import access_tokens

THROTTLED = OpenApiResponse(
    description="Trop de requêtes anonymes depuis cette adresse ; en-tête Retry-After."
)
TOO_LARGE = OpenApiResponse(description="Fichier trop volumineux : rien n'est enregistré.")


def answer_payload(answer, exchange) -> dict:
    return {
        "exchange": exchange.pk,
        "conversation": exchange.conversation_id,
        "answer": answer.text,
        "message": answer.message,
        "abstained": answer.abstained,
        "method": answer.method,
        "citations": [p.as_dict() for p in answer.cited_passages()],
        "passages": [p.as_dict() for p in answer.passages],
        "contact": answer.contact,
        "latency_ms": exchange.latency_ms,
        "energy_wh": exchange.energy_wh,
    }


def _openable(request, slug) -> Collection:
    """A collection the caller reads or manages; unknown and forbidden look the same (404)."""
    collection = Collection.objects.filter(slug=slug).first()
    if collection is None or not can_open(request.user, collection):
        raise NotFound("Collection introuvable.")
    return collection


def _readable(request, slug) -> Collection:
    collections = readable_collections(request.user, [slug])
    if not collections:  # unknown and unreadable look the same: no existence leak
        raise NotFound("Collection introuvable.")
    return collections[0]


class CollectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Collections the caller may ask or manage. An organisation's managers (moderators and
    administrators who belong to it) create its collections, rename them, set who reads them
    and delete them; platform administrators do so for any organisation."""

    serializer_class = s.CollectionSerializer
    lookup_field = "slug"
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        # Before authentication: its CSRF check reads the body (see upload_limits.py).
        if self.action == "upload":
            limit = settings.ASSISTANT_MAX_FILE_MB * MB + MULTIPART_OVERHEAD
            message = limit_upload(request._request, limit, "TERRITORIA_ASSISTANT_MAX_FILE_MB")
            if message:
                raise UploadTooLarge(message)
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Collection.objects.none()
        user = self.request.user
        pks = [c.pk for c in Collection.objects.prefetch_related("groups") if can_open(user, c)]
        return Collection.objects.filter(pk__in=pks)

    def _check_organisation(self, serializer):
        organisation = serializer.validated_data.get("organisation")
        allowed = creatable_organisations(self.request.user)
        if organisation is None and allowed.count() == 1:
            return allowed.first()
        if organisation is None or not allowed.filter(pk=organisation.pk).exists():
            raise ValidationError(
                {"organisation": ["Vous ne gérez les collections que de votre organisation."]}
            )
        return organisation

    def perform_create(self, serializer):
        if not can_create_collection(self.request.user):
            raise PermissionDenied(
                "Seuls les gestionnaires d'une organisation (modérateurs et administrateurs qui "
                "en sont membres) créent des collections."
            )
        serializer.save(organisation=self._check_organisation(serializer))

    def perform_update(self, serializer):
        if not can_administer(self.request.user, serializer.instance):
            raise PermissionDenied("Vous ne gérez pas cette collection.")
        organisation = serializer.instance.organisation
        if "organisation" in serializer.validated_data:
            organisation = self._check_organisation(serializer)
        serializer.save(organisation=organisation)

    def perform_destroy(self, instance):
        if not can_administer(self.request.user, instance):
            raise PermissionDenied("Vous ne gérez pas cette collection.")
        delete_collection(instance)

    @extend_schema(responses=s.DocumentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def documents(self, request, slug=None):
        collection = _openable(request, slug)
        return Response(s.DocumentSerializer(collection.documents.all(), many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.UploadSerializer},
        responses={202: s.JobSerializer, 413: TOO_LARGE},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        url_path="upload",
    )
    def upload(self, request, slug=None):
        collection = _openable(request, slug)
        if not can_manage(request.user, collection):
            raise PermissionDenied("Vous ne pouvez pas ajouter de documents à cette collection.")
        serializer = s.UploadSerializer(data=request.data)
        refused = refused_upload_messages(request._request)
        if refused:
            raise UploadTooLarge(" ".join(refused))
        serializer.is_valid(raise_exception=True)
        stored = save_upload(collection, serializer.validated_data["file"], request.user)
        if not stored.job:
            raise ValidationError({"file": stored.refused or ["Fichier caché ignoré."]})
        run_ingestion_job.enqueue(str(stored.job.pk))
        stored.job.refresh_from_db()
        return Response(s.JobSerializer(stored.job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("document", str, OpenApiParameter.PATH)], responses={204: None}
    )
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document>[0-9a-f-]+)")
    def delete_document(self, request, slug=None, document=None):
        collection = _openable(request, slug)
        found = get_object_or_404(collection.documents, pk=document)  # malformed id: 404
        if not can_administer(request.user, collection):
            raise PermissionDenied(
                "Seuls les gestionnaires de la collection en retirent des documents."
            )
        delete_document(found)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses=s.JobSerializer)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def job_detail(request, pk):
    job = get_object_or_404(IngestionJob, pk=pk)
    if not can_manage(request.user, job.collection):
        raise NotFound("Tâche introuvable.")
    return Response(s.JobSerializer(job).data)


@extend_schema(request=s.AskSerializer, responses={200: s.AnswerSerializer, 429: THROTTLED})
@api_view(["POST"])
@permission_classes([permissions.AllowAny])
def ask_view(request):
    """Ask a question; the answer cites its sources or abstains with a human contact."""
    enforce_api(request, "question")
    serializer = s.AskSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    collections = readable_collections(request.user, data.get("collections"))
    if not collections:
        raise NotFound("Aucune collection accessible ne correspond.")
    conversation = None
    if data.get("conversation"):
        session_key = request.session.session_key or ""
        conversation = (
            conversations_of(request.user, session_key).filter(pk=data["conversation"]).first()
        )
    if not request.user.is_authenticated and not request.session.session_key:
        request.session.save()
    answer, exchange = ask(
        request.user,
        data["question"],
        collections,
        conversation,
        session_key=request.session.session_key or "",
        mode=data["mode"],
    )
    return Response(answer_payload(answer, exchange))


@extend_schema(
    parameters=[s.SearchQuerySerializer],
    responses={200: s.PassageSerializer(many=True), 429: THROTTLED},
)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def search_view(request):
    """Passages matching a query, only from collections the caller may read."""
    enforce_api(request, "question")
    serializer = s.SearchQuerySerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    slugs = [data["collection"]] if data.get("collection") else None
    collections = readable_collections(request.user, slugs)
    if not collections or not data["q"].strip():
        return Response([])
    passages = retrieve(
        collections, data["q"], access_tokens(request.user), mode=data["mode"], limit=data["limit"]
    )
    return Response([p.as_dict() for p in passages])


def _own_exchange(request, pk) -> Exchange:
    exchange = get_object_or_404(Exchange, pk=pk)
    conversation = exchange.conversation
    mine = (request.user.is_authenticated and conversation.user_id == request.user.pk) or (
        not request.user.is_authenticated
        and conversation.user_id is None
        and conversation.session_key
        and conversation.session_key == request.session.session_key
    )
    if not mine:
        raise NotFound("Échange introuvable.")
    return exchange


@extend_schema(request=s.FeedbackSerializer, responses={204: None})
@api_view(["POST"])
@permission_classes([permissions.AllowAny])
def feedback_view(request, pk):
    exchange = _own_exchange(request, pk)
    serializer = s.FeedbackSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    exchange.feedback = serializer.validated_data["feedback"]
    exchange.save(update_fields=["feedback", "updated_at"])
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(create=extend_schema(responses={201: s.HandoffSerializer, 429: THROTTLED}))
class HandoffViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Questions passed to a human: anyone who may ask a collection may create one; the
    collection's agents list and answer them."""

    serializer_class = s.HandoffSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HandoffRequest.objects.none()
        return handoffs_for(self.request.user).select_related("collection")

    def create(self, request, *args, **kwargs):
        enforce_api(request, "handoff")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        collection = data["collection"]
        if not can_read(self.request.user, collection):
            raise ValidationError({"collection": "Collection introuvable."})
        exchange = data.get("exchange")
        if exchange is not None:
            _own_exchange(self.request, exchange.pk)
        serializer.instance = create_handoff(
            collection,
            data["question"],
            data.get("contact", ""),
            requester=self.request.user,
            exchange=exchange,
        )

    @extend_schema(request=s.HandoffAnswerSerializer, responses=s.HandoffSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        handoff = get_object_or_404(self.get_queryset(), pk=pk)
        serializer = s.HandoffAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer_handoff(handoff, serializer.validated_data["response"], request.user)
        return Response(s.HandoffSerializer(handoff).data)


class ExchangeLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The traceability log (administrators only); personal data is masked at write time."""

    serializer_class = s.ExchangeLogSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["method", "abstained", "feedback"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Exchange.objects.none()
        if not can_see_log(self.request.user):
            raise PermissionDenied("Réservé aux administrateurs.")
        return Exchange.objects.order_by("-created_at")


class ConversationExchangesViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own history."""

    serializer_class = s.ExchangeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Exchange.objects.none()
        return Exchange.objects.filter(conversation__user=self.request.user).order_by("-created_at")
