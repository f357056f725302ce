"""M5 and L10: login lockout (site and admin), bad API tokens throttled per address,
password policy (createadmin included). Each fails on the code before the fix: there a
right password after 100 wrong ones was accepted and `createadmin --password a` worked."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from territoria.core import tokens
from territoria.core.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-test-1"  # the fixtures' password
REGISTER_API = "/api/registre/projets/"


@pytest.fixture(autouse=True)
def _own_counters(settings, tmp_path):
    settings.AXES_FAILURE_LIMIT = 5
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        },
    }


def _login(client, url, password, ip="203.0.113.7"):
    return client.post(url, {"username": "agent", "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", [reverse("login"), "/admin/login/"])
def test_right_password_refused_after_five_wrong_ones_then_accepted_after_cool_off(
    client, agent, url
):
    agent.is_staff = True  # the admin login form accepts staff only
    agent.save()
    for _ in range(4):
        assert _login(client, url, "mauvais").status_code == 200
    assert _login(client, url, "mauvais").status_code == 429  # the fifth failure locks
    locked = _login(client, url, PASSWORD)
    assert locked.status_code == 429 and not _logged_in(client)
    page = locked.content.decode()
    assert "Connexion temporairement bloquée" in page and "15 minutes" in page

    assert _login(client, url, PASSWORD, ip="198.51.100.4").status_code == 302  # another address
    client.logout()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, url, PASSWORD).status_code == 302 and _logged_in(client)


def test_failures_for_one_username_do_not_lock_another(client, agent, elu):
    for _ in range(5):
        _login(client, reverse("login"), "mauvais")
    response = client.post(
        reverse("login"), {"username": "elu", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302


def test_bad_api_tokens_are_throttled_per_address(client, agent, settings):
    settings.API_AUTH_FAILURE_LIMIT = 3
    _token, raw = tokens.issue(owner=agent, name="essai", scopes=["registre:read"])
    good = f"Token {raw}"
    bad = "Token " + "f" * 40
    for _ in range(3):
        assert client.get(REGISTER_API, HTTP_AUTHORIZATION=bad).status_code == 401
    refused = client.get(REGISTER_API, HTTP_AUTHORIZATION=good)
    assert refused.status_code == 429
    assert "Trop de jetons d'API invalides" in str(refused.json())
    # Other addresses, and readers without a token at the same address, are not affected.
    other = client.get(REGISTER_API, HTTP_AUTHORIZATION=good, REMOTE_ADDR="198.51.100.4")
    assert other.status_code == 200
    assert client.get(REGISTER_API).status_code == 200


def test_bad_open_data_api_keys_are_throttled_too(client, settings):
    settings.API_AUTH_FAILURE_LIMIT = 2
    url = "/api/opendata/datasets/"
    for _ in range(2):
        assert client.get(url, HTTP_X_API_KEY="faux").status_code == 401
    assert client.get(url, HTTP_X_API_KEY="faux").status_code == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [("a", "trop court"), ("11111112", "trop court"), ("123456789012", "entièrement numérique")],
)
def test_createadmin_refuses_a_weak_password_in_french_and_creates_nothing(password, reason):
    with pytest.raises(CommandError) as refused:
        call_command("createadmin", "chef", password=password)
    assert reason in str(refused.value) and "Rien n'a été enregistré" in str(refused.value)
    assert not User.objects.filter(username="chef").exists()


def test_createadmin_accepts_a_strong_password():
    call_command("createadmin", "chef", password="Bruyère-Quai-Fonderie-42")
    admin = User.objects.get(username="chef")
    assert admin.is_superuser and admin.check_password("Bruyère-Quai-Fonderie-42")
