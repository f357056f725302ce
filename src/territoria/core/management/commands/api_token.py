"""`territoria api_token USERNAME [--scope S]... [--name N] [--regenerate | --revoke]`.

Prints a NEW token (only its hash is stored: an existing token can never be shown again).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from territoria.core import tokens

DEFAULT_SCOPES = ["registre:read", "registre:write"]


class Command(BaseCommand):
    help = (
        "Crée et affiche un nouveau jeton d'API pour un utilisateur (il ne sera plus affiché), "
        "ou révoque ses jetons."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="identifiant de connexion")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            help=f"portée du jeton, répétable (défaut : {' '.join(DEFAULT_SCOPES)})",
        )
        parser.add_argument("--name", default="Jeton créé en ligne de commande")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--regenerate",
            action="store_true",
            help="révoquer ses jetons actifs puis en créer un nouveau",
        )
        group.add_argument("--revoke", action="store_true", help="révoquer tous ses jetons actifs")

    def handle(self, username, scopes=None, name="", regenerate=False, revoke=False, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Utilisateur inconnu : « {username} ».")
        if not user.is_active:
            raise CommandError(
                f"Le compte « {username} » est désactivé : aucun jeton ne peut lui être remis."
            )
        if revoke or regenerate:
            active = list(user.api_tokens.filter(revoked_at__isnull=True))
            for token in active:
                tokens.revoke(token)
            if revoke:
                self.stdout.write(
                    f"{len(active)} jeton(s) révoqué(s)." if active else "Aucun jeton à révoquer."
                )
                return
        scopes = scopes or DEFAULT_SCOPES
        unknown = sorted(set(scopes) - set(tokens.declared_scopes()))
        if unknown:
            raise CommandError(
                f"Portée inconnue « {unknown[0]} » ; portées possibles : "
                f"{', '.join(tokens.declared_scopes())}."
            )
        _, raw = tokens.issue(owner=user, name=name, scopes=scopes)
        self.stdout.write(raw)
