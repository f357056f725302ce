"""A small populated platform for the fuzzers: one object of each kind a route can name.

Random identifiers mostly hit 404; the OpenAPI fuzzer also replays each case against these
real objects (a published and a draft project, a published open-data table, a public FAQ
collection with an indexed document), so that the code behind the 404 is fuzzed too.
"""

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from tests.opendata.conftest import SUBSIDIES, publish_bytes

from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.core import tokens
from territoria.opendata.models import Dataset
from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle


@dataclass
class Platform:
    published_project: object
    draft_project: object
    dataset: Dataset
    version: object
    collection: Collection
    document_id: str
    tokens: dict[str, str]  # role name -> API token key

    def path_values(self, path: str) -> dict[str, str]:
        """Real values for the path parameters of one operation of the OpenAPI description."""
        resource = self.version.resource
        ids = {
            "/projets/": self.published_project.pk,
            "/organisations/": self.published_project.organisation_id,
            "/resources/": resource.pk,
            "/versions/": self.version.pk,
        }
        values = {
            "slug": self.collection.slug if "/collections/" in path else self.dataset.slug,
            "table_name": resource.table_name,
            "fmt": "csv",
            "document": self.document_id,
        }
        for prefix, pk in ids.items():
            if prefix + "{id}" in path:
                values["id"] = str(pk)
        return values


def api_token(user) -> str:
    """A token of every scope, as an operator gets it (`territoria api_token`)."""
    out = StringIO()
    scopes = [arg for scope in tokens.declared_scopes() for arg in ("--scope", scope)]
    call_command("api_token", user.username, *scopes, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def isolated_files(settings, tmp_path):
    """Open-data files, media and rate-limit counters of this test only."""
    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LLM_BASE_URL = ""
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        },
    }
    return tmp_path


@pytest.fixture
def platform(isolated_files, organisation, agent, moderator):
    published = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.PUBLISHED)
    draft = ProjectFactory(
        organisation=organisation, lifecycle=Lifecycle.DRAFT, nom_projet="Brouillon"
    )
    dataset = Dataset.objects.create(
        title="Subventions aux associations 2023",
        description="Subventions votées par le conseil municipal.",
        organisation=organisation,
        created_by=agent,
    )
    version = publish_bytes(
        dataset, SUBSIDIES.name, SUBSIDIES.read_bytes(), drop=["Représentant", "Courriel"]
    )
    assert version.status == "published", version.error
    collection = Collection.objects.create(
        slug="faq",
        name="FAQ de la ville",
        visibility=Visibility.PUBLIC,
        organisation=organisation,
        contact_service="Accueil de la mairie",
    )
    (isolated_files / "faq").mkdir()
    (isolated_files / "faq" / "dechetterie.md").write_text(
        "# Déchetterie\n\n## Horaires\n\nOuverte du lundi au samedi de 9 h à 18 h.\n",
        encoding="utf-8",
    )
    run_job(add_files(collection, collect_files(isolated_files / "faq")))
    return Platform(
        published_project=published,
        draft_project=draft,
        dataset=dataset,
        version=version,
        collection=collection,
        document_id=str(collection.documents.get().pk),
        tokens={"agent": api_token(agent), "moderator": api_token(moderator)},
    )
