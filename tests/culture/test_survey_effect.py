"""Before/after an action on a survey indicator: difference-in-differences of the agreement
share between two waves, action communes against the others, with its interval (checked on
simulations with a known effect), its reading and limits, and the form on the results page."""

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse

from territoria.culture import surveys
from territoria.culture.models import Observatory, Question

from .conftest import ROUEN_METROPOLE

ROOT = Path(__file__).resolve().parents[2]


def test_did_of_proportions_by_hand():
    cells = {"tb": (10, 40), "ta": (20, 40), "cb": (30, 100), "ca": (30, 100)}
    found = surveys.did_proportions(cells)
    p = [10.5 / 41, 20.5 / 41, 30.5 / 101, 30.5 / 101]
    assert found["estimate"] == pytest.approx((p[1] - p[0]) - (p[3] - p[2]))
    se = math.sqrt(
        p[0] * (1 - p[0]) / 41
        + p[1] * (1 - p[1]) / 41
        + p[2] * (1 - p[2]) / 101
        + p[3] * (1 - p[3]) / 101
    )
    assert found["se"] == pytest.approx(se)
    assert found["low"] == pytest.approx(found["estimate"] - 1.96 * se)
    plain = surveys.did_wald(cells)
    assert plain["estimate"] == pytest.approx(0.25)


def test_interval_covers_a_known_effect_about_95_times_in_100():
    """Simulated waves with a common trend (−5 points) and a true effect (+10 points) in the
    action's communes: the interval covers the effect 93–97 % of the time, and the estimate is
    unbiased where the naive before/after in the action's communes is off by the trend."""
    rng = np.random.default_rng(5)
    truth = {"tb": 0.40, "ta": 0.45, "cb": 0.45, "ca": 0.40}
    sizes = {"tb": 60, "ta": 60, "cb": 200, "ca": 180}
    covered, estimates, naive = [], [], []
    for _ in range(1500):
        cells = {k: (int(rng.binomial(sizes[k], truth[k])), sizes[k]) for k in truth}
        found = surveys.did_proportions(cells)
        covered.append(found["low"] <= 0.10 <= found["high"])
        estimates.append(found["estimate"])
        naive.append(cells["ta"][0] / 60 - cells["tb"][0] / 60)
    assert 0.93 <= np.mean(covered) <= 0.97
    assert abs(np.mean(estimates) - 0.10) < 0.01
    assert abs(np.mean(naive) - 0.05) < 0.01  # the trend is not removed without comparison


def test_the_benchmark_shows_coverage_in_target_and_the_naive_bias():
    measured = json.loads(
        (ROOT / "benchmarks" / "results" / "culture_survey_did.json").read_text(encoding="utf-8")
    )
    assert measured["tool_coverage_within_target_in_every_scenario"]
    medium = measured["scenarios"]["medium, 60 answers"]
    assert abs(medium["tool"]["bias_points"]) < 1 and medium["naive"]["bias_points"] < -3


def _waves(observatory, before, after):
    """Two waves of the default questionnaire; `before`/`after`: {commune: (agree, disagree)}."""
    made = []
    for title, counts in (("Avant le festival", before), ("Après le festival", after)):
        survey = surveys.create_survey(title, "", surveys.DEFAULT_QUESTIONS, observatory)
        question = survey.questions.get(kind=Question.Kind.AGREE)
        number = 0
        for commune, (agree, disagree) in counts.items():
            for i in range(agree + disagree):
                value = "5" if i < agree else "2"
                surveys.record(survey, {question: value}, commune, "", f"{title}-{number}")
                number += 1
        made.append((survey, question))
    return made


def test_action_effect_reads_the_change_against_the_other_communes(db):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    (_, before), (_, after) = _waves(
        rouen,
        {"76540": (30, 10), "76451": (50, 50), "": (5, 5)},
        {"76540": (12, 28), "76451": (45, 55), "": (9, 1)},
    )
    found = surveys.action_effect(after, {"76540"}, before)
    cells = {name: (hits, n) for name, hits, n, _share in found["cells"]}
    assert cells["communes de l'action, avant"] == (30, 40)
    assert cells["autres communes, après"] == (45, 100)  # answers without commune left out
    expected = surveys.did_proportions(
        {"tb": (30, 40), "ta": (12, 40), "cb": (50, 100), "ca": (45, 100)}
    )
    assert found["estimate"] == round(100 * expected["estimate"], 1)
    assert found["high"] < 0
    assert (
        "-45,0 points dans les communes de l'action et de -5,0 points ailleurs" in found["reading"]
    )
    assert "plus baissé" in found["reading"]
    assert any("tendances parallèles" in limit for limit in found["limits"])


