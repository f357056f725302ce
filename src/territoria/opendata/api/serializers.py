from django.urls import reverse
from rest_framework import serializers

from territoria.opendata import visibility
from territoria.opendata.models import Dataset, Resource, ResourceVersion
from territoria.opendata.permissions import get_abilities

# What only a version's reviewers read (see visibility.can_see_analysis): the analysis, with
# the dropped columns' names, the personal-data flags and the first rows. Other readers get
# these keys empty (the response keeps the shape the OpenAPI description promises).
ANALYSIS_FIELDS = {
    "error": "",
    "source_name": "",
    "detection": {},
    "validation_errors": [],
    "personal_data": [],
    "dropped_columns": [],
    "preview": [],
    "analysis_seconds": None,
}


class VersionSerializer(serializers.ModelSerializer):
    # Plain text rather than an enum in the OpenAPI schema (another app's "status" differs).
    status = serializers.CharField(
        read_only=True,
        help_text="uploaded, analysing, review, publishing, published, superseded ou failed",
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    publication_url = serializers.SerializerMethodField()

    class Meta:
        model = ResourceVersion
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "error",
            "source_name",
            "source_format",
            "source_bytes",
            "detection",
            "inferred_schema",
            "validation_errors",
            "personal_data",
            "dropped_columns",
            "preview",
            "row_count",
            "parquet_bytes",
            "analysis_seconds",
            "published_at",
            "diff",
            "created_at",
            "publication_url",
        ]

    def get_publication_url(self, obj) -> str:
        return reverse("opendata:api-version-publish", args=[obj.pk])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not visibility.can_see_analysis(instance, user):
            data.update(ANALYSIS_FIELDS)
            data["inferred_schema"] = {"fields": instance.published_columns}
        elif instance.status in visibility.PUBLIC_STATUSES:
            data["preview"] = visibility.published_preview(instance)
        return data


def _api_links(resource: Resource) -> dict:
    name = resource.table_name
    return {
        "rows": reverse("opendata:api-table-rows", args=[name]),
        "aggregate": reverse("opendata:api-table-aggregate", args=[name]),
        **{
            f"download_{fmt}": reverse("opendata:api-table-download", args=[name, fmt])
            for fmt in ("csv", "parquet", "json")
        },
    }


class ResourceSerializer(serializers.ModelSerializer):
    current_version = VersionSerializer(read_only=True)
    versions = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    dataset = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Resource
        fields = [
            "id",
            "dataset",
            "slug",
            "title",
            "description",
            "table_name",
            "table_schema",
            "current_version",
            "versions",
            "links",
        ]
        read_only_fields = ["slug", "table_name"]

    def get_versions(self, obj) -> list[dict]:
        return [
            {
                "id": str(v.id),
                "number": v.number,
                "status": v.status,
                "row_count": v.row_count,
                "published_at": v.published_at,
                "diff": v.diff,
            }
            for v in visibility.visible_versions(obj.versions.all(), self._user())
        ]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_links(self, obj) -> dict:
        return _api_links(obj)


class DatasetSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True, default=None
    )
    licence_label = serializers.CharField(source="get_licence_display", read_only=True)
    resources = serializers.SerializerMethodField()
    abilities = serializers.SerializerMethodField()
    landing_page = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "organisation",
            "organisation_name",
            "licence",
            "licence_label",
            "keywords",
            "theme",
            "temporal_start",
            "temporal_end",
            "spatial_coverage",
            "frequency",
            "contact_name",
            "contact_email",
            "created_at",
            "updated_at",
            "resources",
            "abilities",
            "landing_page",
        ]
        read_only_fields = ["slug", "organisation"]

    def validate_keywords(self, value):
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise serializers.ValidationError(
                'Liste de mots-clés attendue, ex. ["budget", "voirie"].'
            )
        return [k.strip() for k in value if k.strip()]

    def validate(self, attrs):
        start = attrs.get("temporal_start", getattr(self.instance, "temporal_start", None))
        end = attrs.get("temporal_end", getattr(self.instance, "temporal_end", None))
        if start and end and start > end:
            raise serializers.ValidationError(
                {"temporal_end": "La fin de la couverture temporelle précède son début."}
            )
        return attrs

    def get_resources(self, obj) -> list[dict]:
        return [
            {
                "id": str(r.id),
                "title": r.title,
                "table_name": r.table_name,
                "published_version": r.current_version.number if r.current_version else None,
                "row_count": r.current_version.row_count if r.current_version else None,
                "links": _api_links(r),
            }
            for r in visibility.visible_resources(
                obj.resources.select_related("current_version"), self.context["request"].user
            )
        ]

    def get_abilities(self, obj) -> dict:
        return get_abilities(self.context["request"].user, obj)

    def get_landing_page(self, obj) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class ResourceUploadSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField(required=False)
    url = serializers.URLField(required=False)
    table_schema = serializers.JSONField(required=False)

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("url")):
            raise serializers.ValidationError(
                "Envoyez soit un fichier (file), soit une adresse (url)."
            )
        return attrs


class PublicationSerializer(serializers.Serializer):
    drop_columns = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    confirm_columns = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
