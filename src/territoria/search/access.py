"""Access tokens: the vocabulary shared by every index (register, assistant collections, modules).

A document carries the tokens that may read it; a query carries the tokens of its user.
They must intersect. Keep the vocabulary small and explicit:

    public              anyone, anonymous included
    authenticated       any logged-in user
    cap:<capability>    holders of a capability the modules grant to roles (core/roles.py),
                        e.g. a module's readers of restricted fields
    role:<role>         a role of territoria.core.models.Role
    org:<uuid>          members of one organisation
    group:<id>          members of a Django auth group
    user:<id>           one user

The search core names no module and no role: which role holds which capability is declared
by each module (`capabilities` on its AppConfig).
"""

from __future__ import annotations

from territoria.core.roles import capabilities_of, declared_capabilities, role_of

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def capability_token(capability: str) -> str:
    return f"cap:{capability}"


def user_capabilities(user) -> frozenset[str]:
    """The capabilities of the user's role (a superuser: all; logged out or inactive: none)."""
    role = role_of(user)
    if role is None:
        return frozenset()
    return declared_capabilities() if user.is_superuser else capabilities_of(role)


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
    tokens += [capability_token(name) for name in sorted(user_capabilities(user))]
    if user.organisation_id:
        tokens.append(org_token(user.organisation_id))
    tokens += [group_token(pk) for pk in user.groups.values_list("pk", flat=True)]
    return tokens
