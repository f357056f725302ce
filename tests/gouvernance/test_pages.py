"""Pages of the governance module: an agent classifies, a reviewer validates, a committee
gives an opinion, a citizen asks, the organisation answers; restricted parts stay restricted."""

import re
import time

from django.core import signing
from django.urls import reverse

from territoria.gouvernance import services
from territoria.gouvernance.models import CitizenMessage, Classification, CrpaNotice
from tests.gouvernance.conftest import MINIMAL


def _post_answers(answers):
    data = {}
    for key, value in answers.items():
        if isinstance(value, list):
            data[f"q_{key}"] = value or ["aucun"]
        else:
            data[f"q_{key}"] = value
    return data


def test_agent_walks_the_questionnaire_step_by_step_without_javascript(client, agent, project):
    client.force_login(agent)
    url = reverse("gouvernance:classification", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'name="q_systeme_ia"' in page and 'name="q_annexe_iii"' not in page  # one step at a time
    client.post(url, {"q_systeme_ia": "oui", "action": "continuer"})
    page = client.get(url).content.decode()
    assert 'name="q_exclusion"' in page
    draft = Classification.objects.get(project=project)
    assert draft.status == "draft" and draft.result["complete"] is False
    response = client.post(url, {**_post_answers(MINIMAL), "action": "proposer"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.level, draft.number) == ("proposed", "minimal", 1)


def test_submitting_an_incomplete_questionnaire_is_refused_with_a_plain_message(
    client, agent, project
):
    client.force_login(agent)
    url = reverse("gouvernance:classification", args=[project.pk])
    response = client.post(url, {"q_systeme_ia": "oui", "action": "proposer"}, follow=True)
    assert "incomplète" in response.content.decode()
    assert Classification.objects.get(project=project).status == "draft"


def test_reviewer_validates_and_the_record_gets_its_register_category(
    client, agent, moderator, project
):
    answers = {**MINIMAL, "transparence": ["conversationnel"]}
    proposed = services.save_classification(project, answers, agent, submit=True)
    client.force_login(agent)  # the author cannot validate their own proposal
    assert client.post(reverse("gouvernance:validate", args=[project.pk, 1])).status_code == 404
    client.force_login(moderator)
    client.post(reverse("gouvernance:validate", args=[project.pk, 1]), {"note": "Relu."})
    proposed.refresh_from_db()
    assert proposed.status == "validated" and proposed.reviewer == moderator
    assert [o.code for o in proposed.obligations.all()] == ["art4_maitrise", "art50_information"]
    # A published record: the category is proposed as a pending revision for moderation.
    project.refresh_from_db()
    assert project.revision is not None and project.revision.values["risque_categorie"] == "limite"


def test_a_new_version_after_validation_keeps_the_old_one_readable(
    client, agent, moderator, project
):
    first = services.save_classification(project, MINIMAL, agent, submit=True)
    services.validate_classification(first, moderator)
    second = services.save_classification(
        project, {**MINIMAL, "transparence": ["contenu_synthetique"]}, agent, submit=False
    )
    assert second.number == 2 and first.number == 1
    # Rules changed since: the stored result still shows the version it was made under.
    Classification.objects.filter(pk=first.pk).update(rules_version="2025-01-01")
    page = client.get(
        reverse("gouvernance:classification_version", args=[project.pk, 1])
    ).content.decode()
    assert "règles du 2025-01-01" in page and "Risque minimal" in page


def test_changing_the_record_flags_the_classification_for_review(client, agent, moderator, project):
    validated = services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator
    )
    assert not validated.is_stale()
    project.usage_description = "Vidéosurveillance avec reconnaissance faciale des passants."
    project.save()
    validated.refresh_from_db()
    assert validated.is_stale()
    page = client.get(reverse("gouvernance:project", args=[project.pk])).content.decode()
    assert "doit être revue" in page


def test_anonymous_reader_sees_levels_but_not_restricted_parts(client, agent, moderator, project):
    classification = services.save_classification(project, MINIMAL, agent, submit=True)
    services.validate_classification(classification, moderator, note="NOTE-RELECTURE-SECRETE")
    obligation = classification.obligations.get()
    obligation.owner = "Mme RESPONSABLE-SECRETE"
    obligation.save()
    services.save_trust(
        project,
        {
            "controle": {
                "answer": "non",
                "evidence": "PREUVE-SECRETE",
                "comment": "COMMENTAIRE-SECRET",
            }
        },
        agent,
    )
    for url in (
        reverse("gouvernance:project", args=[project.pk]),
        reverse("gouvernance:classification_version", args=[project.pk, 1]),
        reverse("gouvernance:api-project", args=[project.pk]),
    ):
        body = client.get(url).content.decode()
        assert "Risque minimal" in body or "minimal" in body
        for secret in (
            "NOTE-RELECTURE-SECRETE",
            "RESPONSABLE-SECRETE",
            "PREUVE-SECRETE",
            "COMMENTAIRE-SECRET",
        ):
            assert secret not in body, (url, secret)
    client.force_login(agent)
    body = client.get(reverse("gouvernance:project", args=[project.pk])).content.decode()
    assert "PREUVE-SECRETE" in body  # positive control


def test_an_unpublished_record_has_no_public_governance(client, other_agent, draft_project):
    assert client.get(reverse("gouvernance:project", args=[draft_project.pk])).status_code == 404
    client.force_login(other_agent)  # another organisation
    assert client.get(reverse("gouvernance:project", args=[draft_project.pk])).status_code == 404
    assert (
        client.get(reverse("gouvernance:classification", args=[draft_project.pk])).status_code
        == 404
    )


def test_agent_of_another_organisation_cannot_assess(client, other_agent, project):
    client.force_login(other_agent)
    url = reverse("gouvernance:classification", args=[project.pk])
    assert client.post(url, {"q_systeme_ia": "oui"}).status_code == 404
    assert client.get(reverse("gouvernance:trust", args=[project.pk])).status_code == 404
    assert not Classification.objects.exists()


def test_trust_assessment_shows_radar_recommendations_and_history(client, agent, project):
    client.force_login(agent)
    url = reverse("gouvernance:trust", args=[project.pk])
    data = {f"{item['id']}-answer": "oui" for _r, item in services.trust_items()}
    client.post(url, {**data, "controle-answer": "non", "attaques-answer": "partiel"})
    client.post(url, data)
    page = client.get(reverse("gouvernance:project", args=[project.pk])).content.decode()
    assert "<svg" in page and "Profil par exigence" in page
    assert "Évolution des taux par exigence" in page


def test_trust_scores_and_weak_points():
    answers = {item["id"]: {"answer": "oui"} for _r, item in services.trust_items()}
    answers["controle"] = {"answer": "non"}
    answers["autonomie"] = {"answer": "na"}
    scores, complete = services.score_trust(answers)
    assert complete and scores["humain"] == 0.0 and scores["robustesse"] == 1.0
    assert [r["section"] for r in services.trust_recommendations(answers)] == ["Contrôle humain"]


def test_frugality_form_computes_green_algorithms_energy(client, agent, project):
    client.force_login(agent)
    response = client.post(
        reverse("gouvernance:frugality", args=[project.pk]),
        {
            "alternative": "oui",
            "alternative_text": "Règles métier testées : trop de fausses alertes.",
            "practices": [
                "plus_petit_modele",
                "modele_existant",
                "calcul_local",
                "cache",
                "mesure_energie",
                "extinction",
            ],
            "limits": "oui",
            "runtime_hours": "0.5",
            "uses_per_year": "365",
            "cores": "4",
            "tdp_per_core_w": "10",
            "usage": "1",
            "memory_gb": "8",
            "pue": "1.5",
            "carbon_intensity": "51.28",
        },
    )
    assert response.status_code == 302
    assessment = project.frugality_assessments.get()
    figures = services.frugality_figures(assessment)
    expected_kwh = 0.5 * (4 * 10 * 1 + 8 * 0.3725) * 1.5 / 1000
    assert abs(figures["energy_wh_per_use"] - expected_kwh * 1000) < 1e-3
    assert figures["frugal"] is True


def test_frugality_form_refuses_impossible_values(client, agent, project):
    client.force_login(agent)
    response = client.post(
        reverse("gouvernance:frugality", args=[project.pk]),
        {
            "runtime_hours": "1",
            "uses_per_year": "1",
            "cores": "1",
            "tdp_per_core_w": "10",
            "usage": "3",
            "memory_gb": "1",
            "pue": "0.5",
            "carbon_intensity": "50",
        },
    )
    assert response.status_code == 200 and "entre 0 et 1" in response.content.decode()
    assert not project.frugality_assessments.exists()


def test_crpa_texts_are_generated_and_flagged_when_incomplete(client, agent, project):
    client.force_login(agent)
    client.post(
        reverse("gouvernance:crpa", args=[project.pk]),
        {
            "individual_decisions": "on",
            "service": "Direction des solidarités",
            "contact": "algorithmes@testville.fr",
            "purpose": "Calculer le quotient familial",
            "decision_place": "Un agent vérifie le calcul.",
            "automation": "aide",
            "legal_basis": "Délibération du conseil municipal",
            "data_sources": "",
            "operations": "Somme des revenus divisée par le nombre de parts.",
            "code_url": "",
        },
    )
    notice = CrpaNotice.objects.get(project=project)
    assert [str(m) for m in notice.missing()] == ["données traitées et leurs sources"]
    page = client.get(reverse("gouvernance:crpa_texts", args=[project.pk])).content.decode()
    assert "L311-3-1" in page and "algorithmes@testville.fr" in page and "incomplète" in page
    text = client.get(reverse("gouvernance:crpa_texts", args=[project.pk]) + "?format=txt")
    assert (
        text["Content-Disposition"].startswith("attachment")
        and "R311-3-1-2" in text.content.decode()
    )


def _citizen_post(client, project, body, **extra):
    token = signing.dumps(int(time.time()) - 10, salt=services.FORM_SALT)
    data = {
        "kind": "question",
        "author_name": "Camille",
        "body": body,
        "jeton": token,
        "charte": "on",
        **extra,
    }
    return client.post(reverse("gouvernance:message_create", args=[project.pk]), data, follow=True)


def test_citizen_question_is_moderated_then_answered(client, agent, project):
    _citizen_post(client, project, "<script>alert(1)</script>Qui valide les alertes de fuite ?")
    message = CitizenMessage.objects.get()
    assert message.status == "pending" and "<script>" not in message.body
    assert (
        "Qui valide"
        not in client.get(reverse("gouvernance:project", args=[project.pk])).content.decode()
    )
    client.force_login(agent)
    client.post(
        reverse("gouvernance:message_moderate", args=[message.pk]),
        {"action": "publier", "answer": "Un agent du service de l'eau."},
    )
    client.logout()
    page = client.get(reverse("gouvernance:project", args=[project.pk])).content.decode()
    assert "Qui valide les alertes" in page and "Un agent du service de l&#x27;eau." in page


def test_spam_is_refused_honeypot_speed_and_links(client, project):
    assert (
        "automatique"
        in _citizen_post(
            client, project, "Bonjour", site_web="http://spam.example"
        ).content.decode()
    )
    fast = signing.dumps(int(time.time()), salt=services.FORM_SALT)
    response = client.post(
        reverse("gouvernance:message_create", args=[project.pk]),
        {"kind": "question", "body": "Bonjour", "jeton": fast, "charte": "on"},
        follow=True,
    )
    assert "trop vite" in response.content.decode()
    links = " ".join(f"http://site{i}.example" for i in range(3))
    assert "liens" in _citizen_post(client, project, links).content.decode()
    forged = client.post(
        reverse("gouvernance:message_create", args=[project.pk]),
        {"kind": "question", "body": "Bonjour", "jeton": "123", "charte": "on"},
        follow=True,
    )
    assert "expiré" in forged.content.decode()
    assert not CitizenMessage.objects.exists()


def test_a_sender_is_limited_per_day(client, project):
    for i in range(6):
        response = _citizen_post(client, project, f"Question numéro {i}")
    assert "demain" in response.content.decode()
    assert CitizenMessage.objects.count() == 5


def test_review_support_counts_once_per_person(client, project):
    client.get(reverse("gouvernance:project", args=[project.pk]))
    url = reverse("gouvernance:support", args=[project.pk])
    client.post(url)
    client.post(url)
    assert project.review_supports.count() == 1


def test_suggested_answers_come_with_the_words_behind_them_and_a_caution(client, agent, project):
    project.usage_description = "Un chatbot répond aux questions des habitants."
    project.save()
    client.force_login(agent)
    url = reverse("gouvernance:classification", args=[project.pk])
    page = " ".join(client.get(url + "?suggestion=1").content.decode().split())
    assert "Réponses suggérées" in page and "« chatbot »" in page
    assert "pas une conclusion" in page
    assert "Réponses suggérées" not in client.get(url).content.decode()


def test_counts_are_written_in_french(client, project):
    from territoria.gouvernance.models import ReviewSupport

    def page() -> str:
        return " ".join(
            client.get(reverse("gouvernance:project", args=[project.pk])).content.decode().split()
        )

    assert "Personne n'a encore demandé l'examen" in page()
    ReviewSupport.objects.create(project=project, supporter_key="a")
    assert "1 personne demande l'examen" in page()
    ReviewSupport.objects.create(project=project, supporter_key="b")
    assert "2 personnes demandent l'examen" in page()
    national = " ".join(client.get(reverse("gouvernance:index")).content.decode().split())
    assert "Aucune obligation</strong> en retard" in national
    assert "Aucune classification</strong> à revoir" in national
    assert "0 obligation" not in national


def test_committee_opinion_with_gate_criteria_is_shown_on_the_record(
    client, elu, organisation, project, committee
):
    organisation.ai_gate_criteria.create(label="Pas d'identification biométrique", order=0)
    criterion = organisation.ai_gate_criteria.get()
    client.force_login(elu)
    client.post(
        reverse("gouvernance:opinion_create", args=[project.pk]),
        {
            "committee": committee.pk,
            "verdict": "reserves",
            "text": "Favorable sous réserve d'un contrôle humain.",
            "given_on": "2026-11-30",
            "votes_for": 7,
            "votes_against": 1,
            "abstentions": 2,
            f"critere-{criterion.pk}": "oui",
        },
    )
    client.logout()
    page = client.get(reverse("gouvernance:project", args=[project.pk])).content.decode()
    assert "Avis favorable avec réserves" in page and "7 pour, 1 contre, 2 abstentions" in page
    assert "Pas d&#x27;identification biométrique : vérifié" in page


def test_observatory_and_dashboard_show_levels_and_open_questions(
    client, agent, moderator, project
):
    services.validate_classification(
        services.save_classification(
            project, {**MINIMAL, "transparence": ["conversationnel"]}, agent, submit=True
        ),
        moderator,
    )
    CitizenMessage.objects.create(
        project=project, body="Quelle donnée est utilisée ?", status="published"
    )
    page = client.get(
        reverse("gouvernance:observatory", args=[project.organisation.pk])
    ).content.decode()
    assert "Risque limité" in page and "Quelle donnée est utilisée ?" in page
    national = client.get(reverse("gouvernance:index")).content.decode()
    assert re.search(r"Risque limité \(obligations de transparence\)</th><td>1<", national)
    api = client.get(reverse("gouvernance:api-dashboard")).json()
    assert {
        "level": "limite",
        "label": "Risque limité (obligations de transparence)",
        "count": 1,
    } in api["by_level"]


def test_exports_are_public_and_hold_no_restricted_value(client, agent, moderator, project):
    services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator, note="NOTE-X"
    )
    csv_text = client.get(reverse("gouvernance:export", args=["csv"])).content.decode()
    assert "minimal" in csv_text and "NOTE-X" not in csv_text
    rows = client.get(reverse("gouvernance:export", args=["json"])).json()
    assert rows[0]["niveau_ai_act"] == "minimal"


