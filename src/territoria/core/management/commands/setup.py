"""`territoria setup`: prepare the data folder (secret key) and bring the database up to date."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Prépare le dossier de données (clé secrète) et applique les migrations de la base. "
        "Sans effet si tout est déjà à jour."
    )

    def handle(self, *args, **options):
        # The data folder itself was prepared by territoria/cli.py before the settings loaded.
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        self.stdout.write("Territoria est prêt : `territoria serve` pour démarrer.")
