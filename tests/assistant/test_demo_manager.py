"""The demo data has a manager of the assistant's collections (issue 12): a newcomer can
create a collection from `make run` alone."""

import io

import pytest
from django.core.management import call_command

from territoria.assistant.permissions import can_create_collection
from territoria.core.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # loads the whole demo (~8 s)


def test_demo_manager_creates_collections_for_metz_and_the_demo_agent_does_not(client):
    call_command("load_demo", "--no-booklet", stdout=io.StringIO())
    manager = User.objects.get(username="gestionnaire.metz")
    agent = User.objects.get(username="agent.metz")
    assert manager.organisation.name == "Ville de Metz" and can_create_collection(manager)
    assert not can_create_collection(agent)
    client.force_login(manager)
    client.post("/assistant/collections/nouvelle/", {"name": "FAQ de Metz", "visibility": "public"})
    assert manager.organisation.assistant_collections.get().name == "FAQ de Metz"