def test_exports_carry_trust_per_requirement_obligations_frugality_and_questions(
    client, agent, moderator, project
):
    classification = services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator
    )
    classification.obligations.update(done=True)
    services.save_trust(project, {"biais": {"answer": "partiel"}}, agent)
    for body, status, answer in (
        ("Publiée et répondue", "published", "Oui."),
        ("Publiée sans réponse", "published", ""),
        ("En attente", "pending", ""),
    ):
        CitizenMessage.objects.create(project=project, body=body, status=status, answer=answer)
    (row,) = client.get(reverse("gouvernance:export", args=["json"])).json()
    assert row["confiance_equite"] == 0.5 and row["confiance_humain"] == ""
    assert row["obligations"] == row["obligations_faites"] == classification.obligations.count() > 0
    assert (row["questions_publiees"], row["questions_sans_reponse"]) == (2, 1)
    assert row["soutiens_examen"] == 0 and row["energie_kwh_par_an"] == ""
    header = client.get(reverse("gouvernance:export", args=["csv"])).content.decode().split()[0]
    assert header.startswith("projet_id,nom_projet,") and "confiance_equite" in header


def test_api_classification_needs_the_right_and_explains_incomplete(
    api_client, agent, other_agent, project
):
    url = reverse("gouvernance:api-classify", args=[project.pk])
    assert api_client.post(
        url, {"answers": MINIMAL, "submit": True}, format="json"
    ).status_code in (401, 403)
    api_client.force_authenticate(other_agent)
    assert api_client.post(url, {"answers": MINIMAL}, format="json").status_code == 404
    api_client.force_authenticate(agent)
    response = api_client.post(
        url, {"answers": {"systeme_ia": "oui"}, "submit": True}, format="json"
    )
    assert response.status_code == 400 and "incomplète" in response.json()["detail"]
    response = api_client.post(url, {"answers": MINIMAL, "submit": True}, format="json")
    assert response.status_code == 201 and response.json()["resultat"]["level"] == "minimal"
    evaluated = api_client.post(
        reverse("gouvernance:api-evaluate"), {"answers": {"systeme_ia": "non"}}, format="json"
    )
    assert evaluated.json()["level"] == "hors_champ"


