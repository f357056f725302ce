"""`territoria jobs status`: the job queue and the workers' health, for operators.

Exit code 1 when jobs wait and no worker is alive (a monitoring probe can use it).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from territoria.core.operations import status


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
