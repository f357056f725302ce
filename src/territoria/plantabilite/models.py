"""Territories, their factor layers, weight profiles (and who agreed them), computations, plantings."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse

from territoria.core.models import BaseModel, Organisation
from territoria.plantabilite.factors import BY_KEY, FACTORS, MAX_WEIGHT, MIN_WEIGHT

FACTOR_CHOICES = [(f.key, f"{f.label} ({f.weight:+d})") for f in FACTORS]


def results_dir() -> Path:
    return Path(settings.DATA_DIR) / "plantabilite"


class Territory(BaseModel):
    """The area a collectivité computes its layer on, in its working CRS (metres)."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    crs = models.CharField(
        "système de coordonnées de travail",
        max_length=40,
        default="EPSG:2154",
        help_text="Lambert-93 (EPSG:2154) par défaut en France métropolitaine.",
    )
    # PostgreSQL reserves xmin/xmax as system columns: the bounds are stored under other names.
    xmin = models.FloatField(null=True, blank=True, db_column="x_min")
    ymin = models.FloatField(null=True, blank=True, db_column="y_min")
    xmax = models.FloatField(null=True, blank=True, db_column="x_max")
    ymax = models.FloatField(null=True, blank=True, db_column="y_max")
    target_trees = models.PositiveIntegerField("objectif d'arbres plantés", default=1_000_000)
    m2_per_tree = models.FloatField(
        "surface par arbre (m²)",
        default=50.0,
        help_text="Pour estimer combien d'arbres un site peut accueillir.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "territoire"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plantabilite:territory", args=[self.slug])

    @property
    def extent(self) -> tuple[float, float, float, float] | None:
        if None in (self.xmin, self.ymin, self.xmax, self.ymax):
            return None
        return (self.xmin, self.ymin, self.xmax, self.ymax)

    def latest_public(self):
        return (
            self.computations.filter(state=Computation.State.DONE, public=True)
            .order_by("-finished_at")
            .first()
        )


class FactorLayer(BaseModel):
    """One imported layer, mapped to one factor; its geometries in the territory's CRS."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField("nom", max_length=200)
    factor = models.CharField("facteur", max_length=40, choices=FACTOR_CHOICES)
    buffer_m = models.FloatField(
        "distance tampon (m)", help_text="Réseaux enterrés : 2 m (pas de plantation plus près)."
    )
    owner = models.CharField("détenteur", max_length=200, help_text="ex. GRDF, Enedis, la ville")
    provenance = models.TextField("provenance", blank=True)
    source_name = models.CharField("fichier source", max_length=255)
    source_format = models.CharField("format", max_length=40)
    source_crs = models.CharField("CRS d'origine", max_length=80)
    source_date = models.DateField("date des données", null=True, blank=True)
    restricted = models.BooleanField(
        "réservée aux agents",
        default=False,
        help_text="Couche d'opérateur : visible des agents seulement ; l'indice reste public.",
    )
    feature_count = models.PositiveIntegerField("objets", default=0)
    repaired_count = models.PositiveIntegerField("géométries réparées", default=0)
    report = models.TextField("rapport d'import", blank=True)
    geometry_wkb = models.BinaryField()  # one GeometryCollection, in the territory's CRS
    digest = models.CharField(max_length=64)  # geometries + buffer: the incremental key
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["factor", "name"]
        verbose_name = "couche de facteur"

    def __str__(self) -> str:
        return self.name

    @property
    def factor_label(self) -> str:
        return BY_KEY[self.factor].label


class WeightProfile(BaseModel):
    """A set of weights, factor key → −5…+3 (missing factors weigh 0)."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField("nom", max_length=200)
    description = models.TextField("description", blank=True)
    weights = models.JSONField("poids")

    class Meta:
        ordering = ["created_at"]
        verbose_name = "profil de poids"
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="plantabilite_profile_name")
        ]

    def __str__(self) -> str:
        return self.name

    # Who changed the weights and why, for the version the next save records (views set them).
    _changed_by = None
    _change_note = ""

    def save(self, *args, **kwargs):
        """Save, and record a new version whenever the weights differ from the last one: the
        profile's history is complete whatever path changed it (page, admin, shell)."""
        from django.db import transaction

        with transaction.atomic():
            super().save(*args, **kwargs)
            last = self.versions.order_by("-number").first()
            if last is None or last.weights != self.weights:
                ProfileVersion.objects.create(
                    profile=self,
                    number=(last.number + 1) if last else 1,
                    weights=dict(self.weights),
                    note=self._change_note or ("Création du profil." if last is None else ""),
                    changed_by=self._changed_by,
                )

    @property
    def version(self) -> int:
        last = self.versions.order_by("-number").first()
        return last.number if last else 0

    def clean(self):
        from django.core.exceptions import ValidationError

        from territoria.plantabilite.factors import check_weight

        errors = []
        for key, value in (self.weights or {}).items():
            try:
                check_weight(key, value)
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise ValidationError({"weights": errors})


class ProfileVersion(BaseModel):
    """One state of a profile's weights: version 1 at creation, one more at each change."""

    profile = models.ForeignKey(WeightProfile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    weights = models.JSONField("poids")
    note = models.TextField("motif du changement", blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = "version d'un profil de poids"
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="plantabilite_version")
        ]

    def __str__(self) -> str:
        return f"{self.profile} v{self.number}"


