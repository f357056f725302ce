"""The module contract (core/modules.py): the fixture module (tests/fixture_module), installed by
the test settings only, appears on every surface by declaring itself in its apps.py — nothing
of core, search, opendata or the assistant names it."""

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from territoria.assistant.models import Collection
from territoria.assistant.services.answering import retrieve
from territoria.core import modules
from territoria.search import get_index
from territoria.search.access import access_tokens
from tests.fixture_module.models import Note


@pytest.fixture
def note(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return Note.objects.create(
            title="Horaires des cyanobactéries",
            summary="Les baignades du lac ferment quand les cyanobactéries prolifèrent.",
            secret="Seuil interne de fermeture : 20 000 cellules par millilitre.",
            published=True,
        )


def test_navigation_shows_a_declared_module(client, db):
    html = client.get("/").content.decode()
    assert f'href="{reverse("fixture_module:index")}">Module témoin</a>' in html


def test_navigation_entry_needing_a_capability_shows_to_its_holders_only(client, moderator, agent):
    moderation = f'href="{reverse("registre:moderation")}"'
    client.force_login(agent)
    assert moderation not in client.get("/").content.decode()
    client.force_login(moderator)
    assert moderation in client.get("/").content.decode()


def test_home_page_shows_a_declared_section(client, note):
    html = client.get("/").content.decode()
    assert "Le module témoin" in html and "1 note publiée" in html
    assert "Le registre des systèmes d'IA des collectivités" in html  # beside the register's


def test_register_record_page_shows_a_declared_panel_for_its_reader(client, agent, organisation):
    from territoria.registre.factories import ProjectFactory

    project = ProjectFactory(organisation=organisation, nom_projet="Tri du courrier")
    hidden = ProjectFactory(organisation=organisation, nom_projet="Projet sans panneau")
    record = reverse("registre:detail", args=[project.pk])
    html = client.get(record).content.decode()
    assert "Le module témoin a lu « Tri du courrier »" in html
    assert "Lecteur autorisé" not in html
    client.force_login(agent)  # agents hold READ_SECRET (the fixture module's capabilities)
    assert "Lecteur autorisé" in client.get(record).content.decode()
    # The public preview renders the panels for the anonymous reader, as the rest of the page.
    assert "Lecteur autorisé" not in client.get(record + "?vue=publique").content.decode()
    html = client.get(reverse("registre:detail", args=[hidden.pk])).content.decode()
    assert "Le module témoin sur ce projet" not in html  # context None: no panel


def test_declared_urls_are_mounted_under_their_prefix(client, note):
    assert reverse("fixture_module:note", args=[note.pk]) == f"/temoin/notes/{note.pk}/"
    assert client.get(f"/temoin/notes/{note.pk}/").status_code == 200


def test_search_indexes_a_declared_content_type_with_its_access_lists(note):
    index = get_index()
    assert index.pending_embeddings("fixture_module") == 0  # the job ran after the commit

    def keys(query, access):
        return [h.key for h in index.search("fixture_module", query, access, mode="lexical")]

    assert keys("cyanobactéries baignade", access_tokens(None)) == [str(note.pk)]
    assert keys("seuil cellules", access_tokens(None)) == []
    assert keys("seuil cellules", ["public", "cap:fixture_module.read_secret"]) == [
        f"{note.pk}:secret"
    ]
    note.delete()
    assert index.count("fixture_module") == 0


def test_search_rebuild_catches_up_a_bulk_update(note):
    from territoria.search.indexing import indexer_of, rebuild

    (document_type,) = [
        t for t in modules.search_document_types() if t.name == "fixture_module.note"
    ]
    Note.objects.filter(pk=note.pk).update(summary="Les horaires des piscines changent en été.")
    counts = rebuild(indexer_of(document_type))
    assert counts == {"objects": 1, "documents": 2, "removed": 0}
    hits = get_index().search("fixture_module", "piscines", ["public"], mode="lexical")
    assert [h.key for h in hits] == [str(note.pk)]


def test_search_gives_a_capability_token_to_the_roles_granted_it(agent, moderator):
    assert "cap:fixture_module.read_secret" in access_tokens(agent)
    assert "cap:fixture_module.read_secret" not in access_tokens(moderator)


def test_open_data_catalogue_lists_a_declared_dataset(client, note):
    catalog = client.get(reverse("opendata:catalog")).content.decode()
    assert "Notes du module témoin" in catalog
    dcat = client.get(reverse("opendata:dcat")).json()
    assert any(d["dct:title"] == "Notes du module témoin" for d in dcat["dcat:dataset"])


def test_assistant_offers_a_declared_source(note):
    collection = Collection.objects.get(slug="temoin")  # created after `migrate`
    assert collection.managed and collection.namespace == "fixture_module"
    passages = retrieve([collection], "Quand les baignades du lac ferment-elles ?", ["public"])
    assert passages and passages[0].title == "Horaires des cyanobactéries"
    assert passages[0].url() == f"/temoin/notes/{note.pk}/"
    assert all("20 000" not in p.text for p in passages)


def test_register_of_ai_systems_gets_a_declared_self_description(db):
    names = [entry.name for entry in modules.self_descriptions()]
    assert "Module témoin" in names


def test_leak_crawler_plants_the_canaries_of_a_declared_module():
    """The crawl itself is tests/security/test_no_restricted_leak.py; here: it finds the planter."""
    planters = dict(modules.canary_planters())
    assert planters["fixture_module"].__module__ == "tests.fixture_module.canaries"


def test_core_and_search_name_no_app():
    """No app URL name nor role string in core's templates and menus, nor in the search core."""
    from pathlib import Path

    from django.apps import apps

    import territoria
    from territoria.core.models import Role

    root = Path(territoria.__file__).parent
    core_files = [
        *root.joinpath("core", "templates").rglob("*.html"),
        root / "core" / "context_processors.py",
        root / "urls.py",
        root / "search" / "access.py",
        root / "search" / "indexing.py",
    ]
    import re

    # URL names of apps ("registre:list"), role strings ("moderateur"), role tokens ("role:elu").
    app_names = "|".join(
        c.label for c in apps.get_app_configs() if c.label not in ("core", "search")
    )
    code = re.compile(rf"""['"]({app_names}):|['"]({"|".join(Role.values)})['"]|role:\w""")
    found = [
        (path.name, m.group(0)) for path in core_files for m in code.finditer(path.read_text())
    ]
    assert not found


def test_system_check_accepts_the_declared_modules():
    from territoria.core.checks import check_module_declarations

    assert check_module_declarations() == []


def test_system_check_rejects_a_declaration_that_cannot_work():
    from territoria.core.checks import check_module_declarations

    class Broken:
        label = "casse"
        navigation = [modules.NavEntry("Nulle part", "casse:index"), ("Accueil", "home")]
        search_documents = [modules.SearchDocumentType("casse.x", "casse.X", "nowhere.indexer")]
        datasets = [
            modules.PublishedDataset("registre-ia", "x", "X", "", writer="nowhere.write"),
        ]

    registre = django_apps.get_app_config("registre")
    ids = sorted(error.id for error in check_module_declarations([registre, Broken()]))
    assert ids == [
        "territoria.modules.E001",  # a tuple instead of a NavEntry
        "territoria.modules.E002",  # a menu page that does not exist
        "territoria.modules.E003",  # a model and an indexer that do not exist
        "territoria.modules.E004",  # a writer that does not exist
        "territoria.modules.E005",  # a dataset key the register already declares
    ]