def test_platform_modules_energy_comes_from_measured_runtimes(db, client):
    from territoria.assistant.models import Conversation, Exchange

    conversation = Conversation.objects.create()
    for cpu in (0.2, 0.4):
        Exchange.objects.create(conversation=conversation, question="q", cpu_seconds=cpu)
    (row,) = services.platform_frugality()
    assert row["uses"] == 2 and row["cpu_s_per_use"] == 0.3
    expected_wh = 0.3 / 3600 * (12.0 + 4.0 * 0.3725) * 1.67
    assert abs(row["energy_wh_per_use"] - expected_wh) < 1e-5
    assert row["co2e_g_per_use"] == round(expected_wh / 1000 * 51.28, 5)
    assert (
        "Réponses de l&#x27;assistant" in client.get(reverse("gouvernance:index")).content.decode()
    )


def test_water_runs_and_writing_jobs_are_measured_uses_too(db, client, agent):
    from territoria.eau.models import Job, JobStatus
    from territoria.redaction.models import WritingJob

    Job.objects.create(kind="replay", status=JobStatus.DONE, result={"seconds": 30.0})
    Job.objects.create(kind="replay", status=JobStatus.DONE, result={"seconds": 90.0})
    Job.objects.create(kind="replay", status=JobStatus.FAILED, result={"seconds": 999.0})
    Job.objects.create(kind="renewal", status=JobStatus.DONE, result={"seconds": "abc"})
    for cpu, state in ((2.0, "done"), (4.0, "done"), (100.0, "failed")):
        WritingJob.objects.create(
            author=agent, kind="summary", source_text="t", cpu_seconds=cpu, state=state
        )
    rows = {row["label"]: row for row in services.platform_frugality()}
    replay = rows["Eau : rejeu d'une période de mesures"]
    assert replay["uses"] == 2 and replay["cpu_s_per_use"] == 60.0  # the failed run is left out
    assert replay["runtime"] == "wall"
    assert "Eau : évaluation du renouvellement" not in rows  # no usable figure, no row
    writing = rows["Rédaction assistée (travaux terminés)"]
    assert writing["uses"] == 2 and writing["cpu_s_per_use"] == 3.0
    expected_wh = 60.0 / 3600 * (12.0 + 4.0 * 0.3725) * 1.67
    assert abs(replay["energy_wh_per_use"] - expected_wh) < 1e-5
    page = client.get(reverse("gouvernance:index")).content.decode()
    assert "Eau : rejeu d&#x27;une période de mesures" in page and "(durée écoulée)" in page


