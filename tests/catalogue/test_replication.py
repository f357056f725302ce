"""Replication (essaimage): evaluation comes before spreading, and a register record can be
reproduced by another collectivité — a pre-filled draft, linked back, shown on the solution."""

import pytest

from territoria.catalogue import services
from territoria.catalogue.models import Experiment, RecordReplication, SolutionUse
from territoria.core.models import Role, User
from territoria.registre.factories import ProjectFactory
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle


def _experiment(client, agent, solution, project=None):
    client.force_login(agent)
    data = {
        "title": "Transcrire les séances",
        "need": "Comptes rendus des conseils",
        "solution": solution.pk,
        "hypotheses": "Gain de temps",
        "duration_weeks": 8,
        "legal_check": "AIPD faite",
        "indicators": "Temps de rédaction ; heures ; 6 ; 2",
        "budget": "BUDGET-RESTREINT-4217 €",
    }
    if project is not None:
        data["project"] = project.pk
    response = client.post("/catalogue/experimentations/nouvelle/", data)
    assert response.status_code == 302, response.content.decode()[:1000]
    client.logout()
    return Experiment.objects.order_by("-created_at").first()


def _report(client, agent, experiment, decision):
    client.force_login(agent)
    response = client.post(
        f"/catalogue/experimentations/{experiment.pk}/rapport/",
        {"measured_0": "2", "decision": decision, "lessons": "Relire les noms propres."},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    client.logout()
    experiment.refresh_from_db()


# --- Evaluation before spreading -------------------------------------------------------------


def test_an_experiment_not_yet_evaluated_cannot_be_reproduced(client, demo, agent, other_agent):
    experiment = _experiment(client, agent, demo["Vosk"])
    client.force_login(other_agent)
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "Reproduire ce projet dans ma collectivité" not in page
    assert "pas encore évaluée" in page
    response = client.post(f"/catalogue/experimentations/{experiment.pk}/reproduire/", follow=True)
    assert "pas encore évaluée" in response.content.decode()
    assert Experiment.objects.count() == 1


def test_a_stopped_experiment_is_not_reproduced_but_an_iterated_one_is(
    client, demo, agent, other_agent
):
    stopped = _experiment(client, agent, demo["Vosk"])
    _report(client, agent, stopped, "arreter")
    with pytest.raises(services.ValidationError, match="arrêtée"):
        services.replicate(stopped, other_agent)
    iterated = _experiment(client, agent, demo["Vosk"])
    _report(client, agent, iterated, "iterer")
    client.force_login(other_agent)
    assert (
        "Reproduire ce projet dans ma collectivité"
        in client.get(iterated.get_absolute_url()).content.decode()
    )
    copy = services.replicate(iterated, other_agent)
    assert copy.replicated_from == iterated and copy.carrier == other_agent.organisation
    # The copy's budget is its own: the source's restricted budget is not carried over.
    assert copy.budget == ""


# --- Reproducing a register record (fixture `used_record` in conftest.py) -------------------


def test_another_collectivite_reproduces_a_record_from_the_solution_page(
    client, demo, used_record, other_agent, other_organisation
):
    solution = demo["Vosk"]
    client.force_login(other_agent)
    page = client.get(solution.get_absolute_url()).content.decode()
    assert "Bon résultat sur les séances calmes." in page  # how it went
    assert "Reproduire ce projet dans ma collectivité" in page

    response = client.post(
        f"/catalogue/registre/{used_record.pk}/reproduire/", {"solution": solution.pk}
    )
    copy = Project.objects.get(organisation=other_organisation)
    assert response.status_code == 302 and response.url == f"/registre/projets/{copy.pk}/modifier/"
    # Pre-filled with what was done and how; not with who, what it cost, or its risk analysis.
    assert copy.lifecycle == Lifecycle.DRAFT
    assert copy.nom_projet == used_record.nom_projet
    assert copy.usage_description == used_record.usage_description
    assert copy.nom_algorithme == "Vosk, modèle français"
    assert copy.sous_themes == used_record.sous_themes
    assert (copy.risque, copy.financement, copy.budget, copy.projet_contact) == ("", "", "", "")
    assert copy.created_by == other_agent
    # Linked back, and to the solution.
    link = RecordReplication.objects.get()
    assert (link.source, link.project, link.solution) == (used_record, copy, solution)
    assert SolutionUse.objects.filter(solution=solution, project=copy).exists()

    # The author sees the draft on the solution page, with the link back and the count.
    page = client.get(solution.get_absolute_url())
    text = page.content.decode()
    assert "Reproduit du projet" in text and page.context["counts"]["record_replications"] == 1
    assert "2 projets du registre rattachés" in text
    api = client.get(f"/api/catalogue/solutions/{solution.pk}/").json()
    assert api["replication"]["record_replications"] == 1

    # A second click opens the same draft, it does not make another.
    client.post(f"/catalogue/registre/{used_record.pk}/reproduire/", {"solution": solution.pk})
    assert Project.objects.filter(organisation=other_organisation).count() == 1

    # Anonymous readers see neither the draft nor its count until it is published.
    client.logout()
    page = client.get(solution.get_absolute_url())
    assert page.context["counts"]["record_replications"] == 0
    assert "Reproduit du projet" not in page.content.decode()
    assert "1 projet du registre rattaché " in page.content.decode()
    api = client.get(f"/api/catalogue/solutions/{solution.pk}/").json()
    assert api["replication"]["record_replications"] == 0
    copy.lifecycle = Lifecycle.PUBLISHED
    copy.save()
    page = client.get(solution.get_absolute_url())
    assert page.context["counts"]["record_replications"] == 1
    assert "Reproduit 1 fois" in page.content.decode()


def test_record_replication_is_refused_when_it_must_be(
    client, demo, used_record, agent, elu, other_agent, organisation
):
    url = f"/catalogue/registre/{used_record.pk}/reproduire/"
    # Anonymous: to the login page; an élu (no contribution): 403; nothing written.
    assert client.post(url).status_code == 302
    client.force_login(elu)
    assert client.post(url).status_code == 403
    # Its own collectivité: refused with a message.
    client.force_login(agent)
    response = client.post(url, {"solution": demo["Vosk"].pk}, follow=True)
    assert "déjà celui de votre collectivité" in response.content.decode()
    # A draft of another collectivité cannot be reproduced (the agent cannot even see it).
    draft = ProjectFactory(organisation=organisation, lifecycle=Lifecycle.DRAFT)
    client.force_login(other_agent)
    assert client.post(f"/catalogue/registre/{draft.pk}/reproduire/").status_code == 404
    moderator = User.objects.create_user("mod-repl", role=Role.MODERATOR, password="x-Y-z-123456")
    with pytest.raises(services.PermissionDenied):
        services.replicate_record(used_record, moderator)  # no collectivité to copy into
    assert RecordReplication.objects.count() == 0
    assert Project.objects.count() == 2


def test_the_experiment_page_reproduces_its_register_record(
    client, demo, used_record, agent, other_agent, other_organisation
):
    experiment = _experiment(client, agent, demo["Vosk"], project=used_record)
    client.force_login(other_agent)
    assert (
        "Reproduire sa fiche du registre"
        not in client.get(experiment.get_absolute_url()).content.decode()
    )  # not evaluated yet
    response = client.post(
        f"/catalogue/registre/{used_record.pk}/reproduire/",
        {"experimentation": experiment.pk},
        follow=True,
    )
    assert "pas encore évaluée" in response.content.decode()
    assert not RecordReplication.objects.exists()
    _report(client, agent, experiment, "deployer")
    client.force_login(other_agent)
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "Reproduire sa fiche du registre dans ma collectivité" in page
    client.post(
        f"/catalogue/registre/{used_record.pk}/reproduire/",
        {"experimentation": experiment.pk},
    )
    link = RecordReplication.objects.get()
    assert link.experiment == experiment and link.solution == demo["Vosk"]
    assert link.project.organisation == other_organisation
    page = client.get(experiment.get_absolute_url()).content.decode()
    assert "fiche du registre reproduite 1 fois" in page
