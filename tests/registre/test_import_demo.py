"""`territoria load_demo`: the 23 real projects + the booklet's case study, demo accounts, idempotent."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from territoria.core.models import Role, User
from territoria.core.roles import has_capability
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle

pytestmark = pytest.mark.django_db


def test_load_demo_gives_23_real_projects_the_booklet_callbot_and_accounts_and_runs_twice(
    client, settings
):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "Corrections appliquées avant import (5)" in text
    assert settings.DEMO_PASSWORD in text and "/connexion/" in text
    assert Project.objects.filter(lifecycle=Lifecycle.PUBLISHED).count() == 24
    callbot = Project.objects.get(nom_projet="Callbot pour le ramassage des encombrants")
    assert callbot.organisation.name == "Métropole Aix-Marseille-Provence"
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "inchangé : 23" in out.getvalue() and "inchangé : 1" in out.getvalue()
    assert Project.objects.count() == 24
    agent = User.objects.get(username="agent.metz")
    assert agent.role == Role.AGENT and agent.organisation.name == "Ville de Metz"
    assert has_capability(User.objects.get(username="moderateur"), "registre.moderate")
    # Through the login page: django-axes checks every login, and needs the request.
    response = client.post(
        reverse("login"), {"username": "elu.metz", "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_load_demo_without_the_booklet_gives_the_23_projects_of_data_csv():
    call_command("load_demo", "--no-booklet", "--no-accounts", stdout=io.StringIO())
    assert Project.objects.count() == 23


def test_a_newcomer_finds_the_callbot_by_typing_callbot_encombrants(client):
    call_command("load_demo", "--no-accounts", stdout=io.StringIO())
    response = client.get("/registre/recherche/", {"q": "callbot encombrants"})
    assert "Callbot pour le ramassage des encombrants" in response.content.decode()


def test_load_demo_uses_password_from_environment_setting(settings):
    settings.DEMO_PASSWORD = "autre-mot-de-passe-demo"
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.get(username="agent.metz").check_password("autre-mot-de-passe-demo")


def test_the_demo_organisations_get_their_region_and_the_filter_offers_them(client, monkeypatch):
    from pathlib import Path

    from territoria.core.models import Organisation

    extract = Path(__file__).resolve().parents[1] / "fixtures" / "registre" / "decoupage"
    monkeypatch.setenv("TERRITORIA_DECOUPAGE_DIR", str(extract))
    call_command("load_demo", "--no-accounts", stdout=io.StringIO())
    regions = dict(Organisation.objects.values_list("name", "region"))
    assert regions["Ville de Paris"] == "Île-de-France"  # commune in the extract
    assert regions["Bordeaux Métropole"] == "Nouvelle-Aquitaine"  # EPCI in the extract
    assert regions["Département de la Vendée"] == "Pays de la Loire"  # SIREN numbering
    assert regions["Région Occitanie"] == "Occitanie"  # by name
    html = client.get(reverse("registre:list")).content.decode()
    assert '<option value="Île-de-France">Île-de-France (' in html
    assert '<option value="Occitanie">Occitanie (' in html
