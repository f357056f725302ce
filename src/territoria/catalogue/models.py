"""The catalogue of AI solutions, their evaluations on the grid, ideas, experiments, replications.

Visibility (who reads which field) is decided in visibility.py only. Restricted here:
negotiated prices and provider contacts, internal evaluations, the budget and journal of an
experiment, and its evaluation report until it is marked public.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from territoria.catalogue import vocabulary as voc
from territoria.core.audit import AuditedModel
from territoria.core.models import BaseModel, Organisation


def _check_codes(vocabulary, value):
    unknown = [code for code in value or [] if not vocabulary.knows(code)]
    if unknown:
        raise ValidationError(f"valeur inconnue « {unknown[0]} »")


def validate_features(value):
    _check_codes(voc.AI_FEATURES, value)


def validate_domains(value):
    _check_codes(voc.DOMAINS, value)


def siren_problem(value: str) -> str | None:
    """Why a SIREN is wrong (None when empty or right): 9 digits and its Luhn key."""
    from stdnum.fr import siren

    if not value:
        return None
    if not (value.isdigit() and len(value) == 9):
        return "Le SIREN compte 9 chiffres."
    if not siren.is_valid(value):
        return (
            f"Le SIREN {value} a une clé de contrôle fausse : vérifiez-le (annuaire-entreprises)."
        )
    return None


class Provider(AuditedModel, BaseModel):
    name = models.CharField("nom", max_length=200, unique=True)
    siren = models.CharField(
        "SIREN", max_length=9, blank=True, help_text="9 chiffres, si français."
    )
    country = models.CharField("pays", max_length=2, blank=True, help_text="Code ISO 3166-1.")
    size = models.CharField("taille", max_length=12, choices=voc.ProviderSize.choices, blank=True)
    website = models.URLField("site", max_length=500, blank=True)
    contact = models.TextField("contacts commerciaux", blank=True)  # restricted

    class Meta:
        ordering = ["name"]
        verbose_name = "fournisseur"

    def __str__(self):
        return self.name

    def clean(self):
        problem = siren_problem(self.siren)
        if problem:
            raise ValidationError({"siren": problem})


class Solution(AuditedModel, BaseModel):
    name = models.CharField("nom", max_length=200)
    provider = models.ForeignKey(
        Provider, verbose_name="fournisseur", on_delete=models.PROTECT, related_name="solutions"
    )
    description = models.TextField("description")
    licence = models.CharField("licence", max_length=100, blank=True)
    free_software = models.BooleanField("logiciel libre", default=False)
    hosting = models.CharField("hébergement", max_length=20, choices=voc.Hosting.choices)
    data_location = models.CharField("localisation des données", max_length=200, blank=True)
    secnumcloud = models.BooleanField("qualifié SecNumCloud", default=False)
    open_formats = models.BooleanField("formats ouverts", default=False)
    reversibility = models.TextField("réversibilité et portabilité", blank=True)
    ai_features = models.JSONField("fonctions d'IA", default=list, validators=[validate_features])
    domains = models.JSONField(
        "domaines métier", default=list, blank=True, validators=[validate_domains]
    )
    business_software = models.BooleanField("fonction d'IA d'un logiciel métier", default=False)
    price_model = models.CharField("modèle de prix", max_length=12, choices=voc.PriceModel.choices)
    negotiated_price = models.TextField("prix négociés", blank=True)  # restricted
    energy = models.TextField("données d'énergie", blank=True)
    documentation_url = models.URLField("documentation", max_length=500, blank=True)
    source_url = models.URLField("code source", max_length=500, blank=True)
    published = models.BooleanField("publiée", default=True)
    # Provenance: where the record comes from ("catalogue-demo.csv:12", "nl-algoritmeregister:…").
    source = models.CharField("provenance", max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "solution"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"], name="catalogue_solution_unique_per_provider"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalogue:solution", args=[self.pk])

    def feature_labels(self):
        return [voc.AI_FEATURES.label(code) for code in self.ai_features]

    def domain_labels(self):
        return [voc.DOMAINS.label(code) for code in self.domains]

    def competence_labels(self):
        return voc.competences(self.domains)


class SolutionUse(BaseModel):
    """A register project uses a solution: the solution page shows who uses it and how it went."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="uses")
    project = models.ForeignKey(
        "registre.Project", on_delete=models.CASCADE, related_name="catalogue_uses"
    )
    note = models.TextField("retour d'expérience", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["solution", "project"], name="catalogue_use_unique")
        ]


class GridWeights(BaseModel):
    """An organisation's weights of the six criteria (0–5, default 1 each)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="catalogue_weights"
    )
    weights = models.JSONField("poids", default=dict)


class TerritoryCompetences(AuditedModel, BaseModel):
    """Which competences an organisation exercises in its territory (transfers to an EPCI or a
    syndicat vary): {domain: {"holding": Holding, "to": "who holds it instead"}}. Domains not
    listed keep the national table's default (vocabulary.default_holding)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="catalogue_competences"
    )
    entries = models.JSONField("compétences", default=dict, blank=True)

    class Meta:
        verbose_name = "compétences du territoire"


