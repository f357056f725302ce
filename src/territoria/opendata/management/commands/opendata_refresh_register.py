from django.core.management.base import BaseCommand

from territoria.opendata.register_dataset import refresh_register_dataset


class Command(BaseCommand):
    help = "Publie la partie publique du registre comme jeu de données ouvert (si elle a changé)."

    def handle(self, *args, **options):
        version = refresh_register_dataset()
        if version is None:
            self.stdout.write("Registre indisponible ou vide : rien à publier.")
        else:
            self.stdout.write(
                f"Registre : version {version.number} ({version.get_status_display()}, "
                f"{version.row_count} projets)."
            )
