"""API reads per actor: public fields only for anonymous readers, drafts only for owners."""

import pytest

from territoria.core import tokens
from territoria.registre import schema
from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle

LIST = "/api/registre/projets/"


def detail(project):
    return f"/api/registre/projets/{project.pk}/"


@pytest.fixture
def published(organisation):
    return ProjectFactory(
        organisation=organisation,
        nom_projet="Détection des fuites",
        projet_contact="secret-contact@example.org",
        budget="plus_100k",
    )


@pytest.fixture
def draft(organisation):
    return ProjectFactory(
        organisation=organisation, nom_projet="Brouillon interne", lifecycle=Lifecycle.DRAFT
    )


def test_anonymous_reads_public_fields_only(api_client, published):
    response = api_client.get(detail(published))
    assert response.status_code == 200
    body = response.json()
    for name in schema.RESTRICTED_FIELDS:
        assert name not in body
    for name in schema.PUBLIC_FIELDS:
        assert name in body
    assert "secret-contact" not in response.content.decode()
    assert body["theme"] == {
        "code": "transition_ecologique",
        "label": "Transformation écologique et énergétique",
    }
    assert body["audience_service"] == [{"code": "agent", "label": "Agent"}]
    assert body["coll_type"] == {"code": "commune", "label": "Commune"}
    assert body["abilities"]["edit"] is False and body["abilities"]["report_error"] is True
    assert response["ETag"] == f'"{published.version}"'
    assert "moderation_note" not in body


def test_anonymous_list_hides_drafts_and_restricted_fields(api_client, published, draft):
    body = api_client.get(LIST).json()
    assert body["count"] == 1
    assert [row["nom_projet"] for row in body["results"]] == ["Détection des fuites"]
    assert "projet_contact" not in body["results"][0]
    assert api_client.get(detail(draft)).status_code == 404


@pytest.mark.parametrize("actor", ["agent", "elu", "moderator"])
def test_logged_in_readers_see_restricted_fields(api_client, published, actor, request):
    api_client.force_authenticate(request.getfixturevalue(actor))
    body = api_client.get(detail(published)).json()
    assert body["projet_contact"] == "secret-contact@example.org"
    assert body["budget"] == {"code": "plus_100k", "label": "plus de 100k€"}
    for name in schema.RESTRICTED_FIELDS:
        assert name in body


def test_agent_sees_own_draft_not_other_organisation_draft(api_client, agent, other_agent, draft):
    api_client.force_authenticate(agent)
    assert api_client.get(detail(draft)).status_code == 200
    api_client.force_authenticate(other_agent)
    assert api_client.get(detail(draft)).status_code == 404
    assert draft.nom_projet not in api_client.get(LIST).content.decode()


def test_token_authentication_reads_restricted_fields(client, agent, published):
    _, raw = tokens.issue(owner=agent, name="tests", scopes=["registre:read"])
    response = client.get(detail(published), HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.json()["projet_contact"] == "secret-contact@example.org"
    bad = client.get(
        detail(published), HTTP_AUTHORIZATION="Token ffffffffffffffffffffffffffffffffffffffff"
    )
    assert bad.status_code == 401
    assert "inconnu ou révoqué" in bad.json()["detail"]


def test_abilities_follow_the_actor(api_client, agent, other_agent, moderator, organisation):
    submitted = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.SUBMITTED)
    api_client.force_authenticate(agent)
    abilities = api_client.get(detail(submitted)).json()["abilities"]
    assert abilities["edit"] and not abilities["publish"]
    api_client.force_authenticate(moderator)
    abilities = api_client.get(detail(submitted)).json()["abilities"]
    assert abilities["publish"] and abilities["send_back"]
    api_client.force_authenticate(other_agent)
    assert api_client.get(detail(submitted)).status_code == 404


def test_vocabularies_list_codes_and_labels(api_client):
    rows = {row["field"]: row for row in api_client.get("/api/registre/vocabulaires/").json()}
    assert {"code": "mobilites", "label": "Mobilités"} in rows["theme"]["entries"]
    assert rows["audience_service"]["multiple"] is True
    assert "coll_type" in rows and "lifecycle" in rows
