"""`territoria worker`: the job worker (django-tasks-db's `db_worker`) with job recovery.

Before taking jobs it runs the apps' recovery (the periodic tasks flagged
`at_worker_start`), so that what a killed worker left behind is resumed or failed at once;
it then beats a heartbeat that tells its running jobs from orphans (core/workers.py).
"""

import os
import socket

from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from territoria.core import periodic
from territoria.core.workers import start_heartbeat


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


class Command(DbWorkerCommand):
    help = "Exécute les tâches de fond (imports, analyses, ingestion) et reprend les tâches interrompues."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=new_worker_id(), reload=False)

    def handle(self, *args, **options):
        start_heartbeat(options["worker_id"])
        recovered = periodic.run_at_worker_start()
        if options["verbosity"]:
            self.stdout.write(f"Reprise des tâches interrompues : {recovered}")
        super().handle(*args, **options)
