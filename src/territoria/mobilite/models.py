"""The mobility module's records: SUMO networks, scenarios and their runs, counts, accidents."""

from pathlib import Path

from django.conf import settings
from django.db import models

from territoria.core.models import BaseModel


def storage() -> Path:
    """DATA_DIR/mobilite: networks, simulation runs and count files (Parquet)."""
    return Path(settings.DATA_DIR) / "mobilite"


class Network(BaseModel):
    """A SUMO road network, imported as .net.xml or built from an OSM extract by netconvert."""

    name = models.CharField("nom", max_length=200)
    # Its agents only see it (none: imported by the command line, seen by every agent).
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mobility_networks",
    )
    source_name = models.CharField("fichier source", max_length=255)
    projection = models.CharField("projection", max_length=300, blank=True)
    counts = models.JSONField("nombre d'éléments", default=dict)
    # For the map and the forms: {"edges": [[id, name, lanes, speed, [[x, y]…]]],
    # "junctions": [[id, type, x, y]], "tls": {id: {"program": id, "phases": [[dur, state]]}}}
    elements = models.JSONField("éléments", default=dict)
    # School-holiday zone (A, B, C) of the territory: its holidays are a season of the
    # typical-day profiles of the counts (profiles.py); blank: not set.
    school_zone = models.CharField(
        "zone de vacances scolaires",
        max_length=1,
        blank=True,
        choices=[("A", "zone A"), ("B", "zone B"), ("C", "zone C")],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "réseau routier"

    def __str__(self) -> str:
        return self.name

    @property
    def folder(self) -> Path:
        return storage() / "reseaux" / str(self.pk)

    @property
    def net_file(self) -> Path:
        return self.folder / "network.net.xml"


class Scenario(BaseModel):
    """The base network plus changes: closed edges or lanes (roadworks), light programs,
    demand scaled by a percentage."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField("nom", max_length=200)
    # [{"type": "close_edge", "edge": "E1"}, {"type": "close_lane", "lane": "E1_0"},
    #  {"type": "tls_program", "tls": "J1", "durations": [30, 3, 30, 3]},
    #  {"type": "demand", "percent": 10}]
    changes = models.JSONField("modifications", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["network", "name"]
        verbose_name = "scénario"

    def __str__(self) -> str:
        return self.name


class JobStatus(models.TextChoices):
    QUEUED = "en_attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    FAILED = "echec", "Échec"


JOB_TITLES = {
    "roadworks": "Calendrier de chantiers",
    "signals": "Comparaison des contrôleurs de feux",
    "flux": "Analyse des flux des comptages",
    "calibration": "Calage de la demande sur les comptages",
}


class Job(BaseModel):
    """A background run (scenario against the base, demand calibration, counts import…); its
    counters are the progress the page shows."""

    kind = models.CharField("type", max_length=40)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="jobs")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.CASCADE)
    params = models.JSONField("paramètres", default=dict)
    status = models.CharField(
        "statut", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField("fait", default=0)
    total = models.PositiveIntegerField("total", default=0)
    message = models.CharField("message", max_length=500, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "simulation"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def title(self) -> str:
        """What the job is, as its page and the module's list of jobs name it."""
        if self.kind == "scenario":
            return f"Simulation du scénario « {self.scenario.name} »"
        if self.kind == "comptages":
            return f"Import des comptages « {self.params.get('file_name', '')} »"
        return JOB_TITLES.get(self.kind, self.kind)

    @property
    def folder(self) -> Path:
        return storage() / "simulations" / str(self.pk)

    @property
    def upload(self) -> Path:
        """The file an agent sent for this job (counts to import), kept until it has run."""
        return self.folder / "depot"


class CountImport(BaseModel):
    """A file of detector counts, stored as Parquet (queried with DuckDB)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="count_imports")
    file_name = models.CharField("fichier", max_length=255)
    rows = models.PositiveIntegerField("lignes", default=0)
    detectors = models.JSONField("détecteurs", default=list)
    step_minutes = models.PositiveIntegerField("pas (minutes)", default=0)
    first_time = models.DateTimeField("début", null=True)
    last_time = models.DateTimeField("fin", null=True)
    warnings = models.JSONField("anomalies", default=list)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import de comptages"

    @property
    def parquet(self) -> Path:
        return storage() / "comptages" / f"{self.pk}.parquet"


class CalendarEntry(BaseModel):
    """A day or span of the network's events calendar (match, market, strike…) or one day of
    its weather record: what `causes.py` sets beside the anomalous days of the counts."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="calendar")
    kind = models.CharField("type", max_length=10)  # "evenement" or "meteo"
    first_day = models.DateField("du")
    last_day = models.DateField("au")
    label = models.CharField("libellé", max_length=200, blank=True)
    # events: the sections (detectors) concerned, none meaning the whole network
    sections = models.JSONField("sections", default=list, blank=True)
    # weather: {"rain_mm": …, "snow_cm": …, "tmin_c": …} (the values the file gave)
    values = models.JSONField("valeurs", default=dict, blank=True)
    file_name = models.CharField("fichier", max_length=255)

    class Meta:
        ordering = ["first_day"]
        verbose_name = "jour du calendrier des flux"


class AccidentImport(BaseModel):
    """A national injury-accident file (BAAC), pre-2019 or current layout."""

    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField("fichier", max_length=255)
    layout = models.CharField("disposition", max_length=20)
    rows = models.PositiveIntegerField("accidents", default=0)
    geocoded = models.PositiveIntegerField("géolocalisés", default=0)
    by_street = models.PositiveIntegerField("placés sur leur voie", default=0)
    by_commune = models.PositiveIntegerField("placés dans leur commune", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import d'accidents"


class Accident(models.Model):
    source = models.ForeignKey(AccidentImport, on_delete=models.CASCADE, related_name="accidents")
    number = models.CharField("numéro", max_length=20)
    date = models.DateField("date")
    hour = models.PositiveSmallIntegerField("heure", null=True)
    lighting = models.PositiveSmallIntegerField("luminosité", null=True)
    weather = models.PositiveSmallIntegerField("météo", null=True)
    built_up = models.BooleanField("en agglomération", null=True)
    departement = models.CharField("département", max_length=3)
    commune = models.CharField("commune (INSEE)", max_length=5)
    address = models.CharField("adresse", max_length=200, blank=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    # "gps": the file's coordinates; "voie": the middle of the street its address names (a
    # network and the commune outlines given at the import, mobilite.streets); "commune": a
    # point of its commune (outlines given at the import); the last two never in the point hot
    # spots; "": not located
    located = models.CharField("localisation", max_length=10, blank=True, default="")
    # 1 unhurt … worst of the users (2 killed, 3 hospitalised, 4 slightly injured); 0 unknown
    severity = models.PositiveSmallIntegerField("gravité", default=0)
    killed = models.PositiveSmallIntegerField("tués", default=0)
    hospitalised = models.PositiveSmallIntegerField("blessés hospitalisés", default=0)
    # a pedestrian among the users (`catu` 3 of the users file); None: no users file
    pedestrian = models.BooleanField("piéton impliqué", null=True)
    # a bicycle (`catv` 1, 80) or a powered two- or three-wheeler among the vehicles of the
    # vehicles file; None: no vehicles file, or the accident is not in it
    bicycle = models.BooleanField("vélo impliqué", null=True)
    motorcycle = models.BooleanField("deux-roues motorisé impliqué", null=True)

    class Meta:
        ordering = ["date"]
        unique_together = [("source", "number")]
        verbose_name = "accident"
