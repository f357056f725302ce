"""Core models: the base model, organisations (collectivités), users and their roles, audit log."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models

from territoria.core.audit import AuditedModel
from territoria.core.collectivites import region_of
from territoria.core.siret import normalize_siret, validate_siret


class BaseModel(models.Model):
    """UUID primary key and creation / update timestamps, for every domain model."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        abstract = True


class OrganisationType(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    COMMUNAUTE_COMMUNES = "cc", "Communauté de communes"
    COMMUNAUTE_AGGLOMERATION = "ca", "Communauté d'agglomération"
    COMMUNAUTE_URBAINE = "cu", "Communauté urbaine"
    METROPOLE = "metropole", "Métropole"
    EPT = "ept", "Établissement public territorial (EPT)"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    SYNDICAT_MIXTE = "syndicat_mixte", "Syndicat mixte"
    SYNDICAT = "syndicat", "Syndicat de collectivités"
    STATUT_PARTICULIER = "statut_particulier", "Collectivité à statut particulier"
    OPERATEUR = "operateur", "Opérateur"
    AUTRE = "autre", "Autre"


class Organisation(AuditedModel, BaseModel):
    """A collectivité or public body that carries AI projects."""

    # PostgreSQL refuses NUL in text: a clear field error instead (imports call full_clean).
    name = models.CharField("nom", max_length=255, validators=[ProhibitNullCharactersValidator()])
    # French bodies are identified by their SIRET (required and Luhn-checked for them);
    # foreign bodies imported from other registers (NL, UK) have none: they carry
    # `country` and a stable `identifier` instead (see docs/registre-import-export.md).
    siret = models.CharField(
        "SIRET",
        max_length=14,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_siret],
        help_text="14 chiffres (9 chiffres SIREN + 5 chiffres NIC), espaces acceptés.",
    )
    country = models.CharField(
        "pays", max_length=2, default="FR", help_text="Code ISO 3166-1 du pays de l'organisation."
    )
    identifier = models.CharField(
        "identifiant externe",
        max_length=255,
        blank=True,
        help_text="Identifiant d'une organisation étrangère sans SIRET, ex. « nl:gemeente-amsterdam ».",
    )
    type = models.CharField("type de collectivité", max_length=20, choices=OrganisationType.choices)
    latitude = models.FloatField(
        "latitude",
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="Latitude du siège de l'organisation (WGS 84).",
    )
    longitude = models.FloatField(
        "longitude",
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="Longitude du siège de l'organisation (WGS 84).",
    )
    logo_url = models.URLField("URL du logo", max_length=500, blank=True)
    # Derived from the SIRET on save (core/collectivites.py), never typed by hand.
    region = models.CharField("région", max_length=100, blank=True)
    contact_email = models.EmailField(
        "e-mail de contact",
        blank=True,
        help_text="Reçoit les rappels de mise à jour et les signalements d'erreur.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(country="FR") | models.Q(siret__isnull=False),
                name="core_organisation_french_has_siret",
            ),
            models.UniqueConstraint(
                fields=["identifier"],
                condition=~models.Q(identifier=""),
                name="core_organisation_unique_identifier",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.country == "FR" and not normalize_siret(self.siret):
            raise ValidationError(
                {"siret": "Le SIRET est obligatoire pour une organisation française."}
            )

    def save(self, *args, **kwargs):
        self.siret = normalize_siret(self.siret) or None
        if self.country == "FR" and self.siret:
            # The region comes from the SIREN (or, for a region or département, its name).
            found = region_of(self.siret, self.name)
            if found is not None:
                self.region = found.name
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    """The roles of the platform; what each may do is in core/roles.py (capabilities)."""

    AGENT = "agent", "Agent"
    ELU = "elu", "Élu"
    MODERATOR = "moderateur", "Modérateur"
    ADMIN = "administrateur", "Administrateur"


class User(AbstractUser):
    """A person who logs in. Anonymous readers have no account."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = "utilisateur"


class AuditLog(models.Model):
    """One change of one object: who, when, what (field-level diff). Kept forever."""

    class Action(models.TextChoices):
        CREATE = "create", "Création"
        UPDATE = "update", "Modification"
        DELETE = "delete", "Suppression"

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Name kept as text so that the log stays readable after the user is deleted,
    # and so that imports and commands can sign their changes ("import data.csv").
    actor_label = models.CharField("auteur (libellé)", max_length=255, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField("type d'objet", max_length=100, db_index=True)
    object_id = models.CharField("identifiant", max_length=64, db_index=True)
    object_repr = models.CharField("objet", max_length=255, blank=True)
    changes = models.JSONField("changements", default=dict, help_text="{champ: [avant, après]}")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des modifications"
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr} ({self.at:%d/%m/%Y %H:%M})"


class ApiToken(BaseModel):
    """A secret that lets a program use the API: only its SHA-256 is stored (core/tokens.py).

    The token acts with its owner's rights, narrowed to its scopes (`registre:read`,
    `opendata:write`…); a token without owner is a "quota" key: anonymous rights, its own
    rate limit.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="titulaire",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField("usage", max_length=255, help_text="Qui l'utilise et pour quoi.")
    prefix = models.CharField("début du jeton", max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField("portées", default=list)
    requests_per_minute = models.PositiveIntegerField("requêtes par minute", default=600)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    use_count = models.PositiveBigIntegerField("utilisations", default=0)
    note = models.CharField("note", max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.active and scope in self.scopes


from territoria.core.job_models import PeriodicTaskRun, WorkerHeartbeat  # noqa: F401
