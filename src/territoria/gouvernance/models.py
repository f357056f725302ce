"""Governance of the register's records: AI-Act classification, trust self-assessment,
frugality, CRPA transparency, charters and committees, and what citizens say.

Every object hangs on a register record (`registre.Project`); who reads what is decided in
`gouvernance/visibility.py`, which follows the register's own rules.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models

from territoria.core.audit import AuditedModel
from territoria.core.models import BaseModel, Organisation
from territoria.registre.models import Project

USER = settings.AUTH_USER_MODEL

# Fields of the record a classification depends on: when one of them changes, the
# classification is flagged for review (re-classification when the record changes).
CLASSIFIED_FIELDS = (
    "nom_projet",
    "usage_description",
    "nom_algorithme",
    "algorithme_description",
    "algorithme_operations",
    "type_algorithme",
    "audiences",
    "decision",
    "donnees_source",
)


def record_fingerprint(project: Project) -> str:
    values = {name: getattr(project, name) for name in CLASSIFIED_FIELDS}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Classification(AuditedModel, BaseModel):
    """One version of a record's AI-Act classification: answers, result, who and when."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        PROPOSED = "proposed", "Proposée, en attente de relecture"
        VALIDATED = "validated", "Validée"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="classifications")
    number = models.PositiveIntegerField("version")
    answers = models.JSONField("réponses", default=dict, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    rules_version = models.CharField("version des règles", max_length=20)
    level = models.CharField("niveau", max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    record_fingerprint = models.CharField(max_length=16, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="relecteur",
    )
    reviewed_at = models.DateTimeField("relue le", null=True, blank=True)
    review_note = models.TextField("note de relecture", blank=True)

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="gouvernance_classification_number"
            )
        ]

    def __str__(self) -> str:
        return f"Classification v{self.number} de {self.project}"

    @property
    def level_label(self) -> str:
        return self.result.get("level_label", "")

    def is_stale(self, project: Project | None = None) -> bool:
        """The record changed (a field the classification depends on) since it was made."""
        return self.record_fingerprint != record_fingerprint(project or self.project)


class Obligation(AuditedModel, BaseModel):
    """One item of the checklist that follows a classification (owner and due date)."""

    classification = models.ForeignKey(
        Classification, on_delete=models.CASCADE, related_name="obligations"
    )
    code = models.CharField(max_length=40)
    article = models.CharField(max_length=120)
    text = models.TextField()
    applies_from = models.DateField("applicable à partir du")
    owner = models.CharField("responsable", max_length=200, blank=True)
    due_on = models.DateField("échéance", null=True, blank=True)
    done = models.BooleanField("faite", default=False)
    done_on = models.DateField("faite le", null=True, blank=True)

    class Meta:
        ordering = ["applies_from", "code"]

    def is_overdue(self, today) -> bool:
        return not self.done and self.due_on is not None and self.due_on < today


class TrustAssessment(AuditedModel, BaseModel):
    """A self-assessment against the 7 requirements of trustworthy AI (one per date)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="trust_assessments")
    rules_version = models.CharField(max_length=20)
    # {item id: {"answer": oui|partiel|non|na, "evidence": str, "comment": str}}
    answers = models.JSONField(default=dict, blank=True)
    scores = models.JSONField(
        "taux par exigence", default=dict, blank=True
    )  # {requirement: 0..1 | None}
    complete = models.BooleanField("complète", default=False)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "-created_at"]


class FrugalityAssessment(AuditedModel, BaseModel):
    """The three gates of a frugal AI service and the energy and carbon estimate per use."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="frugality_assessments"
    )
    alternative_considered = models.BooleanField("solution sans IA étudiée", null=True, blank=True)
    alternative_text = models.TextField("pourquoi elle ne suffisait pas", blank=True)
    practices = models.JSONField("pratiques appliquées", default=list, blank=True)
    within_limits = models.BooleanField("besoins maîtrisés", null=True, blank=True)
    limits_text = models.TextField("justification", blank=True)
    runtime_hours = models.FloatField("durée de calcul par usage (heures)", default=0.0)
    uses_per_year = models.PositiveIntegerField("usages par an", default=0)
    cores = models.PositiveIntegerField("cœurs de calcul", default=2)
    tdp_per_core_w = models.FloatField("puissance par cœur (W)", default=12.0)
    usage = models.FloatField("taux d'usage des cœurs", default=1.0)
    memory_gb = models.FloatField("mémoire (Go)", default=4.0)
    pue = models.FloatField("PUE de l'hébergement", default=1.67)
    carbon_intensity = models.FloatField("intensité carbone (gCO2e/kWh)", default=51.28)
    source = models.CharField("origine de l'estimation", max_length=120, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "-created_at"]