def test_too_few_answers_in_an_area_gives_no_estimate(db):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    (_, before), (_, after) = _waves(
        rouen, {"76540": (5, 5), "76451": (30, 30)}, {"76540": (8, 4), "76451": (30, 30)}
    )
    with pytest.raises(surveys.SurveyError, match="communes de l'action, avant : 10"):
        surveys.action_effect(after, {"76540"}, before)
    with pytest.raises(surveys.SurveyError, match="au moins une commune"):
        surveys.action_effect(after, set(), before)


def test_results_page_estimates_the_effect_for_an_agent_only(client, agent, culture_data):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    (first, _before), (second, after) = _waves(
        rouen,
        {"76540": (30, 10), "76451": (50, 50)},
        {"76540": (12, 28), "76451": (45, 55)},
    )
    url = reverse("culture:survey_results", args=[second.pk])
    query = {"effet": after.pk, "avant": first.pk, "communes": ["76540"]}
    assert client.get(url, query).status_code in (302, 403, 404)  # anonymous: no results
    client.force_login(agent)
    html = client.get(url).content.decode()
    assert "Avant / après une action" in html and 'name="communes"' in html
    assert "accord par commune, d'une enquête à l'autre" in html
    assert "75 (40 réponses)" in html and "accord par tranche d&#x27;âge, d'une enquête" in html
    html = client.get(url, query).content.decode()
    assert "plus baissé" in html and "intervalle à 95 %" in html
    assert "tendances parallèles" in html
    html = client.get(url, {**query, "communes": []}).content.decode()
    assert "Effet non estimé" in html and "au moins une commune" in html


CODES = ["76005", "76020", "76039", "76056", "76069", "76088", "76095", "76103"]


def _correlated_survey(observatory):
    from territoria.culture import territory

    values = ["12", "3", "25", "8", "s", "17", "30", "5"]  # 76069: secret
    text = "code;indicateur;annee;valeur;source\n" + "".join(
        f"{code};Chômage (inventé);2021;{value};inventé pour les tests\n"
        for code, value in zip(CODES, values, strict=True)
    )
    territory.import_indicators(io.StringIO(text), name="chomage.csv")
    survey = surveys.create_survey("Vague", "", surveys.DEFAULT_QUESTIONS, observatory)
    question = survey.questions.get(kind=Question.Kind.AGREE)
    number = 0
    agree = {"76005": 5, "76020": 2, "76039": 9, "76056": 3, "76069": 4, "76088": 6}
    agree |= {"76095": 8, "76103": 1, "76116": 9}
    for commune, hits in agree.items():
        size = 5 if commune == "76116" else 10  # 76116: too few answers
        for i in range(size):
            surveys.record(survey, {question: "5" if i < hits else "1"}, commune, "", str(number))
            number += 1
    return survey, question


def test_participation_correlates_with_an_indicator_across_communes(culture_data):
    from scipy.stats import spearmanr

    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    _survey, question = _correlated_survey(rouen)
    found = surveys.participation_correlation(question, "Chômage (inventé)")
    shares = [0.5, 0.2, 0.9, 0.3, 0.6, 0.8, 0.1]
    values = [12, 3, 25, 8, 17, 30, 5]
    assert found["n"] == 7 and found["year"] == 2021
    assert found["rho"] == pytest.approx(spearmanr(shares, values).statistic)
    assert found["left_small"] == 1 and found["left_secret"] == 1
    assert 0 < found["p"] < 0.05 and any("erreur écologique" in c for c in found["caveats"])
    with pytest.raises(surveys.SurveyError, match="6 au moins"):
        surveys.participation_correlation(question, "Indicateur absent")


def test_results_page_shows_the_correlation_with_its_caveats(client, agent, culture_data):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    survey, question = _correlated_survey(rouen)
    client.force_login(agent)
    url = reverse("culture:survey_results", args=[survey.pk])
    html = client.get(url).content.decode()
    assert "Accord et indicateur social" in html and "Chômage (inventé)" in html
    html = client.get(
        url, {"correlation": question.pk, "indicateur": "Chômage (inventé)"}
    ).content.decode()
    assert "sur 7 communes" in html and "erreur écologique" in html
    assert "1 avec moins de 10 réponses, 1 sans valeur publiable" in html


