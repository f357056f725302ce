"""Ideas from ideation sessions: filtered by session and by state, counted in French."""

from territoria.catalogue.models import Idea


def test_ideas_are_filtered_by_session_and_state(client, db, agent, organisation):
    for need, session, status in [
        ("Résumer les courriers", "Atelier accueil 2026", "idee"),
        ("Traduire les pages", "Atelier accueil 2026", "qualifiee"),
        ("Détecter les fuites", "Atelier eau", "idee"),
    ]:
        Idea.objects.create(
            organisation=organisation,
            author=agent,
            need=need,
            service="Accueil",
            benefit="Moins d'attente",
            data_available="Courriers numérisés",
            session=session,
            status=status,
        )
    assert client.get("/catalogue/idees/").status_code == 302  # internal: not for anonymous
    client.force_login(agent)
    page = client.get("/catalogue/idees/")
    text = page.content.decode()
    assert "Atelier accueil 2026 (2 idées)" in text and "Atelier eau (1 idée)" in text
    assert "Bénéfice attendu : Moins d&#x27;attente" in text
    page = client.get("/catalogue/idees/", {"session": "Atelier accueil 2026"})
    assert {i.need for i in page.context["ideas"]} == {
        "Résumer les courriers",
        "Traduire les pages",
    }
    assert "2 idées de la session « Atelier accueil 2026 »" in page.content.decode()
    page = client.get("/catalogue/idees/", {"session": "Atelier accueil 2026", "etat": "qualifiee"})
    assert [i.need for i in page.context["ideas"]] == ["Traduire les pages"]
    page = client.get("/catalogue/idees/", {"session": "Inconnue"})
    assert "Aucune idée de la session" in page.content.decode()
