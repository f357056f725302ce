"""API errors: French JSON on every DRF endpoint, JSON 500 without server paths, nested JSON → 400."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.core.failing_urls import SECRET_PATH

DEEP = "[" * 100_000 + "]" * 100_000
JUST_TOO_DEEP = "[" * 65 + "]" * 65


@pytest.fixture
def raw_client():
    """A client that receives the 500 response instead of the exception, as a real client does."""
    return APIClient(raise_request_exception=False)


@pytest.mark.urls("tests.core.failing_urls")
@pytest.mark.parametrize("url", ["/api/test/echec/", "/api/test/echec-django/"])
def test_unexpected_api_error_is_a_json_500_without_server_path(db, raw_client, url, caplog):
    response = raw_client.get(url)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "Erreur interne du serveur" in body["detail"]
    assert SECRET_PATH not in response.content.decode() and "/srv/" not in body["detail"]


@pytest.mark.urls("tests.core.failing_urls")
def test_a_page_keeps_the_html_500_page(db):
    response = Client(raise_request_exception=False).get(
        "/test/echec-page/", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert SECRET_PATH not in response.content.decode()


def _post(client, url, body):
    return client.post(url, data=body, content_type="application/json")


@pytest.mark.parametrize(
    "url, who",
    [
        ("/api/registre/projets/", "agent"),
        ("/api/registre/organisations/", "moderator"),
        ("/api/registre/signalements/", None),
        ("/api/opendata/datasets/", "agent"),
        ("/api/opendata/sql/", None),
        ("/api/assistant/ask/", None),
    ],
)
def test_deeply_nested_json_is_a_400_in_french(raw_client, request, url, who):
    if who:
        raw_client.force_authenticate(request.getfixturevalue(who))
    else:
        request.getfixturevalue("db")
    for body in (DEEP, json.dumps({"nom_projet": json.loads(JUST_TOO_DEEP)})):
        response = _post(raw_client, url, body)
        assert response.status_code == 400, (url, response.status_code, response.content[:200])
        assert "trop imbriqué" in response.json()["detail"]


def test_json_syntax_error_is_reported_in_french_with_line_and_column(raw_client, agent):
    raw_client.force_authenticate(agent)
    response = _post(raw_client, "/api/registre/projets/", '{"nom_projet": }')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON invalide, ligne 1, colonne 16")


def test_reasonable_nesting_still_parses(raw_client, agent):
    raw_client.force_authenticate(agent)
    body = json.dumps({"nom_projet": "", "x": json.loads("[" * 60 + "]" * 60)})
    response = _post(raw_client, "/api/registre/projets/", body)
    assert response.status_code == 400  # the payload's fields are invalid, not its JSON
    assert "trop imbriqué" not in response.content.decode()


def test_import_of_deeply_nested_json_is_refused_with_a_french_message(db, tmp_path):
    from territoria.registre.importers.service import import_file

    path = tmp_path / "registre.json"
    path.write_text(DEEP)
    report = import_file(path, dry_run=True)
    assert not report.ok and "trop imbriqué" in report.render_text()
