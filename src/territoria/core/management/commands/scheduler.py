"""`territoria scheduler`: enqueues the apps' periodic tasks when they are due (core/periodic.py)."""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from territoria.core import periodic

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Met en file les tâches périodiques des modules (rappels, purges, reprise des tâches)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tick", type=float, default=None, help="Secondes entre deux passages."
        )
        parser.add_argument("--once", action="store_true", help="Un seul passage, puis s'arrête.")

    def handle(self, *args, tick, once, **options):
        tick = tick or settings.SCHEDULER_TICK_S
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        names = ", ".join(task.name for task in periodic.declared_tasks())
        if options["verbosity"]:
            self.stdout.write(f"Tâches périodiques : {names}")
        while self.running:
            close_old_connections()
            try:
                for name in periodic.enqueue_due():
                    if options["verbosity"]:
                        self.stdout.write(f"En file : {name}")
            except Exception:  # a locked or restarting database: try again at the next tick
                logger.exception("scheduler tick failed")
            if once:
                return
            deadline = time.monotonic() + tick
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.5, tick))
