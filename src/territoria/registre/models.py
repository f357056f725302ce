"""The register: AI projects of collectivités, their moderation and the error reports on them.

Field names follow the schema ids of the Bibliothèque d'IA territoriales (see schema.py, the
single table of fields, titles, help texts and access levels).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from territoria.core.audit import AuditedModel, AuditedQuerySet, snapshot
from territoria.core.models import BaseModel, Organisation
from territoria.registre import vocabulary as voc
from territoria.registre.importers.storage import import_storage, random_import_name
from territoria.registre.schema import BY_NAME, PROJECT_FIELDS
from territoria.registre.validators import validate_project_year, validate_single_line


def _text(name: str, **kwargs) -> models.TextField:
    spec = BY_NAME[name]
    return models.TextField(spec.title, blank=True, help_text=spec.description, **kwargs)


def _choice(name: str, vocabulary: voc.Vocabulary) -> models.CharField:
    spec = BY_NAME[name]
    return models.CharField(
        spec.title,
        max_length=40,
        blank=True,
        choices=vocabulary.choices,
        help_text=spec.description,
    )


def _url(name: str) -> models.URLField:
    spec = BY_NAME[name]
    return models.URLField(spec.title, max_length=1000, blank=True, help_text=spec.description)


class ProjectQuerySet(AuditedQuerySet):
    def published(self):
        return self.filter(lifecycle=voc.Lifecycle.PUBLISHED)

    def of_organisation(self, organisation):
        return self.filter(organisation=organisation)

    def review_overdue(self, now=None):
        """Published records nobody has reviewed for REGISTRE_REVIEW_MAX_DAYS."""
        now = now or timezone.now()
        limit = now - timezone.timedelta(days=settings.REGISTRE_REVIEW_MAX_DAYS)
        return self.published().filter(last_reviewed_at__lt=limit)


class Project(AuditedModel, BaseModel):
    """An AI system used by a collectivité, as documented in the Bibliothèque."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="porteur", on_delete=models.PROTECT, related_name="projects"
    )
    nom_projet = models.CharField(
        BY_NAME["nom_projet"].title,
        max_length=255,
        help_text=BY_NAME["nom_projet"].description,
        validators=[validate_single_line],
    )
    # Start of the project; the source gives a month (MM/AAAA): stored as its first day.
    projet_date = models.DateField(
        BY_NAME["projet_date"].title,
        null=True,
        blank=True,
        help_text=BY_NAME["projet_date"].description,
        validators=[validate_project_year],
    )
    projet_status = _choice("projet_status", voc.PROJECT_STATUSES)
    status_abandon = _text("status_abandon")
    partenaires = _text("partenaires")
    projet_contact = models.EmailField(
        BY_NAME["projet_contact"].title, blank=True, help_text=BY_NAME["projet_contact"].description
    )
    financement = _text("financement")
    budget = _choice("budget", voc.BUDGETS)
    usage_description = _text("usage_description")
    mise_en_oeuvre = _choice("mise_en_oeuvre", voc.IMPLEMENTATIONS)
    theme = _choice("theme", voc.THEMES)
    sous_themes = models.JSONField(
        BY_NAME["sous_theme"].title,
        default=list,
        blank=True,
        help_text=BY_NAME["sous_theme"].description,
    )
    audiences = models.JSONField(
        BY_NAME["audience_service"].title,
        default=list,
        blank=True,
        help_text=BY_NAME["audience_service"].description,
    )
    hebergement = _choice("hebergement", voc.HOSTINGS)
    nom_algorithme = _text("nom_algorithme")
    algorithme_description = _text("algorithme_description")
    algorithme_operations = _text("algorithme_operations")
    type_algorithme = _choice("type_algorithme", voc.ALGORITHM_TYPES)
    impact_environnement = _text("impact_environnement")
    donnees_source = _choice("donnees_source", voc.DATA_SOURCES)
    donnees_acces = _choice("donnees_acces", voc.DATA_ACCESS)
    risque = _text("risque")
    risque_categorie = _choice("risque_categorie", voc.RISK_CATEGORIES)
    proportionalite = _text("proportionalite")
    decision = _text("decision")
    erreur = _choice("erreur", voc.LEVELS)
    explicabilite = _choice("explicabilite", voc.LEVELS)
    reversibilite = _text("reversibilite")
    objection = _text("objection")
    url_infos = _url("url_infos")
    url_ressources = _url("url_ressources")

    # --- Workflow and metadata, set by the platform ---
    lifecycle = models.CharField(
        "état",
        max_length=10,
        choices=voc.Lifecycle.choices,
        default=voc.Lifecycle.DRAFT,
        db_index=True,
    )
    content_updated_on = models.DateField(
        BY_NAME["date"].title, null=True, blank=True, help_text=BY_NAME["date"].description
    )
    moderation_note = models.TextField(
        "motif de renvoi", blank=True, help_text="Raison donnée par le modérateur lors d'un renvoi."
    )
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    last_reviewed_at = models.DateTimeField("dernière revue", null=True, blank=True)
    review_reminder_sent_at = models.DateTimeField("dernier rappel envoyé", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic concurrency: a save carrying an older version is refused (see services).
    version = models.PositiveIntegerField("version", default=1)
    # Where an imported record came from, so that importing twice updates instead of duplicating.
    source = models.CharField("source", max_length=50, blank=True)
    source_key = models.CharField("clé dans la source", max_length=255, blank=True, db_index=True)

    objects = ProjectQuerySet.as_manager()

    audit_exclude = ("version",)

    class Meta:
        ordering = ["nom_projet"]
        verbose_name = "projet"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "nom_projet"], name="registre_project_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.nom_projet

    def get_absolute_url(self) -> str:
        return reverse("registre:detail", args=[self.pk])

    @property
    def revision(self) -> "ProjectRevision | None":
        """The pending revision of a published record, if any (cached on the instance)."""
        try:
            return self.pending_revision
        except ProjectRevision.DoesNotExist:
            return None

    @property
    def review_overdue(self) -> bool:
        if self.lifecycle != voc.Lifecycle.PUBLISHED or not self.last_reviewed_at:
            return False
        age = timezone.now() - self.last_reviewed_at
        return age.days > settings.REGISTRE_REVIEW_MAX_DAYS


