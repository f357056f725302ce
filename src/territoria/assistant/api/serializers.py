from rest_framework import serializers

from territoria.assistant.models import (
    Collection,
    Document,
    Exchange,
    Feedback,
    HandoffRequest,
    IngestionJob,
    Visibility,
)


class CollectionSerializer(serializers.ModelSerializer):
    abilities = serializers.SerializerMethodField()
    document_count = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = [
            "slug",
            "name",
            "description",
            "visibility",
            "organisation",
            "groups",
            "contact_service",
            "contact_email",
            "contact_phone",
            "managed",
            "document_count",
            "abilities",
        ]
        read_only_fields = ["slug", "managed"]
        extra_kwargs = {"organisation": {"required": False}}

    def get_abilities(self, collection) -> dict:
        from territoria.assistant.permissions import get_abilities

        return get_abilities(self.context["request"].user, collection)

    def get_document_count(self, collection) -> int:
        return collection.documents.count()

    def validate(self, attrs):
        # The organisation is checked (and defaulted to the manager's own) by the view.
        visibility = attrs.get("visibility", getattr(self.instance, "visibility", None))
        groups = attrs.get("groups")
        if groups is None and self.instance is not None:
            groups = list(self.instance.groups.all())
        if visibility == Visibility.GROUP and not groups:
            raise serializers.ValidationError(
                {"groups": "Une collection réservée à des groupes doit en nommer au moins un."}
            )
        return attrs

    def create(self, validated_data):
        from territoria.assistant.forms import unique_slug

        validated_data["slug"] = unique_slug(validated_data["name"])
        return super().create(validated_data)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "source",
            "title",
            "format",
            "size",
            "state",
            "error",
            "pages",
            "chunk_count",
            "indexed_at",
            "created_at",
        ]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, DOCX, ODT, HTML, Markdown ou texte")


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = IngestionJob
        fields = [
            "id",
            "state",
            "total",
            "indexed",
            "unchanged",
            "failed",
            "chunks_to_embed",
            "chunks_embedded",
            "percent",
            "created_at",
            "finished_at",
        ]


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True, max_length=10000, trim_whitespace=True)
    collections = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        help_text="slugs ; par défaut toutes les collections lisibles",
    )
    conversation = serializers.UUIDField(required=False)
    mode = serializers.ChoiceField(choices=["hybrid", "lexical", "dense"], default="hybrid")


class PassageSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    collection = serializers.CharField()
    document = serializers.CharField()
    source = serializers.CharField()
    title = serializers.CharField()
    section = serializers.CharField()
    page = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()
    snippet = serializers.CharField(
        help_text="HTML : termes trouvés entre <mark>, le reste échappé"
    )
    score = serializers.FloatField()


class AnswerSerializer(serializers.Serializer):
    exchange = serializers.UUIDField()
    conversation = serializers.UUIDField()
    answer = serializers.CharField()
    message = serializers.CharField()
    abstained = serializers.BooleanField()
    method = serializers.CharField()
    citations = PassageSerializer(many=True)
    passages = PassageSerializer(many=True)
    contact = serializers.DictField()
    latency_ms = serializers.IntegerField()
    energy_wh = serializers.FloatField()


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(allow_blank=True, max_length=2000)
    collection = serializers.SlugField(required=False)
    mode = serializers.ChoiceField(choices=["hybrid", "lexical", "dense"], default="hybrid")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class FeedbackSerializer(serializers.Serializer):
    feedback = serializers.ChoiceField(choices=Feedback.choices)


class ExchangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exchange
        fields = [
            "id",
            "conversation",
            "user",
            "collections",
            "question",
            "answer",
            "citations",
            "passages",
            "method",
            "abstained",
            "latency_ms",
            "cpu_seconds",
            "energy_wh",
            "feedback",
            "created_at",
        ]


class ExchangeLogSerializer(ExchangeSerializer):
    answer = serializers.CharField(source="answer_for_log", read_only=True)


class HandoffSerializer(serializers.ModelSerializer):
    collection = serializers.SlugRelatedField(slug_field="slug", queryset=Collection.objects.all())

    class Meta:
        model = HandoffRequest
        fields = [
            "id",
            "collection",
            "exchange",
            "contact",
            "question",
            "state",
            "response",
            "answered_at",
            "response_sent_to",
            "created_at",
        ]
        read_only_fields = ["state", "response", "answered_at", "response_sent_to"]


class HandoffAnswerSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=10000)