def test_agreement_over_time_by_commune_and_age_band(db):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    made = []
    for title, answers in (
        (
            "Vague 1",
            [("76540", "5")] * 6
            + [("76540", "1")] * 2
            + [("76451", "4")] * 2
            + [("76451", "2")] * 4
            + [("76095", "5")] * 5,
        ),
        ("Vague 2", [("76540", "5")] * 2 + [("76540", "2")] * 6 + [("76451", "5")] * 3),
    ):
        survey = surveys.create_survey(title, "", surveys.DEFAULT_QUESTIONS, rouen)
        question = survey.questions.get(kind=Question.Kind.AGREE)
        for number, (commune, value) in enumerate(answers):
            public = "moins de 25 ans" if number % 2 else "60 ans et plus"
            surveys.record(survey, {question: value}, commune, public, f"{title}-{number}")
        made.append((survey, question))
    names = {"76540": "Rouen", "76451": "Petit-Quevilly", "76095": "Bihorel"}
    tables = surveys.trend_by_group(surveys.agreement_trend(made[1][1]), names)
    by_commune = {r["area"]: r["cells"] for r in tables[0]["rows"]}
    assert tables[0]["caption"] == "commune"
    # 3 answers in the second wave: counted, share hidden; Bihorel (one wave only): left out.
    assert by_commune["Petit-Quevilly"] == [{"n": 6, "share": 33}, {"n": 3, "share": None}]
    assert "Bihorel" not in by_commune
    # Rouen's second wave is hidden too: with the wave's share on the page, Rouen's would give
    # Petit-Quevilly's 3 answers back by subtraction (`surveys.suppress_complements`); in the
    # first wave the left-out group (Bihorel) holds 5 answers: nothing more to hide.
    assert by_commune["Rouen"] == [{"n": 8, "share": 75}, {"n": 8, "share": None}]
    by_age = {r["area"]: r["cells"] for r in tables[1]["rows"]}
    assert by_age["60 ans et plus"][0] == {"n": 10, "share": 70}
    assert sum(c["n"] for c in (by_age["60 ans et plus"][1], by_age["moins de 25 ans"][1])) == 11


def _many_waves(observatory, waves):
    """Waves of the default questionnaire, oldest first: [(title, {commune: (agree, disagree)})]."""
    made = []
    for title, counts in waves:
        survey = surveys.create_survey(title, "", surveys.DEFAULT_QUESTIONS, observatory)
        question = survey.questions.get(kind=Question.Kind.AGREE)
        number = 0
        for commune, (agree, disagree) in counts.items():
            for i in range(agree + disagree):
                surveys.record(
                    survey, {question: "5" if i < agree else "2"}, commune, "", f"{title}-{number}"
                )
                number += 1
        made.append((survey, question))
    return made


def test_three_waves_check_parallel_trends_before_the_action(db):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    made = _many_waves(
        rouen,
        [
            ("Vague 1", {"76540": (24, 16), "76451": (55, 45)}),  # 60 % / 55 %
            ("Vague 2", {"76540": (24, 16), "76451": (54, 46)}),  # 60 % / 54 %: parallel
            ("Vague 3", {"76540": (10, 30), "76451": (50, 50)}),  # the action: 25 % / 50 %
        ],
    )
    questions = [q for _s, q in made]
    found = surveys.action_effect(questions[2], {"76540"}, questions[1], questions)
    rows = found["event"]["rows"]
    assert [r["phase"] for r in rows] == ["avant", "référence", "après"]
    # The gap of the last wave to the reference wave is the effect itself.
    assert rows[2]["gap"] == found["estimate"] and rows[1]["gap"] == 0.0
    pre = surveys.did_proportions(
        {"tb": (24, 40), "ta": (24, 40), "cb": (54, 100), "ca": (55, 100)},
        z=found["event"]["z_joint"],
    )
    assert rows[0]["gap"] == round(100 * pre["estimate"], 1) and not rows[0]["outside"]
    assert (
        found["event"]["passed"]
        and "Tendances parallèles vérifiées sur 1 vague" in (found["event"]["check"])
    )
    assert found["event"]["check"] in found["limits"]  # replaces the « two waves » caveat
    assert not any("deux vagues seulement" in limit for limit in found["limits"])


