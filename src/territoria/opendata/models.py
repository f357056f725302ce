"""Open data: datasets, their resources, the versions of each resource, API keys, usage counts.

A resource is one table of a dataset (a CSV, an XLSX sheet, a JSON or GeoJSON file, a
Parquet file). Each upload creates a new `ResourceVersion`; the platform analyses it,
stores a columnar copy (Parquet), and the publisher confirms before it becomes the
current version. Previous versions stay downloadable.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from territoria.core.audit import AuditedModel
from territoria.core.models import BaseModel, Organisation


class Licence(models.TextChoices):
    ETALAB_2 = "lo-2.0", "Licence Ouverte / Open Licence 2.0 (Etalab)"
    ODBL = "odbl-1.0", "Open Database License (ODbL) 1.0"
    CC_BY_4 = "cc-by-4.0", "Creative Commons Attribution 4.0"
    CC0 = "cc0-1.0", "Creative Commons Zero (domaine public)"


LICENCE_URLS = {
    Licence.ETALAB_2: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    Licence.ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}


class Frequency(models.TextChoices):
    """Update frequency, mapped to the EU frequency vocabulary in the DCAT catalogue."""

    CONTINUOUS = "continuous", "En continu"
    DAILY = "daily", "Quotidienne"
    WEEKLY = "weekly", "Hebdomadaire"
    MONTHLY = "monthly", "Mensuelle"
    QUARTERLY = "quarterly", "Trimestrielle"
    ANNUAL = "annual", "Annuelle"
    IRREGULAR = "irregular", "Irrégulière"
    UNKNOWN = "unknown", "Inconnue"


class Theme(models.TextChoices):
    """The EU data themes (DCAT-AP), used by national portals to classify datasets."""

    GOVE = "GOVE", "Gouvernement et secteur public"
    ECON = "ECON", "Économie et finances"
    ENVI = "ENVI", "Environnement"
    TRAN = "TRAN", "Transports"
    REGI = "REGI", "Régions et villes"
    SOCI = "SOCI", "Population et société"
    EDUC = "EDUC", "Éducation, culture et sport"
    ENER = "ENER", "Énergie"
    HEAL = "HEAL", "Santé"
    AGRI = "AGRI", "Agriculture, pêche et alimentation"
    JUST = "JUST", "Justice et sécurité"
    TECH = "TECH", "Science et technologie"


class Dataset(AuditedModel, BaseModel):
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    title = models.CharField("titre", max_length=255)
    description = models.TextField("description")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation productrice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="datasets",
        help_text="Vide pour les jeux de données de la plateforme elle-même (le registre).",
    )
    licence = models.CharField(
        "licence", max_length=20, choices=Licence.choices, default=Licence.ETALAB_2
    )
    keywords = models.JSONField("mots-clés", default=list, blank=True)
    theme = models.CharField("thème", max_length=4, choices=Theme.choices, default=Theme.GOVE)
    temporal_start = models.DateField("couverture temporelle : début", null=True, blank=True)
    temporal_end = models.DateField("couverture temporelle : fin", null=True, blank=True)
    spatial_coverage = models.CharField(
        "couverture géographique",
        max_length=255,
        blank=True,
        help_text="Ex. « Commune de Lyon » ou un code INSEE / SIREN.",
    )
    frequency = models.CharField(
        "fréquence de mise à jour",
        max_length=20,
        choices=Frequency.choices,
        default=Frequency.UNKNOWN,
    )
    contact_name = models.CharField("contact", max_length=255, blank=True)
    contact_email = models.EmailField("e-mail du contact", blank=True)
    # Datasets that the platform maintains itself (e.g. the register) are not editable by hand.
    system_key = models.CharField(max_length=50, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Withdrawn by its producer (unpublished, or its files deleted): the record stays, with
    # the date and the reason, so that the catalogue keeps the history and every data
    # address answers 410 with them (opendata/withdrawal.py).
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    withdrawal_reason = models.TextField("motif du retrait", blank=True)
    files_deleted = models.BooleanField("fichiers supprimés", default=False)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "jeu de données"
        verbose_name_plural = "jeux de données"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Dataset, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("opendata:dataset", args=[self.slug])

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")

    def published_resources(self):
        return self.resources.filter(current_version__isnull=False).select_related(
            "current_version"
        )


def unique_slug(model, text: str, max_length: int = 100) -> str:
    base = slugify(text)[:max_length] or "jeu"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class Resource(AuditedModel, BaseModel):
    """One table of a dataset; its data lives in its versions."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    slug = models.SlugField("identifiant", max_length=120)
    title = models.CharField("titre", max_length=255)
    description = models.TextField("description", blank=True)
    # Name of the table in the SQL endpoint; unique across the platform.
    table_name = models.CharField("nom de table SQL", max_length=63, unique=True)
    table_schema = models.JSONField(
        "Table Schema",
        null=True,
        blank=True,
        help_text="Schéma de données (format Table Schema, schema.data.gouv.fr) à respecter.",
    )
    current_version = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]
        unique_together = [("dataset", "slug")]
        verbose_name = "ressource"

    def __str__(self) -> str:
        return f"{self.dataset.title} — {self.title}"

    def save(self, *args, **kwargs):
        if not self.slug:
            base = slugify(self.title)[:100] or "ressource"
            slug, n = base, 2
            while Resource.objects.filter(dataset=self.dataset, slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            self.slug = slug
        if not self.table_name:
            self.table_name = unique_table_name(f"{self.dataset.slug}_{self.slug}")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("opendata:resource", args=[self.dataset.slug, self.slug])

    def next_version_number(self) -> int:
        last = self.versions.aggregate(n=models.Max("number"))["n"]
        return (last or 0) + 1


def unique_table_name(text: str) -> str:
    base = slugify(text).replace("-", "_")[:55] or "table"
    if base[0].isdigit():
        base = f"t_{base}"
    name, n = base, 2
    while Resource.objects.filter(table_name=name).exists():
        name, n = f"{base}_{n}", n + 1
    return name


class VersionStatus(models.TextChoices):
    UPLOADED = "uploaded", "Déposé, en attente d'analyse"
    ANALYSING = "analysing", "Analyse et conversion en cours"
    REVIEW = "review", "À vérifier avant publication"
    PUBLISHING = "publishing", "Publication en cours"
    PUBLISHED = "published", "Publié"
    SUPERSEDED = "superseded", "Remplacé par une version plus récente"
    FAILED = "failed", "Échec"
    WITHDRAWN = "withdrawn", "Retirée de la publication"


class SourceFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    JSON = "json", "JSON"
    GEOJSON = "geojson", "GeoJSON"
    PARQUET = "parquet", "Parquet"


class ResourceVersion(BaseModel):
    """One upload of a resource, with its analysis, its Parquet copy and its publication."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    status = models.CharField(
        "état", max_length=20, choices=VersionStatus.choices, default=VersionStatus.UPLOADED
    )
    error = models.TextField("erreur", blank=True)
    source_name = models.CharField("fichier d'origine", max_length=255)
    source_url = models.URLField("adresse d'origine", max_length=1000, blank=True)
    source_format = models.CharField("format", max_length=10, choices=SourceFormat.choices)
    source_bytes = models.BigIntegerField("taille (octets)", default=0)
    # What the analysis found: encoding, delimiter, decimal separator, date formats…
    detection = models.JSONField("détection", default=dict, blank=True)
    # Inferred schema, in Table Schema form: {"fields": [{"name", "type", "format"?}]}.
    inferred_schema = models.JSONField("schéma déduit", default=dict, blank=True)
    validation_errors = models.JSONField("erreurs de validation", default=list, blank=True)
    personal_data = models.JSONField("colonnes à caractère personnel", default=list, blank=True)
    dropped_columns = models.JSONField("colonnes retirées", default=list, blank=True)
    preview = models.JSONField("aperçu", default=list, blank=True)
    row_count = models.BigIntegerField("lignes", null=True, blank=True)
    parquet_bytes = models.BigIntegerField("taille Parquet (octets)", null=True, blank=True)
    analysis_seconds = models.FloatField("durée de conversion (s)", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    # Difference with the version it replaced (rows, columns), computed at publication.
    diff = models.JSONField("différence avec la version précédente", default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        unique_together = [("resource", "number")]
        verbose_name = "version de ressource"

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"

    @property
    def is_queryable(self) -> bool:
        return self.status in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)

    @property
    def is_pending(self) -> bool:
        return self.status in (
            VersionStatus.UPLOADED,
            VersionStatus.ANALYSING,
            VersionStatus.PUBLISHING,
        )

    @property
    def columns(self) -> list[dict]:
        return self.inferred_schema.get("fields", [])

    @property
    def published_columns(self) -> list[dict]:
        return [f for f in self.columns if f["name"] not in self.dropped_columns]

    def unconfirmed_personal_data(self) -> list[dict]:
        return [flag for flag in self.personal_data if flag["column"] not in self.dropped_columns]


class UsageKind(models.TextChoices):
    VIEW = "view", "Consultation"
    QUERY = "query", "Requête"
    DOWNLOAD = "download", "Téléchargement"


class DatasetUsage(models.Model):
    """Usage counts of a dataset per day and kind (views, queries, downloads)."""

    id = models.BigAutoField(primary_key=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField("jour")
    kind = models.CharField(max_length=10, choices=UsageKind.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        unique_together = [("dataset", "day", "kind")]
        verbose_name = "fréquentation"

    @classmethod
    def record(cls, dataset_id, kind: str) -> None:
        day = timezone.localdate()
        updated = cls.objects.filter(dataset_id=dataset_id, day=day, kind=kind).update(
            count=models.F("count") + 1
        )
        if not updated:
            obj, created = cls.objects.get_or_create(
                dataset_id=dataset_id, day=day, kind=kind, defaults={"count": 1}
            )
            if not created:
                cls.objects.filter(pk=obj.pk).update(count=models.F("count") + 1)
