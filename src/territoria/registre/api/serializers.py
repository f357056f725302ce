"""Serializers of the register API, derived from the one field table (`schema.py`).

Reads go through `visibility.project_values`: a representation holds only the fields the
requesting user may read. Vocabulary fields are read as {"code", "label"} (lists of them for
multi-valued fields) and written as a code or a label, normalised by `vocabulary.py`.
"""

from django.urls import reverse
from rest_framework import serializers

from territoria.core.models import AuditLog, Organisation
from territoria.registre import schema
from territoria.registre.api import schema_extensions  # noqa: F401  (registers OpenAPI mappings)
from territoria.registre.api.fields import (
    CodeLabelSerializer,
    MonthField,
    VocabularyField,
    code_label,
)
from territoria.registre.history import actor_label, visible_changes
from territoria.registre.models import ErrorReport
from territoria.registre.permissions import get_abilities
from territoria.registre.visibility import can_view_restricted, project_values, revision_changes
from territoria.registre.vocabulary import Lifecycle

RESTRICTED_NOTE = " (champ restreint : absent pour les lecteurs non connectés)"


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


def _is_vocabulary(spec) -> bool:
    return spec.vocabulary is not None or spec.name == "coll_type"


def _read_field(spec: schema.FieldSpec) -> serializers.Field:
    common = {
        "read_only": True,
        "label": spec.title,
        "help_text": spec.description + ("" if spec.is_public else RESTRICTED_NOTE),
    }
    if _is_vocabulary(spec):
        return CodeLabelSerializer(many=spec.multiple, allow_null=not spec.multiple, **common)
    if spec.type == "number":
        return serializers.FloatField(allow_null=True, **common)
    if spec.type == "date":
        return serializers.DateField(allow_null=True, **common)
    return serializers.CharField(**common)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class _ProjectReadBase(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Page du projet")
    api_url = serializers.CharField(read_only=True, help_text="Adresse de ce projet dans l'API")
    lifecycle = CodeLabelSerializer(
        read_only=True, help_text="État : brouillon, soumis, publié, archivé"
    )
    version = serializers.IntegerField(
        read_only=True, help_text="À renvoyer lors d'une modification (concurrence optimiste)"
    )
    organisation = OrganisationRefSerializer(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    moderation_note = serializers.CharField(
        read_only=True,
        required=False,
        help_text="Motif du dernier renvoi par la modération (seulement pour qui peut modifier le projet)",
    )
    abilities = serializers.DictField(
        child=serializers.BooleanField(),
        read_only=True,
        help_text="Ce que l'utilisateur courant peut faire sur ce projet (permissions.get_abilities)",
    )
    pending_revision = serializers.JSONField(
        read_only=True,
        required=False,
        allow_null=True,
        help_text="Modifications d'un projet publié en attente de modération : état, motif de "
        "renvoi, et pour chaque champ la valeur publiée et la valeur proposée (seulement pour "
        "qui peut modifier le projet ; le public voit la version publiée)",
    )

    def to_representation(self, project):
        user = _user(self.context)
        codes = project_values(project, user, labels=False)
        labels = project_values(project, user, labels=True)
        abilities = get_abilities(user, project)
        data = {
            "id": str(project.pk),
            "url": project.get_absolute_url(),
            "api_url": reverse("registre:api-project-detail", args=[project.pk]),
            "lifecycle": code_label(project.lifecycle, project.get_lifecycle_display()),
            "version": project.version,
            "organisation": {"id": str(project.organisation_id), "name": project.organisation.name},
            "published_at": project.published_at.isoformat() if project.published_at else None,
            "updated_at": project.updated_at.isoformat() if project.updated_at else None,
        }
        if abilities["edit"]:
            data["moderation_note"] = project.moderation_note
        for name, value in codes.items():
            spec = schema.spec(name)
            if _is_vocabulary(spec):
                if spec.multiple:
                    data[name] = [code_label(c, lbl) for c, lbl in zip(value or [], labels[name])]
                else:
                    data[name] = code_label(value, labels[name])
            elif spec.type == "date":
                data[name] = value.isoformat() if value else None
            else:
                data[name] = value
        data["abilities"] = abilities
        if abilities["edit"]:
            data["pending_revision"] = pending_revision(project, user)
        return data


def pending_revision(project, user) -> dict | None:
    """The changes waiting for moderation on a published record, for those who edit it."""
    revision = project.revision if project.lifecycle == Lifecycle.PUBLISHED else None
    if revision is None:
        return None
    return {
        "state": code_label(revision.state, revision.get_state_display()),
        "moderation_note": revision.moderation_note,
        "updated_at": revision.updated_at.isoformat(),
        "changes": [
            {
                "field": change.name,
                "title": change.title,
                "published": change.before,
                "proposed": change.after,
            }
            for change in revision_changes(project, revision, user, labels=False)
        ],
    }


# The read serializer declares every schema field so that the OpenAPI description lists them;
# `to_representation` emits only those the user may read.
ProjectSerializer = type(
    "ProjectSerializer",
    (_ProjectReadBase,),
    {spec.name: _read_field(spec) for spec in schema.FIELDS},
)

# Keys of a representation that a client may send back unchanged: ignored on writes.
READ_ONLY_KEYS = set(ProjectSerializer().fields) - {spec.name for spec in schema.PROJECT_FIELDS} | {
    "date"
}


def _write_field(spec: schema.FieldSpec) -> serializers.Field:
    common = {"required": False, "label": spec.title, "help_text": spec.description}
    if spec.vocabulary is not None:
        return VocabularyField(spec, allow_null=True, **common)
    if spec.type == "date":
        return MonthField(allow_null=True, **common)
    if spec.name == "nom_projet":
        return serializers.CharField(max_length=255, **common)
    if spec.name == "projet_contact":
        return serializers.EmailField(allow_blank=True, **common)
    if spec.name.startswith("url_"):
        return serializers.URLField(allow_blank=True, max_length=1000, **common)
    return serializers.CharField(allow_blank=True, max_length=20000, **common)


WRITABLE_SPECS = [spec for spec in schema.PROJECT_FIELDS if spec.name != "date"]


class OrganisationIdField(serializers.PrimaryKeyRelatedField):
    """An organisation id, or the {"id": …} object of a representation sent back unchanged."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("id")
        return super().to_internal_value(data)


class _ProjectWriteBase(serializers.Serializer):
    organisation = OrganisationIdField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text="Organisation porteuse (par défaut celle de l'utilisateur ; modérateurs seulement pour une autre)",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Version lue avant la modification (ou en-tête If-Match) ; obligatoire pour modifier",
    )

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields) - READ_ONLY_KEYS)
        if unknown:
            raise serializers.ValidationError(
                {
                    key: ["Champ inconnu : il ne fait pas partie du modèle de données du registre."]
                    for key in unknown
                }
            )
        if not can_view_restricted(_user(self.context)):
            restricted = [name for name in attrs if name in schema.RESTRICTED_FIELDS]
            if restricted:
                raise serializers.ValidationError(
                    {
                        name: ["Champ restreint : vous n'avez pas le droit de le renseigner."]
                        for name in restricted
                    }
                )
        return attrs

    def apply(self, project):
        """Copy the validated values onto the model (schema names → model attributes)."""
        for name, value in self.validated_data.items():
            if name in ("organisation", "version"):
                continue
            spec = schema.spec(name)
            if value is None:
                value = [] if spec.multiple else ("" if spec.type != "date" else None)
            setattr(project, spec.attr, value)
        return project


ProjectWriteSerializer = type(
    "ProjectWriteSerializer",
    (_ProjectWriteBase,),
    {spec.name: _write_field(spec) for spec in WRITABLE_SPECS},
)


class SendBackSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=5000,
        help_text="Motif du renvoi, transmis au contributeur",
        error_messages={
            "required": "Indiquez le motif du renvoi : il sera transmis au contributeur.",
            "blank": "Indiquez le motif du renvoi : il sera transmis au contributeur.",
        },
    )


class OrganisationSerializer(serializers.ModelSerializer):
    type_label = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "siret",
            "type",
            "type_label",
            "latitude",
            "longitude",
            "logo_url",
            "region",
        ]
        # The API creates French bodies only (no `country` field): their SIRET is required,
        # checked here rather than by the database constraint (a 500).
        # The region is derived from the SIRET (core/collectivites.py), never written.
        extra_kwargs = {
            "siret": {"required": True, "allow_null": False, "allow_blank": False},
            "region": {"read_only": True},
        }


class ErrorReportSerializer(serializers.ModelSerializer):
    field_name = serializers.ChoiceField(
        choices=[("", "—")] + [(spec.name, spec.title) for spec in schema.FIELDS],
        required=False,
        allow_blank=True,
        help_text="Champ concerné (identifiant du schéma)",
    )
    project_name = serializers.CharField(source="project.nom_projet", read_only=True)

    class Meta:
        model = ErrorReport
        fields = [
            "id",
            "project",
            "project_name",
            "field_name",
            "message",
            "reporter_email",
            "status",
            "answer",
            "created_at",
        ]
        read_only_fields = ["id", "status", "answer", "created_at", "project_name"]
        extra_kwargs = {"reporter_email": {"write_only": True}}


class ErrorReportDetailSerializer(ErrorReportSerializer):
    """What moderators and owners read: the reporter's e-mail included."""

    class Meta(ErrorReportSerializer.Meta):
        extra_kwargs = {}


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="Identifiant du champ (schéma) ou attribut de gestion")
    title = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    hidden = serializers.BooleanField(
        help_text="Vrai quand la valeur est masquée (champ restreint)"
    )


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = CodeLabelSerializer()
    actor = serializers.CharField(
        help_text="Auteur : son nom pour l'organisation porteuse et la modération, "
        "« un agent » ou « la modération » pour les autres lecteurs"
    )
    changes = ChangeSerializer(many=True)


def history_entry(entry: AuditLog, user, project) -> dict:
    """One log entry as this reader may read it (the rule: `registre.history`)."""
    changes = []
    for change in sorted(visible_changes(entry.changes, user, project), key=lambda c: c.attname):
        spec = schema.BY_ATTR.get(change.attname)
        changes.append(
            {
                "field": spec.name if spec is not None else change.attname,
                "title": change.label,
                "before": change.before,
                "after": change.after,
                "hidden": change.hidden,
            }
        )
    return {
        "at": entry.at.isoformat(),
        "action": code_label(entry.action, entry.get_action_display()),
        "actor": actor_label(entry, user, project),
        "changes": changes,
    }


def lifecycle_vocabulary():
    return [code_label(code, label) for code, label in Lifecycle.choices]
