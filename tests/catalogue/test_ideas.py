"""Ideation sessions: objects with participants; ideas belong to a session, are voted by its
participants while it is open and triaged in one go by its host (all or nothing)."""

import datetime

import pytest

from territoria.catalogue import services
from territoria.catalogue.models import Idea, IdeationSession


def _idea(session, need, status="idee"):
    return Idea.objects.create(
        organisation=session.organisation,
        author=session.facilitator,
        session=session,
        need=need,
        service="Accueil",
        benefit="Moins d'attente",
        data_available="Courriers numérisés",
        status=status,
    )


@pytest.fixture
def atelier(agent, organisation):
    return services.create_session(
        agent, title="Atelier accueil 2026", date=datetime.date(2026, 3, 12)
    )


def test_ideas_are_filtered_by_session_and_state(client, db, agent, atelier):
    eau = services.create_session(agent, title="Atelier eau", date=datetime.date(2026, 4, 2))
    _idea(atelier, "Résumer les courriers")
    _idea(atelier, "Traduire les pages", "qualifiee")
    _idea(eau, "Détecter les fuites")
    assert client.get("/catalogue/idees/").status_code == 302  # internal: not for anonymous
    client.force_login(agent)
    page = client.get("/catalogue/idees/")
    text = page.content.decode()
    assert "Atelier accueil 2026 (2 idées)" in text and "Atelier eau (1 idée)" in text
    assert "2 sessions" in text
    assert "Bénéfice attendu : Moins d&#x27;attente" in text
    page = client.get("/catalogue/idees/", {"session": atelier.pk})
    assert {i.need for i in page.context["ideas"]} == {
        "Résumer les courriers",
        "Traduire les pages",
    }
    assert "2 idées de la session « Atelier accueil 2026 »" in page.content.decode()
    page = client.get("/catalogue/idees/", {"session": atelier.pk, "etat": "qualifiee"})
    assert [i.need for i in page.context["ideas"]] == ["Traduire les pages"]
    page = client.get("/catalogue/idees/", {"session": "pas-un-identifiant"})
    assert page.context["ideas"] == [] and "(inconnue)" in page.content.decode()


def test_a_session_has_participants_who_alone_propose_and_vote(
    client, agent, other_agent, elu, atelier
):
    url = atelier.get_absolute_url()
    client.force_login(other_agent)
    page = client.get(url).content.decode()
    assert "1 participant" in page and "Rejoindre la session" in page
    # Not a participant yet: no idea, no vote (also by direct POST).
    response = client.post(url, {"action": "proposer", "need": "x", "service": "y", "benefit": "z"})
    assert response.status_code == 403 and not Idea.objects.exists()
    idea = _idea(atelier, "Répondre aux questions d'état civil")
    assert client.post(f"/catalogue/idees/{idea.pk}/vote/").status_code == 403
    assert idea.voters.count() == 0
    # Joins, proposes in the session, votes for both ideas; a second vote withdraws it.
    client.post(url, {"action": "rejoindre"})
    assert set(atelier.participants.all()) == {agent, other_agent}
    response = client.post(
        url,
        {
            "action": "proposer",
            "need": "Traduire les courriers",
            "service": "Accueil",
            "benefit": "Réponses plus rapides",
        },
    )
    assert response.status_code == 302
    mine = Idea.objects.get(need="Traduire les courriers")
    assert mine.session == atelier and mine.organisation == other_agent.organisation
    client.post(f"/catalogue/idees/{idea.pk}/vote/", {"retour": "session"})
    assert list(idea.voters.all()) == [other_agent]
    client.post(f"/catalogue/idees/{idea.pk}/vote/")
    assert idea.voters.count() == 0
    client.post(f"/catalogue/idees/{idea.pk}/vote/")
    # An élu reads the session but takes no part.
    client.force_login(elu)
    page = client.get(url).content.decode()
    assert "Traduire les courriers" in page and "Rejoindre la session" not in page
    assert client.post(url, {"action": "rejoindre"}).status_code == 403
    # Closed: no more ideas nor votes, the vote already cast stays.
    client.force_login(other_agent)
    assert client.post(url, {"action": "fermer"}).status_code == 403  # not the host
    client.force_login(agent)
    client.post(url, {"action": "fermer"})
    atelier.refresh_from_db()
    assert not atelier.open
    client.force_login(other_agent)
    client.post(f"/catalogue/idees/{idea.pk}/vote/")
    assert list(idea.voters.all()) == [other_agent]
    response = client.post(
        url, {"action": "proposer", "need": "Encore", "service": "Accueil", "benefit": "b"}
    )
    assert response.status_code == 403 and not Idea.objects.filter(need="Encore").exists()


