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


def test_publishing_asks_for_confirmation_with_the_public_view(client, moderator, organisation):
    project = draft_project(organisation, nom_projet="À confirmer", lifecycle=Lifecycle.SUBMITTED)
    client.force_login(moderator)
    url = reverse("registre:transition", args=[project.pk, "publier"])
    response = client.post(url, {"next": reverse("registre:moderation")})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Publier « À confirmer » ?" in html and 'name="confirme" value="1"' in html
    assert 'name="next" value="/registre/moderation/"' in html
    assert_no_secret(html)  # the public view: no restricted field on the confirmation page
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.SUBMITTED  # nothing published yet
    response = client.post(url, {"confirme": "1", "next": reverse("registre:moderation")})
    assert response["Location"] == reverse("registre:moderation")
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.PUBLISHED


def test_an_agent_gets_no_confirmation_page(client, agent, organisation):
    project = draft_project(organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(agent)
    url = reverse("registre:transition", args=[project.pk, "publier"])
    assert client.post(url).status_code == 403


def _answer(client, report, status, answer):
    prefix = f"r{report.pk.hex[:8]}"
    return client.post(
        reverse("registre:report_status", args=[report.pk]),
        {f"{prefix}-status": status, f"{prefix}-answer": answer},
        follow=True,
    )


def test_the_answer_to_an_error_report_is_mailed_to_its_reporter(
    client, moderator, organisation, django_capture_on_commit_callbacks
):
    project = published_project(organisation, nom_projet="Fiche signalée")
    report = ErrorReport.objects.create(
        project=project, message="Le budget a changé.", reporter_email="habitant@example.org"
    )
    client.force_login(moderator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _answer(client, report, "resolved", "Corrigé, merci : 12 000 €.")
    assert "envoyée par e-mail à habitant@example.org" in response.content.decode()
    sent = [m for m in mail.outbox if "habitant@example.org" in m.to]
    assert len(sent) == 1
    assert "Fiche signalée" in sent[0].subject and "Corrigé, merci : 12 000 €." in sent[0].body
    assert "Traité" in sent[0].body
    report.refresh_from_db()
    assert report.answer_sent_at is not None
    # Saving the same answer again does not mail it twice.
    with django_capture_on_commit_callbacks(execute=True):
        _answer(client, report, "resolved", "Corrigé, merci : 12 000 €.")
    assert len([m for m in mail.outbox if "habitant@example.org" in m.to]) == 1


def test_a_report_without_address_says_the_answer_is_not_sent(
    client, moderator, organisation, django_capture_on_commit_callbacks
):
    project = published_project(organisation)
    report = ErrorReport.objects.create(project=project, message="Erreur.")
    client.force_login(moderator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _answer(client, report, "rejected", "Ce n'est pas une erreur.")
    assert "la réponse n&#x27;est pas envoyée" in response.content.decode()
    assert mail.outbox == []
    report.refresh_from_db()
    assert report.answer == "Ce n'est pas une erreur." and report.answer_sent_at is None


def test_journal_is_paginated_and_filtered(client, organisation, moderator):
    from territoria.registre.views.history import JOURNAL_PAGE_SIZE

    for n in range(JOURNAL_PAGE_SIZE + 5):
        published_project(organisation, nom_projet=f"Projet journal {n:02d}")
    published_project(organisation, nom_projet="Cantine intelligente")
    client.force_login(moderator)
    first = client.get(reverse("registre:journal")).content.decode()
    assert first.count('class="history-entry"') == JOURNAL_PAGE_SIZE
    assert "Page 1 sur 2" in first and 'rel="next"' in first
    second = client.get(reverse("registre:journal"), {"page": 2}).content.decode()
    assert second.count('class="history-entry"') == 6
    found = client.get(reverse("registre:journal"), {"projet": "cantine", "action": "create"})
    html = found.content.decode()
    assert html.count('class="history-entry"') == 1 and "Cantine intelligente" in html
    assert "1 modification correspondant aux filtres" in html
    assert "Effacer les filtres" in html
    none = client.get(reverse("registre:journal"), {"action": "delete"}).content.decode()
    assert "Aucune modification enregistrée." in none
    bad = client.get(reverse("registre:journal"), {"du": "pas une date"}).content.decode()
    assert "Saisissez une date valide" in bad
