"""`territoria api_token USERNAME [--regenerate | --revoke]`: print, create or revoke an API token."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from territoria.registre.api import tokens


class Command(BaseCommand):
    help = "Affiche (en le créant si besoin), régénère ou révoque le jeton d'API d'un utilisateur."

    def add_arguments(self, parser):
        parser.add_argument("username", help="identifiant de connexion")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--regenerate",
            action="store_true",
            help="remplacer le jeton (l'ancien cesse de fonctionner)",
        )
        group.add_argument("--revoke", action="store_true", help="supprimer le jeton")

    def handle(self, username, regenerate=False, revoke=False, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Utilisateur inconnu : « {username} ».")
        if not user.is_active:
            raise CommandError(
                f"Le compte « {username} » est désactivé : aucun jeton ne peut lui être remis."
            )
        if revoke:
            done = tokens.revoke(user)
            self.stdout.write("Jeton révoqué." if done else "Aucun jeton à révoquer.")
            return
        self.stdout.write(tokens.issue(user, regenerate=regenerate).key)
