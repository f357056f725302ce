"""OIDC login (ProConnect or any provider): maps the provider's claims to our users.

ProConnect sends the agent's `siret`; the agent joins the organisation of that SIRET when
it is known to the platform.
"""

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from territoria.core.models import Organisation
from territoria.core.siret import normalize_siret


class TerritoriaOIDCBackend(OIDCAuthenticationBackend):
    def _apply_claims(self, user, claims):
        user.email = claims.get("email", user.email)
        user.first_name = claims.get("given_name", user.first_name)
        user.last_name = claims.get("usual_name") or claims.get("family_name") or user.last_name
        siret = normalize_siret(claims.get("siret"))
        if siret:
            user.organisation = Organisation.objects.filter(siret=siret).first()
        return user

    def create_user(self, claims):
        user = self.UserModel(username=claims.get("email"), role=settings.OIDC_DEFAULT_ROLE)
        self._apply_claims(user, claims)
        user.set_unusable_password()
        user.save()
        return user

    def update_user(self, user, claims):
        self._apply_claims(user, claims)
        user.save()
        return user
