"""`territoria backup [--output DOSSIER]`: the database and the data folder in one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from territoria.core.backup import COUNTED, BackupError, create_backup, read_manifest


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et le dossier de données dans une archive "
        "(manifeste, sommes de contrôle). Voir docs/deployment.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="dossier où écrire l'archive (par défaut : <dossier de données>/sauvegardes)",
        )

    def handle(self, *args, output, **options):
        output = output or Path(settings.DATA_DIR) / "sauvegardes"
        try:
            archive = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = read_manifest(archive)
        self.stdout.write(f"Sauvegarde écrite : {archive}")
        for label, count in manifest["counts"].items():
            self.stdout.write(f"  {COUNTED[label]} : {count}")
        self.stdout.write(f"  fichiers du dossier de données : {len(manifest['files'])}")
        for outside in manifest["documents_outside_data_dir"]:
            self.stderr.write(
                f"Attention : document indexé depuis un dossier extérieur, fichier non "
                f"sauvegardé : {outside}"
            )
