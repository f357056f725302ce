"""The register of AI systems, published as an open dataset and kept up to date.

The rows come from the register's single visibility rule, read as an anonymous citizen
(`visible_projects(None)` and `project_values(project, None)`): published projects only,
public fields only — a restricted field cannot reach this dataset by construction. Every
change of a project that is or was published queues a refresh (see signals.py); the refresh
publishes a new version only when the public rows actually changed.
"""

import csv
import hashlib
import logging
import tempfile
from pathlib import Path

from django.db import transaction

from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Frequency, Licence, Resource, Theme, VersionStatus

logger = logging.getLogger(__name__)

SYSTEM_KEY = "registre-ia"
RESOURCE_SLUG = "projets-publies"


def public_register_rows() -> tuple[list[str], list[list[str]]] | None:
    """(header, rows) of the public register, or None when the register app is not installed."""
    try:
        from territoria.registre import visibility
        from territoria.registre.schema import FIELDS
    except ImportError:
        return None
    specs = [spec for spec in FIELDS if spec.is_public]
    header = [spec.name for spec in specs]
    rows = []
    projects = visibility.visible_projects(None).select_related("organisation").order_by("id")
    for project in projects:
        values = visibility.project_values(project, None)
        rows.append([_cell(values.get(name)) for name in header])
    return header, rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def register_dataset() -> Dataset:
    dataset, _ = Dataset.objects.get_or_create(system_key=SYSTEM_KEY, defaults={
        "slug": "registre-des-systemes-d-ia",
        "title": "Registre des systèmes d'IA des collectivités",
        "description": (
            "Partie publique du registre des systèmes d'intelligence artificielle utilisés par "
            "les collectivités (Bibliothèque d'IA territoriales) : projets publiés, champs "
            "publics uniquement. Mis à jour automatiquement à chaque publication."),
        "licence": Licence.ETALAB_2, "theme": Theme.GOVE, "frequency": Frequency.CONTINUOUS,
        "keywords": ["intelligence artificielle", "registre", "algorithmes publics", "transparence"],
        "spatial_coverage": "France",
    })
    return dataset


def _content_hash(header, rows) -> str:
    digest = hashlib.sha256()
    for row in [header, *rows]:
        digest.update("\x1f".join(row).encode() + b"\x1e")
    return digest.hexdigest()


def refresh_register_dataset():
    """Publish the current public register as a new version when it changed; returns it."""
    exported = public_register_rows()
    if exported is None:
        return None
    header, rows = exported
    if not rows:
        return None  # nothing published yet: no empty table in the catalogue
    with transaction.atomic():
        dataset = register_dataset()
        resource, _ = Resource.objects.get_or_create(dataset=dataset, slug=RESOURCE_SLUG, defaults={
            "title": "Projets publiés", "table_name": "registre_ia"})
    digest = _content_hash(header, rows)
    current = resource.current_version
    if current and current.detection.get("content_hash") == digest:
        return current
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registre-ia.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=",")
            writer.writerow(header)
            writer.writerows(rows)
        version = publishing.receive_file(resource, path, path.name, analyse=False)
    publishing.analyse(version)
    version.refresh_from_db()
    if version.status != VersionStatus.REVIEW:
        logger.error("register dataset not refreshed: %s", version.error)
        return version
    version.detection = {**version.detection, "content_hash": digest}
    version.save(update_fields=["detection", "updated_at"])
    # These fields are public by the register's own rule: flagged columns are confirmed.
    publishing.request_publication(version, confirmed=[f["column"] for f in version.personal_data])
    version.refresh_from_db()
    return version
