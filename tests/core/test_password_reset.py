"""Password reset by e-mail: Django's views, French pages, no account enumeration, a limit."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from territoria.core.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(db):
    return User.objects.create_user(
        username="agent.oublieux",
        email="oublieux@example.org",
        password="ancien-mot-de-passe-1",
        role=Role.AGENT,
    )


def test_the_login_page_offers_a_reset_and_says_how_to_get_an_account(client, settings):
    settings.CONTACT_EMAIL = "contact@territoria.example"
    html = client.get(reverse("login") + "?next=/registre/mon-espace/").content.decode()
    assert 'href="/mot-de-passe/oubli/"' in html and "Mot de passe oublié ?" in html
    assert "contact@territoria.example" in html and "Pas encore de compte" in html
    assert "réservée aux personnes connectées" in html


def test_a_person_resets_the_password_through_the_mailed_link(client, person, settings):
    settings.SITE_URL = "https://territoria.example"
    response = client.post(reverse("password_reset"), {"email": "oublieux@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["oublieux@example.org"]
    assert "Réinitialisation de votre mot de passe" in message.subject
    assert "agent.oublieux" in message.body
    link = re.search(r"https://territoria\.example(/mot-de-passe/nouveau/\S+/)", message.body)
    assert link, message.body
    page = client.get(link.group(1), follow=True)
    assert "Choisissez un nouveau mot de passe" in page.content.decode()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    weak = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert "trop court" in weak.content.decode()
    done = client.post(
        form_url,
        {
            "new_password1": "un-nouveau-mot-de-passe-7",
            "new_password2": "un-nouveau-mot-de-passe-7",
        },
    )
    assert done["Location"] == reverse("password_reset_complete")
    person.refresh_from_db()
    assert person.check_password("un-nouveau-mot-de-passe-7")
    again = client.get(link.group(1), follow=True).content.decode()
    assert "Lien expiré ou déjà utilisé" in again


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, person):
    response = client.post(reverse("password_reset"), {"email": "personne@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    html = client.get(reverse("password_reset_done")).content.decode()
    assert "Si un compte utilise cette adresse" in html


def test_requests_are_limited_per_address(client, person):
    for _ in range(5):
        client.post(reverse("password_reset"), {"email": "oublieux@example.org"})
    response = client.post(reverse("password_reset"), {"email": "oublieux@example.org"})
    assert response.status_code == 429
    assert "réessayez dans une heure" in response.content.decode()
    assert len(mail.outbox) == 5


def test_the_pages_are_in_french(client):
    html = client.get(reverse("password_reset")).content.decode()
    assert "Mot de passe oublié" in html and 'lang="fr"' in html and "Recevoir le lien" in html
