"""Regression test for a server error the OpenAPI fuzzer found: a `limit` past the largest
64-bit integer made every paginated list answer 500 (SQLite: "Python int too large to
convert to SQLite INTEGER"). The limit is now capped (`core/api/pagination.py`)."""

import pytest

HUGE = "12318702070576375808"


@pytest.mark.parametrize(
    "url",
    ["/api/registre/projets/", "/api/registre/organisations/", "/api/assistant/history/"],
)
def test_api_list_with_huge_limit_answers_a_capped_page(api_client, agent, url):
    api_client.force_authenticate(agent)
    response = api_client.get(url, {"limit": HUGE, "offset": "-139"})
    assert response.status_code == 200
    assert "results" in response.json()


def test_api_list_limit_is_capped(api_client, organisation):
    from territoria.registre.factories import ProjectFactory

    ProjectFactory.create_batch(3, organisation=organisation)
    page = api_client.get("/api/registre/projets/", {"limit": HUGE}).json()
    assert page["count"] == 3 and len(page["results"]) == 3
