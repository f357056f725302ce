"""The governance API does what the pages do (one code path): assess, give an opinion, take
part, moderate, manage obligations, read an organisation's observatory. Bad input is refused
in French with nothing written; acting on another organisation's record is a 404."""

import time

import pytest
from django.core import signing
from django.urls import reverse

from territoria.gouvernance import services
from territoria.gouvernance.models import (
    CitizenMessage,
    CommitteeOpinion,
    CrpaNotice,
    FrugalityAssessment,
    TrustAssessment,
)
from tests.gouvernance.conftest import MINIMAL

ALL_YES = {item["id"]: {"answer": "oui"} for _req, item in services.trust_items()}


def _url(name, *args):
    return reverse(f"gouvernance:{name}", args=args)


def test_trust_through_the_api_scores_and_refuses_unknown_answers(
    api_client, agent, other_agent, project
):
    url = _url("api-trust", project.pk)
    api_client.force_authenticate(other_agent)
    assert api_client.post(url, {"reponses": ALL_YES}, format="json").status_code == 404
    api_client.force_authenticate(agent)
    bad = api_client.post(
        url, {"reponses": {**ALL_YES, "autonomie": {"answer": "peut-être"}}}, format="json"
    )
    assert bad.status_code == 400
    assert "« autonomie » : réponse attendue parmi oui, partiel, non, na" in bad.json()["detail"]
    unknown = api_client.post(url, {"reponses": {"inventee": {"answer": "oui"}}}, format="json")
    assert (
        unknown.status_code == 400
        and "Question inconnue : « inventee »" in unknown.json()["detail"]
    )
    assert not TrustAssessment.objects.exists()
    answers = {**ALL_YES, "biais": {"answer": "non", "evidence": "Pas encore de test."}}
    response = api_client.post(url, {"reponses": answers}, format="json")
    body = response.json()
    assert response.status_code == 201 and body["complete"] is True
    assert body["taux"]["transparence"] == 1.0 and body["taux"]["equite"] < 1.0
    assert [r["section"] for r in body["recommandations"]] == [
        next(i["section"] for _r, i in services.trust_items() if i["id"] == "biais")
    ]


