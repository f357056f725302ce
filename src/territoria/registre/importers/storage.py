"""Where an uploaded import file waits for its background job (`models.ImportJob`).

The uploaded file waits in `DATA_DIR/imports/` under a random name (outside MEDIA_ROOT and
STATIC_ROOT, and the storage has no URL: it is never served) and is deleted when the job
finishes.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


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
