"""Contribution form and workflow actions, per actor; optimistic concurrency keeps the input."""

import pytest
from django.core import mail
from django.urls import reverse

from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle
from tests.registre.pages_helpers import draft_project, published_project

pytestmark = pytest.mark.django_db

COMPLETE = {
    "nom_projet": "Tri des courriers entrants",
    "projet_date": "03/2024",
    "projet_status": "experimentation",
    "usage_description": "Orienter automatiquement les courriers vers le bon service.",
    "mise_en_oeuvre": "interne",
    "theme": "administration_interne",
    "sous_themes": ["aide_redaction"],
    "audiences": ["agent"],
    "hebergement": "interne",
    "nom_algorithme": "Classification de textes",
    "type_algorithme": "tal",
    "donnees_source": "interne",
    "donnees_acces": "automatisee",
}


def test_create_form_anonymous_redirects_to_login(client):
    response = client.get(reverse("registre:create"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_create_form_elu_is_refused(client, elu):
    client.force_login(elu)
    response = client.get(reverse("registre:create"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_create_form_is_built_from_the_schema_grouped_by_category(client, agent):
    client.force_login(agent)
    html = client.get(reverse("registre:create")).content.decode()
    for heading in ["Information générale", "Algorithme", "Données", "Risques (AI Act)"]:
        assert f">{heading}</h2>" in html
    assert '<label for="id_nom_projet">Projet' in html
    assert 'id="id_usage_description_helptext"' in html
    assert 'aria-describedby="id_nom_projet_helptext id_nom_projet_error"' in html
    assert "<legend>Sous-thèmes" in html and 'type="checkbox" name="sous_themes"' in html
    # An agent documents their own organisation's projects: no organisation choice.
    assert 'name="organisation"' not in html
    assert 'hx-post="/registre/contribuer/valider/projet_date/"' in html
    assert "Enregistrer le brouillon" in html and "Soumettre à la modération" in html


def test_create_draft_agent_saves_for_own_organisation(client, agent, organisation):
    client.force_login(agent)
    response = client.post(
        reverse("registre:create"), {"nom_projet": "Idée à documenter", "action": "draft"}
    )
    project = Project.objects.get(nom_projet="Idée à documenter")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.organisation == organisation and project.lifecycle == Lifecycle.DRAFT
    assert project.created_by == agent


def test_create_and_submit_agent_notifies_moderators(
    client, agent, moderator, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registre:create"), {**COMPLETE, "action": "submit"})
    assert response.status_code == 302
    project = Project.objects.get(nom_projet=COMPLETE["nom_projet"])
    assert project.lifecycle == Lifecycle.SUBMITTED
    assert project.projet_date.isoformat() == "2024-03-01"
    assert project.sous_themes == ["aide_redaction"]
    assert any(moderator.email in message.to for message in mail.outbox)


def test_submit_incomplete_shows_which_fields_and_keeps_input(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("registre:create"),
        {"nom_projet": "Incomplet", "partenaires": "INRIA", "action": "submit"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not Project.objects.filter(nom_projet="Incomplet").exists()
    assert 'role="alert"' in html and "Le formulaire contient" in html
    assert "obligatoire pour soumettre" in html
    assert "INRIA</textarea>" in html
    assert 'aria-invalid="true"' in html


def test_invalid_values_say_what_is_expected(client, agent):
    client.force_login(agent)
    data = {
        "nom_projet": "Mauvaises valeurs",
        "projet_date": "mars",
        "url_infos": "pas une url",
        "sous_themes": ["aide_redaction", "education", "immobilier"],
        "projet_contact": "x@",
        "action": "draft",
    }
    html = client.post(reverse("registre:create"), data).content.decode()
    assert "n&#x27;est pas un mois au format MM/AAAA" in html
    assert "commençant par https://" in html
    assert "au plus 2 sous-thèmes" in html
    assert "adresse e-mail valide" in html


def test_moderator_chooses_the_organisation(client, moderator, other_organisation):
    client.force_login(moderator)
    html = client.get(reverse("registre:create")).content.decode()
    assert 'name="organisation"' in html
    client.post(
        reverse("registre:create"),
        {"nom_projet": "Pour Bordeaux", "organisation": other_organisation.pk, "action": "draft"},
    )
    assert Project.objects.get(nom_projet="Pour Bordeaux").organisation == other_organisation


def test_duplicate_name_in_same_organisation_is_a_form_error(client, agent, organisation):
    published_project(organisation, nom_projet="Doublon")
    client.force_login(agent)
    response = client.post(reverse("registre:create"), {"nom_projet": "Doublon", "action": "draft"})
    assert response.status_code == 200 and Project.objects.filter(nom_projet="Doublon").count() == 1


def test_edit_other_organisation_agent_is_refused(client, other_agent, organisation):
    project = published_project(organisation)
    client.force_login(other_agent)
    assert client.get(reverse("registre:edit", args=[project.pk])).status_code == 403
    response = client.post(
        reverse("registre:edit", args=[project.pk]), {"nom_projet": "Piraté", "action": "draft"}
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.nom_projet != "Piraté"


def test_edit_agent_saves_with_version(client, agent, organisation):
    project = draft_project(organisation)
    client.force_login(agent)
    html = client.get(reverse("registre:edit", args=[project.pk])).content.decode()
    assert 'name="expected_version" value="1"' in html
    response = client.post(
        reverse("registre:edit", args=[project.pk]),
        {**COMPLETE, "nom_projet": "Nouveau nom", "expected_version": 1, "action": "draft"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.nom_projet == "Nouveau nom" and project.version == 2


def test_edit_concurrent_save_keeps_input_and_shows_differences(client, agent, organisation):
    project = draft_project(organisation)
    # Someone else saves first.
    from territoria.registre.services.workflow import save_project

    project.partenaires = "Université de Lyon"
    save_project(project, agent, expected_version=1)
    client.force_login(agent)
    response = client.post(
        reverse("registre:edit", args=[project.pk]),
        {
            **COMPLETE,
            "partenaires": "Ma saisie précieuse",
            "expected_version": 1,
            "action": "draft",
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "modifié par une autre personne" in html
    assert "Votre saisie est conservée" in html
    assert "Ma saisie précieuse" in html  # nothing lost
    assert "Université de Lyon" in html  # what changed meanwhile
    assert 'name="expected_version" value="2"' in html
    project.refresh_from_db()
    assert project.partenaires == "Université de Lyon"
    # Saving again, knowingly, replaces the other version.
    client.post(
        reverse("registre:edit", args=[project.pk]),
        {
            **COMPLETE,
            "partenaires": "Ma saisie précieuse",
            "expected_version": 2,
            "action": "draft",
        },
    )
    project.refresh_from_db()
    assert project.partenaires == "Ma saisie précieuse"


def test_inline_validation_returns_the_field_error_fragment(client, agent):
    client.force_login(agent)
    url = reverse("registre:validate_field", args=["projet_date"])
    response = client.post(url, {"nom_projet": "X", "projet_date": "13/2024"})
    assert response.status_code == 200
    assert "n&#x27;est pas un mois valide" in response.content.decode()
    assert "<html" not in response.content.decode()
    ok = client.post(url, {"nom_projet": "X", "projet_date": "12/2024"})
    assert ok.content.decode().strip() == ""


def test_inline_validation_anonymous_refused(client):
    response = client.post(
        reverse("registre:validate_field", args=["projet_date"]), {"projet_date": "x"}
    )
    assert response.status_code == 302


def test_transitions_are_post_only(client, moderator, organisation):
    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(moderator)
    assert (
        client.get(reverse("registre:transition", args=[project.pk, "publier"])).status_code == 405
    )


def test_moderator_publishes_and_owner_is_told(
    client, moderator, agent, organisation, django_capture_on_commit_callbacks
):
    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registre:transition", args=[project.pk, "publier"]), {"confirme": "1"}
        )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.PUBLISHED
    assert any(agent.email in message.to for message in mail.outbox)


def test_agent_cannot_publish(client, agent, organisation):
    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(agent)
    assert (
        client.post(reverse("registre:transition", args=[project.pk, "publier"])).status_code == 403
    )
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.SUBMITTED


def test_send_back_requires_a_reason(client, moderator, organisation):
    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(moderator)
    response = client.post(
        reverse("registre:transition", args=[project.pk, "renvoyer"]), {"reason": ""}, follow=True
    )
    assert "Indiquez le motif du renvoi" in response.content.decode()
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.SUBMITTED
    client.post(
        reverse("registre:transition", args=[project.pk, "renvoyer"]),
        {"reason": "Précisez les données."},
    )
    project.refresh_from_db()
    assert (
        project.lifecycle == Lifecycle.DRAFT and project.moderation_note == "Précisez les données."
    )


def test_owner_sees_send_back_reason(client, agent, organisation):
    project = draft_project(organisation, moderation_note="Précisez les données.")
    client.force_login(agent)
    assert "Précisez les données." in client.get(project.get_absolute_url()).content.decode()


def test_submit_action_from_detail_lists_missing_fields(client, agent, organisation):
    project = draft_project(organisation, theme="")
    client.force_login(agent)
    response = client.post(
        reverse("registre:transition", args=[project.pk, "soumettre"]), follow=True
    )
    assert "Thème principal" in response.content.decode()
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.DRAFT


def test_archive_and_mark_reviewed_moderator(client, moderator, organisation):
    project = published_project(organisation)
    client.force_login(moderator)
    client.post(reverse("registre:transition", args=[project.pk, "revu"]))
    project.refresh_from_db()
    assert project.last_reviewed_at is not None
    client.post(reverse("registre:transition", args=[project.pk, "archiver"]))
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.ARCHIVED


def test_unknown_transition_is_404(client, moderator, organisation):
    project = published_project(organisation)
    client.force_login(moderator)
    assert (
        client.post(reverse("registre:transition", args=[project.pk, "supprimer"])).status_code
        == 404
    )


def test_transition_next_refuses_foreign_host(client, moderator, organisation):
    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(moderator)
    response = client.post(
        reverse("registre:transition", args=[project.pk, "publier"]),
        {"next": "https://evil.example/", "confirme": "1"},
    )
    assert response["Location"] == project.get_absolute_url()


def test_state_changes_without_csrf_token_are_refused(organisation, moderator):
    from django.test import Client

    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert (
        client.post(reverse("registre:transition", args=[project.pk, "publier"])).status_code == 403
    )
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.SUBMITTED


def test_header_links_to_account_and_moderation(client, agent, moderator):
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert reverse("registre:account") in html and reverse("registre:moderation") not in html
    client.force_login(moderator)
    assert reverse("registre:moderation") in client.get(reverse("home")).content.decode()
