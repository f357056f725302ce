"""Workflow actions through the API: the same rules as the pages (services/workflow.py)."""

import pytest
from django.core import mail

from territoria.core.models import AuditLog
from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle


def url(project, step=""):
    return f"/api/registre/projets/{project.pk}/" + (f"{step}/" if step else "")


@pytest.fixture
def draft(organisation):
    return ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)


def test_agent_submits_then_moderator_publishes(
    api_client, agent, moderator, draft, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url(draft, "soumettre"))
    assert response.status_code == 200
    assert response.json()["lifecycle"]["code"] == "submitted"
    assert any("à modérer" in m.subject for m in mail.outbox)
    assert api_client.post(url(draft, "publier")).status_code == 403
    api_client.force_authenticate(moderator)
    response = api_client.post(url(draft, "publier"))
    assert response.status_code == 200 and response.json()["lifecycle"]["code"] == "published"
    api_client.logout()
    assert api_client.get(url(draft)).status_code == 200


def test_submit_with_missing_fields_lists_them(api_client, agent, organisation):
    project = ProjectFactory(
        organisation=organisation, lifecycle=Lifecycle.DRAFT, nom_algorithme=""
    )
    api_client.force_authenticate(agent)
    response = api_client.post(url(project, "soumettre"))
    assert response.status_code == 400
    assert "Nom de l'algorithme" in response.json()["detail"][0]


def test_send_back_requires_reason(api_client, moderator, organisation, agent):
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.SUBMITTED)
    api_client.force_authenticate(moderator)
    response = api_client.post(url(project, "renvoyer"), {}, format="json")
    assert response.status_code == 400 and "motif" in response.json()["reason"][0]
    response = api_client.post(
        url(project, "renvoyer"), {"reason": "Précisez la source."}, format="json"
    )
    assert response.status_code == 200
    api_client.force_authenticate(agent)
    body = api_client.get(url(project)).json()
    assert body["lifecycle"]["code"] == "draft" and body["moderation_note"] == "Précisez la source."


def test_archive_by_moderator_only(api_client, agent, moderator, organisation):
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(agent)
    response = api_client.post(url(project, "archiver"))
    assert response.status_code == 403 and "archiver" in response.json()["detail"]
    api_client.force_authenticate(moderator)
    assert api_client.post(url(project, "archiver")).json()["lifecycle"]["code"] == "archived"


def test_action_with_stale_if_match_is_409(api_client, moderator, organisation):
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.SUBMITTED, version=4)
    api_client.force_authenticate(moderator)
    response = api_client.post(url(project, "publier"), HTTP_IF_MATCH='"3"')
    assert response.status_code == 409 and "version 4" in response.json()["detail"]


def test_anonymous_cannot_run_actions(api_client, draft):
    assert api_client.post(url(draft, "soumettre")).status_code == 401


def test_history_hides_restricted_diffs_for_anonymous(api_client, agent, moderator, organisation):
    project = ProjectFactory(organisation=organisation, projet_contact="ancien@example.org")
    api_client.force_authenticate(agent)
    api_client.patch(
        url(project),
        {"projet_contact": "nouveau@example.org", "partenaires": "Inria", "version": 1},
        format="json",
    )
    # An edit of a published record changes it once a moderator accepts it.
    api_client.force_authenticate(moderator)
    assert api_client.post(url(project, "publier")).status_code == 200
    api_client.force_authenticate(agent)
    rows = api_client.get(url(project, "historique")).json()["results"]
    changes = {c["field"]: c for c in rows[0]["changes"]}
    assert (
        changes["projet_contact"]["after"] == "nouveau@example.org"
        and rows[0]["actor"] == "moderateur"
    )
    api_client.logout()
    response = api_client.get(url(project, "historique"))
    assert "nouveau@example.org" not in response.content.decode()
    assert "ancien@example.org" not in response.content.decode()
    rows = response.json()["results"]
    changes = {c["field"]: c for c in rows[0]["changes"]}
    assert (
        changes["projet_contact"]["hidden"] is True and changes["projet_contact"]["after"] is None
    )
    assert changes["partenaires"]["after"] == "Inria" and rows[0]["actor"] == "la modération"
    assert AuditLog.objects.filter(object_id=str(project.pk)).count() == 2


def test_history_of_a_draft_is_not_public(api_client, draft):
    assert api_client.get(url(draft, "historique")).status_code == 404
