"""`territoria jobs status`: the job queue and the workers' health, for operators.

Exit code 1 when jobs wait and no worker is alive (a monitoring probe can use it).
"""

import json
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
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


class Command(BaseCommand):
    help = (
        "État de la file des tâches de fond, des processus de traitement et des tâches périodiques."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status"])
        parser.add_argument("--json", action="store_true", help="Sortie JSON.")

    def handle(self, *args, action, **options):
        report = status()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False, default=str))
        else:
            self._print(report)
        if report["waiting"] and not report["alive_workers"]:
            raise CommandError(
                f"{report['waiting']} tâche(s) en attente et aucun processus de traitement "
                "actif : lancez `territoria worker` (ou `make run`)."
            )

    def _print(self, report: dict) -> None:
        out = self.stdout.write
        out(f"Processus de traitement actifs : {report['alive_workers']}")
        for worker in report["workers"]:
            state = "actif" if worker["alive"] else "arrêté"
            out(
                f"  {worker['worker_id']} ({worker['host']}, pid {worker['pid']}) : {state}, "
                f"dernier signe de vie il y a {worker['last_beat_s_ago']} s"
            )
        oldest = report["oldest_waiting_s"]
        out(
            f"File : {report['waiting']} en attente"
            + (f" (la plus ancienne depuis {oldest} s)" if oldest is not None else "")
            + f", {len(report['running'])} en cours ; par état : {report['queue']}"
        )
        for job in report["running"]:
            out(f"  en cours : {job['task']} {job['args']}")
        for failure in report["recent_failures"]:
            out(f"  échec : {failure['task']} ({failure['error']}) le {failure['finished_at']}")
        out("Tâches périodiques :")
        for task in report["periodic"]:
            error = f" — erreur : {task['last_error']}" if task["last_error"] else ""
            out(
                f"  {task['name']} (toutes les {task['every_s']} s) : dernière mise en file "
                f"{task['last_enqueued_at'] or 'jamais'}, dernière fin "
                f"{task['last_finished_at'] or 'jamais'}{error}"
            )
