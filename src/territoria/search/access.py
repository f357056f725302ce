"""Access tokens: the vocabulary shared by every index (register, assistant collections).

A document carries the tokens that may read it; a query carries the tokens of its user.
They must intersect. Keep the vocabulary small and explicit:

    public              anyone, anonymous included
    authenticated       any logged-in user
    staff               holders of core.internal_reader: agents, élus, moderators,
                        administrators (register's restricted fields)
    role:<role>         a role of territoria.core.models.Role
    org:<uuid>          members of one organisation
    group:<id>          members of a Django auth group
    user:<id>           one user
"""

from __future__ import annotations

from territoria.core.roles import has_capability

PUBLIC = "public"
AUTHENTICATED = "authenticated"
STAFF = "staff"


def org_token(organisation_id) -> str:
    return f"org:{organisation_id}"


def group_token(group_id) -> str:
    return f"group:{group_id}"


def access_tokens(user) -> list[str]:
    """Every token a user holds (anonymous: only "public")."""
    tokens = [PUBLIC]
    if user is None or not getattr(user, "is_authenticated", False):
        return tokens
    tokens += [AUTHENTICATED, f"user:{user.pk}", f"role:{user.role}"]
    if has_capability(user, "core.internal_reader"):
        tokens.append(STAFF)
    if user.organisation_id:
        tokens.append(org_token(user.organisation_id))
    tokens += [group_token(pk) for pk in user.groups.values_list("pk", flat=True)]
    return tokens