class Agreement(BaseModel):
    """Concertation: who agreed which weights of a profile (all, or the factors that concern
    the party, e.g. GRDF its gas network), on which version, when."""

    profile = models.ForeignKey(WeightProfile, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField("version du profil", null=True, blank=True)
    factors = models.JSONField("facteurs concernés", default=list, blank=True)  # [] = all
    party = models.CharField("partie", max_length=200, help_text="ex. GRDF, Enedis, la ville")
    person = models.CharField("personne", max_length=200, blank=True)
    agreed_on = models.DateField("date de l'accord")
    weights = models.JSONField("poids convenus")
    note = models.TextField("remarque", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-agreed_on", "-created_at"]
        verbose_name = "accord sur les poids"

    @property
    def scope(self) -> list[str]:
        """The factor keys the party agreed on (all the profile's when none were named)."""
        return list(self.factors) or list(self.weights)

    @property
    def scope_labels(self) -> list[str]:
        return [BY_KEY[key].label for key in self.scope if key in BY_KEY]

    def drift(self, current: dict | None = None) -> list[dict]:
        """The agreed weights the profile no longer has: [{factor, agreed, now}], empty while
        the agreement still holds."""
        current = self.profile.weights if current is None else current
        return [
            {
                "factor": BY_KEY[key].label,
                "agreed": self.weights.get(key, 0),
                "now": current.get(key, 0),
            }
            for key in self.scope
            if key in BY_KEY and current.get(key, 0) != self.weights.get(key, 0)
        ]


class Computation(BaseModel):
    """One computation of the layer: a background job with its progress, then its files."""

    class State(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="computations")
    profile = models.ForeignKey(WeightProfile, on_delete=models.PROTECT, related_name="+")
    weights = models.JSONField("poids utilisés", default=dict)
    profile_version = models.PositiveIntegerField("version du profil", null=True, blank=True)
    # The area: the territory's extent, or one drawn by the agent (in the territory's CRS).
    xmin = models.FloatField(db_column="x_min")
    ymin = models.FloatField(db_column="y_min")
    xmax = models.FloatField(db_column="x_max")
    ymax = models.FloatField(db_column="y_max")
    # A computation on a planting zone: a copy of its polygon (WKB, territory's CRS) at the time
    # of the computation; the cells whose centre lies outside get no class (engine.NODATA_CLASS).
    zone_wkb = models.BinaryField("zone (polygone)", null=True, blank=True)
    zone_name = models.CharField("zone", max_length=200, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    step = models.CharField("étape", max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    public = models.BooleanField("publiée", default=True)
    stats = models.JSONField(default=dict)
    layers = models.JSONField("couches utilisées", default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "calcul"

    def __str__(self) -> str:
        return f"{self.territory} — {self.profile} ({self.created_at:%d/%m/%Y %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("plantabilite:computation", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def folder(self) -> Path:
        return results_dir() / "calculs" / str(self.pk)

    @property
    def zone(self):
        """The zone's polygon, or None for a rectangle (or the whole territory)."""
        if not self.zone_wkb:
            return None
        import shapely

        return shapely.from_wkb(bytes(self.zone_wkb))


class Planting(BaseModel):
    """Trees actually planted, recorded back by the field teams."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="plantings")
    site = models.CharField("site", max_length=200, blank=True)
    x = models.FloatField()
    y = models.FloatField()
    trees = models.PositiveIntegerField("arbres plantés")
    planted_on = models.DateField("date de plantation")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bulk imports: the file and its line (« retours.csv, ligne 3 »); empty when typed in.
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        ordering = ["-planted_on"]
        verbose_name = "plantation"


class PlantingZone(BaseModel):
    """A planting area (polygon) drawn on the map or imported as GeoJSON, in the working CRS:
    its class statistics and its ranked planting sites are read from the latest computation."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField("nom", max_length=200)
    source = models.CharField("origine", max_length=255)  # "dessinée" or the file's name
    geometry_wkb = models.BinaryField()  # a (Multi)Polygon in the territory's CRS
    area_m2 = models.FloatField("surface (m²)")
    report = models.TextField("rapport", blank=True)  # repairs, parts ignored
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "zone de plantation"
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="plantabilite_zone_name")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plantabilite:zone", args=[self.territory.slug, self.pk])

    @property
    def geometry(self):
        import shapely

        return shapely.from_wkb(bytes(self.geometry_wkb))


class NeedLayer(BaseModel):
    """A raster of needs (surface temperature, population density) that ranks the planting
    sites: where planting matters most. The file is kept as imported (needs.path)."""

    class Kind(models.TextChoices):
        HEAT = "chaleur", "Îlots de chaleur (température de surface)"
        POPULATION = "population", "Densité de population"

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField("besoin", max_length=20, choices=Kind.choices)
    name = models.CharField("nom", max_length=200)
    owner = models.CharField("détenteur", max_length=200)
    provenance = models.TextField("provenance", blank=True)
    source_name = models.CharField("fichier source", max_length=255)
    source_crs = models.CharField("CRS d'origine", max_length=80)
    source_date = models.DateField("date des données", null=True, blank=True)
    width = models.PositiveIntegerField("colonnes")
    height = models.PositiveIntegerField("lignes")
    resolution_m = models.FloatField("taille des pixels (unités du CRS)")
    minimum = models.FloatField("valeur minimale")
    maximum = models.FloatField("valeur maximale")
    report = models.TextField("rapport d'import", blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "couche de besoin"
        constraints = [
            models.UniqueConstraint(fields=["territory", "kind"], name="plantabilite_need_kind")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> Path:
        return results_dir() / "besoins" / f"{self.pk}.tif"


WEIGHT_RANGE = (MIN_WEIGHT, MAX_WEIGHT)
