"""Datasets the modules publish (their `datasets`, core/modules.py), kept up to date.

A module names a writer that produces its public CSV; this file turns it into a dataset of
the catalogue (a "system" dataset: not editable by hand) and publishes a new version only
when the file actually changed. Every save or delete of a watched model queues ONE refresh
per transaction (signals.py): an import of 12 000 projects queues one job, not 12 000.
"""

import logging
import tempfile
from pathlib import Path

from django.db import transaction

from territoria.core import modules
from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Resource, VersionStatus

logger = logging.getLogger(__name__)


def dataset_spec(key: str) -> modules.PublishedDataset:
    for spec in modules.published_datasets():
        if spec.key == key:
            return spec
    raise LookupError(f"no module publishes a dataset {key!r}")


def module_dataset(spec: modules.PublishedDataset) -> Dataset:
    dataset, _ = Dataset.objects.get_or_create(
        system_key=spec.key,
        defaults={
            "slug": spec.slug,
            "title": spec.title,
            "description": spec.description,
            "licence": spec.licence,
            "theme": spec.theme,
            "frequency": spec.frequency,
            "keywords": list(spec.keywords),
            "spatial_coverage": spec.spatial_coverage,
        },
    )
    return dataset


def refresh_module_dataset(key: str):
    """Publish the module's current data as a new version when it changed; returns the version
    (None when the module has nothing to publish yet: no empty table in the catalogue)."""
    spec = dataset_spec(key)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{spec.key}.csv"
        exported = modules.resolve(spec.writer)(path)
        if exported is None or exported[0] < 1:
            return None
        digest = exported[1]
        with transaction.atomic():
            dataset = module_dataset(spec)
            resource, _ = Resource.objects.get_or_create(
                dataset=dataset,
                slug=spec.resource_slug,
                defaults={
                    "title": spec.resource_title,
                    "table_name": spec.table_name or spec.key.replace("-", "_"),
                },
            )
        current = resource.current_version
        if current and current.detection.get("content_hash") == digest:
            return current
        version = publishing.receive_file(resource, path, path.name, analyse=False)
    publishing.analyse(version)
    version.refresh_from_db()
    if version.status != VersionStatus.REVIEW:
        logger.error("dataset %s not refreshed: %s", spec.key, version.error)
        return version
    version.detection = {**version.detection, "content_hash": digest}
    version.save(update_fields=["detection", "updated_at"])
    # The module publishes what its own rule calls public: flagged columns are confirmed.
    publishing.request_publication(version, confirmed=[f["column"] for f in version.personal_data])
    version.refresh_from_db()
    return version
