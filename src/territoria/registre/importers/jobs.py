"""A background import: its status, its progress and its report, for a page to follow."""

from django.conf import settings
from django.db import models

from territoria.core.models import BaseModel


class ImportJob(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Refusé"

    file_name = models.CharField("fichier", max_length=255)
    file = models.FileField("fichier déposé", upload_to="imports/%Y/%m/", blank=True)
    format = models.CharField("format", max_length=20, default="auto")
    dry_run = models.BooleanField("simulation", default=False)
    status_after_import = models.CharField("état des projets importés", max_length=10, default="published")
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField("avancement", default=0.0, help_text="De 0 à 1.")
    report = models.JSONField("rapport", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        app_label = "registre"
        ordering = ("-created_at",)
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
