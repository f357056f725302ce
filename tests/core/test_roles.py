"""The role and capability policy (core/roles.py) and the apps' declarations."""

import inspect
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from territoria.core.models import Role, User
from territoria.core.roles import (
    capabilities_of,
    declared_capabilities,
    has_capability,
    users_with,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "territoria"

# What each role could do before the policy moved to core (the six role sets), plus the
# assistant's collection managers (issue 12).
EXPECTED = {
    Role.AGENT: {
        "core.internal_reader",
        "registre.view_restricted",
        "registre.contribute",
        "opendata.publish",
        "assistant.manage",
    },
    Role.ELU: {"core.internal_reader", "registre.view_restricted"},
    Role.MODERATOR: {
        "core.internal_reader",
        "registre.view_restricted",
        "registre.contribute",
        "registre.moderate",
        "registre.manage_organisations",
        "assistant.manage",
        "assistant.manage_collections",
    },
    Role.ADMIN: {
        "core.internal_reader",
        "core.platform_admin",
        "registre.view_restricted",
        "registre.contribute",
        "registre.moderate",
        "registre.manage_organisations",
        "opendata.publish",
        "assistant.manage",
        "assistant.manage_collections",
        "assistant.view_log",
    },
}


# The apps whose capabilities EXPECTED pins; the territorial modules (culture, eau…) and the
# fixture module declare their own, tested in their own folders.
PLATFORM_APPS = {"core", "registre", "opendata", "assistant"}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_holds_exactly_its_capabilities(role):
    platform = {name for name in capabilities_of(role) if name.split(".")[0] in PLATFORM_APPS}
    assert platform == EXPECTED[role]


def test_anonymous_and_deactivated_users_hold_nothing(agent):
    agent.is_active = False
    for user in (None, AnonymousUser(), agent):
        assert not any(has_capability(user, name) for name in declared_capabilities())


def test_superuser_holds_every_capability(db):
    root = User(username="root", role=Role.ELU, is_superuser=True)
    assert all(has_capability(root, name) for name in declared_capabilities())


def test_an_undeclared_capability_is_an_error_not_a_silent_no(agent):
    with pytest.raises(LookupError, match="registre.moderer"):
        has_capability(agent, "registre.moderer")


def test_a_module_grants_capabilities_by_declaring_them_in_its_appconfig(elu):
    assert "capability_app.sign_deliberation" not in declared_capabilities()
    with override_settings(INSTALLED_APPS=[*_installed(), "tests.core.capability_app"]):
        assert has_capability(elu, "capability_app.sign_deliberation")
        assert "capability_app.sign_deliberation" not in capabilities_of(Role.AGENT)
    assert "capability_app.sign_deliberation" not in declared_capabilities()


def test_users_with_lists_active_holders_and_superusers(agent, elu, moderator, admin_user):
    inactive = User.objects.create_user("ancien-modo", role=Role.MODERATOR, is_active=False)
    holders = set(users_with("registre.moderate"))
    assert holders == {moderator, admin_user} and inactive not in holders


def test_every_app_answers_get_abilities_with_user_then_object():
    from territoria.assistant import permissions as assistant
    from territoria.opendata import permissions as opendata
    from territoria.registre import permissions as registre

    for module in (assistant, opendata, registre):
        parameters = list(inspect.signature(module.get_abilities).parameters)
        assert len(parameters) == 2 and parameters[0] == "user", module.__name__


def test_no_role_set_outside_core():
    """Roles are compared in core/roles.py only: apps ask for capabilities."""
    pattern = re.compile(
        r"\.role\s+(not\s+)?in\b|role__in=|_ROLES\s*=|is_moderator|is_platform_admin"
    )
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*")
        if path.suffix in (".py", ".html") and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and path.name != "roles.py"
    ]
    assert offenders == []


def _installed():
    from django.conf import settings

    return list(settings.INSTALLED_APPS)
