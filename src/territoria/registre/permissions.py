"""What a user may do with a project: one `get_abilities` that pages, API and UI all use."""

from territoria.core.models import Role
from territoria.registre.visibility import can_view_restricted, visible_projects
from territoria.registre.vocabulary import Lifecycle

CONTRIBUTOR_ROLES = {Role.AGENT, Role.MODERATOR, Role.ADMIN}


def _logged_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_contribute(user) -> bool:
    """Agents of an organisation document its projects; moderators can document any."""
    if not _logged_in(user):
        return False
    return user.is_moderator or (
        user.role in CONTRIBUTOR_ROLES and user.organisation_id is not None
    )


def is_owner(user, project) -> bool:
    return (
        _logged_in(user)
        and user.organisation_id is not None
        and user.organisation_id == project.organisation_id
    )


def get_abilities(user, project) -> dict[str, bool]:
    moderator = _logged_in(user) and user.is_moderator
    owner = is_owner(user, project) and user.role in CONTRIBUTOR_ROLES
    state = project.lifecycle
    can_edit = moderator or (owner and state != Lifecycle.ARCHIVED)
    return {
        "view": visible_projects(user).filter(pk=project.pk).exists() if project.pk else can_edit,
        "view_restricted": can_view_restricted(user),
        "view_history": True,
        "edit": can_edit,
        "submit": can_edit and state == Lifecycle.DRAFT,
        "publish": moderator and state in (Lifecycle.SUBMITTED, Lifecycle.DRAFT),
        "send_back": moderator and state == Lifecycle.SUBMITTED,
        "archive": moderator and state == Lifecycle.PUBLISHED,
        "report_error": state == Lifecycle.PUBLISHED,
        "moderate_reports": moderator or owner,
    }
