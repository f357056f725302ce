"""Organisations, error reports, API tokens (page and CLI), feeds, OpenAPI schema, bad input."""

import io
import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from territoria.core import tokens
from territoria.core.models import ApiToken, Organisation
from territoria.registre.factories import ProjectFactory
from territoria.registre.models import ErrorReport
from territoria.registre.vocabulary import Lifecycle

ORGS = "/api/registre/organisations/"
REPORTS = "/api/registre/signalements/"


# --- Organisations ---


def test_organisations_public_read_without_contact_email(api_client, organisation):
    organisation.contact_email = "dsi-privee@example.org"
    organisation.save()
    response = api_client.get(ORGS)
    assert (
        response.status_code == 200
        and response.json()["results"][0]["name"] == "Ville de Testville"
    )
    assert "dsi-privee" not in response.content.decode()


def test_only_moderators_create_organisations(api_client, agent, moderator):
    payload = {"name": "Commune de Nulle-Part", "siret": "21330063500017", "type": "commune"}
    api_client.force_authenticate(agent)
    assert api_client.post(ORGS, payload, format="json").status_code == 403
    api_client.force_authenticate(moderator)
    bad = api_client.post(ORGS, {**payload, "siret": "123"}, format="json")
    assert bad.status_code == 400 and "siret" in bad.json()
    response = api_client.post(ORGS, payload, format="json")
    assert response.status_code == 201, response.content
    assert Organisation.objects.filter(name="Commune de Nulle-Part").exists()


# --- Error reports ---


