"""The state of the background work, for operators and for the pages that wait on it.

`status()` is read by `territoria jobs status` and by the operators' page (`/exploitation/`);
`queue_notice()` is the one sentence a waiting page shows when the jobs do not move, saying
why and what to do (no worker alive, or a queue that does not drain).
"""

from collections import Counter

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from territoria.core import periodic
from territoria.core.models import PeriodicTaskRun, WorkerHeartbeat
from territoria.core.workers import is_alive


def status() -> dict:
    now = timezone.now()
    workers = [
        {
            "worker_id": hb.worker_id,
            "host": hb.hostname,
            "pid": hb.pid,
            "last_beat_s_ago": round((now - hb.beat_at).total_seconds()),
            "alive": is_alive(hb, now),
        }
        for hb in WorkerHeartbeat.objects.all()
    ]
    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    runs = {run.name: run for run in PeriodicTaskRun.objects.all()}
    return {
        "workers": workers,
        "alive_workers": sum(w["alive"] for w in workers),
        "queue": dict(Counter(DBTaskResult.objects.values_list("status", flat=True))),
        "waiting": waiting.count(),
        "oldest_waiting_s": round((now - oldest).total_seconds()) if oldest else None,
        "running": [
            {"task": r.task_path.rsplit(".", 1)[-1], "args": r.args_kwargs.get("args", [])}
            for r in DBTaskResult.objects.filter(status="RUNNING")
        ],
        "recent_failures": [
            {
                "task": r.task_path.rsplit(".", 1)[-1],
                "finished_at": r.finished_at,
                "error": r.exception_class_path.rsplit(".", 1)[-1],
            }
            for r in DBTaskResult.objects.filter(status="FAILED").order_by("-finished_at")[:5]
        ],
        "periodic": [
            {
                "name": task.name,
                "every_s": int(task.every.total_seconds()),
                "last_enqueued_at": getattr(runs.get(task.name), "last_enqueued_at", None),
                "last_finished_at": getattr(runs.get(task.name), "last_finished_at", None),
                "last_error": getattr(runs.get(task.name), "last_error", ""),
            }
            for task in periodic.declared_tasks()
        ],
    }


def queue_notice() -> str:
    """What to tell a user whose work waits, or "" when the queue moves.

    Two queries (the oldest waiting job, the workers' heartbeats): cheap enough for every page
    of a signed-in user.
    """
    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    if oldest is None:
        return ""
    now = timezone.now()
    waited_s = (now - oldest).total_seconds()
    alive = any(is_alive(hb, now) for hb in WorkerHeartbeat.objects.all())
    minutes = max(1, round(waited_s / 60))
    if not alive and waited_s >= settings.JOB_WAIT_NOTICE_S:
        return (
            f"Des traitements attendent depuis {minutes} min et aucun processus de traitement "
            "n'est actif : les fichiers déposés ne seront pas analysés tant qu'il ne tourne pas. "
            "Prévenez l'administrateur de la plateforme (commande « territoria worker », ou "
            "« make run » qui le démarre)."
        )
    if waited_s >= settings.JOB_STALLED_NOTICE_S:
        return (
            f"Des traitements attendent depuis {minutes} min : la file est chargée ou bloquée. "
            "Votre demande est conservée ; si l'attente dure, prévenez l'administrateur "
            "(page Exploitation)."
        )
    return ""
