"""The module contract: what an app brings to the platform, declared on its own `AppConfig`.

A module (registre, assistant, opendata, and the territorial modules to come) declares, in
its own `apps.py`, class attributes read here through `django.apps.apps.get_app_configs()`.
Every attribute is optional (an app declares only what it brings); `core`, `search`,
`opendata` and `assistant` read them and never name an app. ADR: docs/adr/0002-module-contract.md.

    class WaterConfig(AppConfig):
        name = "territoria.eau"
        navigation = [NavEntry("Eau", "eau:index")]
        home_sections = [HomeSection("eau/_home_section.html", context="territoria.eau.home.context")]
        record_panels = [RecordPanel("eau/_record_panel.html", context="territoria.eau.panels.record")]
        urls = [UrlModule("territoria.eau.urls", prefix="eau/"), UrlModule("territoria.eau.api.urls", prefix="api/eau/")]
        search_documents = [SearchDocumentType("eau.station", "eau.Station", "territoria.eau.search.StationIndexer")]
        datasets = [PublishedDataset(...)]
        assistant_sources = [AssistantSource("eau", "Stations d'eau", namespace="eau")]
        register_entry = SelfDescription(...)
        capabilities = {"agent": frozenset({"eau.edit"})}      # read by core/roles.py
        periodic_tasks = [PeriodicTask(...)]
        leak_canaries = "territoria.eau.canaries.plant"

Callables are named by dotted path (strings) so that declaring them imports nothing at
app-loading time; `resolve()` imports them when they are used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps

# --- What a module may declare -------------------------------------------------------------


@dataclass(frozen=True)
class NavEntry:
    """A link of the menus. `capability`: shown only to users granted it (None: everyone)."""

    label: str
    url_name: str
    capability: str | None = None
    menu: str = "main"  # "main": the site menu; "account": beside the user's name
    order: int = 100
    # Dotted path of `count(request) -> int`: a number shown beside the label when above 0
    # (e.g. requests waiting for this user), with `count_label` read after it by screen readers.
    count: str | None = None
    count_label: str = ""


@dataclass(frozen=True)
class HomeSection:
    """A section of the home page: a template, rendered with `context(request)` (a dotted path)."""

    template: str
    context: str | None = None
    stylesheets: tuple[str, ...] = ()  # static paths the section needs in <head>
    order: int = 100


@dataclass(frozen=True)
class RecordPanel:
    """A section a module adds to a register record's page (the record is another app's page:
    the module lends it a panel instead of the register naming the module).

    `context(request, project)` returns the template's context, or None to show nothing for
    this record; it sees the request, so it decides itself what this reader may read."""

    template: str
    context: str
    order: int = 100


@dataclass(frozen=True)
class UrlModule:
    """A URLconf of the module (pages or API), mounted under `prefix` ("" or "eau/")."""

    module: str
    prefix: str = ""


@dataclass(frozen=True)
class SearchDocumentType:
    """One content type of the search index and its ONE indexer.

    `model` ("app_label.Model") is watched: a save indexes the object in the same transaction,
    a delete removes its documents. `indexer` is the dotted path of an object with:

        namespace: str                      the index namespace its documents live in
        documents(obj) -> list[Document]    every document of obj, each with its access list
        keys(pk) -> list[str]               every key obj may have had (to delete them)
        queryset() -> QuerySet              every object, for a full rebuild
    """

    name: str  # "registre.project"
    model: str
    indexer: str
    title: str = ""


@dataclass(frozen=True)
class PublishedDataset:
    """A dataset the module publishes to the open-data portal, refreshed when `watch` changes.

    `writer(path) -> (rows, sha256 hex) | None` writes the public CSV (None: nothing to publish).
    Licence, theme and frequency are the portal's codes ("lo-2.0", "GOVE", "continuous").
    """

    key: str  # stable: the dataset's system key in the catalogue
    slug: str
    title: str
    description: str
    writer: str
    watch: tuple[str, ...] = ()  # "app_label.Model" whose saves and deletes refresh it
    resource_slug: str = "donnees"
    resource_title: str = "Données"
    table_name: str = ""
    keywords: tuple[str, ...] = ()
    licence: str = "lo-2.0"
    theme: str = "GOVE"
    frequency: str = "continuous"
    spatial_coverage: str = "France"


@dataclass(frozen=True)
class AssistantSource:
    """A source the assistant offers as a collection: the documents of an index namespace.

    The documents carry their own access lists (the source's indexer sets them), and for the
    citations these fields: document, title, section, page, url.
    """

    slug: str
    name: str
    namespace: str
    description: str = ""


@dataclass(frozen=True)
class SelfDescription:
    """The module as an entry of the register of AI systems (living transparency).

    Free French text per heading; `None` means not documented yet (the register shows so).
    """

    name: str
    purpose: str | None = None
    data: str | None = None
    algorithm: str | None = None
    performance: str | None = None
    energy: str | None = None
    # Where the figures come from: the command and its committed JSON (benchmarks/results/).
    measured_by: str | None = None
    url_name: str | None = None  # the module's page, linked from the register


@dataclass
class Canaries:
    """Distinctive restricted values a module planted for the leak crawler (tests).

    The crawler requests every route as an anonymous reader with `ids` (and as `outsider`, an
    agent of another organisation, when given) and must never find a value of `needles`; as
    `witness` it must find every value of `proof` (positive control).
    `twins` and `search_probes` catch restricted values that are not distinctive text.
    """

    needles: dict[str, str] = field(default_factory=dict)  # value -> where it hides
    proof: list[str] = field(default_factory=list)
    witness: Any = None  # a user allowed to read `proof`
    outsider: Any = None  # an agent of another organisation: must find no needle either
    witness_seeds: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # values the crawler fills URL slots with
    focus: list[str] = field(default_factory=list)  # ids tried with every query variant
    seeds: list[str] = field(default_factory=list)
    must_visit: list[str] = field(default_factory=list)
    list_variants: list[dict] = field(default_factory=list)
    detail_variants: list[dict] = field(default_factory=list)
    twins: list[Twin] = field(default_factory=list)
    search_probes: list[SearchProbe] = field(default_factory=list)
    closed_routes: list[str] = field(default_factory=list)  # URL names anonymous readers can't open


@dataclass
class Twin:
    """Two records with the same public values and different restricted choices: a page about
    `id_a` must not show `labels_a` more than the page about `id_b` does (and conversely), and
    filtering on `filters` must not tell them apart."""

    id_a: str
    id_b: str
    name_a: str
    name_b: str
    labels: dict[str, tuple[str, str]]  # field -> (label of A, label of B)
    filters: dict[str, tuple[str, str]]  # query parameter -> (value of A, value of B)
    witness_url: str = ""  # where the witness must read the labels of A (positive control)


@dataclass
class SearchProbe:
    """Searching `token` (a restricted value) must not find `name` for anonymous readers more
    than searching the same token with another tag (which no record holds) does."""

    token: str
    name: str


# --- Reading the declarations ---------------------------------------------------------------


def resolve(dotted: str) -> Any:
    """The object named by "package.module.attribute"."""
    module, _, attribute = dotted.rpartition(".")
    return getattr(import_module(module), attribute)


def _declared(attribute: str) -> Iterator[tuple[AppConfig, Any]]:
    for config in apps.get_app_configs():
        value = getattr(config, attribute, None)
        if value:
            yield config, value


def _all(attribute: str) -> list:
    return [item for _config, items in _declared(attribute) for item in items]


def record_panels() -> list[RecordPanel]:
    return sorted(_all("record_panels"), key=lambda panel: panel.order)


def url_modules() -> list[UrlModule]:
    return _all("urls")


def home_sections() -> list[HomeSection]:
    return sorted(_all("home_sections"), key=lambda section: section.order)


def search_document_types() -> list[SearchDocumentType]:
    return _all("search_documents")


def published_datasets() -> list[PublishedDataset]:
    return _all("datasets")


def assistant_sources() -> list[AssistantSource]:
    return _all("assistant_sources")


def self_descriptions() -> list[SelfDescription]:
    return [value for _config, value in _declared("register_entry")]


def canary_planters() -> list[tuple[str, Callable]]:
    """(app label, plant) of every module with restricted values; plant(needle) -> Canaries."""
    return [(config.label, resolve(path)) for config, path in _declared("leak_canaries")]


def navigation(menu: str = "main") -> list[NavEntry]:
    entries = [entry for entry in _all("navigation") if entry.menu == menu]
    return sorted(entries, key=lambda entry: entry.order)
