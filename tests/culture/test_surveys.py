"""Surveys: built from a few lines, answered anonymously by link, flooding set aside, results
(counts, agreement by commune with small numbers hidden, themes of the open answers)."""

from collections import Counter

import pytest
from django.urls import reverse

from territoria.culture import surveys
from territoria.culture.models import Observatory, Survey, SurveyResponse

from .conftest import ROUEN_METROPOLE

PRICE = [
    "Les billets sont trop chers pour ma famille.",
    "Le prix d'entrée est trop élevé.",
    "C'est trop cher, surtout avec les enfants.",
    "Je n'ai pas les moyens de payer l'entrée.",
]
TRANSPORT = [
    "Il n'y a pas de bus le dimanche depuis mon village.",
    "Le musée est trop loin et je n'ai pas de voiture.",
    "Les transports en commun ne vont pas jusqu'au centre le soir.",
    "Sans voiture, c'est impossible d'y aller.",
]
INTEREST = [
    "Les musées, ça ne m'intéresse pas du tout.",
    "Je m'ennuie dans les musées, ce n'est pas pour moi.",
    "Les expositions ne me parlent pas.",
    "Je ne me sens pas à ma place dans ces lieux.",
]


def test_parse_questions_explains_a_bad_line():
    with pytest.raises(surveys.SurveyError, match="ligne 2"):
        surveys.parse_questions("A: La culture, ce n'est pas pour moi.\nX: quoi ?")
    with pytest.raises(surveys.SurveyError, match="deux choix"):
        surveys.parse_questions("C: Musée ? | Oui")


def test_anonymous_answers_by_link_and_flooding_is_set_aside(client, culture_data):
    observatory = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    survey = surveys.create_survey(
        "Votre accès aux musées", "", surveys.DEFAULT_QUESTIONS, observatory
    )
    url = reverse("culture:survey_answer", args=[survey.token])
    page = client.get(url).content.decode()
    assert "Réponse anonyme" in page and "Rouen" in page
    for _ in range(5):  # one connection answers five times: the 4th and 5th are set aside
        response = client.post(
            url, {"q1": "4", "q2": "Non", "q3": "Trop cher.", "commune": "76540"}
        )
        assert "votre réponse anonyme est enregistrée" in response.content.decode()
    assert SurveyResponse.objects.filter(survey=survey, flagged=False).count() == 3
    assert SurveyResponse.objects.filter(survey=survey, flagged=True).count() == 2
    refused = client.post(url, {"q1": "9", "commune": "99999"})
    assert refused.status_code == 400 and "valeur de 1 à 5" in refused.content.decode()
    found = surveys.results(survey, {"76540": "Rouen"}, themes=False)
    agree = found["blocks"][0]
    assert found["responses"] == 3 and found["set_aside"] == 2
    assert dict(agree["counts"])["Plutôt d'accord"] == 3
    assert agree["by_commune"] == [{"area": "Rouen", "n": 3, "share": None}]  # under 5: hidden
    assert agree["by_public"] == [{"area": "âge non précisé", "n": 3, "share": None}]


def test_results_are_closed_to_anonymous_readers_and_open_to_agents(client, agent, culture_data):
    survey = surveys.create_survey("Enquête", "", surveys.DEFAULT_QUESTIONS)
    response = client.get(reverse("culture:survey_results", args=[survey.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(agent)
    page = client.get(reverse("culture:survey_results", args=[survey.pk])).content.decode()
    assert survey.token in page
    client.post(reverse("culture:survey_results", args=[survey.pk]), {"action": "fermer"})
    client.logout()
    assert (
        "close"
        in client.get(reverse("culture:survey_answer", args=[survey.token])).content.decode()
    )


def test_agent_creates_a_survey_from_the_page(client, agent, culture_data):
    client.force_login(agent)
    client.post(
        reverse("culture:surveys"), {"title": "Printemps", "questions": surveys.DEFAULT_QUESTIONS}
    )
    survey = Survey.objects.get()
    assert [q.kind for q in survey.questions.all()] == ["accord", "choix", "ouverte"]


def test_open_answers_fall_into_traceable_themes(
    db,
):  # the embedder caches its vectors in the database
    texts = PRICE + TRANSPORT + INTEREST
    themes = surveys.open_themes(texts)
    assert sum(theme["size"] for theme in themes) == len(texts)
    assert sorted(i for theme in themes for i in theme["indices"]) == list(range(len(texts)))
    for theme in themes:
        assert set(theme["quotes"]) <= set(theme["answers"])
    label = {i: n for n, theme in enumerate(themes) for i in theme["indices"]}
    # Each group of four answers mostly lands in one theme (3 of 4 at least).
    for start in (0, 4, 8):
        assert Counter(label[i] for i in range(start, start + 4)).most_common(1)[0][1] >= 3
