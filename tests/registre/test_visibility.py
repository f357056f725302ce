from django.contrib.auth.models import AnonymousUser

from territoria.registre import schema
from territoria.registre.factories import ProjectFactory
from territoria.registre.visibility import (
    can_view_restricted,
    project_values,
    visible_fields,
    visible_projects,
)
from territoria.registre.vocabulary import Lifecycle


def test_schema_keeps_every_field_of_the_data_model():
    names = {spec.name for spec in schema.FIELDS}
    assert len(schema.FIELDS) == 38
    assert {
        "risque_categorie",
        "proportionalite",
        "decision",
        "erreur",
        "explicabilite",
        "reversibilite",
        "objection",
        "projet_contact",
        "budget",
    } <= names


def test_risk_category_is_public_and_contact_restricted():
    assert schema.spec("risque_categorie").is_public
    assert not schema.spec("projet_contact").is_public


def test_anonymous_reader_gets_public_fields_only(db):
    project = ProjectFactory(projet_contact="secret@example.org", financement="FEDER-SECRET")
    values = project_values(project, AnonymousUser())
    assert set(values) == set(schema.PUBLIC_FIELDS)
    assert "secret@example.org" not in str(values)
    assert not can_view_restricted(AnonymousUser())


def test_agent_elu_moderator_read_restricted_fields(agent, elu, moderator):
    project = ProjectFactory(projet_contact="secret@example.org")
    for user in (agent, elu, moderator):
        assert can_view_restricted(user)
        assert project_values(project, user)["projet_contact"] == "secret@example.org"
        assert len(visible_fields(user)) == 38


def test_drafts_visible_to_owners_and_moderators_only(agent, other_agent, moderator):
    draft = ProjectFactory(organisation=agent.organisation, lifecycle=Lifecycle.DRAFT)
    assert draft in visible_projects(agent)
    assert draft in visible_projects(moderator)
    assert draft not in visible_projects(other_agent)
    assert draft not in visible_projects(AnonymousUser())


def test_display_values_use_labels(db):
    project = ProjectFactory(theme="mobilites", sous_themes=["flux_trafic", "stationnement"])
    values = project_values(project, AnonymousUser())
    assert values["theme"] == "Mobilités"
    assert values["sous_theme"] == ["Flux et trafic", "Stationnement"]
    assert values["projet_date"] == "01/2024"
