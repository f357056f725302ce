"""The catalogue's write API: the same rules as the pages (forms and services.py), French
errors by field, nothing written on refusal, audited, documented in the OpenAPI description."""

import datetime

import pytest
from rest_framework.test import APIClient

from territoria.catalogue import services
from territoria.catalogue.models import Evaluation, Idea, Provider, Solution
from territoria.core import tokens
from territoria.core.models import AuditLog

SOLUTIONS = "/api/catalogue/solutions/"
NEW = {
    "name": "Whisper",
    "provider_name": "OpenAI",
    "provider_country": "us",
    "description": "Reconnaissance de la parole.",
    "licence": "MIT",
    "free_software": True,
    "hosting": "sur_site",
    "ai_features": ["stt"],
    "domains": [],
    "price_model": "gratuit",
    "negotiated_price": "PRIX-NEGOCIE-API-77",
}


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_only_curators_create_solutions(api_client, agent, moderator):
    assert api_client.post(SOLUTIONS, NEW, format="json").status_code == 401
    assert as_user(agent).post(SOLUTIONS, NEW, format="json").status_code == 403
    assert not Solution.objects.exists() and not Provider.objects.exists()
    response = as_user(moderator).post(SOLUTIONS, NEW, format="json")
    assert response.status_code == 201, response.content
    solution = Solution.objects.get()
    assert response["Location"] == f"/api/catalogue/solutions/{solution.pk}/"
    assert solution.provider.country == "US" and solution.ai_features == ["stt"]
    assert solution.source == "saisie par moderateur"
    assert AuditLog.objects.filter(object_id=str(solution.pk), actor=moderator).exists()
    # What the anonymous API reader gets: no negotiated price.
    body = api_client.get(response["Location"]).json()
    assert body["name"] == "Whisper" and "PRIX-NEGOCIE-API-77" not in str(body)


def test_refusals_are_french_by_field_and_write_nothing(moderator):
    client = as_user(moderator)
    response = client.post(
        SOLUTIONS,
        {**NEW, "hosting": "dans les nuages", "ai_features": ["voyance"], "couleur": "bleu"},
        format="json",
    )
    assert response.status_code == 400
    assert "champ inconnu" in response.json()["couleur"][0]
    response = client.post(
        SOLUTIONS, {**NEW, "hosting": "dans les nuages", "ai_features": ["voyance"]}, format="json"
    )
    errors = response.json()
    assert response.status_code == 400 and "hosting" in errors and "ai_features" in errors
    assert "dans les nuages" in errors["hosting"][0]
    # A new provider with a wrong SIREN key: neither the provider nor the solution is written.
    response = client.post(SOLUTIONS, {**NEW, "provider_siren": "123456788"}, format="json")
    assert response.status_code == 400 and "clé de contrôle" in response.json()["siren"][0]
    assert not Solution.objects.exists() and not Provider.objects.exists()
    # A duplicate (same folded name, same provider) is refused with the existing record's link.
    assert client.post(SOLUTIONS, NEW, format="json").status_code == 201
    provider = str(Provider.objects.get().pk)
    response = client.post(
        SOLUTIONS, {**NEW, "name": "WHISPER ", "provider": provider}, format="json"
    )
    assert response.status_code == 400
    assert "déjà au catalogue" in response.json()["name"][0]
    assert Solution.objects.count() == 1


def test_curators_patch_only_what_they_send(moderator, agent):
    created = as_user(moderator).post(SOLUTIONS, NEW, format="json").json()
    url = created["url"]
    assert as_user(agent).patch(url, {"licence": "GPL"}, format="json").status_code == 403
    response = as_user(moderator).patch(
        url, {"licence": "MIT (modèles et code)", "domains": ["aide_redaction"]}, format="json"
    )
    assert response.status_code == 200, response.content
    solution = Solution.objects.get()
    assert solution.licence == "MIT (modèles et code)" and solution.domains == ["aide_redaction"]
    assert solution.name == "Whisper" and solution.negotiated_price == "PRIX-NEGOCIE-API-77"
    response = as_user(moderator).patch(url, {"price_model": "gratis"}, format="json")
    assert response.status_code == 400 and "price_model" in response.json()
    assert Solution.objects.get().price_model == "gratuit"


