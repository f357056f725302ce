"""A module that exists only to prove the contract (installed by tests/settings.py only).

It touches no other app: by declaring itself here it appears in the navigation, the home
page, a register record's page, the search index, the open-data catalogue, the assistant's sources, the register of
AI systems (self-description) and the leak crawler (tests/core/test_module_contract.py).
"""

from django.apps import AppConfig

from territoria.core.modules import (
    AssistantSource,
    HomeSection,
    NavEntry,
    PublishedDataset,
    RecordPanel,
    SearchDocumentType,
    SelfDescription,
    UrlModule,
)

READ_SECRET = "fixture_module.read_secret"


class FixtureModuleConfig(AppConfig):
    name = "tests.fixture_module"
    label = "fixture_module"
    verbose_name = "Module témoin"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = [NavEntry("Module témoin", "fixture_module:index", order=90)]
    home_sections = [
        HomeSection(
            "fixture_module/_home_section.html",
            context="tests.fixture_module.views.home_context",
            order=90,
        )
    ]
    record_panels = [
        RecordPanel(
            "fixture_module/_record_panel.html", context="tests.fixture_module.panels.record_panel"
        )
    ]
    urls = [UrlModule("tests.fixture_module.urls", prefix="temoin/")]
    search_documents = [
        SearchDocumentType(
            "fixture_module.note",
            model="fixture_module.Note",
            indexer="tests.fixture_module.search.note_indexer",
        )
    ]
    datasets = [
        PublishedDataset(
            key="module-temoin",
            slug="notes-du-module-temoin",
            title="Notes du module témoin",
            description="Les notes publiées du module témoin des tests.",
            writer="tests.fixture_module.opendata.write_public_notes_csv",
            watch=("fixture_module.Note",),
            table_name="notes_temoin",
        )
    ]
    assistant_sources = [
        AssistantSource("temoin", "Notes du module témoin", namespace="fixture_module")
    ]
    register_entry = SelfDescription(
        "Module témoin",
        purpose="Prouver que le contrat des modules suffit à brancher un module.",
    )
    capabilities = {"agent": frozenset({READ_SECRET})}
    leak_canaries = "tests.fixture_module.canaries.plant"