class CrpaNotice(AuditedModel, BaseModel):
    """What the CRPA asks of an algorithm that supports individual decisions (L311-3-1,
    L312-1-3, R311-3-1-2): the inventory fields the texts are generated from."""

    class Automation(models.TextChoices):
        SUPPORT = "aide", "Aide à la décision (un agent décide)"
        FULL = "automatique", "Décision entièrement automatisée"

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="crpa_notice")
    individual_decisions = models.BooleanField("fonde des décisions individuelles", default=False)
    service = models.CharField("service responsable", max_length=255, blank=True)
    contact = models.CharField(
        "adresse où exercer le droit (courriel ou postale)", max_length=255, blank=True
    )
    purpose = models.TextField("finalité et justification", blank=True)
    decision_place = models.TextField("place dans le processus de décision", blank=True)
    automation = models.CharField(
        "niveau d'automatisation",
        max_length=12,
        choices=Automation.choices,
        default=Automation.SUPPORT,
    )
    legal_basis = models.TextField("base juridique", blank=True)
    decisions_per_year = models.PositiveIntegerField("décisions par an", null=True, blank=True)
    data_sources = models.TextField("données traitées et leurs sources", blank=True)
    parameters = models.TextField("paramètres et leur pondération", blank=True)
    operations = models.TextField("opérations effectuées", blank=True)
    code_url = models.URLField("code source ou logigramme (lien)", blank=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    REQUIRED = (
        "service",
        "contact",
        "purpose",
        "decision_place",
        "legal_basis",
        "data_sources",
        "operations",
    )

    def missing(self) -> list[str]:
        return [
            self._meta.get_field(name).verbose_name
            for name in self.REQUIRED
            if not getattr(self, name)
        ]


class Charter(AuditedModel, BaseModel):
    """A charter or doctrine of an organisation, with its principles (one per line)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="ai_charters"
    )
    title = models.CharField("titre", max_length=255)
    adopted_on = models.DateField("adoptée le", null=True, blank=True)
    principles = models.TextField("principes (un par ligne)")
    url = models.URLField("lien vers le texte", blank=True)

    class Meta:
        ordering = ["organisation", "-adopted_on"]

    def principle_list(self) -> list[str]:
        return [line.strip() for line in self.principles.splitlines() if line.strip()]


class GateCriterion(BaseModel):
    """One criterion an organisation checks before any AI use (a « boussole », Nantes-style)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="ai_gate_criteria"
    )
    label = models.CharField("critère", max_length=255)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["organisation", "order", "label"]


class Committee(BaseModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="ai_committees"
    )
    name = models.CharField("nom", max_length=255)
    composition = models.TextField("composition", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommitteeOpinion(AuditedModel, BaseModel):
    class Verdict(models.TextChoices):
        FAVOURABLE = "favorable", "Avis favorable"
        RESERVED = "reserves", "Avis favorable avec réserves"
        UNFAVOURABLE = "defavorable", "Avis défavorable"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="committee_opinions"
    )
    committee = models.ForeignKey(
        Committee, verbose_name="comité", on_delete=models.PROTECT, related_name="opinions"
    )
    verdict = models.CharField("avis", max_length=12, choices=Verdict.choices)
    text = models.TextField("texte de l'avis")
    given_on = models.DateField("date de l'avis")
    votes_for = models.PositiveIntegerField("voix pour", default=0)
    votes_against = models.PositiveIntegerField("voix contre", default=0)
    abstentions = models.PositiveIntegerField("abstentions", default=0)
    gate_results = models.JSONField("critères vérifiés", default=dict, blank=True)  # {label: bool}
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "-given_on"]


class CitizenMessage(BaseModel):
    """A comment or a question of the public on a published record, moderated before display."""

    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        COMMENT = "commentaire", "Commentaire"

    class Status(models.TextChoices):
        PENDING = "pending", "En attente de modération"
        PUBLISHED = "published", "Publié"
        REJECTED = "rejected", "Refusé"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="citizen_messages")
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.QUESTION)
    author_name = models.CharField("nom ou pseudonyme", max_length=80, blank=True)
    author_email = models.EmailField("e-mail (jamais publié)", blank=True)
    body = models.TextField("message", max_length=3000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    answer = models.TextField("réponse de la collectivité", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_key = models.CharField(
        max_length=64, blank=True
    )  # keyed hash of the address (rate limit)

    class Meta:
        ordering = ["project", "-created_at"]


class ReviewSupport(BaseModel):
    """A member of the public supports asking the committee to review a record (one per person)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="review_supports")
    supporter_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "supporter_key"], name="gouvernance_one_support_each"
            )
        ]
