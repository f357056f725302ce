"""Who may see and do what in the governance module — the one place that decides it.

Reading follows the register (`registre.visibility`): the records a user may see. The
restricted parts of a record's governance (trust evidence and comments, obligation owners and
due dates, the reviewer's name and note, citizens' messages awaiting moderation) are the
organisation's internal work: read by its own members who hold `registre.view_restricted`, and
by register moderators — not by agents of other organisations. Citizens' e-mails are never
shown. Acting needs a
capability of this app (declared in `gouvernance/apps.py`) and, for a record, to belong to its
organisation (or to be a register moderator).
"""

from territoria.core.roles import has_capability
from territoria.registre.permissions import can_moderate, is_owner
from territoria.registre.visibility import can_view_restricted, visible_projects

ASSESS = "gouvernance.assess"
REVIEW = "gouvernance.review"
COMMITTEE = "gouvernance.committee"
ANSWER = "gouvernance.answer"

__all__ = [
    "can_view_internal",
    "can_view_restricted",
    "get_abilities",
    "public_trust_answers",
    "visible_projects",
]


def _for_record(user, project, capability) -> bool:
    return has_capability(user, capability) and (can_moderate(user) or is_owner(user, project))


def get_abilities(user, project) -> dict[str, bool]:
    published = project.lifecycle == "published"
    return {
        "view_restricted": can_view_internal(user, project),
        "assess": _for_record(user, project, ASSESS),
        "review": has_capability(user, REVIEW),
        "committee": _for_record(user, project, COMMITTEE),
        "answer": _for_record(user, project, ANSWER),
        "participate": published,
    }


def can_manage_organisation(user, organisation) -> bool:
    """Charters, gate criteria and committees of an organisation."""
    if not has_capability(user, COMMITTEE):
        return False
    return can_moderate(user) or getattr(user, "organisation_id", None) == organisation.pk


def can_view_internal(user, project) -> bool:
    """The restricted parts of this record's governance (see the module docstring)."""
    return can_view_restricted(user) and (can_moderate(user) or is_owner(user, project))


def public_trust_answers(answers: dict, user, project) -> dict:
    """A trust assessment's answers as `user` may read them (evidence and comments restricted)."""
    if can_view_internal(user, project):
        return answers
    return {key: {"answer": value.get("answer")} for key, value in answers.items()}
