"""`territoria restore ARCHIVE [--force]`: an instance back from a `territoria backup` archive."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from territoria.core.backup import COUNTED, BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde (territoria backup) dans la base et le dossier de données "
        "configurés, puis applique les migrations. Voir docs/deployment.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="remplacer les données d'une instance qui n'est pas vide",
        )

    def handle(self, *args, archive, force, **options):
        if not archive.is_file():
            raise CommandError(f"Archive introuvable : {archive}")
        try:
            result = restore_backup(archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # An archive of an older version: bring its schema up to this version's.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Sauvegarde restaurée : {archive.name}")
        for label, count in result.counts.items():
            expected = result.expected.get(label)
            mark = "" if count == expected else f" (attendu : {expected})"
            self.stdout.write(f"  {COUNTED[label]} : {count}{mark}")
        for outside in result.documents_outside:
            self.stderr.write(
                f"Attention : fichier non sauvegardé, à indexer de nouveau : {outside}"
            )
        if not result.matches:
            raise CommandError("Les nombres restaurés diffèrent du manifeste de la sauvegarde.")