# What an edit of a published record may change: the project's own fields (not the update date,
# set by the platform) and its organisation (moderators move records).
REVISED_ATTRS = ["organisation_id"] + [spec.attr for spec in PROJECT_FIELDS if spec.name != "date"]


class ProjectRevision(AuditedModel, BaseModel):
    """Changes to a published record waiting for moderation, kept beside the public version.

    The record itself keeps its published values — so every public route (pages, API, exports,
    feeds, search, open data) shows them — until a moderator accepts the revision
    (`workflow.publish`). Its organisation and the moderators read and edit the revision.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "En cours de rédaction"
        SUBMITTED = "submitted", "Soumise à la modération"

    project = models.OneToOneField(
        Project,
        verbose_name="projet",
        on_delete=models.CASCADE,
        related_name="pending_revision",
    )
    values = models.JSONField("valeurs proposées", default=dict)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.DRAFT)
    moderation_note = models.TextField("motif de renvoi", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "modification en attente"

    def __str__(self) -> str:
        return f"Modification de {self.project}"

    @staticmethod
    def values_of(project: "Project") -> dict:
        """The revised attributes of an (edited, unsaved) project, as JSON."""
        values = snapshot(project)
        return {attr: values[attr] for attr in REVISED_ATTRS}

    def apply_to(self, project: "Project") -> "Project":
        """Put the proposed values on `project` (in memory: saving it is the workflow's call)."""
        fields = {field.attname: field for field in Project._meta.concrete_fields}
        for attr, value in self.values.items():
            if attr in fields and attr in REVISED_ATTRS:
                setattr(project, attr, fields[attr].to_python(value))
        return project

    def changed_attrs(self, project: "Project | None" = None) -> list[str]:
        """Attributes whose proposed value differs from the published one."""
        published = self.values_of(project or self.project)
        return [
            attr
            for attr in REVISED_ATTRS
            if self.values.get(attr, published[attr]) != published[attr]
        ]


class ErrorReport(BaseModel):
    """Anyone can report an error on a public record; moderators and owners are told."""

    class Status(models.TextChoices):
        OPEN = "open", "Ouvert"
        RESOLVED = "resolved", "Traité"
        REJECTED = "rejected", "Rejeté"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="error_reports")
    field_name = models.CharField("champ concerné", max_length=50, blank=True)
    message = models.TextField("description de l'erreur", max_length=5000)
    reporter_email = models.EmailField("votre e-mail (facultatif)", blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField("réponse", blank=True)
    # When the answer was last e-mailed to the reporter (None: never sent, no address given).
    answer_sent_at = models.DateTimeField("réponse envoyée le", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "signalement d'erreur"


class ImportJob(BaseModel):
    """A background import (dry run or real): its status, progress and report, for a page to follow."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Refusé"

    file_name = models.CharField("fichier", max_length=255)
    file = models.FileField(
        "fichier déposé", upload_to=random_import_name, storage=import_storage, blank=True
    )
    format = models.CharField("format", max_length=20, default="auto")
    mapping = models.JSONField("correspondance des colonnes", null=True, blank=True)
    dry_run = models.BooleanField("simulation", default=False)
    status_after_import = models.CharField(
        "état des projets importés", max_length=10, default="published"
    )
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField("avancement", default=0.0, help_text="De 0 à 1.")
    report = models.JSONField("rapport", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
