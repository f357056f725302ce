from django.core.management.base import BaseCommand, CommandError

from territoria.core import modules
from territoria.opendata.module_datasets import refresh_module_dataset


class Command(BaseCommand):
    help = (
        "Publie les jeux de données des modules (dont la partie publique du registre), "
        "s'ils ont changé."
    )

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="identifiants des jeux (tous par défaut)")

    def handle(self, *args, keys=(), **options):
        known = {spec.key: spec for spec in modules.published_datasets()}
        unknown = [key for key in keys if key not in known]
        if unknown:
            raise CommandError(
                f"Jeu(x) inconnu(s) : {', '.join(unknown)}. Jeux des modules : {', '.join(known)}."
            )
        for key in keys or known:
            version = refresh_module_dataset(key)
            if version is None:
                self.stdout.write(f"{known[key].title} : vide, rien à publier.")
            else:
                self.stdout.write(
                    f"{known[key].title} : version {version.number} "
                    f"({version.get_status_display()}, {version.row_count} lignes)."
                )
