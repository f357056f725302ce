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


def _recover_by_subtraction(rows, total_agree, total_n):
    """What a reader gets back from a table whose total is on the page: the agreeing answers
    of the hidden groups together, and how many answers they are."""
    shown = [r for r in rows if r["share"] is not None]
    hidden_n = total_n - sum(r["n"] for r in shown)
    hidden_agree = total_agree - sum(round(r["share"] * r["n"] / 100) for r in shown)
    return hidden_agree, hidden_n, len(rows) - len(shown)


def test_no_answer_of_a_small_group_comes_back_by_subtracting_the_shown_groups(client, agent):
    """No individual profiling: a group under 5 answers is hidden, and so is the next smallest
    when subtracting the shown groups from the question's total would give the hidden one's
    answers back (here the one answer of the over-60s)."""
    survey = surveys.create_survey("Enquête", "", surveys.DEFAULT_QUESTIONS)
    statement = survey.questions.get(kind="accord")
    bands = [("moins de 25 ans", 10, 5), ("25 à 39 ans", 6, 1), ("60 ans et plus", 1, 1)]
    number = 0
    for band, n, agree in bands:
        for i in range(n):
            surveys.record(survey, {statement: "5" if i < agree else "1"}, "", band, f"s{number}")
            number += 1
    found = surveys.results(survey, {}, themes=False)["blocks"][0]
    rows = {r["area"]: r for r in found["by_public"]}
    assert rows["60 ans et plus"]["share"] is None  # under 5 answers
    assert rows["25 à 39 ans"]["share"] is None  # 6 answers, hidden with it: else subtraction
    assert rows["moins de 25 ans"]["share"] == 50
    counts = dict(found["counts"])
    total_agree = counts["Plutôt d'accord"] + counts["Tout à fait d'accord"]
    agree, n, groups = _recover_by_subtraction(found["by_public"], total_agree, 17)
    assert (agree, n, groups) == (2, 7, 2)  # two groups and seven answers mixed: nobody's own
    client.force_login(agent)
    page = client.get(reverse("culture:survey_results", args=[survey.pk])).content.decode()
    table = page.split('<th scope="col">Tranche d\'âge</th>')[1].split("</table>")[0]
    assert '25 à 39 ans</th><td class="num">6</td><td class="num">' + surveys.HIDDEN_TEXT in table
    assert '60 ans et plus</th><td class="num">1</td><td class="num">trop peu' in table


@pytest.mark.parametrize(
    "sizes",
    [(1,), (1, 5), (4, 30, 5), (2, 2, 40), (3, 9, 9, 9), (1, 1, 1, 20), (6, 7, 8), (5, 1, 100)],
)
def test_hidden_groups_never_hold_fewer_than_five_answers_together(sizes):
    rows = [
        {"area": f"g{i}", "n": n, "share": 50 if n >= surveys.MIN_CELL else None}
        for i, n in enumerate(sizes)
    ]
    surveys.suppress_complements(rows)
    hidden = [r for r in rows if r["share"] is None]
    if any(n < surveys.MIN_CELL for n in sizes):
        assert sum(r["n"] for r in hidden) >= surveys.MIN_CELL or len(hidden) == len(rows)
    else:
        assert hidden == []  # nothing small: nothing hidden
    # the fewest needed: dropping the last group hidden on purpose would break the rule
    on_purpose = [r for r in hidden if r["n"] >= surveys.MIN_CELL]
    if on_purpose:
        rest = [r for r in hidden if r is not max(on_purpose, key=lambda r: r["n"])]
        assert sum(r["n"] for r in rest) < surveys.MIN_CELL


def test_theme_shares_by_group_are_protected_the_same_way():
    themes = [{"indices": [0, 1, 2, 3, 4, 5, 6]}, {"indices": [7, 8, 9, 10, 11, 12]}]
    groups = ["A"] * 6 + ["B"] * 6 + ["C"]
    rows = {r["area"]: r for r in surveys.grid_by_group(themes, groups)}
    assert rows["C"]["shares"] == [None, None] and rows["A"]["shares"] == [None, None]
    assert rows["B"]["shares"] == [17, 83]


@pytest.mark.slow  # renders the results page (e5 vectors of the answers)
def test_open_answers_are_listed_without_their_commune_or_age_band(client, agent, culture_data):
    observatory = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    survey = surveys.create_survey("Enquête", "", surveys.DEFAULT_QUESTIONS, observatory)
    question = survey.questions.get(kind="ouverte")
    for number, text in enumerate(PRICE + TRANSPORT):
        surveys.record(survey, {question: text}, "76540", "", f"s{number}")
    singular = "Je garde mes trois petits-enfants le mercredi, jour de l'atelier."
    surveys.record(survey, {question: singular}, "76474", "60 ans et plus", "seule")
    client.force_login(agent)
    page = client.get(reverse("culture:survey_results", args=[survey.pk])).content.decode()
    assert page.count("Je garde mes trois petits-enfants") >= 1
    for piece in page.split("Je garde mes trois petits-enfants")[1:]:
        line = piece.split("</tr>")[0].split("</li>")[0]
        assert "Notre-Dame-de-Bondeville" not in line and "60 ans" not in line
