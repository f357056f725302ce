"""`territoria serve`: the production application server (gunicorn) with static files."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Démarre le serveur d'application (gunicorn) de Territoria."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("TERRITORIA_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("TERRITORIA_WORKERS", "0")) or None
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind, workers, no_collectstatic, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or (os.cpu_count() or 1) * 2 + 1
        self.stdout.write(f"Territoria sur http://{bind}/ ({workers} processus)")
        argv = [
            "gunicorn",
            "territoria.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
            # Load the application once before forking: workers start warm and share memory.
            "--preload",
        ]
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