def test_openapi_schema_describes_the_governance_api(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/gouvernance/projets/{id}/",
        "/api/gouvernance/evaluer/",
        "/api/gouvernance/tableau-de-bord/",
        "/api/gouvernance/projets/{id}/confiance/",
        "/api/gouvernance/projets/{id}/frugalite/",
        "/api/gouvernance/projets/{id}/crpa/",
        "/api/gouvernance/projets/{id}/avis/",
        "/api/gouvernance/projets/{id}/messages/",
        "/api/gouvernance/messages/{message_pk}/moderation/",
        "/api/gouvernance/obligations/{obligation_pk}/",
        "/api/gouvernance/organisations/{id}/observatoire/",
    ):
        assert path in schema


def test_open_data_writer_publishes_public_rows_only(
    tmp_path, agent, moderator, project, draft_project
):
    from territoria.gouvernance.exports import write_public_csv

    services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator, note="NOTE-Y"
    )
    rows, digest = write_public_csv(tmp_path / "gouvernance.csv")
    text = (tmp_path / "gouvernance.csv").read_text(encoding="utf-8")
    assert rows == 1 and len(digest) == 64
    assert (
        project.nom_projet in text and draft_project.nom_projet not in text and "NOTE-Y" not in text
    )


def test_agent_of_another_organisation_reads_no_internal_part(
    client, agent, other_agent, moderator, project
):
    classification = services.save_classification(project, MINIMAL, agent, submit=True)
    services.validate_classification(classification, moderator, note="NOTE-INTERNE")
    services.save_trust(
        project, {"controle": {"answer": "non", "evidence": "PREUVE-INTERNE"}}, agent
    )
    client.force_login(other_agent)
    for url in (
        reverse("gouvernance:project", args=[project.pk]),
        reverse("gouvernance:classification_version", args=[project.pk, 1]),
        reverse("gouvernance:api-project", args=[project.pk]),
    ):
        body = client.get(url).content.decode()
        assert "PREUVE-INTERNE" not in body and "NOTE-INTERNE" not in body, url
        assert "Art. 4" in body or "minimal" in body  # the public part is there


def test_latest_classification_gives_the_newest_version_or_the_newest_validated_one(
    agent, moderator, project
):
    assert services.latest_classification(project) is None
    first = services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator
    )
    draft = services.save_classification(
        project, {**MINIMAL, "transparence": ["conversationnel"]}, agent, submit=False
    )
    assert services.latest_classification(project) == draft
    assert services.latest_classification(project, validated_only=True) == first
