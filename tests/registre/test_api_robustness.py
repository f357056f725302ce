"""Schemathesis-style robustness: requests derived from the OpenAPI description of the register
API, with hostile values in every parameter and every body property, never give a 500."""

import json

import pytest
from django.core.management import call_command

from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle

HOSTILE = [
    "",
    "x" * 2000,
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u0000",
    "🙂",
    "2024-13-45",
    "%",
]
HOSTILE_JSON = [None, -1, 1e308, "x" * 30000, [None], {"code": None, "id": []}, "🙂\u0000"]


@pytest.fixture
def openapi(tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(target))
    spec = json.loads(target.read_text())
    return {
        path: ops for path, ops in spec["paths"].items() if path.startswith("/api/registre/")
    }, spec


def _fill(path: str, value: str) -> str:
    return path.replace("{id}", value)


def _properties(spec, operation) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    component = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return list(component.get("properties", {}))


def test_every_get_operation_survives_hostile_parameters(api_client, agent, organisation, openapi):
    paths, _ = openapi
    project = ProjectFactory(organisation=organisation)
    ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    api_client.force_authenticate(agent)
    checked = 0
    for path, operations in paths.items():
        get = operations.get("get")
        if not get:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        for identifier in (str(project.pk), "pas-un-uuid", "0"):
            url = _fill(path, identifier)
            for value in HOSTILE:
                response = api_client.get(url, {name: value for name in names})
                assert response.status_code < 500, (url, value, response.status_code)
                assert response["Content-Type"].startswith("application/json"), url
                checked += 1
    assert checked > 100


def test_every_write_operation_survives_hostile_bodies(
    api_client, moderator, organisation, openapi
):
    paths, spec = openapi
    api_client.force_authenticate(moderator)
    checked = 0
    for path, operations in paths.items():
        for method in ("post", "put", "patch"):
            operation = operations.get(method)
            if not operation:
                continue
            properties = _properties(spec, operation) or ["reason", "version"]
            project = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.SUBMITTED)
            for prop in properties:
                for value in HOSTILE_JSON:
                    project.refresh_from_db()
                    response = getattr(api_client, method)(
                        _fill(path, str(project.pk)),
                        {prop: value},
                        format="json",
                        HTTP_IF_MATCH=f'"{project.version}"',
                    )
                    assert response.status_code < 500, (
                        method,
                        path,
                        prop,
                        value,
                        response.status_code,
                    )
                    if (
                        response.status_code < 300
                    ):  # a transition went through: a fresh submitted project
                        project = ProjectFactory(
                            organisation=organisation, lifecycle=Lifecycle.SUBMITTED
                        )
                    checked += 1
    assert checked > 200
