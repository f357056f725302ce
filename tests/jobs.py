"""Helpers of the job-recovery tests: the real database queue, a real worker run in
process, and the state a kill -9 leaves (a task "running" on a worker that is gone)."""

import subprocess
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.signals import task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from territoria.core.models import WorkerHeartbeat
from territoria.core.workers import HOSTNAME, on_task_started, process_started


@pytest.fixture
def database_queue(settings):
    """Jobs go to the database queue (as in production) instead of running inline."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """Run every queued job with django-tasks-db's own worker loop, then return.

    Without the heartbeat a real worker starts from its first job (core.workers): its thread
    would outlive this test and write into the next ones."""
    task_started.disconnect(dispatch_uid="core-worker-heartbeat")
    try:
        _run_worker()
    finally:
        task_started.connect(on_task_started, dispatch_uid="core-worker-heartbeat")


def _run_worker() -> None:
    # The worker closes "old" connections between jobs; here the connection is the test's,
    # inside its transaction (PostgreSQL would lose it): keep it open.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        _worker().run()


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def _exited_pid() -> int:
    """The pid of a process that has exited (what a kill -9 leaves)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def dead_worker() -> str:
    """A heartbeat of a worker process on this machine that no longer exists."""
    worker_id = "killed-" + get_random_string(8)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=HOSTNAME,
        pid=_exited_pid(),
        process_started="1",
        beat_at=timezone.now(),
    )
    return worker_id


def live_worker(worker_id: str = "live-worker") -> str:
    """A heartbeat of a live worker: this very process."""
    import os

    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=HOSTNAME,
        pid=os.getpid(),
        process_started=process_started(os.getpid()) or "",
        beat_at=timezone.now(),
    )
    return worker_id


def claimed_by(task, worker_id: str, *args) -> DBTaskResult:
    """Leave `task(*args)` as a worker leaves it when killed mid-job: the waiting result
    (or a new one) claimed by that worker, status "running"."""
    row = DBTaskResult.objects.filter(
        task_path=task.module_path, status="READY", args_kwargs__args=list(args)
    ).first() or DBTaskResult.objects.get(pk=task.enqueue(*args).id)
    row.claim(worker_id)
    return row


def age(model, pk, **delta) -> None:
    """Move a row's last update back in time (updated_at is auto_now: update() bypasses it)."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(**delta))
