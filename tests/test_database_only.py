"""The PostgreSQL pass keeps a test exactly when it can reach a database."""

import pytest

from tests.database_only import reaches_database


def test_a_test_without_database_fixture_is_left_to_the_sqlite_pass(request):
    assert not reaches_database(request.node)


def test_a_test_with_the_db_fixture_runs_on_postgresql_too(request, db):
    assert reaches_database(request.node)


def test_a_fixture_that_needs_the_database_counts(request, organisation):
    assert reaches_database(request.node)


@pytest.mark.django_db
def test_the_django_db_marker_counts(request):
    assert reaches_database(request.node)


@pytest.mark.integration
def test_an_integration_test_stays(request):
    assert reaches_database(request.node)
