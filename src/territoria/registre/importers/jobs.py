"""A background import: its status, its progress and its report, for a page to follow.

The uploaded file waits in `DATA_DIR/imports/` under a random name (outside MEDIA_ROOT and
STATIC_ROOT, and the storage has no URL: it is never served) and is deleted when the job
finishes.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models

from territoria.core.models import BaseModel


class ImportFileStorage(FileSystemStorage):
    """`DATA_DIR/imports/`, read from the settings when used (tests move DATA_DIR)."""

    @property
    def base_location(self):
        return str(Path(settings.DATA_DIR) / "imports")

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError(
            "Les fichiers déposés pour import ne sont jamais servis par une adresse web."
        )


def import_storage():
    return ImportFileStorage()


def random_import_name(instance, filename: str) -> str:
    """A random, unguessable name that keeps only the extension of the uploaded file."""
    suffix = Path(filename).suffix.lower()
    return secrets.token_hex(16) + (suffix if suffix in {".csv", ".txt", ".xlsx", ".json"} else "")


class ImportJob(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Refusé"

    file_name = models.CharField("fichier", max_length=255)
    file = models.FileField(
        "fichier déposé", upload_to=random_import_name, storage=import_storage, blank=True
    )
    format = models.CharField("format", max_length=20, default="auto")
    mapping = models.JSONField("correspondance des colonnes", null=True, blank=True)
    dry_run = models.BooleanField("simulation", default=False)
    status_after_import = models.CharField(
        "état des projets importés", max_length=10, default="published"
    )
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
