"""Regression tests for the server errors the OpenAPI fuzzer found: an identifier that is not
a UUID in an API route answers 404, not 500 (Django's `get_object_or_404` lets the
ValidationError of a UUID field escape; DRF's maps it to 404)."""

import pytest

from territoria.assistant.models import HandoffRequest


@pytest.mark.parametrize("bad_id", ["%08", "not-a-uuid", "0"])
def test_api_handoff_answer_with_malformed_id_answers_404(api_client, moderator, platform, bad_id):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        f"/api/assistant/handoffs/{bad_id}/answer/", {"response": "Bonjour"}, format="json"
    )
    assert response.status_code == 404


def test_api_handoff_answer_with_real_id_still_answers(api_client, agent, platform):
    handoff = HandoffRequest.objects.create(
        collection=platform.collection, question="Horaires ?", contact="a@example.org"
    )
    api_client.force_authenticate(agent)  # the collection's organisation manages it
    response = api_client.post(
        f"/api/assistant/handoffs/{handoff.pk}/answer/", {"response": "9 h"}, format="json"
    )
    assert response.status_code == 200 and response.json()["response"] == "9 h"


@pytest.mark.parametrize("bad_id", ["---", "abc", "0"])
def test_api_delete_document_with_malformed_id_answers_404(api_client, agent, platform, bad_id):
    api_client.force_authenticate(agent)
    response = api_client.delete(f"/api/assistant/collections/faq/documents/{bad_id}/")
    assert response.status_code == 404
    assert platform.collection.documents.count() == 1


@pytest.mark.parametrize("body", ["true", "[1, 2]", '{"sql": 5}', '{"sql": ["SELECT 1"]}'])
def test_sql_api_with_a_body_that_is_not_a_query_answers_400(client, db, body):
    """Found by the thorough fuzz tier: POST /api/opendata/sql/ with the JSON body `true`."""
    response = client.post("/api/opendata/sql/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()
