"""The register shows the AI systems of Territoria itself, as each module describes itself."""

import pytest
from django.apps import apps

from territoria.core import modules

# Apps that are infrastructure, not a system that processes anyone's data with AI.
INFRASTRUCTURE = {"core", "search"}


def test_every_module_of_the_platform_describes_itself_with_measured_figures():
    described = {
        config.label: getattr(config, "register_entry", None)
        for config in apps.get_app_configs()
        if config.name.startswith("territoria.") and config.label not in INFRASTRUCTURE
    }
    missing = sorted(label for label, entry in described.items() if entry is None)
    assert not missing, (
        f"modules without register_entry (their register self-description): {missing}"
    )
    for label, entry in described.items():
        empty = [
            name
            for name in ("purpose", "data", "algorithm", "performance", "energy", "measured_by")
            if not getattr(entry, name)
        ]
        assert not empty, f"{label}: register_entry leaves {empty} empty"


@pytest.mark.django_db
def test_the_platform_page_lists_every_description_and_the_api_gives_the_same(client):
    names = [d.name for d in modules.self_descriptions()]
    assert "Module témoin" in names and "Assistant interne hors ligne" in names
    page = client.get("/registre/plateforme/").content.decode()
    from django.utils.html import escape

    for name in names:
        assert escape(name) in page
    assert "Non renseigné" in page  # the fixture module documents its purpose only
    assert 'href="/assistant/"' in page  # a module's own page is linked
    api = client.get("/api/registre/plateforme/").json()
    assert sorted(entry["name"] for entry in api) == sorted(names)
    assert "Territoria documente aussi" in client.get("/registre/").content.decode()
