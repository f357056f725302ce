"""An experiment's legal check reads the AI-Act classification of its register project through
the governance module's public service; without that module it degrades to the statement."""

import pytest
from django.apps import apps

from territoria.catalogue import services
from territoria.catalogue.models import Experiment
from territoria.gouvernance.models import Classification
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle


@pytest.fixture
def project(organisation):
    return Project.objects.create(
        organisation=organisation,
        nom_projet="Transcription des conseils",
        lifecycle=Lifecycle.PUBLISHED,
    )


def classify(project, number, level, status, label):
    return Classification.objects.create(
        project=project,
        number=number,
        level=level,
        status=status,
        rules_version="test",
        result={"level_label": label},
    )


@pytest.fixture
def experiment(client, demo, agent, organisation, project):
    client.force_login(agent)
    response = client.post(
        "/catalogue/experimentations/nouvelle/",
        {
            "title": "Transcrire les séances",
            "need": "Comptes rendus",
            "solution": demo["Vosk"].pk,
            "project": project.pk,
            "hypotheses": "Gain de temps",
            "duration_weeks": 8,
            "legal_check": "AIPD faite",
            "indicators": "Temps de rédaction ; heures ; 6 ; 2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    experiment = Experiment.objects.get()
    assert experiment.project == project
    return experiment


def test_the_page_shows_the_validated_classification_to_everyone(client, experiment, project):
    classify(project, 1, "limite", Classification.Status.VALIDATED, "Risque limité")
    classify(project, 2, "haut_risque", Classification.Status.DRAFT, "Haut risque")
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "<strong>Risque limité</strong> — version 1, validée" in page
    assert "Haut risque" not in page  # a draft is not shown to an anonymous reader
    assert f"/gouvernance/projets/{project.pk}/" in page


def test_an_agent_also_sees_a_newer_draft(client, agent, experiment, project):
    classify(project, 1, "limite", Classification.Status.VALIDATED, "Risque limité")
    classify(project, 2, "haut_risque", Classification.Status.PROPOSED, "Haut risque")
    client.force_login(agent)
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "version 1" in page and "(version 2 proposée, en attente de relecture)" in page


def test_without_classification_the_page_says_what_to_do(client, experiment):
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "Aucune classification du règlement IA pour ce projet" in page


def test_a_forbidden_practice_blocks_the_deployment_decision(agent, experiment, project):
    from django.core.exceptions import ValidationError

    classify(project, 1, "interdit", Classification.Status.VALIDATED, "Pratique interdite")
    with pytest.raises(ValidationError, match="pratique interdite"):
        services.record_report(
            experiment, agent, measured={"Temps de rédaction": 2}, decision="deployer"
        )
    experiment.refresh_from_db()
    assert not experiment.decision  # nothing written
    services.record_report(experiment, agent, measured={"Temps de rédaction": 2}, decision="iterer")


def test_a_project_of_another_organisation_is_refused(agent, demo, other_organisation):
    from django.core.exceptions import ValidationError

    foreign = Project.objects.create(organisation=other_organisation, nom_projet="Ailleurs")
    with pytest.raises(ValidationError, match="projet de votre collectivité"):
        services.start_experiment(
            agent,
            solution=demo["Vosk"],
            title="t",
            need="n",
            hypotheses="h",
            duration_weeks=2,
            indicators=[("Délai", "j", 5, 2)],
            project=foreign,
        )


def test_without_the_governance_module_the_check_degrades(client, experiment, monkeypatch):
    installed = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: name != "territoria.gouvernance" and installed(name)
    )
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "Le module de gouvernance n&#x27;est pas installé" in page
    assert "AIPD faite" in page
