"""API tokens of contributors (DRF TokenAuthentication): issue, regenerate, revoke.

One token per person; the page « Mon jeton d'API » and `territoria api_token USERNAME` share these.
"""

from rest_framework.authtoken.models import Token


def token_of(user) -> Token | None:
    return Token.objects.filter(user=user).first()


def issue(user, *, regenerate: bool = False) -> Token:
    """The user's token, created if missing; a new key when `regenerate` (the old one stops working)."""
    if regenerate:
        Token.objects.filter(user=user).delete()
    token, _ = Token.objects.get_or_create(user=user)
    return token


def revoke(user) -> bool:
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