def test_frugality_through_the_api_computes_green_algorithms_and_refuses_bad_values(
    api_client, agent, project
):
    api_client.force_authenticate(agent)
    url = _url("api-frugality", project.pk)
    bad = api_client.post(url, {"pue": 9, "cores": -1}, format="json")
    assert bad.status_code == 400 and "PUE de l'hébergement" in bad.json()["erreurs"]
    assert "Rien n'a été enregistré" in bad.json()["detail"]
    assert not FrugalityAssessment.objects.exists()
    practices = [p["id"] for p in services.frugality_rules()["practices"]][:6]
    response = api_client.post(
        url,
        {
            "alternative": True,
            "alternative_text": "Des règles fixes ne reconnaissaient pas les fuites.",
            "practices": practices,
            "limits": True,
            "runtime_hours": 0.5,
            "uses_per_year": 1000,
            "cores": 4,
            "tdp_per_core_w": 10,
            "usage": 0.5,
            "memory_gb": 8,
            "pue": 1.5,
            "carbon_intensity": 51.28,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    expected_wh = 0.5 * (4 * 10 * 0.5 + 8 * 0.3725) * 1.5
    assert response.json()["energy_wh_per_use"] == round(expected_wh, 4)
    assert response.json()["frugal"] is True
    saved = FrugalityAssessment.objects.get()
    assert saved.source == "api" and saved.alternative_considered is True


def test_crpa_through_the_api_generates_the_three_texts_and_keeps_omitted_fields(
    api_client, agent, project
):
    api_client.force_authenticate(agent)
    url = _url("api-crpa", project.pk)
    bad = api_client.put(url, {"automation": "magique", "code_url": "pas un lien"}, format="json")
    assert bad.status_code == 400 and not CrpaNotice.objects.exists()
    assert "Niveau d'automatisation" in bad.json()["erreurs"]
    first = api_client.put(
        url,
        {"individual_decisions": True, "service": "Service de l'eau", "contact": "eau@ville.fr"},
        format="json",
    ).json()
    assert first["applicable"] is True and "base juridique" in first["manquant"]
    second = api_client.put(
        url,
        {
            "decision_place": "Un agent décide.",
            "legal_basis": "Règlement du service de l'eau",
            "data_sources": "Index des compteurs",
            "operations": "Comparaison des consommations",
        },
        format="json",
    ).json()
    assert second["manquant"] == []
    assert "eau@ville.fr" in second["mention_explicite"]  # kept from the first call
    assert "R311-3-1-2" in second["modele_reponse"]
    assert second["regles"]["Base juridique"] == "Règlement du service de l'eau"
    governance = api_client.get(_url("api-project", project.pk)).json()
    assert "R311-3-1-2" in governance["crpa"]["modele_reponse"]


def test_committee_opinion_through_the_api_needs_the_right_and_known_criteria(
    api_client, agent, elu, organisation, project, committee
):
    organisation.ai_gate_criteria.create(label="Sobriété énergétique", order=0)
    url = _url("api-opinion", project.pk)
    opinion = {
        "committee": str(committee.pk),
        "verdict": "reserves",
        "text": "Favorable si un agent reste joignable.",
        "given_on": "2026-11-30",
        "votes_for": 9,
        "votes_against": 1,
    }
    api_client.force_authenticate(agent)  # an agent does not sit on the committee
    assert api_client.post(url, opinion, format="json").status_code == 404
    api_client.force_authenticate(elu)
    bad = api_client.post(url, {**opinion, "given_on": "30 novembre"}, format="json")
    assert bad.status_code == 400 and "Date de l'avis" in bad.json()["erreurs"]
    unknown = api_client.post(url, {**opinion, "criteres": ["Inventé"]}, format="json")
    assert unknown.status_code == 400 and "« Inventé »" in unknown.json()["detail"]
    assert not CommitteeOpinion.objects.exists()
    done = api_client.post(url, {**opinion, "criteres": ["Sobriété énergétique"]}, format="json")
    assert done.status_code == 201
    assert done.json()["criteres"] == {"Sobriété énergétique": True}


def _token(age=10):
    return signing.dumps(int(time.time()) - age, salt=services.FORM_SALT)


def test_citizen_asks_through_the_api_with_the_same_anti_spam_and_is_answered(
    api_client, agent, other_agent, project
):
    token = api_client.get(_url("api-message-token")).json()
    assert token["delai_minimum_s"] == 3 and token["jeton"]
    url = _url("api-message", project.pk)
    message = {"body": "<b>Qui</b> lit les alertes ?", "charte": True, "jeton": _token()}
    no_charter = api_client.post(url, {**message, "charte": False}, format="json")
    assert no_charter.status_code == 400
    too_fast = api_client.post(url, {**message, "jeton": _token(0)}, format="json")
    assert too_fast.status_code == 400 and "trop vite" in too_fast.json()["detail"]
    bot = api_client.post(url, {**message, "site_web": "x"}, format="json")
    assert bot.status_code == 400 and "automatique" in bot.json()["detail"]
    assert not CitizenMessage.objects.exists()
    assert api_client.post(url, message, format="json").status_code == 201
    saved = CitizenMessage.objects.get()
    assert saved.body == "Qui lit les alertes ?" and saved.status == "pending"
    assert "Qui lit" not in str(api_client.get(_url("api-project", project.pk)).json())

    moderate = _url("api-moderate", saved.pk)
    assert api_client.post(moderate, {"action": "publier"}, format="json").status_code in (401, 403)
    api_client.force_authenticate(other_agent)
    assert api_client.post(moderate, {"action": "publier"}, format="json").status_code == 404
    api_client.force_authenticate(agent)
    assert api_client.post(moderate, {"action": "effacer"}, format="json").status_code == 400
    api_client.post(moderate, {"action": "publier"}, format="json")
    observatory = api_client.get(_url("api-observatory", project.organisation.pk)).json()
    assert [q["message"] for q in observatory["questions_ouvertes"]] == ["Qui lit les alertes ?"]
    answered = api_client.post(
        moderate, {"action": "repondre", "answer": "Le service de l'eau."}, format="json"
    )
    assert answered.json() == {"statut": "published", "reponse": "Le service de l'eau."}
    api_client.force_authenticate(None)
    governance = api_client.get(_url("api-project", project.pk)).json()
    assert governance["messages"][0]["reponse"] == "Le service de l'eau."
    assert "email" not in str(governance["messages"])


def test_support_through_the_api_counts_once(api_client, project, draft_project):
    url = _url("api-support", project.pk)
    assert api_client.post(url).json() == {"compte": True, "soutiens_examen": 1}
    assert api_client.post(url).json() == {"compte": False, "soutiens_examen": 1}
    assert api_client.post(_url("api-support", draft_project.pk)).status_code == 404


def test_obligations_through_the_api_owner_due_date_done_and_bad_dates(
    api_client, agent, other_agent, moderator, project
):
    classification = services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator
    )
    obligation = classification.obligations.first()
    url = _url("api-obligation", obligation.pk)
    api_client.force_authenticate(other_agent)
    assert api_client.patch(url, {"owner": "x"}, format="json").status_code == 404
    api_client.force_authenticate(agent)
    bad = api_client.patch(url, {"owner": "Mme Durand", "due_on": "31/12/2027"}, format="json")
    assert bad.status_code == 400 and "AAAA-MM-JJ" in bad.json()["detail"]
    obligation.refresh_from_db()
    assert obligation.owner != "Mme Durand"  # nothing written
    assert api_client.patch(url, {"done": "oui"}, format="json").status_code == 400
    body = api_client.patch(
        url, {"owner": "Mme Durand", "due_on": "2027-12-31", "done": True}, format="json"
    ).json()
    assert body["responsable"] == "Mme Durand" and body["echeance"] == "2027-12-31"
    assert body["faite"] is True and body["faite_le"]


def test_obligation_page_form_changes_owner_and_refuses_a_bad_date(
    client, agent, moderator, project
):
    classification = services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True), moderator
    )
    obligation = classification.obligations.first()
    client.force_login(agent)
    url = _url("obligation", project.pk, obligation.pk)
    page = client.post(url, {"owner": "M. Martin", "due_on": "demain"}, follow=True)
    assert "Échéance invalide (« demain »)" in page.content.decode()
    obligation.refresh_from_db()
    assert obligation.owner != "M. Martin"
    client.post(url, {"owner": "M. Martin", "due_on": "2020-01-01"})
    obligation.refresh_from_db()
    assert obligation.owner == "M. Martin" and obligation.is_overdue(obligation.applies_from)
    national = client.get(_url("api-dashboard")).json()
    assert national["obligations_overdue"] == 1


