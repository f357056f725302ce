"""`territoria run`: everything a user needs in one command, stopped by one Ctrl-C.

Starts three processes and watches them (docs/architecture.md, ADR 11):
- `territoria serve`: the web server (gunicorn);
- `territoria worker`: the job worker (imports, analyses, ingestion) with job recovery;
- `territoria scheduler`: the periodic tasks (reminders, purges, recovery).
A child that dies is restarted (a killed worker's jobs are recovered when it starts
again); one that keeps dying at start stops everything with its exit code. Ctrl-C (or
SIGTERM) stops all three: each gets SIGTERM, and SIGKILL after `--grace` seconds.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from territoria.core.recovery import queue_is_observable

CRASH_LOOP_S = 60  # a child that dies this soon after its start, three times in a row: give up
CRASH_LOOP_COUNT = 3


class Child:
    def __init__(self, name: str, argv: list[str]):
        self.name, self.argv = name, argv
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.quick_deaths = 0

    def start(self) -> None:
        # Own session: the terminal's Ctrl-C reaches the supervisor only, which stops the
        # children in order (a worker gets time to finish, not a second signal).
        self.process = subprocess.Popen(self.argv, start_new_session=True)
        self.started = time.monotonic()

    def signal(self, signum: int) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass


class Command(BaseCommand):
    help = "Démarre Territoria : serveur web, traitement des tâches de fond et tâches périodiques."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("TERRITORIA_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=None, help="Processus web.")
        parser.add_argument("--grace", type=float, default=10.0, help="Secondes avant SIGKILL.")

    def handle(self, *args, bind, workers, grace, **options):
        territoria = [sys.executable, "-m", "territoria"]
        serve = [*territoria, "serve", "--bind", bind]
        if workers:
            serve += ["--workers", str(workers)]
        children = [Child("web", serve), Child("scheduler", [*territoria, "scheduler"])]
        if queue_is_observable():
            children.insert(1, Child("worker", [*territoria, "worker", "--no-startup-delay"]))
        else:  # e.g. TERRITORIA_TASKS_BACKEND=…ImmediateBackend: jobs run in the requests
            self.stdout.write("File de tâches non persistante : pas de processus de traitement.")
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start()
        self.stdout.write(
            f"Territoria sur http://{bind}/ — serveur web, tâches de fond et tâches périodiques "
            "démarrés (Ctrl-C arrête tout)."
        )
        failure = None
        while not stopping and failure is None:
            time.sleep(0.2)
            for child in children:
                code = child.process.poll()
                if code is None:
                    continue
                quick = time.monotonic() - child.started < CRASH_LOOP_S
                child.quick_deaths = child.quick_deaths + 1 if quick else 0
                if child.quick_deaths >= CRASH_LOOP_COUNT:
                    failure = (child.name, code)
                    break
                self.stderr.write(f"« {child.name} » s'est arrêté (code {code}) : redémarrage.")
                child.start()
        self._stop_all(children, grace)
        if failure:
            raise CommandError(
                f"« {failure[0]} » s'arrête dès son démarrage (code {failure[1]}) : "
                "tout est arrêté, voyez son message ci-dessus."
            )
        self.stdout.write("Territoria arrêté.")

    def _stop_all(self, children: list[Child], grace: float) -> None:
        for child in children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.signal(signal.SIGKILL)
                child.process.wait()
