"""Fixtures of the open-data tests: real files, real Parquet, jobs run inline."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Resource

FIXTURES = Path(__file__).parent / "fixtures"
SUBSIDIES = FIXTURES / "subventions-associations-2023.csv"


@pytest.fixture(autouse=True)
def _opendata_dir(settings, tmp_path):
    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        },
    }


@pytest.fixture
def dataset(organisation, agent):
    return Dataset.objects.create(
        title="Subventions aux associations 2023",
        description="Subventions votées par le conseil municipal.",
        organisation=organisation,
        created_by=agent,
        keywords=["subventions", "associations"],
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def new_resource(dataset, title="Données", table_schema=None) -> Resource:
    return Resource.objects.create(dataset=dataset, title=title, table_schema=table_schema)


def publish_bytes(
    dataset,
    name: str,
    content: bytes,
    title="Données",
    drop=(),
    confirm=(),
    table_schema=None,
    resource=None,
):
    """Upload, analyse (inline job) and publish; returns the version (refreshed)."""
    resource = resource or new_resource(dataset, title, table_schema)
    version = publishing.receive_file(resource, upload(name, content), name)
    version.refresh_from_db()
    if version.status == "review":
        flagged = [f["column"] for f in version.personal_data]
        publishing.request_publication(
            version, list(drop), list(confirm) or [c for c in flagged if c not in drop]
        )
        version.refresh_from_db()
    return version


@pytest.fixture
def subsidies(dataset):
    """The subsidies file published, its personal-data columns dropped."""
    version = publish_bytes(
        dataset,
        SUBSIDIES.name,
        SUBSIDIES.read_bytes(),
        title="Subventions 2023",
        drop=["Représentant", "Courriel"],
    )
    assert version.status == "published", version.error
    return version.resource
