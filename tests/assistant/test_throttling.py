"""Anonymous questions and hand-off requests are rate-limited per IP address, pages and API
alike, with a French 429 and Retry-After (issue 11, L11: 40 questions in 0.3 s all answered)."""

import pytest

from territoria.assistant.models import Exchange, HandoffRequest
from territoria.assistant.services.ingestion import add_files, collect_files, run_job


@pytest.fixture
def faq(faq_collection, tmp_path, settings):
    settings.ASSISTANT_ANON_QUESTION_RATE = "3/min"
    settings.ASSISTANT_ANON_HANDOFF_RATE = "2/hour"
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "encombrants.md").write_text(
        "# Encombrants\n\nLa collecte des encombrants a lieu le premier mardi de chaque mois.\n",
        encoding="utf-8",
    )
    run_job(add_files(faq_collection, collect_files(tmp_path / "faq")))
    return faq_collection


def _ask_api(api_client, ip="203.0.113.7"):
    return api_client.post(
        "/api/assistant/ask/", {"question": "encombrants ?"}, format="json", REMOTE_ADDR=ip
    )


def _assert_refused_in_french(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert "Trop de" in text and "depuis votre adresse" in text


def test_api_anonymous_questions_beyond_the_rate_get_a_french_429(api_client, faq):
    assert [_ask_api(api_client).status_code for _ in range(3)] == [200] * 3
    refused = _ask_api(api_client)
    _assert_refused_in_french(refused)
    assert "Trop de questions" in refused.json()["detail"]
    assert Exchange.objects.count() == 3  # the refused question was not searched nor logged
    assert _ask_api(api_client, ip="198.51.100.1").status_code == 200  # another address
    search = api_client.get(
        "/api/assistant/search/", {"q": "encombrants"}, REMOTE_ADDR="203.0.113.7"
    )
    _assert_refused_in_french(search)


def test_page_and_api_share_the_counter_of_an_address(client, api_client, faq):
    for _ in range(2):
        assert client.post("/assistant/public/", {"question": "encombrants ?"}).status_code == 302
    assert _ask_api(api_client, ip="127.0.0.1").status_code == 200
    refused = client.post("/assistant/public/", {"question": "encombrants ?"})
    _assert_refused_in_french(refused)
    assert "Réessayez dans" in refused.content.decode()
    assert client.get("/assistant/public/").status_code == 200  # reading the page is free


def test_logged_in_agents_are_not_limited(api_client, agent, faq):
    api_client.force_authenticate(agent)
    assert {_ask_api(api_client).status_code for _ in range(5)} == {200}


def test_anonymous_handoffs_beyond_the_rate_get_a_french_429(client, api_client, faq):
    client.post("/assistant/public/", {"question": "encombrants ?"})
    exchange = Exchange.objects.get()
    url = f"/assistant/echanges/{exchange.pk}/agent/"
    assert client.post(url, {"question": "Et les gravats ?"}).status_code == 302
    created = api_client.post(
        "/api/assistant/handoffs/",
        {"collection": faq.slug, "question": "Et les pneus ?"},
        format="json",
    )
    assert created.status_code == 201
    _assert_refused_in_french(client.post(url, {"question": "Et le verre ?"}))
    refused = api_client.post(
        "/api/assistant/handoffs/",
        {"collection": faq.slug, "question": "Et le bois ?"},
        format="json",
    )
    _assert_refused_in_french(refused)
    assert "Trop de demandes" in refused.json()["detail"]
    assert HandoffRequest.objects.count() == 2
