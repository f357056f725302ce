"""Who may do what with a collection — one place, used by pages and API alike.

Which roles manage collections is declared in `assistant/apps.py` (capabilities); this module
adds the object: the collection's organisation and whether code manages it.
"""

from __future__ import annotations

from territoria.assistant.models import Collection
from territoria.core.roles import has_capability
from territoria.search.access import access_tokens


def can_read(user, collection: Collection) -> bool:
    return collection.readable_by(access_tokens(user))


def _manages_for(user, organisation_id) -> bool:
    if has_capability(user, "core.platform_admin"):
        return True
    return bool(
        organisation_id
        and has_capability(user, "assistant.manage")
        and user.organisation_id == organisation_id
    )


def can_manage(user, collection: Collection) -> bool:
    """Add/remove documents, see and answer hand-off requests of the collection."""
    if has_capability(user, "core.platform_admin"):
        return True
    # Managed collections (the register) are fed by code only.
    return not collection.managed and _manages_for(user, collection.organisation_id)


def can_answer_handoffs(user, collection: Collection) -> bool:
    return _manages_for(user, collection.organisation_id)


def can_create_collection(user) -> bool:
    return has_capability(user, "core.platform_admin")


def get_abilities(user, collection: Collection) -> dict:
    return {
        "ask": can_read(user, collection),
        "manage": can_manage(user, collection),
        "answer_handoffs": can_answer_handoffs(user, collection),
    }


def can_see_log(user) -> bool:
    return has_capability(user, "assistant.view_log")
