"""Shared fixtures: users of each role, organisations, API clients."""

import pytest
from rest_framework.test import APIClient

from territoria.core.models import Organisation, OrganisationType, Role, User

pytest_plugins = [
    "tests.socket_guard",  # no route out: loopback and unix sockets only, for the whole session
    "tests.jobs",  # database_queue: the real job queue, for recovery tests
    "tests.browser.support",  # chromium_browser and page, one browser for every folder's tests
    "tests.database_only",  # --database-tests-only: the PostgreSQL pass skips database-free tests
]


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        name="Ville de Testville",
        siret="21930051400011",
        type=OrganisationType.COMMUNE,
        latitude=48.85,
        longitude=2.56,
        logo_url="https://example.org/testville.png",
    )


@pytest.fixture
def other_organisation(db):
    return Organisation.objects.create(
        name="Bordeaux Métropole",
        siret="24330031600011",
        type=OrganisationType.METROPOLE,
        latitude=44.84,
        longitude=-0.58,
        logo_url="https://example.org/bordeaux.png",
    )


def _user(username, role, organisation=None):
    user = User.objects.create_user(
        username=username,
        password="motdepasse-test-1",
        role=role,
        organisation=organisation,
        email=f"{username}@example.org",
    )
    return user


@pytest.fixture
def agent(organisation):
    return _user("agent", Role.AGENT, organisation)


@pytest.fixture
def other_agent(other_organisation):
    return _user("agent2", Role.AGENT, other_organisation)


@pytest.fixture
def elu(organisation):
    return _user("elu", Role.ELU, organisation)


@pytest.fixture
def moderator(db):
    return _user("moderateur", Role.MODERATOR)


@pytest.fixture
def admin_user(db):
    user = _user("admin", Role.ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with no rate-limit counter: the counters live in a file cache shared by
    the whole session, so requests of earlier tests from the same address (127.0.0.1) could
    throttle a later test when the suite runs fast enough to fit them in one window."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
