"""`territoria createadmin`: an administrator account, non-interactive when asked.

The password goes through the platform's password policy (AUTH_PASSWORD_VALIDATORS): an
administrator holds every right, a weak password is refused with the reasons, nothing saved.
"""

import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from territoria.core.models import Role, User


class Command(BaseCommand):
    help = "Crée (ou met à jour) un compte administrateur."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Sinon lu dans TERRITORIA_ADMIN_PASSWORD.")

    def handle(self, *args, username, email, password, **options):
        password = password or os.environ.get("TERRITORIA_ADMIN_PASSWORD")
        if not password:
            raise CommandError("Indiquez --password ou la variable TERRITORIA_ADMIN_PASSWORD.")
        user = User.objects.filter(username=username).first()
        created = user is None
        user = user or User(username=username)
        user.email = email or user.email
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                "Mot de passe refusé : " + " ".join(error.messages) + " Rien n'a été enregistré."
            ) from None
        user.role = Role.ADMIN
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(("Compte créé : " if created else "Compte mis à jour : ") + username)
