"""A menu entry may show a count beside its label (NavEntry.count, core/context_processors.py)."""

from django.conf import settings
from django.test import override_settings

COUNTED = (
    '>À relire <span class="nav-count">4<span class="visually-hidden"> en attente</span></span></a>'
)


def test_navigation_entry_shows_its_count_with_words_for_screen_readers(client, agent):
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.core.nav_count_app"]):
        client.force_login(agent)
        assert COUNTED in client.get("/").content.decode()


def test_navigation_entry_hides_a_zero_count(client, elu):
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.core.nav_count_app"]):
        client.force_login(elu)
        html = client.get("/").content.decode()
    assert ">À relire</a>" in html and 'class="nav-count"' not in html
