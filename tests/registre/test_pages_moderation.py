"""Moderation queue, error reports (anyone can file one), history with hidden restricted diffs."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from territoria.core.audit import acting_as
from territoria.registre.models import ErrorReport
from territoria.registre.vocabulary import Lifecycle
from tests.registre.pages_helpers import SECRETS, assert_no_secret, draft_project, published_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()


def test_moderation_queue_anonymous_redirected_agent_refused(client, agent):
    assert client.get(reverse("registre:moderation")).status_code == 302
    client.force_login(agent)
    assert client.get(reverse("registre:moderation")).status_code == 403


def test_moderation_queue_lists_submissions_overdue_and_reports(
    client, moderator, organisation, settings
):
    submitted = draft_project(organisation, nom_projet="À relire", lifecycle=Lifecycle.SUBMITTED)
    overdue = published_project(organisation, nom_projet="Vieille fiche")
    overdue.last_reviewed_at = timezone.now() - timezone.timedelta(
        days=settings.REGISTRE_REVIEW_MAX_DAYS + 1
    )
    overdue.save()
    ErrorReport.objects.create(project=overdue, field_name="budget", message="Le budget a changé.")
    client.force_login(moderator)
    html = client.get(reverse("registre:moderation")).content.decode()
    assert (
        "À relire" in html
        and reverse("registre:transition", args=[submitted.pk, "publier"]) in html
    )
    assert "Vieille fiche" in html and "Marquer comme revue" in html
    assert "Le budget a changé." in html and "Budget" in html


def test_report_error_anonymous_creates_report_and_mails(
    client, organisation, moderator, agent, django_capture_on_commit_callbacks
):
    project = published_project(organisation)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registre:report", args=[project.pk]),
            {
                "field_name": "partenaires",
                "message": "Le partenaire est faux.",
                "reporter_email": "citoyen@example.org",
            },
        )
    assert response.status_code == 302
    report = ErrorReport.objects.get()
    assert report.field_name == "partenaires" and report.reporter is None
    recipients = {address for message in mail.outbox for address in message.to}
    assert moderator.email in recipients and agent.email in recipients


def test_report_error_form_anonymous_offers_public_fields_only(client, organisation):
    project = published_project(organisation)
    html = client.get(reverse("registre:report", args=[project.pk])).content.decode()
    assert 'value="partenaires"' in html and 'value="financement"' not in html
    assert_no_secret(html)


def test_report_error_requires_a_message(client, organisation):
    project = published_project(organisation)
    response = client.post(reverse("registre:report", args=[project.pk]), {"message": ""})
    assert response.status_code == 200
    assert "Décrivez l&#x27;erreur constatée" in response.content.decode()
    assert not ErrorReport.objects.exists()


def test_report_error_honeypot_keeps_nothing(client, organisation):
    project = published_project(organisation)
    response = client.post(
        reverse("registre:report", args=[project.pk]),
        {"message": "Achetez maintenant", "website": "http://spam.example"},
    )
    assert response.status_code == 302 and not ErrorReport.objects.exists()


def test_report_error_rate_limited(client, organisation):
    project = published_project(organisation)
    for n in range(5):
        client.post(reverse("registre:report", args=[project.pk]), {"message": f"Erreur {n}"})
    response = client.post(reverse("registre:report", args=[project.pk]), {"message": "Encore une"})
    assert response.status_code == 429 and "réessayez dans une heure" in response.content.decode()
    assert ErrorReport.objects.count() == 5


def test_report_error_on_draft_is_not_possible(client, organisation, agent):
    project = draft_project(organisation)
    assert (
        client.post(reverse("registre:report", args=[project.pk]), {"message": "x"}).status_code
        == 404
    )
    client.force_login(agent)
    assert (
        client.post(reverse("registre:report", args=[project.pk]), {"message": "x"}).status_code
        == 403
    )


def test_report_status_owner_and_moderator_may_change_other_agent_may_not(
    client, organisation, agent, other_agent, moderator
):
    project = published_project(organisation)
    report = ErrorReport.objects.create(project=project, message="Faux")
    prefix = f"r{report.pk.hex[:8]}"
    url = reverse("registre:report_status", args=[report.pk])
    client.force_login(other_agent)
    assert client.post(url, {f"{prefix}-status": "resolved"}).status_code == 403
    client.force_login(agent)
    assert "Signalements ouverts" in client.get(project.get_absolute_url()).content.decode()
    client.post(url, {f"{prefix}-status": "resolved", f"{prefix}-answer": "Corrigé"})
    report.refresh_from_db()
    assert report.status == "resolved" and report.answer == "Corrigé"
    client.force_login(moderator)
    client.post(url, {f"{prefix}-status": "rejected"})
    report.refresh_from_db()
    assert report.status == "rejected"


def _edit_secretly(project, user):
    with acting_as(user):
        project.financement = "NOUVEAU-FINANCEMENT-SECRET"
        project.partenaires = "Nouveau partenaire public"
        project.save()


def test_history_anonymous_hides_restricted_diffs(client, organisation, agent):
    project = published_project(organisation)
    _edit_secretly(project, agent)
    html = client.get(reverse("registre:history", args=[project.pk])).content.decode()
    assert "Nouveau partenaire public" in html
    assert "Financement" in html and "valeur masquée (accès restreint)" in html
    assert "NOUVEAU-FINANCEMENT-SECRET" not in html
    assert_no_secret(html)
    assert f"par {agent.username}<" not in html and "par un agent" in html  # names stay internal


def test_history_agent_sees_restricted_diffs(client, organisation, agent, other_agent):
    project = published_project(organisation)
    _edit_secretly(project, agent)
    client.force_login(other_agent)
    html = client.get(reverse("registre:history", args=[project.pk])).content.decode()
    assert "NOUVEAU-FINANCEMENT-SECRET" in html and SECRETS["financement"] in html


def test_history_of_draft_is_404_for_anonymous(client, organisation):
    project = draft_project(organisation)
    assert client.get(reverse("registre:history", args=[project.pk])).status_code == 404


def test_journal_moderator_only(client, organisation, agent, moderator):
    project = published_project(organisation)
    _edit_secretly(project, agent)
    client.force_login(agent)
    assert client.get(reverse("registre:journal")).status_code == 403
    client.force_login(moderator)
    html = client.get(reverse("registre:journal")).content.decode()
    assert (
        project.nom_projet.replace("'", "&#x27;") in html and "NOUVEAU-FINANCEMENT-SECRET" in html
    )


def test_account_page_shows_role_organisation_and_projects(client, agent, organisation):
    draft_project(organisation)
    client.force_login(agent)
    html = client.get(reverse("registre:account")).content.decode()
    assert "Agent" in html and organisation.name in html and "Brouillon confidentiel" in html