@pytest.mark.parametrize("name", ["api-trust", "api-frugality", "api-opinion"])
def test_anonymous_cannot_write_assessments(api_client, project, name):
    assert api_client.post(_url(name, project.pk), {}, format="json").status_code in (401, 403)


def test_observatory_api_holds_public_values_only(
    api_client, agent, moderator, organisation, project, draft_project
):
    services.validate_classification(
        services.save_classification(project, MINIMAL, agent, submit=True),
        moderator,
        note="NOTE-INTERNE",
    )
    services.save_classification(draft_project, MINIMAL, agent, submit=False)
    api_client.force_authenticate(agent)  # even for a member, the observatory is the public view
    body = api_client.get(_url("api-observatory", organisation.pk)).json()
    assert [s["nom_projet"] for s in body["systemes"]] == [project.nom_projet]
    assert body["systemes"][0]["niveau_ai_act"] == "minimal"
    assert body["tableau_de_bord"]["total"] == 1
    assert "NOTE-INTERNE" not in str(body) and "brouillon" not in str(body).lower()
    assert api_client.get(_url("api-observatory", project.pk)).status_code == 404


def test_answers_and_api_writes_are_audited_with_their_author(
    api_client, agent, moderator, project
):
    from territoria.core.models import AuditLog

    draft = services.save_classification(project, {"systeme_ia": "oui"}, agent, submit=False)
    services.save_classification(project, MINIMAL, agent, submit=True)  # same version, completed
    entries = AuditLog.objects.filter(object_id=str(draft.pk)).order_by("id")
    assert [(e.action, e.actor) for e in entries] == [("create", agent), ("update", agent)]
    assert "answers" in entries[1].changes  # the answers' change is in the log
    api_client.force_authenticate(agent)
    api_client.post(_url("api-trust", project.pk), {"reponses": ALL_YES}, format="json")
    trust = TrustAssessment.objects.get()
    assert AuditLog.objects.get(object_id=str(trust.pk)).actor == agent
