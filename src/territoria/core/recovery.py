"""What every app's job recovery shares (the apps' own rules are in `<app>/recovery.py`).

A job is interrupted when its task result is "running" on a dead worker (see
`core.workers`), or when no task result is waiting for it at all. Each app asks
`active_task_args(task)` which of its jobs a live worker still holds or the queue still
waits to run, and treats the others: resumed when the work can go on, otherwise marked
failed with a French reason and a way to retry. Recovery runs when a worker starts and
periodically (the apps' `periodic_tasks`); it needs the database queue (with another
backend, jobs run inline and there is nothing to observe).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from territoria.core.workers import lease, live_worker_ids

logger = logging.getLogger(__name__)

WORKER_LOST = (
    "Le processus de traitement s'est arrêté pendant cette tâche (arrêt brutal, manque de "
    "mémoire, redémarrage du serveur)."
)


def queue_is_observable() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return issubclass(import_string(backend), DatabaseBackend)


def _results(task):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task.module_path)


def active_task_args(task) -> set[tuple]:
    """Arguments of the task's results that are waiting, or running on a live worker."""
    from django_tasks.base import TaskResultStatus

    alive = live_worker_ids()
    active = set()
    for result in _results(task).filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ):
        if result.status == TaskResultStatus.READY or (
            result.worker_ids and result.worker_ids[-1] in alive
        ):
            active.add(tuple(result.args_kwargs.get("args", [])))
    return active


def active_ids(task) -> set[str]:
    """The first arguments (a job's id) of `active_task_args`, as strings."""
    return {str(args[0]) for args in active_task_args(task) if args}


def fail_orphaned_task_results() -> int:
    """Task results left "running" by a dead worker: failed, so the queue tells the truth."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if not queue_is_observable():
        return 0
    alive = live_worker_ids()
    count = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        count += DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="territoria.core.recovery.WorkerLost",
            traceback=WORKER_LOST,
        )
    _forget_dead_workers()
    remove_stale_files(upload_temp_dir())
    return count


def _forget_dead_workers() -> None:
    from territoria.core.models import WorkerHeartbeat

    alive = live_worker_ids()
    WorkerHeartbeat.objects.exclude(worker_id__in=alive).filter(
        beat_at__lt=timezone.now() - 10 * lease()
    ).delete()


def upload_temp_dir() -> Path | None:
    folder = settings.FILE_UPLOAD_TEMP_DIR
    return Path(folder) if folder else None


def is_stale(path: Path) -> bool:
    """Not written for a whole lease: no live process is still filling it."""
    try:
        return path.stat().st_mtime < time.time() - lease().total_seconds()
    except FileNotFoundError:
        return False


def _kept(path: Path, keep) -> bool:
    return str(path) in keep or str(path.resolve()) in keep


def remove_stale_files(folder: Path | None, keep=frozenset()) -> int:
    """Delete files under `folder` not written for a lease, except those in `keep`."""
    if folder is None or not folder.is_dir():
        return 0
    removed = 0
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        if path.is_file() and not _kept(path, keep) and is_stale(path):
            path.unlink(missing_ok=True)
            removed += 1
        elif path.is_dir() and not any(path.iterdir()) and is_stale(path):
            path.rmdir()
    return removed
