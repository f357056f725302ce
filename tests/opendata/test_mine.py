"""« Mes jeux de données »: an agent finds their organisation's datasets, the failed analyses
with the reason in plain French and what to do, the work in progress, what awaits review."""

from html import unescape

from django.urls import reverse

from territoria.opendata import publishing

from .conftest import new_resource, upload

MINE = "/donnees/mes-jeux/"


def test_failed_analysis_is_listed_with_reason_and_what_to_do(client, agent, dataset):
    resource = new_resource(dataset, "Subventions 2024")
    ragged = b"Beneficiaire;Montant\nCentre social;1200\nClub de judo;800;en trop\nChorale;300\n"
    version = publishing.receive_file(resource, upload("s.csv", ragged), "s.csv")
    version.refresh_from_db()
    assert version.status == "failed"
    client.force_login(agent)
    html = unescape(client.get(MINE).content.decode())
    assert reverse("opendata:mine") == MINE
    assert "À reprendre (1)" in html and "Ligne 3" in html
    assert "Que faire" in html and "Déposer le fichier corrigé" in html
    assert "Pas encore publié" in html
    assert "Traceback" not in html and "Error" not in html


def test_pending_and_review_versions_are_listed(client, agent, dataset, settings):
    resource = new_resource(dataset, "Budget")
    version = publishing.receive_file(
        resource, upload("b.csv", b"commune;courriel\nLyon;a@b.fr\n"), "b.csv"
    )
    version.refresh_from_db()
    assert version.status == "review"  # a personal-data column waits for a decision
    client.force_login(agent)
    html = unescape(client.get(MINE).content.decode())
    assert "À vérifier avant publication (1)" in html and "colonne à caractère personnel" in html
    version.status = "uploaded"
    version.save()
    html = unescape(client.get(MINE).content.decode())
    assert "En cours (1)" in html and "Déposé, en attente d'analyse" in html


def test_published_dataset_state_and_other_organisations(client, agent, other_agent, subsidies):
    client.force_login(agent)
    html = unescape(client.get(MINE).content.decode())
    assert "Publié (1 ressource)" in html and "Rien n'attend votre intervention" in html
    client.force_login(other_agent)
    other = unescape(client.get(MINE).content.decode())
    assert subsidies.dataset.title not in other


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(MINE)
    assert response.status_code == 302


def test_catalogue_marks_a_producers_unpublished_datasets(client, agent, dataset):
    resource = new_resource(dataset, "Brouillon")
    publishing.receive_file(resource, upload("b.csv", b"a;b\n1;2\n"), "b.csv")
    client.force_login(agent)
    html = unescape(client.get(reverse("opendata:catalog")).content.decode())
    assert dataset.title in html and "Non publié : visible par votre organisation" in html
