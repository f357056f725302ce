"""Who reads what in the history of a record — one rule for the history page and the API.

Three circles of readers:
- everyone: the public fields of the schema and the public platform fields (state, dates);
- logged-in readers of restricted fields (agents, élus of any organisation): the restricted
  fields of the schema too;
- the record's own organisation and the moderators: also what is internal to the moderation
  (send-back reasons, who created the record) and the names of the people who made each change.
Others see that such a value changed, never the value, and "un agent" or "la modération"
instead of a name.
"""

from dataclasses import dataclass

from territoria.registre.permissions import can_moderate, is_owner
from territoria.registre.schema import BY_ATTR
from territoria.registre.visibility import can_view_restricted

# Platform fields (not in the schema) that anyone may follow.
PUBLIC_PLATFORM_FIELDS = {
    "organisation_id": "Organisation porteuse",
    "lifecycle": "État",
    "published_at": "Date de publication",
    "last_reviewed_at": "Dernière revue",
}
# Between the organisation and the moderation only.
ORGANISATION_FIELDS = {
    "moderation_note": "Motif de renvoi",
    "created_by_id": "Créé par",
    "review_reminder_sent_at": "Dernier rappel envoyé",
}
# Any other platform field is restricted like the restricted fields of the schema.
RESTRICTED_PLATFORM_FIELDS = {
    "source": "Source de l'import",
    "source_key": "Clé dans la source",
}
SKIPPED_FIELDS = {"id"}  # the record's own identifier, noise in a history
MODERATION = "la modération"
AGENT = "un agent"


@dataclass(frozen=True)
class Change:
    attname: str
    label: str
    before: object
    after: object
    hidden: bool


def is_inner_reader(user, project) -> bool:
    """The record's organisation and the moderators: they see moderation notes and names.

    `project` may be None (the moderators' journal across records): only moderators then."""
    return can_moderate(user) or (project is not None and is_owner(user, project))


def field_label(attname: str) -> str:
    spec = BY_ATTR.get(attname)
    if spec is not None:
        return spec.title
    for table in (PUBLIC_PLATFORM_FIELDS, ORGANISATION_FIELDS, RESTRICTED_PLATFORM_FIELDS):
        if attname in table:
            return table[attname]
    return attname


def _readable(attname: str, user, inner: bool) -> bool:
    spec = BY_ATTR.get(attname)
    if spec is not None:
        return spec.is_public or can_view_restricted(user)
    if attname in PUBLIC_PLATFORM_FIELDS:
        return True
    if attname in ORGANISATION_FIELDS:
        return inner
    return can_view_restricted(user)


def visible_changes(changes: dict, user, project) -> list[Change]:
    """The changes of one log entry as this reader may see them (hidden values are None)."""
    inner = is_inner_reader(user, project)
    rows = []
    for attname, (before, after) in changes.items():
        if attname in SKIPPED_FIELDS:
            continue
        if _readable(attname, user, inner):
            rows.append(Change(attname, field_label(attname), before, after, hidden=False))
        else:
            rows.append(Change(attname, field_label(attname), None, None, hidden=True))
    return rows


def actor_label(log, user, project) -> str:
    """Who made the change: their name for the inner circle, their role for everyone else."""
    if is_inner_reader(user, project):
        return log.actor_label
    if log.actor is None:  # the platform itself ("système", "load_demo", a CLI import): no person
        return log.actor_label
    return MODERATION if can_moderate(log.actor) else AGENT
