"""History of a record: moderators' send-back reasons and the names of the people who made each
change stay between the record's organisation and the moderation (page and API)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from territoria.core.models import Role, User
from territoria.registre.factories import ProjectFactory
from territoria.registre.services import workflow
from territoria.registre.vocabulary import Lifecycle

pytestmark = pytest.mark.django_db

REASON = "MOTIF-DE-RENVOI-INTERNE : budget à préciser"


@pytest.fixture
def people(organisation, other_organisation):
    def make(username, role, organisation=None):
        return User.objects.create_user(
            username=username, password="x-Motdepasse-1", role=role, organisation=organisation
        )

    return {
        "owner": make("camille.durand", Role.AGENT, organisation),
        "moderator": make("dominique.moderatrice", Role.MODERATOR),
        "other_agent": make("agent.bordeaux", Role.AGENT, other_organisation),
        "other_elu": make("elu.bordeaux", Role.ELU, other_organisation),
    }


@pytest.fixture
def published_after_send_back(organisation, people):
    """Created by the platform (factory), submitted by its organisation, sent back with a
    reason, corrected, then published."""
    from territoria.core.audit import acting_as

    owner, moderator = people["owner"], people["moderator"]
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    with acting_as(owner):
        workflow.submit(project, owner)
    with acting_as(moderator):
        workflow.send_back(project, moderator, REASON)
    with acting_as(owner):
        project.partenaires = "Université partenaire"
        workflow.save_project(project, owner)
        workflow.submit(project, owner)
    with acting_as(moderator):
        workflow.publish(project, moderator)
    return project


def _page(client, project, user):
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("registre:history", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _api(project, user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    response = client.get(f"/api/registre/projets/{project.pk}/historique/?page_size=100")
    assert response.status_code == 200
    return response.content.decode(), response.json()["results"]


@pytest.mark.parametrize("reader", [None, "other_agent", "other_elu"])
def test_history_page_other_readers_see_no_reason_and_no_names(
    client, people, published_after_send_back, reader
):
    html = _page(client, published_after_send_back, people.get(reader))
    assert REASON not in html
    assert "camille.durand" not in html and "dominique.moderatrice" not in html
    assert "par la modération" in html and "par un agent" in html
    assert "Motif de renvoi" in html  # that it changed is public, not what it says


@pytest.mark.parametrize("reader", [None, "other_agent", "other_elu"])
def test_history_api_other_readers_see_no_reason_and_no_names(
    people, published_after_send_back, reader
):
    body, rows = _api(published_after_send_back, people.get(reader))
    assert REASON not in body
    assert "camille.durand" not in body and "dominique.moderatrice" not in body
    assert {row["actor"] for row in rows} - {"système"} == {"la modération", "un agent"}
    notes = [c for row in rows for c in row["changes"] if c["field"] == "moderation_note"]
    assert notes and all(c["hidden"] and c["after"] is None for c in notes)


@pytest.mark.parametrize("reader", ["owner", "moderator"])
def test_history_organisation_and_moderators_see_reason_and_names(
    client, people, published_after_send_back, reader
):
    html = _page(client, published_after_send_back, people[reader])
    assert REASON in html
    assert "par camille.durand" in html and "par dominique.moderatrice" in html
    body, rows = _api(published_after_send_back, people[reader])
    assert REASON in body
    assert {row["actor"] for row in rows} - {"système"} == {
        "camille.durand",
        "dominique.moderatrice",
    }
