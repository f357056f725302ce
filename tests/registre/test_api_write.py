"""API writes: token or session, ownership, vocabularies by code or label, optimistic concurrency."""

from rest_framework.test import APIClient

from territoria.core import tokens
from territoria.core.models import AuditLog
from territoria.registre.factories import ProjectFactory
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle

LIST = "/api/registre/projets/"


def detail(project):
    return f"/api/registre/projets/{project.pk}/"


def token_client(user):
    client = APIClient()
    _, raw = tokens.issue(owner=user, name="tests", scopes=["registre:read", "registre:write"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


NEW_PROJECT = {
    "nom_projet": "Assistant de rédaction des délibérations",
    "theme": "Administration et organisation interne",  # a label: normalised to its code
    "sous_theme": "Aide à la rédaction et gestion documentaire, gestion des assemblées",
    "audience_service": ["agent", {"code": "elu"}],
    "projet_date": "03/2024",
    "projet_status": "en experimentation",
    "hebergement": "interne",
    "projet_contact": "dsi@example.org",
}


def test_anonymous_cannot_write(api_client, organisation):
    response = api_client.post(LIST, NEW_PROJECT, format="json")
    assert response.status_code == 401
    assert Project.objects.count() == 0


def test_agent_with_token_creates_draft_of_own_organisation(agent):
    response = token_client(agent).post(LIST, NEW_PROJECT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["api_url"]
    project = Project.objects.get(pk=body["id"])
    assert project.organisation == agent.organisation and project.lifecycle == Lifecycle.DRAFT
    assert project.theme == "administration_interne"
    assert project.sous_themes == ["aide_redaction", "gestion_assemblees"]
    assert project.audiences == ["agent", "elu"]
    assert project.projet_date.isoformat() == "2024-03-01"
    assert project.projet_status == "experimentation"
    assert body["version"] == 1 and body["abilities"]["submit"] is True
    # The audit log signs the change with the token's owner.
    assert AuditLog.objects.filter(object_id=str(project.pk), actor=agent, action="create").exists()


def test_session_write_requires_csrf(agent, organisation):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(LIST, NEW_PROJECT, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_elu_cannot_create(api_client, elu):
    api_client.force_authenticate(elu)
    response = api_client.post(LIST, NEW_PROJECT, format="json")
    assert response.status_code == 403
    assert "agents" in response.json()["detail"]


def test_agent_cannot_create_for_other_organisation(api_client, agent, other_organisation):
    api_client.force_authenticate(agent)
    response = api_client.post(
        LIST, {**NEW_PROJECT, "organisation": str(other_organisation.pk)}, format="json"
    )
    assert response.status_code == 403
    assert Project.objects.count() == 0


def test_moderator_creates_for_any_organisation(api_client, moderator, other_organisation):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        LIST, {**NEW_PROJECT, "organisation": str(other_organisation.pk)}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["organisation"]["id"] == str(other_organisation.pk)


def test_unknown_vocabulary_value_names_field_and_expected_values(api_client, agent):
    api_client.force_authenticate(agent)
    response = api_client.post(LIST, {**NEW_PROJECT, "theme": "Espace"}, format="json")
    assert response.status_code == 400
    message = response.json()["theme"][0]
    assert message.startswith("Thème principal : valeur inconnue « Espace »")
    assert "« Mobilités »" in message
    assert Project.objects.count() == 0


def test_wrong_types_and_unknown_fields_are_french_400(api_client, agent):
    api_client.force_authenticate(agent)
    response = api_client.post(
        LIST,
        {
            **NEW_PROJECT,
            "projet_date": "hier",
            "projet_contact": "pas-un-mail",
            "couleur": "bleu",
            "audience_service": 12,
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "projet_date" in errors and "AAAA-MM" in errors["projet_date"][0]
    assert "projet_contact" in errors


def test_agent_updates_own_project_with_version(api_client, agent, organisation):
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    api_client.force_authenticate(agent)
    response = api_client.patch(
        detail(project),
        {"usage_description": "Nouvelle description", "version": project.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == project.version + 1
    assert response["ETag"] == f'"{project.version + 1}"'
    assert Project.objects.get(pk=project.pk).usage_description == "Nouvelle description"


def test_update_with_if_match_header(api_client, agent, organisation):
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(agent)
    response = api_client.patch(
        detail(project),
        {"partenaires": "Université"},
        format="json",
        HTTP_IF_MATCH=f'"{project.version}"',
    )
    assert response.status_code == 200


def test_full_representation_can_be_sent_back(api_client, agent, organisation):
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    api_client.force_authenticate(agent)
    body = api_client.get(detail(project)).json()
    body["nom_projet"] = "Nom corrigé"
    response = api_client.put(detail(project), body, format="json")
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=project.pk).nom_projet == "Nom corrigé"
    assert Project.objects.get(pk=project.pk).theme == project.theme


def test_update_without_version_is_refused(api_client, agent, organisation):
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(agent)
    response = api_client.patch(detail(project), {"partenaires": "X"}, format="json")
    assert response.status_code == 428
    assert "version" in response.json()["detail"]


def test_stale_version_is_409_with_french_message_and_nothing_written(
    api_client, agent, organisation
):
    project = ProjectFactory(
        organisation=organisation, usage_description="Original", lifecycle=Lifecycle.DRAFT
    )
    api_client.force_authenticate(agent)
    first = api_client.patch(
        detail(project), {"usage_description": "Première", "version": 1}, format="json"
    )
    assert first.status_code == 200
    second = api_client.patch(
        detail(project), {"usage_description": "Seconde", "version": 1}, format="json"
    )
    assert second.status_code == 409
    body = second.json()
    assert "modifié par une autre personne" in body["detail"] and body["current_version"] == 2
    assert Project.objects.get(pk=project.pk).usage_description == "Première"


def test_agent_cannot_update_other_organisation_project(api_client, other_agent, organisation):
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(other_agent)
    response = api_client.patch(
        detail(project), {"nom_projet": "Piratage", "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert "modifier ce projet" in response.json()["detail"]


def test_agent_cannot_move_project_to_other_organisation(
    api_client, agent, organisation, other_organisation
):
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(agent)
    response = api_client.patch(
        detail(project), {"organisation": str(other_organisation.pk), "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).organisation == organisation


def test_duplicate_name_in_organisation_is_400_not_500(api_client, agent, organisation):
    ProjectFactory(organisation=organisation, nom_projet=NEW_PROJECT["nom_projet"])
    api_client.force_authenticate(agent)
    response = api_client.post(LIST, NEW_PROJECT, format="json")
    assert response.status_code == 400
