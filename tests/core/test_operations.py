"""The operators' page and the notice a waiting user gets (core/operations.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from territoria.core import workers
from territoria.core.models import Role, User
from territoria.core.tasks import run_periodic_task
from tests.jobs import database_queue  # noqa: F401 (fixture)


@pytest.fixture
def admin(db):
    return User.objects.create_user("exploitant", password="motdepasse-test-1", role=Role.ADMIN)


def _age(result, seconds: int) -> None:
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_the_operations_page_is_for_platform_administrators_only(client, agent, admin):
    assert client.get("/exploitation/").status_code == 302  # to the login page
    client.force_login(agent)
    assert client.get("/exploitation/").status_code == 403
    client.force_login(admin)
    page = client.get("/exploitation/").content.decode()
    assert "Aucun processus de traitement actif" in page
    assert "fail_orphaned_task_results" in page  # the periodic tasks the modules declare


def test_the_operations_page_shows_the_queue_and_the_live_worker(
    client,
    admin,
    database_queue,  # noqa: F811
):
    waiting = run_periodic_task.enqueue("recover_versions")
    _age(waiting, 120)
    workers.beat("worker-test")
    client.force_login(admin)
    page = client.get("/exploitation/").content.decode()
    assert "1 tâche en attente" in page and "worker-test" in page and "actif" in page
    assert "Exploitation" in client.get("/").content.decode()  # in the admin's account menu


def test_a_user_whose_work_waits_without_a_worker_is_told_why_and_what_to_do(
    client,
    agent,
    database_queue,  # noqa: F811
):
    client.force_login(agent)
    waiting = run_periodic_task.enqueue("recover_versions")
    assert "aucun processus de traitement" not in client.get("/").content.decode()  # just queued
    _age(waiting, 120)
    page = client.get("/").content.decode()
    assert "attendent depuis 2 min et aucun processus de traitement n&#x27;est actif" in page
    assert "/exploitation/" not in page  # the link is for administrators
    workers.beat("worker-test")  # a worker comes back: the queue moves, no notice
    assert "attendent depuis" not in client.get("/").content.decode()
    _age(waiting, 3600)  # … unless it does not drain
    assert "la file est chargée ou bloquée" in client.get("/").content.decode()
    client.logout()
    assert "attendent depuis" not in client.get("/").content.decode()  # citizens start no work