def test_anyone_reports_an_error_on_a_published_project(
    api_client, organisation, moderator, agent, django_capture_on_commit_callbacks
):
    project = ProjectFactory(organisation=organisation)
    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves once committed
        response = api_client.post(
            REPORTS,
            {
                "project": str(project.pk),
                "field_name": "theme",
                "message": "Le thème est faux.",
                "reporter_email": "a@example.org",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    assert "reporter_email" not in response.json()
    assert any("Erreur signalée" in m.subject for m in mail.outbox)
    assert ErrorReport.objects.get().reporter_email == "a@example.org"


def test_report_on_a_draft_reads_like_unknown_project(api_client, organisation):
    draft = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    response = api_client.post(REPORTS, {"project": str(draft.pk), "message": "x"}, format="json")
    assert response.status_code == 400 and "project" in response.json()
    assert ErrorReport.objects.count() == 0


def test_reports_are_read_by_moderators_and_owners_only(
    api_client, organisation, agent, other_agent, moderator
):
    project = ProjectFactory(organisation=organisation)
    report = ErrorReport.objects.create(
        project=project, message="Erreur privée", reporter_email="r@example.org"
    )
    assert api_client.get(REPORTS).status_code == 401
    assert api_client.get(f"{REPORTS}{report.pk}/").status_code == 401
    api_client.force_authenticate(other_agent)
    assert api_client.get(REPORTS).json()["count"] == 0
    assert api_client.get(f"{REPORTS}{report.pk}/").status_code == 404
    api_client.force_authenticate(agent)
    assert api_client.get(REPORTS).json()["results"][0]["reporter_email"] == "r@example.org"
    api_client.force_authenticate(moderator)
    assert api_client.get(f"{REPORTS}{report.pk}/").json()["message"] == "Erreur privée"


# --- Tokens ---


def test_token_page_shows_the_token_once_and_stores_only_its_hash(client, agent):
    response = client.get("/registre/jeton-api/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]
    client.force_login(agent)
    assert "Créer le jeton" in client.get("/registre/jeton-api/").content.decode()
    page = client.post(
        "/registre/jeton-api/",
        {"action": "create", "name": "Tableur", "scopes": ["registre:read", "registre:write"]},
    ).content.decode()
    raw = re.search(r"trt_[0-9a-f]{8}_[A-Za-z0-9_-]+", page).group(0)
    token = ApiToken.objects.get(owner=agent)
    assert token.scopes == ["registre:read", "registre:write"] and token.prefix in raw
    assert (
        raw not in token.key_hash and raw not in client.get("/registre/jeton-api/").content.decode()
    )
    assert (
        client.get("/api/registre/projets/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    )
    client.post("/registre/jeton-api/", {"action": "revoke", "token": str(token.pk)})
    assert (
        client.get("/api/registre/projets/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    )


def test_cli_api_token(agent):
    out = io.StringIO()
    call_command("api_token", "agent", stdout=out)
    first = out.getvalue().strip()
    assert tokens.find(first).owner == agent
    out = io.StringIO()
    call_command("api_token", "agent", "--regenerate", "--scope", "opendata:read", stdout=out)
    second = out.getvalue().strip()
    assert tokens.find(first) is None and tokens.find(second).scopes == ["opendata:read"]
    call_command("api_token", "agent", "--revoke", stdout=io.StringIO())
    assert tokens.find(second) is None
    with pytest.raises(CommandError, match="Utilisateur inconnu"):
        call_command("api_token", "personne")
    with pytest.raises(CommandError, match="Portée inconnue"):
        call_command("api_token", "agent", "--scope", "tout")


# --- Feeds ---


def test_atom_feed_lists_published_projects_with_public_fields_only(client, organisation):
    ProjectFactory(
        organisation=organisation,
        nom_projet="Projet publié",
        projet_contact="prive@example.org",
        financement="Fonds secret",
    )
    ProjectFactory(
        organisation=organisation, nom_projet="Projet en brouillon", lifecycle=Lifecycle.DRAFT
    )
    response = client.get("/registre/flux.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/atom+xml"
    )
    text = response.content.decode()
    assert "Projet publié" in text and "Projet en brouillon" not in text
    assert "prive@example.org" not in text and "Fonds secret" not in text
    assert "Transformation écologique" in text
    assert client.get("/registre/flux.rss").status_code == 200


# --- OpenAPI ---


def test_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(target),
    )
    paths = json.loads(target.read_text())["paths"]
    assert "/api/registre/projets/{id}/soumettre/" in paths
    params = {p["name"] for p in paths["/api/registre/projets/"]["get"]["parameters"]}
    assert {"theme", "q", "sous_theme", "ordering", "limit", "offset"} <= params


def test_openapi_schema_and_docs_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


# --- Robustness: bad input never gives a 500 ---

BAD_VALUES = [
    "",
    "x" * 300,
    "../../etc/passwd",
    "' OR 1=1 --",
    "%00",
    "<script>",
    "-1",
    "1e309",
    "null",
    "🙂",
    "[]",
    "{}",
]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_query_parameters_never_500(api_client, organisation, value):
    ProjectFactory(organisation=organisation)
    for name in (
        "theme",
        "q",
        "organisation",
        "ordering",
        "limit",
        "offset",
        "sous_theme",
        "region",
    ):
        response = api_client.get("/api/registre/projets/", {name: value})
        assert response.status_code in (200, 400), (name, value, response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/api/registre/projets/pas-un-uuid/",
        "/api/registre/projets/123/historique/",
        "/api/registre/organisations/zzz/",
        "/api/registre/signalements/1/",
        "/api/registre/projets/00000000-0000-0000-0000-000000000000/",
    ],
)
def test_bad_identifiers_are_french_404(api_client, db, path):
    response = api_client.get(path)
    assert response.status_code in (401, 404)
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "body",
    [
        [],
        "texte",
        12,
        {"nom_projet": None},
        {"nom_projet": ["a"]},
        {"theme": ["a", "b"]},
        {"theme": 3},
        {"sous_theme": {"a": 1}},
        {"projet_date": "2024-13"},
        {"projet_date": "99/2024"},
        {"version": "abc"},
        {"organisation": "pas-un-uuid"},
        {"organisation": {"id": "x"}},
        {"url_infos": "javascript:alert(1)"},
        {"nom_projet": "x" * 1000},
    ],
)
def test_bad_bodies_never_500(api_client, agent, organisation, body):
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(agent)
    for method, path in (
        ("post", "/api/registre/projets/"),
        ("patch", f"/api/registre/projets/{project.pk}/"),
        ("post", f"/api/registre/projets/{project.pk}/renvoyer/"),
    ):
        response = getattr(api_client, method)(path, body, format="json", HTTP_IF_MATCH="1")
        assert response.status_code in (400, 403, 409, 428), (
            method,
            path,
            body,
            response.status_code,
        )


def test_malformed_json_is_a_french_400(api_client, agent):
    api_client.force_authenticate(agent)
    response = api_client.post("/api/registre/projets/", "{nom", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
