import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from territoria.registre.factories import ProjectFactory
from territoria.registre.models import Project
from territoria.registre.services import workflow
from territoria.registre.vocabulary import Lifecycle


def test_agent_submits_and_moderator_publishes(
    agent, moderator, django_capture_on_commit_callbacks
):
    project = ProjectFactory(organisation=agent.organisation, lifecycle=Lifecycle.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(project, agent)
    assert project.lifecycle == Lifecycle.SUBMITTED
    assert any("à modérer" in m.subject for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(project, moderator)
    assert Project.objects.get(pk=project.pk).lifecycle == Lifecycle.PUBLISHED
    assert project.last_reviewed_at is not None


def test_submit_refused_when_required_fields_missing(agent):
    project = ProjectFactory(
        organisation=agent.organisation, lifecycle=Lifecycle.DRAFT, nom_algorithme=""
    )
    with pytest.raises(ValidationError, match="Nom de l'algorithme"):
        workflow.submit(project, agent)


def test_agent_cannot_publish_or_edit_other_organisation(agent, other_agent):
    project = ProjectFactory(organisation=agent.organisation, lifecycle=Lifecycle.SUBMITTED)
    with pytest.raises(PermissionDenied):
        workflow.publish(project, agent)
    project.nom_projet = "Piratage"
    with pytest.raises(PermissionDenied):
        workflow.save_project(project, other_agent, expected_version=project.version)


def test_send_back_requires_reason_and_tells_owner(
    agent, moderator, django_capture_on_commit_callbacks
):
    project = ProjectFactory(organisation=agent.organisation, lifecycle=Lifecycle.SUBMITTED)
    with pytest.raises(ValidationError):
        workflow.send_back(project, moderator, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_back(project, moderator, "Précisez la source des données.")
    assert project.lifecycle == Lifecycle.DRAFT
    assert any("Précisez la source" in m.body and agent.email in m.to for m in mail.outbox)


def test_second_concurrent_save_is_refused_and_first_kept(agent):
    project = ProjectFactory(organisation=agent.organisation, lifecycle=Lifecycle.DRAFT)
    first = Project.objects.get(pk=project.pk)
    second = Project.objects.get(pk=project.pk)
    first.usage_description = "Version de la première personne"
    workflow.save_project(first, agent, expected_version=first.version)
    second.usage_description = "Version de la seconde personne"
    with pytest.raises(workflow.ConcurrentEditError, match="modifié par une autre personne"):
        workflow.save_project(second, agent, expected_version=second.version)
    assert Project.objects.get(pk=project.pk).usage_description == "Version de la première personne"


def test_update_date_is_set_by_platform(agent):
    project = ProjectFactory(organisation=agent.organisation, lifecycle=Lifecycle.DRAFT)
    project.usage_description = "Nouveau texte"
    workflow.save_project(project, agent, expected_version=project.version)
    from django.utils import timezone

    assert project.content_updated_on == timezone.localdate()


def test_overdue_review_flags_and_reminds_once(agent, settings):
    from django.utils import timezone

    settings.REGISTRE_REVIEW_MAX_DAYS = 30
    project = ProjectFactory(
        organisation=agent.organisation,
        last_reviewed_at=timezone.now() - timezone.timedelta(days=40),
    )
    assert project.review_overdue
    assert workflow.remind_overdue_reviews() == 1
    assert workflow.remind_overdue_reviews() == 0
    assert any("Mise à jour attendue" in m.subject for m in mail.outbox)
