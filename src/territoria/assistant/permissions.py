"""Who may do what with a collection — one place, used by pages and API alike."""

from __future__ import annotations

from territoria.assistant.models import Collection
from territoria.search.access import access_tokens

MANAGING_ROLES = ("agent", "moderateur", "administrateur")


def can_read(user, collection: Collection) -> bool:
    return collection.readable_by(access_tokens(user))


def can_manage(user, collection: Collection) -> bool:
    """Add/remove documents, see and answer hand-off requests of the collection."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin:
        return True
    # Managed collections (the register) are fed by code only.
    return bool(
        not collection.managed
        and collection.organisation_id
        and user.organisation_id == collection.organisation_id
        and user.role in MANAGING_ROLES
    )


def get_abilities(user, collection: Collection) -> dict:
    return {
        "ask": can_read(user, collection),
        "manage": can_manage(user, collection),
        "answer_handoffs": can_answer_handoffs(user, collection),
    }


def can_answer_handoffs(user, collection: Collection) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_platform_admin:
        return True
    return bool(
        collection.organisation_id
        and user.organisation_id == collection.organisation_id
        and user.role in MANAGING_ROLES
    )


def can_see_log(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)
