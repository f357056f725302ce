"""On a phone, the header folds its menu behind a « Menu » button (with and without
JavaScript), and a person who forgot the password gets a new one through the mailed link."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from territoria.core.models import Role, User
from tests.browser.support import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium_browser):
    context = chromium_browser.new_context(viewport=PHONE, locale="fr-FR")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(chromium_browser):
    context = chromium_browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def test_the_phone_header_folds_its_menu_behind_a_button(transactional_db, phone, live_server):
    page = phone
    page.goto(live_server.url + "/accessibilite/", timeout=90_000)
    button = page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#menu-panel")).to_be_hidden()
    assert _header_height(page) < 90
    check_accessibility(page)
    screenshot(page, "mobile-entete-replie")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name=re.compile("Registre"))).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "mobile-entete-ouvert")
    page.keyboard.press("Escape")
    expect(page.locator("#menu-panel")).to_be_hidden()
    expect(button).to_be_focused()
    # Wide screen: no button, the menu in one row.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(button).to_be_hidden()
    expect(page.locator("#menu-panel")).to_be_visible()


def test_without_javascript_the_phone_menu_is_shown(
    transactional_db, phone_without_js, live_server
):
    page = phone_without_js
    page.goto(live_server.url + "/accessibilite/")
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)  # hidden: not offered
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name=re.compile("Registre"))).to_be_visible()


def test_a_person_resets_a_forgotten_password(transactional_db, page, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.create_user(
        "agent.distrait",
        email="distrait@example.org",
        password="ancien-mot-de-passe-1",
        role=Role.AGENT,
    )
    page.goto(live_server.url + "/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    check_accessibility(page)
    page.get_by_label("Adresse e-mail").fill("distrait@example.org")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    check_accessibility(page)
    link = re.search(r"(http\S+/mot-de-passe/nouveau/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez un nouveau mot de passe")
    check_accessibility(page)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("un-nouveau-mot-de-passe-7")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("un-nouveau-mot-de-passe-7")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe modifié")
    page.get_by_role("link", name="Connectez-vous").click()
    page.get_by_label("Identifiant").fill("agent.distrait")
    page.get_by_label("Mot de passe").fill("un-nouveau-mot-de-passe-7")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
