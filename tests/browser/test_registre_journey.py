"""A newcomer's path through the register, in a real browser, with an accessibility check per page.

Browse the public register, open a record, log in as a contributor, document a new project
(inline validation included), submit it, log in as moderator, publish it, find it in the
public list without its restricted fields, export it. Screenshots: see conftest.SCREENSHOTS.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from territoria.core.models import Role, User
from territoria.registre.models import Project
from tests.browser.support import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-test-1"
SECRET_ALGORITHM = "Classifieur confidentiel des courriers"


def _load_demo_records() -> None:
    """The 23 real records of the Bibliothèque and the booklet's callbot, as `make run` loads them (our own accounts below)."""
    call_command("load_demo", "--no-accounts", verbosity=0)


@pytest.fixture
def people(organisation):
    agent = User.objects.create_user(
        "agent.dupont",
        password=PASSWORD,
        role=Role.AGENT,
        organisation=organisation,
        email="agent@example.org",
        first_name="Camille",
    )
    moderator = User.objects.create_user(
        "moderatrice", password=PASSWORD, role=Role.MODERATOR, email="moderation@example.org"
    )
    return agent, moderator


def _visit(page, url_or_none, name=None):
    if url_or_none:
        page.goto(url_or_none)
    check_accessibility(page)
    if name:
        screenshot(page, name)


def _log_in(page, live_server, username):
    page.goto(live_server.url + "/connexion/")
    check_accessibility(page)
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _log_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_newcomer_documents_a_project_that_a_moderator_publishes(page, live_server, people):
    _load_demo_records()
    assert Project.objects.published().count() >= 6
    new_name = "Tri automatique des courriers entrants"

    # 1. Anonymous reader: home, list, filter, record.
    _visit(page, live_server.url + "/", "accueil")
    page.get_by_role("link", name="Parcourir tout le registre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Registre des systèmes d'IA des collectivités"
    )
    page.get_by_label("Thème", exact=True).select_option("transition_ecologique")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#resultats-titre")).to_contain_text("correspond")
    _visit(page, None, "liste")
    page.locator(".project-card a").first.click()
    expect(page.get_by_role("heading", name="Information générale")).to_be_visible()
    assert "accès restreint" not in page.locator("main").inner_text().replace(
        "Certaines informations", ""
    )
    _visit(page, None, "fiche")

    # 2. Contributor documents a new project: inline validation, then submission.
    _log_in(page, live_server, "agent.dupont")
    page.goto(live_server.url + "/registre/")
    page.get_by_role("link", name="Documenter un nouveau projet").click()
    page.locator("#id_nom_projet").fill(new_name)
    date = page.get_by_label("Date de démarrage du projet")
    date.fill("13/2024")
    date.press("Tab")  # htmx validates the field on change
    expect(page.locator("#id_projet_date_error")).to_contain_text("n'est pas un mois valide")
    expect(date).to_have_attribute("aria-invalid", "true")
    screenshot(page, "formulaire-erreur")
    date.fill("03/2024")
    date.press("Tab")
    expect(page.locator("#id_projet_date_error")).to_be_empty()
    expect(date).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Maturité").select_option("experimentation")
    page.get_by_label("Description globale du service et de ses usages").fill(
        "Orienter automatiquement chaque courrier reçu vers le service compétent."
    )
    page.get_by_label("Développement et mise en œuvre").select_option("interne")
    page.get_by_label("Thème principal").select_option("administration_interne")
    page.get_by_role("checkbox", name="Aide à la rédaction et gestion documentaire").check()
    page.get_by_role("group", name=re.compile("Audience du service")).get_by_role(
        "checkbox", name="Agent"
    ).check()
    page.get_by_label("Hébergement du service").select_option("interne")
    page.get_by_label("Nom de l'algorithme").fill(SECRET_ALGORITHM)
    page.get_by_label("Type d'algorithme").select_option("tal")
    page.get_by_label("Source des données").select_option("interne")
    page.get_by_label("Mode de collecte et d'accès des données traitées").select_option(
        "automatisee"
    )
    page.get_by_label("Catégorie de risque (AI Act)").select_option("minimal")
    page.evaluate("window.scrollTo(0, 0)")
    _visit(page, None, "formulaire")
    page.get_by_role("button", name="Soumettre à la modération").click()
    expect(page.get_by_text("Projet soumis à la modération")).to_be_visible()
    expect(page.locator(".record-meta")).to_contain_text("Soumis à modération")
    _visit(page, None)
    _log_out(page)

    # 3. Moderator publishes it from the queue.
    _log_in(page, live_server, "moderatrice")
    page.goto(live_server.url + "/registre/moderation/")
    expect(page.get_by_role("link", name=new_name)).to_be_visible()
    _visit(page, None, "moderation")
    page.get_by_role("button", name=f"Publier « {new_name} »").click()
    # A confirmation step shows the record as the public will read it: nothing restricted.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Publier « {new_name} » ?")
    assert SECRET_ALGORITHM not in page.content()
    _visit(page, None)
    page.get_by_role("button", name="Confirmer la publication").click()
    expect(page.get_by_text("Projet publié")).to_be_visible()
    _log_out(page)

    # 4. Anonymous reader finds it, without its restricted fields.
    page.goto(live_server.url + "/registre/?q=courriers")
    page.get_by_role("link", name=new_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(new_name)
    body = page.content()
    assert SECRET_ALGORITHM not in body and "Hébergement du service" not in body
    _visit(page, None)
    page.get_by_role("link", name="Historique des modifications de cette fiche").click()
    assert SECRET_ALGORITHM not in page.content()
    _visit(page, None, "historique")

    # 5. Export of the public register (CSV of the anchor's columns).
    page.goto(live_server.url + "/registre/")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert new_name in exported and SECRET_ALGORITHM not in exported
    # The same for French spreadsheets: BOM, « ; », column titles in words.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV pour tableur (Excel, LibreOffice)").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.splitlines()[0].startswith("\ufeffPorteur;Projet;".encode())
    assert new_name.encode() in raw and SECRET_ALGORITHM.encode() not in raw
