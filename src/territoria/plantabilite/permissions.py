"""Who may do what with a territory: the one place these rules live."""

from territoria.core.roles import has_capability
from territoria.plantabilite.apps import MANAGE, VIEW_RESTRICTED


def _own(user, territory) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return territory.organisation_id is None or territory.organisation_id == getattr(
        user, "organisation_id", None
    )


def can_manage(user, territory) -> bool:
    return has_capability(user, MANAGE) and _own(user, territory)


def can_view_restricted(user, territory) -> bool:
    return has_capability(user, VIEW_RESTRICTED) and _own(user, territory)


def abilities(user, territory) -> dict:
    return {
        "manage": can_manage(user, territory),
        "view_restricted": can_view_restricted(user, territory),
    }
