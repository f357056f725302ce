"""API tokens (core/tokens.py): hashed, shown once, narrowed by scopes (security issue L5)."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from territoria.core import tokens
from territoria.core.models import ApiToken

DATASETS = "/api/opendata/datasets/"
PROJECTS = "/api/registre/projets/"
NEW_DATASET = {"title": "Arbres", "description": "Les arbres de la ville.", "theme": "ENVI"}


def client_with(raw: str, header="Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{header} {raw}")
    return client


def test_only_the_hash_is_stored_and_the_prefix_names_the_token(agent):
    token, raw = tokens.issue(owner=agent, name="Tableur", scopes=["registre:read"])
    assert raw.startswith(f"trt_{token.prefix}_") and len(raw) > 50
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored)
    assert stored["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert tokens.find(raw) == token
    assert tokens.find(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


def test_register_token_cannot_write_open_data(agent):
    _, raw = tokens.issue(owner=agent, name="registre", scopes=["registre:read", "registre:write"])
    client = client_with(raw)
    response = client.post(DATASETS, NEW_DATASET, format="json")
    assert response.status_code == 403, response.content
    assert "portée « opendata:write »" in response.json()["detail"]
    assert client.post(PROJECTS, {"nom_projet": "Tri"}, format="json").status_code == 201


def test_read_quota_key_cannot_write_as_its_owner(agent):
    _, raw = tokens.issue(owner=agent, name="quota", scopes=["opendata:read"])
    for client in (client_with(raw, "Api-Key"), client_with(raw)):
        response = client.post(DATASETS, NEW_DATASET, format="json")
        assert response.status_code == 403, response.content
    assert client.get(DATASETS).status_code == 200
    # A query sent by POST only reads: the read scope is enough.
    sql = client.post("/api/opendata/sql/", {"sql": "SELECT 42 AS n"}, format="json")
    assert sql.status_code == 200, sql.content


def test_write_scope_lets_the_owner_publish(agent):
    _, raw = tokens.issue(owner=agent, name="publication", scopes=["opendata:write"])
    response = client_with(raw, "Bearer").post(DATASETS, NEW_DATASET, format="json")
    assert response.status_code == 201, response.content


def test_read_token_cannot_write_the_register_nor_reach_other_apis(agent):
    _, raw = tokens.issue(owner=agent, name="lecture", scopes=["registre:read"])
    client = client_with(raw)
    assert client.get(PROJECTS).status_code == 200
    assert client.post(PROJECTS, {"nom_projet": "Tri"}, format="json").status_code == 403
    assert client.get("/api/assistant/collections/").status_code == 403


def test_revoked_token_and_deactivated_owner_are_refused(agent):
    token, raw = tokens.issue(owner=agent, name="x", scopes=["registre:read"])
    assert client_with(raw).get(PROJECTS).status_code == 200
    agent.is_active = False
    agent.save()
    assert client_with(raw).get(PROJECTS).status_code == 401
    agent.is_active = True
    agent.save()
    tokens.revoke(token)
    assert client_with(raw).get(PROJECTS).status_code == 401


def test_a_token_cannot_mint_tokens(agent):
    _, raw = tokens.issue(owner=agent, name="x", scopes=["opendata:read", "opendata:write"])
    response = client_with(raw).post("/api/opendata/api-keys/", {"name": "y"}, format="json")
    assert response.status_code in (401, 403)
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_migrations_carry_old_keys_over_by_hash_and_drop_clear_tokens(django_user_model):
    """Old open-data keys (hash kept, read only) and DRF tokens (hashed, clear table dropped)."""
    executor = MigrationExecutor(connection)
    before = [("core", "0003_api_tokens"), ("opendata", "0001_initial")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = django_user_model.objects.create_user("ancien", role="agent")
    opendata_key = "td_0a1b2c3d_" + "s" * 43
    old.get_model("opendata", "ApiKey").objects.create(
        name="Journal",
        owner_id=user.pk,
        prefix="0a1b2c3d",
        key_hash=hashlib.sha256(opendata_key.encode()).hexdigest(),
        requests_per_minute=1200,
    )
    drf_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp "
            "NOT NULL, user_id integer NOT NULL)"
        )
        editor.execute(
            "INSERT INTO authtoken_token VALUES (%s, CURRENT_TIMESTAMP, %s)", [drf_key, user.pk]
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    key = tokens.find(opendata_key)
    assert (key.owner_id, key.scopes, key.requests_per_minute) == (user.pk, ["opendata:read"], 1200)
    drf = tokens.find(drf_key)
    assert (drf.owner_id, drf.scopes) == (user.pk, ["registre:read", "registre:write"])
    assert drf_key not in str(ApiToken.objects.values().get(pk=drf.pk))
    assert "authtoken_token" not in connection.introspection.table_names()


def _api_views(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _api_views(pattern.url_patterns)
        else:
            view = getattr(pattern.callback, "cls", None)
            if view is not None:
                yield view


def test_every_api_view_authenticates_with_the_hashed_tokens_or_the_session_only():
    from django.urls import get_resolver
    from rest_framework.authentication import SessionAuthentication

    from territoria.core.api.authentication import ApiTokenAuthentication

    views = set(_api_views(get_resolver().url_patterns))
    assert len(views) > 10
    for view in views:
        for auth in view.authentication_classes:
            assert auth in (ApiTokenAuthentication, SessionAuthentication), (view, auth)
