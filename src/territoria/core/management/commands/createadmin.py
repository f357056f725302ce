"""`territoria createadmin`: an administrator account, non-interactive when asked."""

from django.core.management.base import BaseCommand, CommandError

from territoria.core.models import Role, User


class Command(BaseCommand):
    help = "Crée (ou met à jour) un compte administrateur."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Sinon lu dans TERRITORIA_ADMIN_PASSWORD.")

    def handle(self, *args, username, email, password, **options):
        import os

        password = password or os.environ.get("TERRITORIA_ADMIN_PASSWORD")
        if not password:
            raise CommandError("Indiquez --password ou la variable TERRITORIA_ADMIN_PASSWORD.")
        user, created = User.objects.get_or_create(username=username)
        user.email = email or user.email
        user.role = Role.ADMIN
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(("Compte créé : " if created else "Compte mis à jour : ") + username)
