"""A project name is one line (it goes into mail subjects): every route refuses line breaks and
control characters with a French message, and a mail that cannot be sent never turns a saved
change into an error page."""

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from territoria.registre.factories import ProjectFactory
from territoria.registre.importers.service import import_file
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle

from .import_helpers import anchor_row, write_csv
from .test_pages_contribute import COMPLETE

pytestmark = pytest.mark.django_db

INJECTED = "Tri des courriers\r\nBcc: victime@example.org"


def test_form_agent_name_with_line_break_is_refused_and_nothing_saved(client, agent):
    client.force_login(agent)
    response = client.post(reverse("registre:create"), {"nom_projet": INJECTED, "action": "draft"})
    assert response.status_code == 200
    assert "seule ligne" in response.content.decode()
    assert not Project.objects.exists()


@pytest.mark.parametrize("character", ["\n", "\t", "\x1b", "\x85", "\u2028"])
def test_api_agent_name_with_control_character_is_refused_with_french_message(agent, character):
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(
        "/api/registre/projets/", {"nom_projet": f"Projet{character}IA"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "seule ligne" in response.content.decode()
    assert not Project.objects.exists()


def test_import_name_with_control_character_is_rejected_naming_the_line(tmp_path):
    rows = [anchor_row(), anchor_row(Nom_du_projet="Second\x07projet")]
    report = import_file(write_csv(tmp_path, rows))
    assert not report.ok
    assert [(error.line, "seule ligne" in error.message) for error in report.errors] == [(3, True)]
    assert not Project.objects.exists()


def test_import_name_wrapped_in_its_cell_is_folded_into_one_line(tmp_path):
    # Spreadsheet cells wrap long names: the import folds whitespace, as documented.
    rows = [anchor_row(Nom_du_projet="Tri des\r\ncourriers")]
    assert import_file(write_csv(tmp_path, rows)).ok
    assert Project.objects.get().nom_projet == "Tri des courriers"


def test_submit_of_a_record_named_on_two_lines_saves_and_mails_a_one_line_subject(
    client, agent, moderator, organisation, django_capture_on_commit_callbacks
):
    # A record saved before names were checked (the update bypasses validation on purpose).
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    Project.objects.filter(pk=project.pk).update(nom_projet=INJECTED)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registre:transition", args=[project.pk, "soumettre"]))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.SUBMITTED
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "victime@example.org" not in message.bcc + message.to
    assert message.to == [moderator.email]


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard port, closed: the mail server is down
    EMAIL_TIMEOUT=2,
)
def test_publish_with_mail_server_down_is_saved_and_logged_not_an_error_page(
    client, agent, moderator, organisation, django_capture_on_commit_callbacks, caplog
):
    project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.SUBMITTED)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registre:transition", args=[project.pk, "publier"]), {"confirme": "1"}
        )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.lifecycle == Lifecycle.PUBLISHED
    assert any("not sent" in record.getMessage() for record in caplog.records)


def test_complete_one_line_name_is_still_accepted(client, agent):
    client.force_login(agent)
    response = client.post(reverse("registre:create"), {**COMPLETE, "action": "draft"})
    assert response.status_code == 302
    assert Project.objects.get().nom_projet == COMPLETE["nom_projet"]
