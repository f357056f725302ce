"""Every register page, for each kind of reader, passes axe-core (no serious or critical violation)."""

import pytest
from django.urls import reverse

from territoria.registre.models import ErrorReport
from territoria.registre.vocabulary import Lifecycle
from tests.browser.support import check_accessibility
from tests.registre.pages_helpers import draft_project, published_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-test-1"


def _log_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _check(page, url, status=200):
    response = page.goto(url)
    assert response.status == status, url
    check_accessibility(page)


def test_register_pages_are_accessible_for_each_reader(
    page, live_server, organisation, agent, moderator
):
    published = published_project(organisation, nom_projet="Projet publié")
    submitted = draft_project(
        organisation, nom_projet="Projet soumis", lifecycle=Lifecycle.SUBMITTED
    )
    ErrorReport.objects.create(
        project=published, field_name="partenaires", message="Partenaire inexact."
    )
    base = live_server.url

    for url, status in [
        (reverse("registre:organisation", args=[organisation.pk]), 200),
        (reverse("registre:organisations"), 200),
        (reverse("registre:report", args=[published.pk]), 200),
        ("/registre/page-qui-n-existe-pas/", 404),
    ]:
        _check(page, base + url, status)
    # A refused error report: the summary takes the focus and links to the field.
    page.goto(base + reverse("registre:report", args=[published.pk]))
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check_accessibility(page)

    _log_in(page, live_server, agent.username)
    for url in [
        reverse("registre:account"),
        reverse("registre:create"),
        published.get_absolute_url(),
        reverse("registre:edit", args=[published.pk]),
        reverse("registre:list") + "?type_algorithme=tal",
    ]:
        _check(page, base + url)
    # A form refused by the server (submission with missing fields).
    page.goto(base + reverse("registre:create"))
    page.fill("#id_nom_projet", "Incomplet")
    page.click("button[value=submit]")
    assert page.locator(".error-summary").is_visible()
    check_accessibility(page)
    _check(page, base + reverse("registre:moderation"), 403)

    page.context.clear_cookies()
    _log_in(page, live_server, moderator.username)
    for url in [
        reverse("registre:moderation"),
        reverse("registre:journal"),
        reverse("registre:journal") + "?projet=publi&du=pas-une-date",
        submitted.get_absolute_url(),
        published.get_absolute_url(),
        reverse("registre:history", args=[published.pk]),
    ]:
        _check(page, base + url)