def test_a_pre_action_divergence_fails_the_check_and_short_waves_are_named(db):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    made = _many_waves(
        rouen,
        [
            ("Vague 0", {"76540": (5, 5), "76451": (25, 25)}),  # 10 action answers: untested
            ("Vague 1", {"76540": (36, 4), "76451": (25, 25)}),  # 90 % / 50 %
            ("Vague 2", {"76540": (16, 24), "76451": (25, 25)}),  # 40 %: falling before
            ("Vague 3", {"76540": (8, 32), "76451": (25, 25)}),
        ],
    )
    questions = [q for _s, q in made]
    found = surveys.action_effect(questions[3], {"76540"}, questions[2], questions)
    event = found["event"]
    assert not event["passed"] and event["rows"][1]["outside"]
    assert event["rows"][0]["gap"] is None
    assert "Tendances parallèles mises en défaut" in event["check"]
    # +50 points by raw shares; the gap is on the shrunk shares ((x + ½) / (n + 1)): +48,8.
    assert "« Vague 1 » (+48,8 points)" in event["check"]
    assert "non testée(s), trop peu de réponses : Vague 0" in event["check"]
    # Two pre-action waves (one testable): the joint interval is widened (Bonferroni, k = 2).
    assert event["z_joint"] == pytest.approx(2.2414, abs=1e-3)
    # With two waves only, no event study and the caveat stays.
    two = surveys.action_effect(questions[3], {"76540"}, questions[2])
    assert two["event"] is None and any("deux vagues seulement" in x for x in two["limits"])


def test_results_page_plots_the_waves_before_the_action(client, agent, culture_data):
    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    made = _many_waves(
        rouen,
        [
            ("Vague 1", {"76540": (24, 16), "76451": (55, 45)}),
            ("Vague 2", {"76540": (24, 16), "76451": (54, 46)}),
            ("Vague 3", {"76540": (10, 30), "76451": (50, 50)}),
        ],
    )
    (_s1, _q1), (second, _q2), (third, q3) = made
    client.force_login(agent)
    url = reverse("culture:survey_results", args=[third.pk])
    html = client.get(
        url, {"effet": q3.pk, "avant": second.pk, "communes": ["76540"]}
    ).content.decode()
    assert "Tendances parallèles : l'écart vague par vague" in html
    assert "Tendances parallèles vérifiées sur 1 vague" in html
    assert "<svg" in html and "début de l" in html and "<polygon" in html  # chart with its band
    assert html.count("<td>avant</td>") == 1 and html.count("<td>après</td>") == 1


@pytest.mark.slow  # renders the results page (e5 vectors of the answers)
def test_museum_going_correlates_with_an_indicator_across_communes(client, agent, culture_data):
    """Participation itself (« Êtes-vous allé(e) au musée depuis un an ? », share of « Oui »),
    not only the « pas pour moi » agreement, against a social indicator across communes."""
    from scipy.stats import spearmanr

    rouen = Observatory.objects.create(slug="rouen", name="Rouen", epci_code=ROUEN_METROPOLE)
    survey, agreement = _correlated_survey(rouen)
    visited = survey.questions.get(kind=Question.Kind.CHOICE)
    went = {"76005": 2, "76020": 7, "76039": 1, "76056": 6, "76069": 3, "76088": 4}
    went |= {"76095": 0, "76103": 9, "76116": 5}
    number = 0
    for commune, hits in went.items():
        size = 5 if commune == "76116" else 10
        for i in range(size):
            value = "Oui" if i < hits else "Non"
            surveys.record(survey, {visited: value}, commune, "", f"v{number}")
            number += 1
    found = surveys.participation_correlation(visited, "Chômage (inventé)")
    shares = [0.2, 0.7, 0.1, 0.6, 0.4, 0.0, 0.9]  # the 7 communes with 10 answers and a value
    values = [12, 3, 25, 8, 17, 30, 5]
    assert found["n"] == 7 and found["left_small"] == 1 and found["left_secret"] == 1
    assert found["rho"] == pytest.approx(spearmanr(shares, values).statistic)
    assert found["rho"] < -0.9  # invented: more unemployment, fewer museum-goers
    client.force_login(agent)
    url = reverse("culture:survey_results", args=[survey.pk])
    html = client.get(url).content.decode()
    assert "Part « Oui » par commune" in html
    assert "Réponse « Oui » et indicateur social" in html
    html = client.get(
        url, {"correlation": visited.pk, "indicateur": "Chômage (inventé)"}
    ).content.decode()
    assert "entre la part « Oui » et « Chômage (inventé) »" in html and "sur 7 communes" in html
    assert agreement.pk != visited.pk
