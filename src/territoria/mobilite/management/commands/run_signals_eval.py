"""`territoria run_signals_eval --resco cologne1,… [--seed N] [--demand-scale X]
[--plans-dir D [--no-coordinated-plans]] --output R.json`:
the light controllers compared on the RESCO networks (territoria.mobilite.signals)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from territoria.mobilite.signals.__main__ import build_parser, run
from territoria.mobilite.signals.sumoenv import SignalsError


class Command(BaseCommand):
    help = (
        "Compare les contrôleurs de feux (plans fixes, Webster, actionné, max-pressure, "
        "Territoria) sur les réseaux RESCO, dans la même exécution ; écrit un JSON."
    )

    def add_arguments(self, parser):
        build_parser(parser)

    def handle(self, *args, **options):
        import argparse

        opts = argparse.Namespace(
            **{
                k: options[k]
                for k in (
                    "resco",
                    "seed",
                    "demand_scale",
                    "controllers",
                    "horizon",
                    "jobs",
                    "plans_dir",
                    "coordinated_plans",
                    "output",
                )
            }
        )
        try:
            run(opts, out=self.stdout)
        except SignalsError as exc:
            raise CommandError(str(exc)) from exc
