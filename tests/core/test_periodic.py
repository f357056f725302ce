"""The scheduler of periodic tasks: what apps declare, claims that survive restarts and
never double-run, and a real worker running what the scheduler enqueued."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from territoria.core import periodic
from territoria.core.models import PeriodicTaskRun
from territoria.registre.factories import ProjectFactory
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db
DAILY = periodic.PeriodicTask(
    "daily", "territoria.core.recovery.queue_is_observable", timedelta(days=1)
)


def test_apps_declare_reminders_purge_and_recovery():
    tasks = {task.name: task for task in periodic.declared_tasks()}
    assert {"remind_overdue_reviews", "purge_old_exchanges"} <= tasks.keys()
    recovery = {name for name, task in tasks.items() if task.at_worker_start}
    assert recovery == {
        "fail_orphaned_task_results",
        "recover_import_jobs",
        "recover_versions",
        "recover_ingestion",
    }


def test_claim_once_per_period_and_remembered_across_restarts():
    now = timezone.now()
    assert periodic.claim(DAILY, now)
    assert not periodic.claim(DAILY, now + timedelta(hours=23))  # a restarted scheduler: not due
    assert periodic.claim(DAILY, now + timedelta(days=1, seconds=1))
    assert PeriodicTaskRun.objects.get(name="daily").last_enqueued_at == now + timedelta(
        days=1, seconds=1
    )


def test_two_schedulers_reading_the_same_run_claim_it_once():
    now = timezone.now()
    periodic.claim(DAILY, now - timedelta(days=2))
    seen_by_a = PeriodicTaskRun.objects.get(name="daily")
    seen_by_b = PeriodicTaskRun.objects.get(name="daily")
    assert periodic.claim_run(seen_by_a, DAILY, now)
    assert not periodic.claim_run(seen_by_b, DAILY, now)  # b read before a's update


def test_scheduler_enqueues_due_tasks_and_worker_runs_them(database_queue, agent, settings):
    settings.REGISTRE_REVIEW_MAX_DAYS = 30
    ProjectFactory(
        organisation=agent.organisation, last_reviewed_at=timezone.now() - timedelta(days=40)
    )
    enqueued = periodic.enqueue_due()
    assert "remind_overdue_reviews" in enqueued and "purge_old_exchanges" in enqueued
    assert periodic.enqueue_due() == []  # nothing is due twice
    assert DBTaskResult.objects.count() == len(enqueued)
    run_worker()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert any("Mise à jour attendue" in m.subject for m in mail.outbox)
    run = PeriodicTaskRun.objects.get(name="remind_overdue_reviews")
    assert run.last_finished_at >= run.last_started_at and run.last_error == ""


def test_failed_periodic_task_records_its_error(settings):
    broken = periodic.PeriodicTask(
        "broken", "territoria.core.recovery.no_such_function", DAILY.every
    )
    with pytest.raises(ImportError):
        periodic.call(broken)
    broken = periodic.PeriodicTask("broken", "territoria.core.periodic.get_task", DAILY.every)
    with pytest.raises(TypeError):
        periodic.call(broken)
    assert "TypeError" in PeriodicTaskRun.objects.get(name="broken").last_error
