"""territoria load_demo — the 23 real projects of the Bibliothèque, the booklet's case studies
that are not among them, and demo accounts.

Idempotent: running it again updates nothing (the import reports "unchanged") and resets the
demo accounts' passwords to TERRITORIA_DEMO_PASSWORD.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from territoria.core.audit import acting_as
from territoria.core.models import Organisation, Role, User
from territoria.registre.importers.corrections import DEMO_CORRECTIONS, load_corrections
from territoria.registre.importers.service import import_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO_FILE = FIXTURES / "bibliotheque-ia-data.csv"
# Case studies of the booklet (seed 001) missing from data.csv, e.g. Aix-Marseille-Provence's
# callbot for bulky waste: a newcomer searching "callbot encombrants" finds it (fixtures/SOURCE.md).
BOOKLET_FILE = FIXTURES / "livret-cas-usage.csv"
DEMO_ORGANISATION_SIRET = "20003986500106"  # Ville de Metz
DEMO_ACCOUNTS = [
    ("agent.metz", Role.AGENT, "Agent (contributeur) de la Ville de Metz", True),
    ("elu.metz", Role.ELU, "Élu de la Ville de Metz", True),
    ("moderateur", Role.MODERATOR, "Modérateur de la Bibliothèque", False),
    # A moderator who belongs to the organisation manages its assistant collections (issue 12).
    ("gestionnaire.metz", Role.MODERATOR, "Gestionnaire de la Ville de Metz (assistant)", True),
    # The operators' page (jobs, workers, periodic tasks) is for platform administrators.
    ("exploitant", Role.ADMIN, "Administrateur de la plateforme", False),
]


class Command(BaseCommand):
    help = (
        "Charge les 23 projets réels de la Bibliothèque d'IA territoriales et les cas d'usage du livret, "
        "et crée des comptes de démonstration."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE))
        parser.add_argument(
            "--no-booklet", action="store_true", help="ne pas charger les cas d'usage du livret"
        )
        parser.add_argument(
            "--no-accounts", action="store_true", help="ne pas créer les comptes de démonstration"
        )

    def handle(self, *args, **options):
        files = [(options["file"], load_corrections(DEMO_CORRECTIONS))]
        if not options["no_booklet"]:
            files.append((str(BOOKLET_FILE), None))
        with transaction.atomic():  # both files or nothing
            for path, corrections in files:
                report = import_file(path, format="anchor-csv", corrections=corrections)
                self.stdout.write(report.render_text())
                if not report.ok:
                    raise CommandError(
                        f"chargement des données de démonstration refusé : {path} (rien n'a été écrit)"
                    )
        if options["no_accounts"]:
            return
        accounts = self.create_accounts()
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe : {settings.DEMO_PASSWORD}) :")
        for username, description in accounts:
            self.stdout.write(f"  - {username:12} {description}")
        self.stdout.write(
            f"Connexion : {site}{reverse('login')} — registre : {site}{reverse('registre:list')}"
        )
        if settings.DEMO_PASSWORD == settings.DEMO_PASSWORD_DEFAULT:
            self.stdout.write(
                self.style.WARNING(
                    "Mot de passe de démonstration par défaut : ne pas utiliser en production "
                    "(réglez TERRITORIA_DEMO_PASSWORD ou supprimez ces comptes)."
                )
            )

    @transaction.atomic
    def create_accounts(self) -> list[tuple[str, str]]:
        organisation = Organisation.objects.get(siret=DEMO_ORGANISATION_SIRET)
        created = []
        with acting_as(label="load_demo"):
            for username, role, description, member in DEMO_ACCOUNTS:
                user, _ = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@demo.invalid"}
                )
                user.role = role
                user.organisation = organisation if member else None
                user.first_name = description
                user.set_password(settings.DEMO_PASSWORD)
                user.save()
                created.append((username, description))
        return created