def test_agents_score_with_the_grid_rules(api_client, agent, elu, moderator):
    solution_url = as_user(moderator).post(SOLUTIONS, NEW, format="json").json()["url"]
    url = f"{solution_url}evaluations/"
    answers = {"answers": {"souverainete.hebergement": {"score": 4, "evidence": "Sur site."}}}
    assert api_client.post(url, answers, format="json").status_code == 401
    assert as_user(elu).post(url, answers, format="json").status_code == 403
    bad = {
        "answers": {
            "souverainete.hebergement": {"score": 7, "evidence": "x"},
            "valeur_ajoutee.gain": {"score": 3},
            "inconnue.q": {"score": 1},
        }
    }
    response = as_user(agent).post(url, bad, format="json")
    assert response.status_code == 400 and "question inconnue" in response.json()["answers"][0]
    response = as_user(agent).post(
        url, {"answers": {"adequation.besoin": {"score": 2.5}}}, format="json"
    )
    assert response.status_code == 400 and "un entier de 0 à 4" in response.json()["answers"][0]
    del bad["answers"]["inconnue.q"]
    response = as_user(agent).post(url, bad, format="json")
    problems = " ".join(response.json()["answers"])
    assert response.status_code == 400 and "0" in problems and "preuve" in problems
    assert not Evaluation.objects.exists()
    response = as_user(agent).post(url, answers, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["answers"] == {"souverainete.hebergement": 4}


def test_ideas_are_proposed_by_participants_and_triaged_by_the_host(api_client, agent, other_agent):
    session = services.create_session(agent, title="Atelier API", date=datetime.date(2026, 3, 1))
    idea = {"session": str(session.pk), "need": "Résumer", "service": "Accueil", "benefit": "b"}
    assert api_client.post("/api/catalogue/idees/", idea, format="json").status_code == 401
    assert api_client.get("/api/catalogue/idees/").status_code == 401
    response = as_user(other_agent).post("/api/catalogue/idees/", idea, format="json")
    assert response.status_code == 403 and "participants" in response.json()["detail"]
    session.participants.add(other_agent)
    response = as_user(other_agent).post(
        "/api/catalogue/idees/", {**idea, "need": ""}, format="json"
    )
    assert response.status_code == 400 and "need" in response.json()
    response = as_user(other_agent).post("/api/catalogue/idees/", idea, format="json")
    assert response.status_code == 201, response.content
    url = response["Location"]
    assert (
        as_user(other_agent).patch(url, {"status": "qualifiee"}, format="json").status_code == 403
    )
    response = as_user(agent).patch(url, {"status": "deployee"}, format="json")
    assert response.status_code == 400 and "Passage impossible" in response.json()["status"][0]
    response = as_user(agent).patch(url, {"status": "qualifiee"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "qualifiee"
    assert Idea.objects.get().status == "qualifiee"
    listed = as_user(agent).get("/api/catalogue/idees/", {"session": session.pk}).json()
    assert [i["need"] for i in listed] == ["Résumer"]


def test_a_catalogue_token_writes_within_its_scope_only(moderator):
    _, read_only = tokens.issue(owner=moderator, name="lecture", scopes=["catalogue:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {read_only}")
    assert client.get(SOLUTIONS).status_code == 200
    assert client.post(SOLUTIONS, NEW, format="json").status_code == 403
    _, writer = tokens.issue(owner=moderator, name="écriture", scopes=["catalogue:write"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {writer}")
    assert client.post(SOLUTIONS, NEW, format="json").status_code == 201


def test_session_writes_need_csrf(moderator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert client.post(SOLUTIONS, NEW, format="json").status_code == 403
    assert not Solution.objects.exists()


@pytest.mark.slow
def test_the_write_api_is_in_the_openapi_description(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "post" in paths["/api/catalogue/solutions/"]
    assert "patch" in paths["/api/catalogue/solutions/{id}/"]
    assert "post" in paths["/api/catalogue/solutions/{id}/evaluations/"]
    assert {"get", "post"} <= set(paths["/api/catalogue/idees/"])
    assert "patch" in paths["/api/catalogue/idees/{id}/"]
    body = paths["/api/catalogue/solutions/"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "ai_features" in schema["components"]["schemas"][ref]["properties"]
