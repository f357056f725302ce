"""The observatory's data: territory (communes, social indicators), cultural offer (venues,
attendance series with their quality flags), evaluated actions, published observatories, jobs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from territoria.core.models import BaseModel


class Commune(BaseModel):
    """A commune of the geography in force (the package's), with the outline(s) of the file.

    A commune merged since the outline file's year keeps the outlines of its former communes
    (`outline_codes`), so that the map still covers the territory without double counting."""

    code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=200)
    departement = models.CharField("département", max_length=3, db_index=True)
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    epci_code = models.CharField("SIREN de l'EPCI", max_length=9, blank=True, db_index=True)
    epci_name = models.CharField("EPCI", max_length=255, blank=True)
    area_km2 = models.FloatField("superficie (km²)")
    latitude = models.FloatField("latitude du centre")
    longitude = models.FloatField("longitude du centre")
    geometry = models.JSONField("contour GeoJSON")
    # The outline drawn on maps (geo.simplify_coverage, computed at import with its neighbours);
    # None: the full outline is drawn.
    map_geometry = models.JSONField("contour simplifié pour les cartes", null=True, blank=True)
    outline_codes = models.JSONField("codes des contours du fichier", default=list)
    flags = models.JSONField("signalements", default=list, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = "commune"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def map_outline(self) -> dict:
        return self.map_geometry or self.geometry

    @property
    def density(self) -> float | None:
        if self.population is None or not self.area_km2:
            return None
        return self.population / self.area_km2


class Iris(BaseModel):
    """An IRIS (INSEE's infra-communal unit, about 2 000 inhabitants) with its outline, from a
    file the collectivité provides (IGN Contours… IRIS converted to GeoJSON WGS 84): no IRIS
    outlines ship with the platform. A commune that is not split is one IRIS, coded
    « commune + 0000 »."""

    code = models.CharField("code IRIS", max_length=9, unique=True)
    name = models.CharField("nom", max_length=200)
    commune_code = models.CharField("commune", max_length=5, db_index=True)
    kind = models.CharField("type d'IRIS", max_length=1, blank=True)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    area_km2 = models.FloatField("superficie (km²)")
    latitude = models.FloatField("latitude du centre")
    longitude = models.FloatField("longitude du centre")
    geometry = models.JSONField("contour GeoJSON")
    source = models.CharField("source", max_length=255)
    flags = models.JSONField("signalements", default=list, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = "IRIS"
        verbose_name_plural = "IRIS"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RoadNetwork(BaseModel):
    """The drivable roads of an OpenStreetMap extract the collectivité imports (.osm.pbf),
    kept as a directed graph (`network.RoadGraph`, compressed numpy arrays): travel times and
    road distances are then computed on it instead of being estimated. None ships with the
    platform. A new import of the same file name replaces the previous one."""

    name = models.CharField("nom", max_length=200, unique=True)
    source = models.CharField("source", max_length=255)
    nodes = models.PositiveIntegerField("nœuds")
    edges = models.PositiveIntegerField("tronçons orientés")
    west = models.FloatField("ouest")
    south = models.FloatField("sud")
    east = models.FloatField("est")
    north = models.FloatField("nord")
    graph = models.BinaryField("graphe")

    class Meta:
        ordering = ("-updated_at",)
        verbose_name = "réseau routier"
        verbose_name_plural = "réseaux routiers"

    def __str__(self) -> str:
        return self.name


class TransitFeed(BaseModel):
    """One day of the collectivité's public-transport timetables (a GTFS feed): stops and the
    day's connections (`transit.Timetable`, compressed numpy arrays). None ships with the
    platform. A new import of the same file name replaces the previous one."""

    name = models.CharField("nom", max_length=200, unique=True)
    day = models.DateField("jour de référence")
    stops = models.PositiveIntegerField("arrêts")
    connections = models.PositiveIntegerField("connexions")
    west = models.FloatField("ouest")
    south = models.FloatField("sud")
    east = models.FloatField("est")
    north = models.FloatField("nord")
    timetable = models.BinaryField("horaires")

    class Meta:
        ordering = ("-updated_at",)
        verbose_name = "réseau de transport en commun"
        verbose_name_plural = "réseaux de transport en commun"

    def __str__(self) -> str:
        return self.name


class Indicator(BaseModel):
    """One value of a social indicator for a commune or an IRIS (imported CSV)."""

    class Level(models.TextChoices):
        COMMUNE = "commune", "Commune"
        IRIS = "iris", "IRIS"

    code = models.CharField("code géographique", max_length=9, db_index=True)
    level = models.CharField("niveau", max_length=7, choices=Level.choices)
    commune_code = models.CharField("commune", max_length=5, db_index=True)
    name = models.CharField("indicateur", max_length=120)
    year = models.PositiveSmallIntegerField("année")
    value = models.FloatField("valeur", null=True, blank=True)
    secret = models.BooleanField("secret statistique", default=False)
    source = models.CharField("source", max_length=255)

    class Meta:
        ordering = ("name", "code")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "name", "year"], name="culture_indicator_unique"
            )
        ]
        verbose_name = "indicateur social"

    def __str__(self) -> str:
        return f"{self.name} {self.year} — {self.code}"


class VenueKind(models.TextChoices):
    MUSEE = "musee", "Musée"
    BIBLIOTHEQUE = "bibliotheque", "Bibliothèque, médiathèque"
    CINEMA = "cinema", "Cinéma"
    THEATRE = "theatre", "Théâtre, salle de spectacle"
    CONSERVATOIRE = "conservatoire", "Conservatoire, école d'art"
    FESTIVAL = "festival", "Festival"
    AUTRE = "autre", "Autre lieu"


class Venue(BaseModel):
    """A place of the cultural offer (a Muséofile museum, or a list the collectivité imports)."""

    ref = models.CharField("identifiant", max_length=40, unique=True)
    name = models.CharField("nom", max_length=300)
    kind = models.CharField("type", max_length=15, choices=VenueKind.choices)
    address = models.CharField("adresse", max_length=300, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=200, blank=True)
    departement = models.CharField("département", max_length=3, blank=True, db_index=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    themes = models.TextField("thèmes", blank=True)
    prices = models.CharField("tarifs", max_length=300, blank=True)
    opening = models.CharField("ouverture", max_length=300, blank=True)
    source = models.CharField("source", max_length=255)
    flags = models.JSONField("signalements", default=list, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name = "lieu culturel"
        verbose_name_plural = "lieux culturels"

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class AttendanceSeries(BaseModel):
    """The attendance of one venue over the years, as the national file identifies it."""

    ref = models.CharField("référence du fichier", max_length=20, unique=True)
    name = models.CharField("nom (le plus récent)", max_length=300)
    names = models.JSONField("noms rencontrés", default=list)
    city = models.CharField("ville", max_length=200)
    departement = models.CharField("département", max_length=3, db_index=True)
    departement_label = models.CharField("département (libellé du fichier)", max_length=100)
    region = models.CharField("région (libellé du fichier)", max_length=100, blank=True)
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendance_series"
    )
    match_score = models.FloatField("score de rapprochement Muséofile", null=True, blank=True)
    flags = models.JSONField("signalements", default=list, blank=True)
    source = models.CharField("source", max_length=255)

    class Meta:
        ordering = ("departement", "name")
        verbose_name = "série de fréquentation"
        verbose_name_plural = "séries de fréquentation"

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def get_absolute_url(self) -> str:
        return reverse("culture:series", args=[self.ref])


class Attendance(BaseModel):
    """One line of an attendance file: a venue's visits in a year (paying, free, total)."""

    series = models.ForeignKey(AttendanceSeries, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField("année")
    paying = models.PositiveIntegerField("entrées payantes", null=True, blank=True)
    free = models.PositiveIntegerField("entrées gratuites", null=True, blank=True)
    total = models.PositiveIntegerField("total", null=True, blank=True)
    note = models.CharField("note du fichier", max_length=10, blank=True)
    comment = models.CharField("commentaire du fichier", max_length=300, blank=True)
    line = models.PositiveIntegerField("ligne du fichier")
    flags = models.JSONField("signalements", default=list, blank=True)

    class Meta:
        ordering = ("series", "year", "line")
        indexes = [models.Index(fields=["series", "year"])]
        verbose_name = "fréquentation annuelle"

    def __str__(self) -> str:
        return f"{self.series.name} {self.year} : {self.total}"


class Action(BaseModel):
    """A cultural action whose effect the collectivité wants to estimate (festival, free
    entry, mediation programme, new venue…), and the result of its evaluation."""

    class Kind(models.TextChoices):
        GRATUITE = "gratuite", "Gratuité, changement de tarif"
        MEDIATION = "mediation", "Programme de médiation"
        FESTIVAL = "festival", "Festival, événement"
        NOUVEAU_LIEU = "nouveau_lieu", "Nouveau lieu, réouverture"
        AUTRE = "autre", "Autre"

    class Status(models.TextChoices):
        DRAFT = "draft", "À évaluer"
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Évaluée"
        FAILED = "failed", "Échec"

    name = models.CharField("nom de l'action", max_length=200)
    kind = models.CharField("type", max_length=15, choices=Kind.choices)
    place = models.CharField("lieu", max_length=200)
    public = models.CharField("public visé", max_length=200, blank=True)
    description = models.TextField("description", blank=True)
    start_year = models.PositiveSmallIntegerField("première année de l'action")
    first_year = models.PositiveSmallIntegerField("début de la période observée")
    last_year = models.PositiveSmallIntegerField("fin de la période observée")
    treated_refs = models.JSONField("séries concernées", default=list)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.DRAFT)
    progress = models.FloatField("avancement", default=0.0)
    result = models.JSONField("résultat", default=dict, blank=True)
    published = models.BooleanField("publiée sur l'observatoire", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "action évaluée"
        verbose_name_plural = "actions évaluées"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.first_year < self.start_year <= self.last_year):
            raise ValidationError(
                "Les années doivent vérifier : début de la période < première année de "
                "l'action ≤ fin de la période."
            )
        if not self.treated_refs:
            raise ValidationError("Choisissez au moins une série de fréquentation concernée.")

    def get_absolute_url(self) -> str:
        return reverse("culture:action", args=[self.pk])


class Observatory(BaseModel):
    """The observatory of a territory (an EPCI or a département): its access weights and
    what the collectivité publishes on its public page."""

    slug = models.SlugField("adresse", max_length=80, unique=True)
    name = models.CharField("nom", max_length=200)
    epci_code = models.CharField("SIREN de l'EPCI", max_length=9, blank=True)
    departement = models.CharField("département", max_length=3, blank=True)
    weights = models.JSONField("poids de l'indice d'accès", default=dict, blank=True)
    introduction = models.TextField("présentation", blank=True)
    published = models.BooleanField("publié", default=False)
    published_at = models.DateTimeField("publié le", null=True, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name = "observatoire"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.epci_code) == bool(self.departement):
            raise ValidationError("Un observatoire couvre soit un EPCI, soit un département.")

    def communes(self):
        if self.epci_code:
            return Commune.objects.filter(epci_code=self.epci_code)
        return Commune.objects.filter(departement=self.departement)

    def get_absolute_url(self) -> str:
        return reverse("culture:observatory", args=[self.slug])


class CultureJob(BaseModel):
    """A background job of the module (data import, evaluation) and its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    kind = models.CharField("type", max_length=30)
    title = models.CharField("titre", max_length=200)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField("avancement", default=0.0)
    message = models.CharField("étape", max_length=300, blank=True)
    parameters = models.JSONField("paramètres", default=dict, blank=True)
    report = models.JSONField("rapport", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "traitement"

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("culture:job", args=[self.pk])


class Survey(BaseModel):
    """A short questionnaire built in the platform, answered anonymously through a public link."""

    title = models.CharField("titre", max_length=200)
    introduction = models.TextField("présentation", blank=True)
    observatory = models.ForeignKey(
        Observatory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        verbose_name="territoire",
    )
    token = models.CharField("lien public", max_length=40, unique=True)
    is_open = models.BooleanField("ouverte aux réponses", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "enquête"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("culture:survey_results", args=[self.pk])

    def public_url(self) -> str:
        return reverse("culture:survey_answer", args=[self.token])


class Question(BaseModel):
    class Kind(models.TextChoices):
        AGREE = "accord", "Échelle d'accord (1 à 5)"
        CHOICE = "choix", "Choix dans une liste"
        OPEN = "ouverte", "Réponse libre"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField("ordre")
    text = models.CharField("question", max_length=300)
    kind = models.CharField("type", max_length=8, choices=Kind.choices)
    choices = models.JSONField("choix", default=list, blank=True)
    theme_grid = models.TextField(
        "grille de thèmes",
        blank=True,
        default="",
        help_text="Réponses libres : un thème par ligne, « Nom : phrase ; phrase » (surveys.parse_grid).",
    )

    class Meta:
        ordering = ("survey", "position")
        verbose_name = "question"

    def __str__(self) -> str:
        return self.text


class SurveyResponse(BaseModel):
    """One anonymous answer sheet: no name, no address; `source_key` is a salted hash of the
    connection (kept to flag a survey flooded by one source, never shown)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    commune_code = models.CharField("commune", max_length=5, blank=True)
    public = models.CharField("tranche d'âge", max_length=20, blank=True)
    source_key = models.CharField(max_length=64, db_index=True)
    flagged = models.BooleanField("écartée (source répétée)", default=False)

    class Meta:
        ordering = ("created_at",)
        verbose_name = "réponse à une enquête"


class Answer(BaseModel):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField("réponse")

    class Meta:
        ordering = ("response", "question")
        verbose_name = "réponse à une question"
