"""What a user may do with a project: one `get_abilities` that pages, API and UI all use.

Which roles contribute or moderate is declared in `registre/apps.py` (capabilities) and
answered by `core.roles.has_capability`; this module adds the object: owner and state.
"""

from territoria.core.roles import has_capability
from territoria.registre.visibility import can_view_restricted, visible_projects
from territoria.registre.vocabulary import Lifecycle


def _logged_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_moderate(user) -> bool:
    """Publish, send back, archive and edit any record; the moderation queue and journal."""
    return has_capability(user, "registre.moderate")


def can_manage_organisations(user) -> bool:
    """Create and edit organisations (name, SIRET, type, contact, position)."""
    return has_capability(user, "registre.manage_organisations")


def can_contribute(user) -> bool:
    """Agents of an organisation document its projects; moderators can document any."""
    return can_moderate(user) or (
        has_capability(user, "registre.contribute") and user.organisation_id is not None
    )


def is_owner(user, project) -> bool:
    return (
        _logged_in(user)
        and user.organisation_id is not None
        and user.organisation_id == project.organisation_id
    )


def _revision_state(project) -> str | None:
    """State of the pending revision of a published record (None: no revision)."""
    if project.lifecycle != Lifecycle.PUBLISHED or not project.pk:
        return None
    revision = project.revision
    return revision.state if revision is not None else None


def get_abilities(user, project) -> dict[str, bool]:
    moderator = can_moderate(user)
    owner = is_owner(user, project) and has_capability(user, "registre.contribute")
    state = project.lifecycle
    can_edit = moderator or (owner and state != Lifecycle.ARCHIVED)
    # Edits of a published record wait in its pending revision, which goes through the same steps.
    revision = _revision_state(project) if can_edit else None
    return {
        "view": visible_projects(user).filter(pk=project.pk).exists() if project.pk else can_edit,
        "view_restricted": can_view_restricted(user),
        "view_history": True,
        "edit": can_edit,
        "submit": can_edit and (state == Lifecycle.DRAFT or revision == "draft"),
        "publish": moderator
        and (state in (Lifecycle.SUBMITTED, Lifecycle.DRAFT) or revision is not None),
        "send_back": moderator and (state == Lifecycle.SUBMITTED or revision == "submitted"),
        "archive": moderator and state == Lifecycle.PUBLISHED,
        "report_error": state == Lifecycle.PUBLISHED,
        "moderate_reports": moderator or owner,
        # Who reads the pending revision of a published record (and the diff with it).
        "view_revision": can_edit and revision is not None,
    }
