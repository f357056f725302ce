"""Roles and capabilities: the one policy of who may do what kind of thing.

Roles are core's (`Role`: agent, élu, modérateur, administrateur). Capabilities are named
`<app>.<what>` and granted by each app through its AppConfig attribute

    capabilities: dict[str, frozenset[str]]   # role → capability names

so that adding a module never edits a role set elsewhere. `has_capability(user, name)` is the
only question code asks about roles. What a user may do with ONE object (their organisation's
project, a dataset in review…) is each app's `get_abilities(user, obj)`, built from these
capabilities plus the object's owner and state (ADR 4).

Anonymous and inactive users hold no capability; a Django superuser holds all of them.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.core.signals import setting_changed
from django.dispatch import receiver

from territoria.core.models import Role

__all__ = [
    "Role",
    "capabilities_of",
    "declared_capabilities",
    "has_capability",
    "role_of",
    "roles_with",
    "users_with",
]


@cache
def _table() -> dict[str, frozenset[str]]:
    """role → every capability granted to it by the installed apps (read once)."""
    table: dict[str, set[str]] = {role: set() for role in Role.values}
    for config in apps.get_app_configs():
        for role, names in getattr(config, "capabilities", {}).items():
            if role not in table:
                raise ValueError(f"{config.label}.capabilities: rôle inconnu « {role} »")
            foreign = [name for name in names if not name.startswith(f"{config.label}.")]
            if foreign:
                raise ValueError(
                    f"{config.label}.capabilities: « {foreign[0]} » doit commencer par "
                    f"« {config.label}. » (une application ne déclare que ses capacités)"
                )
            table[role].update(names)
    return {role: frozenset(names) for role, names in table.items()}


@receiver(setting_changed)
def _forget_table(setting, **kwargs):
    if setting == "INSTALLED_APPS":  # a test adding a module: read the declarations again
        _table.cache_clear()
        declared_capabilities.cache_clear()


@cache
def declared_capabilities() -> frozenset[str]:
    return frozenset().union(*_table().values())


def capabilities_of(role: str) -> frozenset[str]:
    return _table().get(role, frozenset())


def roles_with(capability: str) -> list[str]:
    return [role for role in Role.values if capability in capabilities_of(role)]


def users_with(capability: str):
    """Active accounts holding `capability` (to notify them): the roles granted it, superusers."""
    from django.db.models import Q

    from territoria.core.models import User

    if capability not in declared_capabilities():
        raise LookupError(f"capacité non déclarée : « {capability} »")
    return User.objects.filter(
        Q(role__in=roles_with(capability)) | Q(is_superuser=True), is_active=True
    )


def role_of(user) -> str | None:
    """The role a user acts with: None for anonymous or deactivated accounts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", True):
        return None
    return user.role


def has_capability(user, capability: str) -> bool:
    if capability not in declared_capabilities():
        # A typo would silently deny (or, negated, grant): fail loudly instead.
        raise LookupError(f"capacité non déclarée : « {capability} »")
    role = role_of(user)
    if role is None:
        return False
    return bool(getattr(user, "is_superuser", False)) or capability in capabilities_of(role)
