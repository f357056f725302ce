"""Writing help: published deliberations (SCDL), deliberation drafts, house templates, and the
writing jobs (minutes, summaries, plain language) with their cost — the log of every output.

Who reads what:
* `Deliberation`: public data (the collectivités publish them in open data): everyone.
* `ActDraft`, `ActTemplate`: members of the draft's organisation holding `assistant.manage`.
* `WritingJob`: its author only (meeting notes and letters may be confidential).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from territoria.core.models import BaseModel, Organisation


class Deliberation(BaseModel):
    """One row of a collectivité's SCDL « Délibérations » file, with the act's text when given."""

    coll_nom = models.CharField("collectivité", max_length=255)
    coll_siret = models.CharField("SIRET de la collectivité", max_length=14)
    delib_id = models.CharField("identifiant", max_length=100)
    date = models.DateField("date d'adoption")
    subject_code = models.CharField("code de matière (@CTES)", max_length=5)
    subject_name = models.CharField("matière", max_length=255)
    object = models.TextField("objet")
    budget_year = models.CharField("année du budget", max_length=9, blank=True)
    budget_name = models.CharField("budget", max_length=255, blank=True)
    pref_id = models.CharField("contrôle de légalité", max_length=9, blank=True)
    pref_date = models.DateField("date de transmission", null=True, blank=True)
    vote_effectif = models.IntegerField("effectif", null=True, blank=True)
    vote_reel = models.IntegerField("votants", null=True, blank=True)
    vote_pour = models.IntegerField("pour", null=True, blank=True)
    vote_contre = models.IntegerField("contre", null=True, blank=True)
    vote_abstention = models.IntegerField("abstentions", null=True, blank=True)
    url = models.URLField("document", max_length=500, blank=True)
    text = models.TextField("texte de l'acte", blank=True)
    source = models.CharField("fichier importé", max_length=255, blank=True)

    class Meta:
        ordering = ["-date", "coll_nom", "delib_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coll_siret", "delib_id"], name="redaction_deliberation_unique_id"
            )
        ]
        verbose_name = "délibération"

    def __str__(self):
        return f"{self.coll_nom} — {self.delib_id} — {self.object[:80]}"

    def get_absolute_url(self):
        return reverse("redaction:deliberation", args=[self.pk])

    @property
    def vote_label(self) -> str:
        if self.vote_pour is None:
            return "non renseigné"
        if not self.vote_contre and not self.vote_abstention:
            return "unanimité"
        return "avec opposition" if self.vote_contre else "avec abstentions"


class DraftState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    ADOPTED = "adopted", "Adoptée"


class ActDraft(BaseModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="redaction_drafts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField("objet", max_length=500)
    body = models.CharField("assemblée", max_length=200, default="Le conseil municipal")
    date = models.DateField("date de la séance", null=True, blank=True)
    subject_code = models.CharField("code de matière (@CTES)", max_length=5, blank=True)
    subject_name = models.CharField("matière", max_length=255, blank=True)
    visas = models.JSONField(default=list)
    considerants = models.JSONField(default=list)
    articles = models.JSONField(default=list)
    vote_effectif = models.IntegerField("effectif", null=True, blank=True)
    vote_reel = models.IntegerField("votants", null=True, blank=True)
    vote_pour = models.IntegerField("pour", null=True, blank=True)
    vote_contre = models.IntegerField("contre", null=True, blank=True)
    vote_abstention = models.IntegerField("abstentions", null=True, blank=True)
    # Where the pre-filled parts come from: [{"part", "text", "deliberation", "delib_id", "coll_nom"}]
    provenance = models.JSONField(default=list)
    checks = models.JSONField(default=list)
    state = models.CharField(max_length=20, choices=DraftState.choices, default=DraftState.DRAFT)
    # Cost of the pre-fill (retrieval of the similar acts, extraction of their parts), measured
    # like the assistant's answers.
    latency_ms = models.IntegerField(default=0)
    energy_wh = models.FloatField(default=0)
    delib_id = models.CharField("identifiant une fois adoptée", max_length=100, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "projet de délibération"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("redaction:draft", args=[self.pk])

    def as_act(self):
        from territoria.redaction.services.acts import Act

        return Act(
            title=self.title,
            body=self.body,
            date=self.date.isoformat() if self.date else "",
            visas=list(self.visas),
            considerants=list(self.considerants),
            articles=list(self.articles),
            vote_effectif=self.vote_effectif,
            vote_reel=self.vote_reel,
            vote_pour=self.vote_pour,
            vote_contre=self.vote_contre,
            vote_abstention=self.vote_abstention,
        )


class ActTemplate(BaseModel):
    """A collectivité's own model of deliberation (DOCX or ODT with {{placeholders}})."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="redaction_templates"
    )
    name = models.CharField("nom", max_length=200)
    format = models.CharField(max_length=4, choices=[("docx", "DOCX"), ("odt", "ODT")])
    content = models.BinaryField()
    placeholders = models.JSONField(default=list)

    class Meta:
        ordering = ["name"]
        verbose_name = "modèle de la collectivité"

    def __str__(self):
        return self.name


class JobKind(models.TextChoices):
    MINUTES = "minutes", "Compte rendu"
    SUMMARY = "summary", "Synthèse"
    PLAIN = "plain", "Langage clair"


class JobState(models.TextChoices):
    QUEUED = "queued", "En file"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class WritingJob(BaseModel):
    """One request to a writing tool, run in the background; also the log of its output and cost."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="redaction_jobs"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=JobKind.choices)
    title = models.CharField("titre", max_length=255, blank=True)
    source_text = models.TextField()
    options = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.IntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    method = models.CharField(max_length=20, blank=True)  # extractive / llm / llm-rejected
    latency_ms = models.IntegerField(default=0)
    cpu_seconds = models.FloatField(default=0)
    energy_wh = models.FloatField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "travail de rédaction"

    def __str__(self):
        return f"{self.get_kind_display()} — {self.title or self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("redaction:job", args=[self.pk])

    @property
    def in_progress(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)
