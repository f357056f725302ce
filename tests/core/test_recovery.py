"""Workers' liveness and the queue's orphans: what a kill -9 leaves, told from live work."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from territoria.core import recovery, workers
from territoria.core.models import WorkerHeartbeat
from territoria.core.tasks import run_periodic_task
from tests.jobs import claimed_by, dead_worker, live_worker

pytestmark = pytest.mark.django_db


def test_worker_on_this_machine_is_dead_when_its_process_is_gone():
    alive, dead = live_worker(), dead_worker()
    assert workers.live_worker_ids() == {alive}
    assert dead not in workers.live_worker_ids()


def test_reused_pid_is_not_taken_for_the_dead_worker():
    WorkerHeartbeat.objects.create(
        worker_id="old",
        hostname=workers.HOSTNAME,
        pid=os.getpid(),  # alive, but another process than the one that beat
        process_started="1",
        beat_at=timezone.now(),
    )
    assert workers.live_worker_ids() == set()


def test_worker_on_another_machine_is_dead_after_a_lease_without_heartbeat(settings):
    settings.JOB_LEASE_S = 60
    WorkerHeartbeat.objects.create(
        worker_id="far-alive", hostname="autre-serveur", pid=1, beat_at=timezone.now()
    )
    WorkerHeartbeat.objects.create(
        worker_id="far-dead",
        hostname="autre-serveur",
        pid=1,
        beat_at=timezone.now() - timedelta(seconds=61),
    )
    assert workers.live_worker_ids() == {"far-alive"}


def test_heartbeat_registers_this_process():
    workers.beat("me")
    assert workers.live_worker_ids() == {"me"}


def test_orphaned_task_results_fail_and_live_ones_are_kept(database_queue):
    orphan = claimed_by(run_periodic_task, dead_worker(), "recover_versions")
    running = claimed_by(run_periodic_task, live_worker(), "recover_ingestion")
    waiting = run_periodic_task.enqueue("recover_import_jobs")
    assert recovery.active_task_args(run_periodic_task) == {
        ("recover_ingestion",),
        ("recover_import_jobs",),
    }
    assert recovery.fail_orphaned_task_results() == 1
    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("pk", "status")}
    assert statuses == {str(orphan.pk): "FAILED", str(running.pk): "RUNNING", waiting.id: "READY"}
    assert (
        "processus de traitement s'est arrêté" in DBTaskResult.objects.get(pk=orphan.pk).traceback
    )


def test_stale_upload_spools_are_removed(database_queue, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.JOB_LEASE_S = 60
    stale, fresh = tmp_path / "abc.upload.pdf", tmp_path / "def.upload.pdf"
    stale.write_bytes(b"%PDF-1.4 cut")
    fresh.write_bytes(b"%PDF-1.4 growing")
    old = timezone.now().timestamp() - 120
    os.utime(stale, (old, old))
    recovery.fail_orphaned_task_results()
    assert not stale.exists() and fresh.exists()


def test_recovery_does_nothing_when_jobs_run_inline():
    assert not recovery.queue_is_observable()
    assert recovery.fail_orphaned_task_results() == 0


def test_jobs_status_reports_workers_queue_and_fails_when_jobs_wait_without_worker(
    database_queue,
):
    import io

    from django.core.management import CommandError, call_command

    run_periodic_task.enqueue("recover_versions")
    dead = dead_worker()
    with pytest.raises(CommandError, match="aucun processus de traitement actif"):
        call_command("jobs", "status", stdout=io.StringIO())
    alive = live_worker()
    out = io.StringIO()
    call_command("jobs", "status", stdout=out)
    text = out.getvalue()
    assert "Processus de traitement actifs : 1" in text
    assert f"{dead} (" in text and "arrêté" in text and f"{alive} (" in text
    assert "1 en attente" in text and "remind_overdue_reviews" in text


def test_jobs_run_inline_start_no_heartbeat():
    before = dict(workers._beating)
    run_periodic_task.enqueue("recover_versions")  # ImmediateBackend: runs here, now
    assert workers._beating == before and not WorkerHeartbeat.objects.exists()
