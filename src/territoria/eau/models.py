"""The water module's records: networks and zones, SCADA imports, alerts, jobs, quality."""

from django.conf import settings
from django.db import models

from territoria.core.audit import AuditedModel
from territoria.core.models import BaseModel
from territoria.core.templatetags.french import count_words

# The element counts of an imported model, as French nouns (« aucune vanne », « 1 pompe »).
COUNT_NOUNS = {
    "jonctions": "jonction|f",
    "canalisations": "canalisation|f",
    "vannes": "vanne|f",
    "pompes": "pompe|f",
    "réservoirs": "réservoir",
    "bâches": "bâche|f",
    # EPANET 2.3's [LEAKAGE] lines: checked at import, not simulated (WNTR 1.5 has no FAVAD)
    "fuites de fond": "fuite de fond déclarée ([LEAKAGE] d'EPANET 2.3, non simulée)|f|"
    "fuites de fond déclarées ([LEAKAGE] d'EPANET 2.3, non simulées)",
}


class Network(BaseModel):
    """A distribution network imported from an EPANET model."""

    name = models.CharField("nom", max_length=200)
    # The water service that owns it: its agents only see it (none: imported by the CLI,
    # seen by the agents of every organisation of the instance).
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="water_networks",
    )
    source_name = models.CharField("fichier source", max_length=255)
    crs = models.CharField(
        "système de coordonnées",
        max_length=40,
        default="local",
        help_text="« local » (schéma métrique, dessiné en schéma), « EPSG:2154 » ou « EPSG:4326 ».",
    )
    counts = models.JSONField("nombre d'éléments", default=dict)
    # Drawing and ranking data: nodes {name: [x, y, kind, zone]}, links [[name, start, end,
    # kind, diameter_mm, length_m]]. A few hundred kB for a town; kept with the network.
    elements = models.JSONField("éléments", default=dict)
    # The service's choice to publish its zones' monthly volumes as open data (publishing.py).
    publish_volumes = models.BooleanField(
        "volumes mensuels publiés en données ouvertes", default=False
    )
    # The public holidays the zones' expected flow follows (a holiday reads as a Sunday):
    # detection.CALENDARS; "" for none. None by default: a wrong calendar costs false alarms
    # (L-Town 2018 with the French one: 4 instead of 2, benchmarks/eau.py --only holidays).
    holidays = models.CharField(
        "jours fériés",
        max_length=40,
        default="",
        blank=True,
        choices=[("fr", "France"), ("fr-alsace-moselle", "Alsace-Moselle"), ("", "aucun")],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "réseau"

    def __str__(self) -> str:
        return self.name

    @property
    def counts_text(self) -> str:
        """« 782 jonctions, 905 canalisations, aucune pompe… » (French counts), in the order of
        COUNT_NOUNS: PostgreSQL's jsonb does not keep the keys' order."""
        known = [key for key in COUNT_NOUNS if key in self.counts]
        others = sorted(key for key in self.counts if key not in COUNT_NOUNS)
        return ", ".join(
            count_words(self.counts[key], COUNT_NOUNS.get(key, key)) for key in known + others
        )


class Zone(AuditedModel, BaseModel):
    """A hydraulic zone (DMA) derived from the topology; its name and balance are editable."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="zones")
    code = models.CharField("code", max_length=40)
    name = models.CharField("nom", max_length=200)
    node_count = models.PositiveIntegerField("nœuds", default=0)
    feeds = models.JSONField("alimentations", default=list)  # links that feed it
    # The zone's water balance from its meters: {"p227": 1, "p235": 1, "PUMP_1": -1}; a tank
    # term as {"tank": "T1", "area_m2": 201.06} subtracts area × dh/dt.
    balance = models.JSONField("bilan", default=dict, blank=True)
    tank = models.JSONField("réservoir", default=dict, blank=True)

    class Meta:
        ordering = ["network", "code"]
        unique_together = [("network", "code")]
        verbose_name = "zone hydraulique"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def balance_text(self) -> str:
        parts = []
        for sensor, coefficient in self.balance.items():
            sign = "+" if coefficient >= 0 else "−"
            magnitude = abs(coefficient)
            parts.append(f"{sign} {'' if magnitude == 1 else f'{magnitude:g} × '}{sensor}")
        if self.tank:
            parts.append(f"− {self.tank['area_m2']:g} m² × dh/dt({self.tank['tank']})")
        return " ".join(parts).lstrip("+ ") or "non déclaré"


class SensorImport(BaseModel):
    """One imported SCADA/AMR file, stored as Parquet (see timeseries.py)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField("fichier", max_length=255)
    sensors = models.JSONField("capteurs", default=list)
    rows = models.PositiveIntegerField("lignes", default=0)
    first_time = models.DateTimeField("première mesure")
    last_time = models.DateTimeField("dernière mesure")
    step_seconds = models.PositiveIntegerField("pas (s)", default=0)
    warnings = models.JSONField("anomalies", default=list)
    parquet = models.CharField("fichier Parquet", max_length=500)

    class Meta:
        ordering = ["first_time"]
        verbose_name = "import de mesures"


class AlertStatus(models.TextChoices):
    NEW = "nouvelle", "Nouvelle"
    CONFIRMED = "confirmee", "Confirmée"
    DISMISSED = "ecartee", "Écartée"
    REPAIRED = "reparee", "Réparée"


class Alert(AuditedModel, BaseModel):
    """A suspected leak in a zone; people confirm, dismiss (with a reason) or mark repaired."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="alerts")
    zone = models.CharField("zone", max_length=40)
    raised_at = models.DateTimeField("levée le")
    start_estimate = models.DateTimeField("début estimé")
    flow_m3h = models.FloatField("débit de fuite estimé (m³/h)")
    method = models.CharField("méthode", max_length=20, default="cusum")
    status = models.CharField(
        "statut", max_length=12, choices=AlertStatus.choices, default=AlertStatus.NEW
    )
    reason = models.TextField("motif", blank=True)
    repaired_at = models.DateTimeField("réparée le", null=True, blank=True)
    pipes = models.JSONField("canalisations candidates", default=list, blank=True)
    # When the candidates were ranked, from the pressures up to that time (the first night
    # after the leak's start is needed: a burst raised in the afternoon waits for it).
    localised_at = models.DateTimeField("localisée le", null=True, blank=True)
    pressure_sensors = models.PositiveIntegerField("capteurs de pression utilisés", default=0)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = "alerte de fuite"

    def lost_m3(self, until) -> float:
        hours = max((until - self.start_estimate).total_seconds() / 3600, 0.0)
        return hours * self.flow_m3h


REMINDER_HOURS_DEFAULT = 48
REMINDER_HOURS_RANGE = (1, 720)  # an hour to 30 days


class ServiceSettings(AuditedModel, BaseModel):
    """A water service's own settings (one row per organisation, created when first changed):
    how long a leak alert may stay « nouvelle », or a non-compliance without follow-up,
    before the daily reminder lists it. Services without a row use REMINDER_HOURS_DEFAULT."""

    organisation = models.OneToOneField(
        "core.Organisation", on_delete=models.CASCADE, related_name="water_settings"
    )
    reminder_hours = models.PositiveSmallIntegerField(
        "délai avant rappel (heures)", default=REMINDER_HOURS_DEFAULT
    )

    class Meta:
        verbose_name = "réglages du service de l'eau"

    def __str__(self) -> str:
        return f"{self.organisation} : rappel après {self.reminder_hours} h"


class JobStatus(models.TextChoices):
    QUEUED = "en_attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    FAILED = "echec", "Échec"


class Job(BaseModel):
    """A long run of the module (replay of a year, renewal evaluation); its counters are the
    progress the page shows."""

    kind = models.CharField("type", max_length=40)
    network = models.ForeignKey(Network, null=True, blank=True, on_delete=models.CASCADE)
    params = models.JSONField("paramètres", default=dict)
    status = models.CharField(
        "statut", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField("fait", default=0)
    total = models.PositiveIntegerField("total", default=0)
    message = models.CharField("message", max_length=300, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "traitement"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class QualityLimit(BaseModel):
    """A limit or reference value of the drinking-water regulation (arrêté du 11 janvier 2007)."""

    parameter = models.CharField("paramètre", max_length=200)
    parameter_en = models.CharField("paramètre (anglais)", max_length=200, blank=True)
    kind = models.CharField("nature", max_length=40)  # limite | reference
    minimum = models.FloatField("minimum", null=True, blank=True)
    maximum = models.FloatField("maximum", null=True, blank=True)
    unit = models.CharField("unité", max_length=40)
    applies_at = models.CharField("point d'application", max_length=80, blank=True)
    notes = models.TextField("notes", blank=True)
    verified = models.BooleanField("vérifiée sur Légifrance", default=False)
    # The parameter's codes in the SANDRE referential (Hub'Eau's `code_parametre`), separated
    # by spaces: a result carrying one is matched by code before its label (the limits file's
    # `code_sandre` column, else the module's table `sandre_parametres.json`).
    sandre_code = models.CharField("codes SANDRE", max_length=40, blank=True)

    class Meta:
        ordering = ["parameter", "kind", "applies_at"]
        # Turbidity has three values: a limit and a reference at the plant, one at the tap.
        unique_together = [("parameter", "kind", "applies_at")]
        verbose_name = "valeur réglementaire"


class QualitySample(BaseModel):
    """One analysis result (Hub'Eau layout: commune, place, date, parameter, value, unit)."""

    commune = models.CharField("commune", max_length=200)
    place = models.CharField("lieu de prélèvement", max_length=200)
    sampled_at = models.DateTimeField("prélevé le")
    parameter = models.CharField("paramètre", max_length=200)
    value = models.FloatField("valeur")
    # "<" for a result below the limit of quantification (« <0,1 » : `value` is that limit),
    # ">" for one above the range of the method (« >100 »); "" for a quantified value.
    qualifier = models.CharField("qualificatif", max_length=1, blank=True, default="")
    unit = models.CharField("unité", max_length=40)
    limit = models.ForeignKey(QualityLimit, null=True, on_delete=models.SET_NULL)
    compliant = models.BooleanField("conforme", default=True)
    verdict = models.CharField("constat", max_length=300, blank=True)
    # The water service that imported it: its agents are told of a non-compliance and follow
    # it up (none: imported by the CLI, followed by the agents of every organisation).
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="water_samples",
    )
    # An agent's follow-up of a non-compliance (internal: never on the public page).
    handled_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handling_note = models.TextField("suite donnée", blank=True)

    class Meta:
        ordering = ["-sampled_at"]
        verbose_name = "résultat d'analyse"

    @property
    def value_text(self) -> str:
        """« 12,5 », « < 0,1 » (below the limit of quantification)."""
        number = f"{self.value:g}".replace(".", ",")
        return f"{self.qualifier} {number}" if self.qualifier else number

    def __str__(self) -> str:
        return f"{self.parameter} à {self.commune} ({self.place}), {self.sampled_at:%d/%m/%Y}"
