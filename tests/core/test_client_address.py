"""One address rule for every per-address limit: X-Forwarded-For is trusted only as far as
TERRITORIA_NUM_PROXIES says. Before this rule the register's error reports and the citizens'
messages keyed on the socket's address (behind nginx: one counter for every citizen), and the
survey answers had their own copy of the rule."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from territoria.core.client_address import client_address
from tests.registre.pages_helpers import published_project


def _request(forwarded=None, remote="10.0.0.5"):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.fixture
def proxies(settings):
    def set_count(n):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": n}

    return set_count


def test_without_a_proxy_the_header_a_client_writes_is_ignored(proxies):
    proxies(0)
    assert client_address(_request("203.0.113.9")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(proxies):
    proxies(1)
    # The client wrote 203.0.113.9; the proxy appended the address it saw, 198.51.100.4.
    assert client_address(_request("203.0.113.9, 198.51.100.4")) == "198.51.100.4"
    assert client_address(_request("198.51.100.4")) == "198.51.100.4"
    assert client_address(_request()) == "10.0.0.5"  # no header: the socket


def test_behind_two_proxies_the_second_from_the_right(proxies):
    proxies(2)
    assert client_address(_request("203.0.113.9, 198.51.100.4, 10.1.1.1")) == "198.51.100.4"


@pytest.mark.django_db
def test_login_lockout_counts_the_address_the_proxy_saw(client, agent, proxies):
    proxies(1)
    client.post(
        reverse("login"),
        {"username": "agent", "password": "mauvais"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.4"]


@pytest.mark.django_db
def test_error_reports_are_capped_per_citizen_behind_the_proxy(client, organisation, proxies):
    """Five reports from one citizen do not stop another citizen's report (same proxy)."""
    proxies(1)
    cache.clear()
    url = reverse("registre:report", args=[published_project(organisation).pk])
    form = {"field_name": "partenaires", "message": "Le partenaire est faux."}
    for _ in range(5):
        client.post(url, form, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    capped = client.post(url, form, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    other = client.post(url, form, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert capped.status_code == 429
    assert other.status_code == 302
