"""The public part of the register, published as open data and kept up to date."""

from django.urls import reverse

from territoria.opendata import querying
from territoria.opendata.models import Dataset
from territoria.opendata.module_datasets import refresh_module_dataset
from territoria.registre import factories

SYSTEM_KEY = "registre-ia"  # the key the register declares in its apps.py


def refresh_register_dataset():
    return refresh_module_dataset(SYSTEM_KEY)


def test_register_dataset_has_public_fields_of_published_projects_only(db):
    from territoria.registre.vocabulary import Lifecycle

    factories.ProjectFactory(
        nom_projet="Détection des fuites", budget=120000, projet_contact="secret@example.org"
    )
    factories.ProjectFactory(nom_projet="Brouillon caché", lifecycle=Lifecycle.DRAFT)
    version = refresh_register_dataset()
    assert version.status == "published" and version.row_count == 1
    columns = [f["name"] for f in version.published_columns]
    assert "nom_projet" in columns
    assert "budget" not in columns and "projet_contact" not in columns
    result = querying.sql("SELECT * FROM registre_ia")
    flat = str(result.rows)
    assert "Détection des fuites" in flat and "Brouillon caché" not in flat
    assert "secret@example.org" not in flat and "120000" not in flat


def test_register_dataset_appears_in_dcat_catalog(client, db):
    factories.ProjectFactory()
    refresh_register_dataset()
    catalog = client.get(reverse("opendata:dcat")).json()
    assert any("registre" in d["dct:title"].lower() for d in catalog["dcat:dataset"])


def test_register_dataset_refreshes_on_publication(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        project = factories.ProjectFactory(nom_projet="Premier")
    dataset = Dataset.objects.get(system_key=SYSTEM_KEY)
    first = dataset.resources.get().current_version
    with django_capture_on_commit_callbacks(execute=True):
        project.nom_projet = "Premier, renommé"
        project.save()
    current = dataset.resources.get().current_version
    assert current.number == first.number + 1
    assert "Premier, renommé" in str(querying.sql("SELECT nom_projet FROM registre_ia").rows)


def test_register_dataset_unchanged_register_makes_no_new_version(db):
    factories.ProjectFactory()
    first = refresh_register_dataset()
    assert refresh_register_dataset().pk == first.pk


def test_register_dataset_is_not_editable_by_hand(db, admin_user):
    from territoria.opendata.permissions import get_abilities

    factories.ProjectFactory()
    refresh_register_dataset()
    dataset = Dataset.objects.get(system_key=SYSTEM_KEY)
    assert get_abilities(admin_user, dataset)["edit"] is False


def test_register_dataset_change_of_a_private_field_makes_no_new_version(db):
    project = factories.ProjectFactory(budget=1000)
    first = refresh_register_dataset()
    project.budget = 2000  # not a public field: the public rows are the same
    project.save()
    assert refresh_register_dataset().pk == first.pk
    assert first.resource.versions.count() == 1


def test_register_dataset_same_rows_in_another_form_makes_no_new_version(db):
    # The content hash is only a shortcut: when it differs (the export's row order, a byte of
    # its CSV), the rows themselves decide, and the rows here are the same.
    factories.ProjectFactory()
    first = refresh_register_dataset()
    first.detection = {**first.detection, "content_hash": "another form of the same rows"}
    first.save()
    assert refresh_register_dataset().pk == first.pk
    assert first.resource.versions.count() == 1
    first.refresh_from_db()
    assert first.detection["content_hash"] != "another form of the same rows"


def test_register_dataset_refreshes_queued_before_the_publication_ran_add_no_version(db, settings):
    # With a real worker, a burst of project saves queues many refreshes before the first
    # publication job runs: they must not each publish the same rows again ("+0 lignes").
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    factories.ProjectFactory()
    first = refresh_register_dataset()
    assert first.status == "publishing"  # its publication job is still queued
    for _ in range(3):
        assert refresh_register_dataset().pk == first.pk
    assert first.resource.versions.count() == 1
    factories.ProjectFactory(nom_projet="Un nouveau projet")
    second = refresh_register_dataset()
    assert second.number == first.number + 1


def _refresh_jobs_queued(callbacks) -> list:
    """Run the on-commit callbacks and return the refresh jobs they queued (the real queue)."""
    from django_tasks.signals import task_enqueued

    queued = []

    def record(sender, task_result, **kwargs):
        if task_result.task.name == "refresh_module_dataset_task":
            queued.append(task_result.args)

    task_enqueued.connect(record)
    try:
        for callback in callbacks:
            callback()
    finally:
        task_enqueued.disconnect(record)
    return queued


def test_importing_many_projects_queues_one_refresh(db, django_capture_on_commit_callbacks):
    """One transaction saving N projects (an import) queues ONE refresh, not N (issue 11 L13)."""
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(5):
            factories.ProjectFactory(nom_projet=f"Projet importé {n}")
    assert _refresh_jobs_queued(callbacks) == [[SYSTEM_KEY]]


def test_deleting_many_projects_queues_one_refresh(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    from territoria.registre.models import Project

    with django_capture_on_commit_callbacks(execute=True):  # created and committed before
        for n in range(4):
            factories.ProjectFactory(nom_projet=f"Projet {n}")
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for project in Project.objects.all():
            project.delete()
    assert _refresh_jobs_queued(callbacks) == [[SYSTEM_KEY]]


def test_register_dataset_pending_edit_makes_no_version_until_published(db, agent, moderator):
    """An edit of a published record waits for moderation: the published rows are unchanged,
    so no version — until the moderator publishes it (issue 12: a version only when the
    published rows change)."""
    from territoria.registre.services import workflow

    project = factories.ProjectFactory(organisation=agent.organisation, nom_projet="Avant")
    first = refresh_register_dataset()
    edited = workflow.working_copy(project)
    edited.nom_projet = "Après"
    workflow.save_project(edited, agent)
    workflow.submit(project, agent)
    assert refresh_register_dataset().pk == first.pk
    assert first.resource.versions.count() == 1
    workflow.publish(project, moderator)
    second = refresh_register_dataset()
    assert second.number == first.number + 1
    assert "Après" in str(querying.sql("SELECT nom_projet FROM registre_ia").rows)
