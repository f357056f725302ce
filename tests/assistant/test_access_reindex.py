"""A collection's passages follow its visibility (issue 10: `reindex_access` was never called,
so a collection made organisation-only kept its passages readable with the public token)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from territoria.assistant.models import Visibility
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.search import get_index
from territoria.search.access import access_tokens

QUESTION = "Quand a lieu la collecte des encombrants ?"


@pytest.fixture
def faq(faq_collection, tmp_path):
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "encombrants.md").write_text(
        "# Encombrants\n\nLa collecte des encombrants a lieu le premier mardi de chaque mois.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    return faq_collection


def _keys(collection, user, mode="hybrid"):
    hits = get_index().search(collection.namespace, QUESTION, access_tokens(user), mode=mode)
    return [h.key for h in hits]


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_collection_made_organisation_only_is_no_longer_found_anonymously(
    faq, agent, other_agent, mode, django_capture_on_commit_callbacks
):
    assert _keys(faq, AnonymousUser(), mode)
    with django_capture_on_commit_callbacks(execute=True):
        faq.visibility = Visibility.ORGANISATION
        faq.save()
    assert _keys(faq, AnonymousUser(), mode) == []
    assert _keys(faq, other_agent, mode) == []
    assert _keys(faq, agent, mode)  # the organisation still finds it, vectors included


def test_reindex_waits_for_the_commit(faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        faq.visibility = Visibility.ORGANISATION
        faq.save()
        assert _keys(faq, AnonymousUser())  # nothing changes before the commit
    assert len(callbacks) == 1


def test_saving_an_unchanged_collection_schedules_nothing(faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        faq.name = "Foire aux questions"
        faq.save()
    assert callbacks == []


def test_group_collection_follows_its_groups(faq, agent, django_capture_on_commit_callbacks):
    group = Group.objects.create(name="Accueil")
    with django_capture_on_commit_callbacks(execute=True):
        faq.visibility = Visibility.GROUP
        faq.save()
    assert _keys(faq, AnonymousUser()) == [] and _keys(faq, agent) == []
    agent.groups.add(group)
    with django_capture_on_commit_callbacks(execute=True):
        faq.groups.add(group)
    assert _keys(faq, agent)
    with django_capture_on_commit_callbacks(execute=True):
        group.assistant_collections.clear()
    assert _keys(faq, agent) == []
