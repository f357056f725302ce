"""The module's planted restricted values: its witness reads them, another organisation's agent
and an anonymous reader do not (the full crawl is tests/security/test_no_restricted_leak.py)."""

import pytest
from django.test import Client

from territoria.mobilite.canaries import plant

pytestmark = pytest.mark.django_db


def test_witness_sees_outsider_and_anonymous_do_not():
    canaries = plant(lambda name: f"LEAK{name}7f3a")
    witness, outsider, anonymous = Client(), Client(), Client()
    witness.force_login(canaries.witness)
    outsider.force_login(canaries.outsider)
    seen = "".join(witness.get(url).content.decode() for url in canaries.witness_seeds)
    assert all(value in seen for value in canaries.needles)
    for client in (outsider, anonymous):
        for url in canaries.witness_seeds:
            text = client.get(url).content.decode()
            assert not any(value in text for value in canaries.needles), url