class Evaluation(AuditedModel, BaseModel):
    """One evaluator's answers to the grid for one solution."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="evaluations")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="catalogue_evaluations"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField("évaluation publique", default=False)
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "evaluator"], name="catalogue_one_evaluation_per_evaluator"
            )
        ]

    def answers(self) -> dict[str, int]:
        return {f"{s.criterion}.{s.question}": s.score for s in self.scores.all()}


class Score(BaseModel):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=30)
    question = models.CharField(max_length=30)
    score = models.PositiveSmallIntegerField("note")
    evidence = models.TextField("preuve", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion", "question"], name="catalogue_one_score"
            ),
            models.CheckConstraint(condition=models.Q(score__lte=4), name="catalogue_score_0_4"),
        ]


class IdeationSession(AuditedModel, BaseModel):
    """An ideation session (a workshop): hosted by an organisation, led by a facilitator, with
    its participants. Its participants propose ideas and vote while it is open; its host
    triages them (in one go, on the session's page)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="organisée par"
    )
    title = models.CharField("titre", max_length=200)
    date = models.DateField("date")
    description = models.TextField("objet de la session", blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="animateur ou animatrice",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="catalogue_sessions"
    )
    open = models.BooleanField("ouverte aux idées et aux votes", default=True)

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = "session d'idéation"

    def __str__(self):
        return f"{self.title} ({self.date:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("catalogue:session", args=[self.pk])


class Idea(AuditedModel, BaseModel):
    """An agent's idea from an ideation session, voted and triaged."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    session = models.ForeignKey(
        IdeationSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas",
        verbose_name="session d'idéation",
    )
    need = models.TextField("besoin")
    service = models.CharField("service concerné", max_length=200)
    benefit = models.TextField("bénéfice attendu")
    data_available = models.TextField("données disponibles", blank=True)
    status = models.CharField(
        "état", max_length=16, choices=voc.Status.choices, default=voc.Status.IDEA
    )
    voters = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.need[:80]


class Experiment(AuditedModel, BaseModel):
    """A need + a solution + pilot organisations + a protocol, a journal and its evaluation."""

    title = models.CharField("titre", max_length=200)
    need = models.TextField("besoin")
    solution = models.ForeignKey(
        Solution, on_delete=models.PROTECT, related_name="experiments", verbose_name="solution"
    )
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.SET_NULL)
    carrier = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="porteur"
    )
    pilots = models.ManyToManyField(
        Organisation, related_name="catalogue_pilots", blank=True, verbose_name="structures pilotes"
    )
    co_carriers = models.ManyToManyField(
        Organisation, related_name="catalogue_cocarried", blank=True, verbose_name="co-porteurs"
    )
    project = models.ForeignKey(
        "registre.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="projet du registre",
    )
    replicated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replications"
    )
    # Protocol
    hypotheses = models.TextField("hypothèses")
    duration_weeks = models.PositiveIntegerField("durée (semaines)")
    data = models.TextField("données utilisées", blank=True)
    legal_check = models.TextField("vérification juridique (RGPD, règlement IA)", blank=True)
    budget = models.TextField("budget", blank=True)  # restricted
    status = models.CharField(
        "état", max_length=16, choices=voc.Status.choices, default=voc.Status.EXPERIMENT
    )
    # Evaluation report
    costs = models.TextField("coûts constatés", blank=True)  # restricted until the report is public
    energy = models.TextField("énergie consommée", blank=True)
    feedback = models.TextField("retours des utilisateurs", blank=True)
    lessons = models.TextField("enseignements", blank=True)
    decision = models.CharField("décision", max_length=10, choices=voc.Decision.choices, blank=True)
    report_public = models.BooleanField("rapport d'évaluation public", default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "expérimentation"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalogue:experiment", args=[self.pk])

    @property
    def evaluated(self) -> bool:
        return bool(self.decision)

    @property
    def succeeded(self) -> bool:
        indicators = list(self.indicators.all())
        return bool(indicators) and all(i.reached for i in indicators)


class Indicator(BaseModel):
    """A success indicator decided before the experiment: baseline and target, then measured."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("indicateur", max_length=200)
    unit = models.CharField("unité", max_length=40, blank=True)
    baseline = models.FloatField("valeur de départ")
    target = models.FloatField("cible")
    measured = models.FloatField("valeur mesurée", null=True, blank=True)

    class Meta:
        ordering = ["name"]

    @property
    def higher_is_better(self) -> bool:
        return self.target >= self.baseline

    @property
    def reached(self) -> bool:
        if self.measured is None:
            return False
        if self.higher_is_better:
            return self.measured >= self.target
        return self.measured <= self.target


class JournalEntry(BaseModel):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="journal")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField("note")

    class Meta:
        ordering = ["created_at"]


class ImportRun(BaseModel):
    """A catalogue file imported in the background (the page shows its progress and report)."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échoué"

    file_name = models.CharField("fichier", max_length=255)
    content = models.BinaryField("contenu")  # kept until the run ends, then emptied
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField("avancement", default=0.0)
    report = models.JSONField("rapport", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class RecordReplication(BaseModel):
    """ "Reproduire ce projet" for a register record: another collectivité's draft record,
    pre-filled from a published one, with the link back (the register itself is not modified:
    the link lives here)."""

    source = models.ForeignKey(
        "registre.Project", on_delete=models.CASCADE, related_name="catalogue_copies"
    )
    project = models.OneToOneField(
        "registre.Project", on_delete=models.CASCADE, related_name="catalogue_copied_from"
    )
    solution = models.ForeignKey(
        Solution, null=True, blank=True, on_delete=models.SET_NULL, related_name="record_copies"
    )
    experiment = models.ForeignKey(
        Experiment, null=True, blank=True, on_delete=models.SET_NULL, related_name="record_copies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
