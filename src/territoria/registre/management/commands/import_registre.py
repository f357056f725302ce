"""territoria import_registre FILE [--format …] [--mapping M.json] [--dry-run] [--status …]"""

from django.core.management.base import BaseCommand, CommandError

from territoria.registre.importers.corrections import load_corrections
from territoria.registre.importers.service import FORMATS, STATUSES, import_file


class ProgressBar:
    """A tqdm bar fed by the importer's progress callback (hidden for small files)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 200:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="étape", desc="import", leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(BaseCommand):
    help = "Importe un fichier dans le registre (CSV de la Bibliothèque, XLSX, registres NL et UK)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=FORMATS, default="auto")
        parser.add_argument("--mapping", help="fichier JSON {colonne: champ du schéma}")
        parser.add_argument(
            "--dry-run", action="store_true", help="simuler : rapport sans rien écrire"
        )
        parser.add_argument(
            "--status",
            choices=list(STATUSES),
            default="published",
            help="état des projets créés (publiés par défaut : ils le sont dans la source)",
        )
        parser.add_argument(
            "--corrections", help="fichier JSON de corrections documentées à appliquer avant import"
        )
        parser.add_argument(
            "--details", action="store_true", help="afficher le résultat de chaque ligne"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        bar = ProgressBar(enabled=not options["no_progress"])
        try:
            report = import_file(
                options["file"],
                format=options["format"],
                mapping_file=options["mapping"],
                dry_run=options["dry_run"],
                status=options["status"],
                corrections=load_corrections(options["corrections"])
                if options["corrections"]
                else None,
                progress=bar,
            )
        finally:
            bar.close()
        self.stdout.write(
            report.render_text(verbose=options["details"] or options["verbosity"] > 1)
        )
        if not report.ok:
            raise CommandError(
                "import refusé : corrigez les erreurs ci-dessus (rien n'a été écrit)"
            )
