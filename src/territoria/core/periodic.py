"""Periodic tasks that apps declare through their AppConfig (`periodic_tasks`), and the
scheduler that enqueues them as background jobs (docs/architecture.md, ADR 11).

An app only declares what should run and how often:

    periodic_tasks = [PeriodicTask("purge_old_exchanges", "territoria.assistant.…", timedelta(days=1))]

The scheduler (`territoria scheduler`, started by `territoria run`) wakes up every few
seconds and, for each declared task that is due, claims it in the database and enqueues
`run_periodic_task(name)`. The claim is a conditional UPDATE of the task's last run
(`PeriodicTaskRun`): after a restart nothing runs again before its time, and two schedulers
never enqueue the same run (only one UPDATE matches).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    name: str  # stable identifier, used to remember when it last ran
    func: str  # dotted path of a callable taking no argument
    every: timedelta
    # Also run once, inline, when a job worker starts (job recovery after a crash).
    at_worker_start: bool = False


def declared_tasks() -> list[PeriodicTask]:
    """Every app's `periodic_tasks`, in app order; a name declared twice is a configuration error."""
    tasks: dict[str, PeriodicTask] = {}
    for config in apps.get_app_configs():
        for task in getattr(config, "periodic_tasks", []):
            if task.name in tasks:
                raise ImproperlyConfigured(
                    f"Tâche périodique « {task.name} » déclarée deux fois ({config.label})."
                )
            tasks[task.name] = task
    return list(tasks.values())


def get_task(name: str) -> PeriodicTask:
    for task in declared_tasks():
        if task.name == name:
            return task
    raise LookupError(f"Aucune tâche périodique ne s'appelle « {name} ».")


def claim(task: PeriodicTask, now=None) -> bool:
    """Take this run of `task` if it is due; True for exactly one caller per run."""
    from territoria.core.models import PeriodicTaskRun

    now = now or timezone.now()
    try:
        with transaction.atomic():
            run, created = PeriodicTaskRun.objects.get_or_create(
                name=task.name, defaults={"last_enqueued_at": now}
            )
    except IntegrityError:  # another scheduler created it at the same instant: it claimed
        return False
    return created or claim_run(run, task, now)


def claim_run(run, task: PeriodicTask, now) -> bool:
    """Move `run` forward if due, as a compare-and-swap on the value read: when another
    scheduler moved it since, our UPDATE matches no row and the run is theirs."""
    if run.last_enqueued_at and run.last_enqueued_at > now - task.every:
        return False
    return bool(
        type(run)
        .objects.filter(pk=run.pk, last_enqueued_at=run.last_enqueued_at)
        .update(last_enqueued_at=now)
    )


def enqueue_due(now=None) -> list[str]:
    """Claim and enqueue every due task; returns the names enqueued."""
    from territoria.core.tasks import run_periodic_task

    enqueued = []
    for task in declared_tasks():
        if claim(task, now):
            run_periodic_task.enqueue(task.name)
            enqueued.append(task.name)
    return enqueued


def call(task: PeriodicTask):
    """Run the task's function here and now, recording start, end and error."""
    from territoria.core.models import PeriodicTaskRun

    PeriodicTaskRun.objects.update_or_create(
        name=task.name, defaults={"last_started_at": timezone.now()}
    )
    func = import_string(task.func)
    func = getattr(func, "func", func)  # a django-tasks Task: run its function inline
    try:
        result = func()
    except Exception as error:
        PeriodicTaskRun.objects.filter(name=task.name).update(
            last_finished_at=timezone.now(), last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    PeriodicTaskRun.objects.filter(name=task.name).update(
        last_finished_at=timezone.now(), last_error=""
    )
    return result


def run_at_worker_start() -> dict[str, object]:
    """The tasks flagged `at_worker_start` (job recovery), inline, before taking jobs."""
    results = {}
    for task in declared_tasks():
        if task.at_worker_start:
            try:
                results[task.name] = call(task)
            except Exception:  # one app's recovery must not keep the worker from starting
                logger.exception("periodic task %s failed at worker start", task.name)
                results[task.name] = "échec"
    return results
