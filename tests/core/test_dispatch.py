"""The on-commit dispatcher: once per transaction and key, never losing work to a rolled-back savepoint."""

import pytest
from django.db import transaction

from territoria.core.dispatch import on_commit_once


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_same_key_runs_once_per_transaction(django_capture_on_commit_callbacks):
    ran = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(100):
            on_commit_once("refresh", lambda n=n: ran.append(n))
        on_commit_once("other", lambda: ran.append("other"))
    assert ran == [0, "other"]


@pytest.mark.django_db
def test_work_of_a_rolled_back_savepoint_does_not_stand_for_later_work(
    django_capture_on_commit_callbacks,
):
    ran = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            on_commit_once("refresh", lambda: ran.append("inner"))
            raise Boom
        on_commit_once("refresh", lambda: ran.append("outer"))
    assert ran == ["outer"]


@pytest.mark.django_db
def test_work_inside_a_savepoint_is_not_trusted_by_the_outer_transaction(
    django_capture_on_commit_callbacks,
):
    """Registered in a savepoint, then requested outside it: registered again (the savepoint
    could have been rolled back); requested inside a savepoint after the outer one: merged."""
    ran = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        on_commit_once("a", lambda: ran.append("a-outer"))
        with transaction.atomic():
            on_commit_once("a", lambda: ran.append("a-inner"))
            on_commit_once("b", lambda: ran.append("b-inner"))
        on_commit_once("b", lambda: ran.append("b-outer"))
    assert ran == ["a-outer", "b-inner", "b-outer"]


@pytest.mark.django_db
def test_a_failing_callback_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    def fail():
        raise RuntimeError("queue down")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        on_commit_once("refresh", fail)
    assert "on-commit work 'refresh' failed" in caplog.text