def test_the_ideas_page_proposes_only_in_a_session_one_takes_part_in(client, agent, other_agent):
    client.force_login(other_agent)
    page = client.get("/catalogue/idees/").content.decode()
    assert "rejoignez une session ouverte" in page
    response = client.post(
        "/catalogue/idees/", {"need": "Sans session", "service": "Accueil", "benefit": "b"}
    )
    assert not Idea.objects.exists() and response.status_code == 200
    client.post(
        "/catalogue/idees/sessions/nouvelle/", {"title": "Atelier RH", "date": "2026-05-04"}
    )
    session = IdeationSession.objects.get()
    assert session.facilitator == other_agent and list(session.participants.all()) == [other_agent]
    assert session.organisation == other_agent.organisation
    client.post(
        "/catalogue/idees/",
        {"session": session.pk, "need": "Trier les CV", "service": "RH", "benefit": "b"},
    )
    assert Idea.objects.get().session == session
    client.force_login(agent)  # not a participant of that session: it is not offered
    assert session not in client.get("/catalogue/idees/").context["form"].fields["session"].queryset


def test_the_host_triages_the_ideas_in_one_go_all_or_nothing(client, agent, other_agent, atelier):
    first = _idea(atelier, "Résumer les courriers")
    second = _idea(atelier, "Traduire les pages")
    url = atelier.get_absolute_url()
    client.force_login(other_agent)  # another collectivité's agent: not the host
    atelier.participants.add(other_agent)
    assert "Enregistrer le tri" not in client.get(url).content.decode()
    response = client.post(url, {"action": "trier", f"etat-{first.pk}": "qualifiee"})
    assert response.status_code == 403
    client.force_login(agent)
    # One impossible move (idea → deployed): nothing is written, the refusal names the idea.
    response = client.post(
        url,
        {"action": "trier", f"etat-{first.pk}": "qualifiee", f"etat-{second.pk}": "deployee"},
        follow=True,
    )
    text = response.content.decode()
    assert "« Traduire les pages » : Passage impossible de « Idée » à « Déployée »" in text
    first.refresh_from_db()
    assert first.status == "idee"
    response = client.post(
        url,
        {"action": "trier", f"etat-{first.pk}": "qualifiee", f"etat-{second.pk}": "abandonnee"},
        follow=True,
    )
    assert "Tri enregistré : 2 idées" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("qualifiee", "abandonnee")


@pytest.mark.slow
def test_old_session_labels_become_sessions(transactional_db, organisation, agent):
    """The migration's data step, run on the historical models."""
    from django.apps import apps as current
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("catalogue", "0003_record_replication")]
    after = [("catalogue", "0004_ideation_sessions")]
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        OldIdea = old.get_model("catalogue", "Idea")
        for need in ("a", "b"):
            OldIdea.objects.create(
                organisation_id=organisation.pk,
                author_id=agent.pk,
                session="Atelier du 12 mars",
                need=need,
                service="s",
                benefit="b",
            )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    Session = current.get_model("catalogue", "IdeationSession")
    session = Session.objects.get()
    assert session.title == "Atelier du 12 mars" and session.organisation_id == organisation.pk
    assert list(session.participants.all()) == [agent]
    assert session.ideas.count() == 2
