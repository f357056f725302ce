"""Summary of a selection of documents of an assistant collection (issue 19: « summaries of a
document or a collection's selection »): one summary, every sentence citing its document and
passage; extractive without a model (never invents); the collection's access rule enforced —
another organisation's collection or document is refused whatever is posted."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.redaction.models import JobKind, JobState, WritingJob
from territoria.redaction.services import selection
from territoria.redaction.services.texts import InputError

pytestmark = pytest.mark.django_db

VOIRIE = """# Plan vélo 2025

Le conseil a adopté le plan vélo de la commune le 12 mars 2025.
Le plan prévoit 14 kilomètres de pistes cyclables nouvelles d'ici 2028.
Le budget du plan vélo s'élève à 2,4 millions d'euros sur quatre ans.
Les travaux de la rue des Lilas commencent au printemps pour sécuriser le trajet des écoliers.
Un comité d'usagers suivra chaque année l'avancement du plan vélo.
"""
ECOLES = """# Restauration scolaire

La cantine des écoles sert désormais 40 % de produits biologiques et locaux.
Le prix du repas reste fixé à 3,20 euros pour les familles de la commune.
Une nouvelle cuisine centrale ouvrira en septembre 2026 pour les six écoles.
Les menus sont affichés chaque semaine sur le site de la commune et à l'entrée des écoles.
"""
CANARY = "Le mot de passe du coffre de la régie voisine est 7319-CANARI."


def _collection(slug, organisation, folder, files, visibility=Visibility.ORGANISATION):
    collection = Collection.objects.create(
        slug=slug, name=slug.capitalize(), organisation=organisation, visibility=visibility
    )
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    run_job(add_files(collection, collect_files(folder)))
    return collection


@pytest.fixture
def collections(organisation, other_organisation, tmp_path):
    ours = _collection(
        "commune",
        organisation,
        tmp_path / "commune",
        {"velo.md": VOIRIE, "ecoles.md": ECOLES},
    )
    theirs = _collection(
        "voisine",
        other_organisation,
        tmp_path / "voisine",
        {"coffre.md": f"# Coffre de la régie voisine\n\n{CANARY}\n{ECOLES}"},
    )
    return ours, theirs


def _summarise(client, collection, documents, max_words=60):
    data = {
        "collection": collection.slug,
        "documents": [str(d.pk) for d in documents],
        "max_words": max_words,
    }
    return client.post(reverse("redaction:summary_selection"), data)


def test_a_selection_becomes_one_summary_citing_each_documents_passage(
    client, agent, collections, django_capture_on_commit_callbacks
):
    ours, _theirs = collections
    client.force_login(agent)
    page = client.get(reverse("redaction:summary_selection")).content.decode()
    assert "Commune" in page and "Voisine" not in page
    listing = client.get(reverse("redaction:summary_selection"), {"collection": "commune"})
    assert "Plan vélo 2025" in listing.content.decode()
    documents = list(ours.documents.order_by("source"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _summarise(client, ours, documents)
    job = WritingJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.kind == JobKind.SUMMARY
    assert job.method == "extractive" and job.energy_wh > 0
    sentences = job.result["sentences"]
    assert sum(len(s["text"].split()) for s in sentences) <= 60
    by_title = {d.title: d for d in documents}
    cited = {s["citation"]["title"] for s in sentences}
    assert cited == {"Plan vélo 2025", "Restauration scolaire"}  # every document speaks
    for s in sentences:
        # Never invents: each sentence is written in the very document it cites.
        source = VOIRIE if s["citation"]["title"] == "Plan vélo 2025" else ECOLES
        assert s["text"] in source
        assert s["citation"]["url"].startswith(
            reverse("assistant:document", args=[by_title[s["citation"]["title"]].pk])
        )
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Plan vélo 2025, passage 1" in html and "Restauration scolaire, passage 1" in html
    markdown = client.get(reverse("redaction:export_job", args=[job.pk, "md"])).content.decode()
    assert "(Restauration scolaire, passage 1)" in markdown
    # The cited passage opens for the agent (the assistant's own access rule).
    assert client.get(sentences[0]["citation"]["url"]).status_code == 200


def test_another_organisations_collection_or_document_is_refused(
    client, agent, other_agent, collections
):
    ours, theirs = collections
    foreign = theirs.documents.get()
    client.force_login(agent)
    url = reverse("redaction:summary_selection")
    assert client.get(url, {"collection": "voisine"}).status_code == 404
    assert (
        client.post(url, {"collection": "voisine", "documents": [str(foreign.pk)]}).status_code
        == 404
    )
    # Their document posted with our collection: refused by the form, nothing queued or shown.
    response = _summarise(client, ours, [ours.documents.first(), foreign])
    html = response.content.decode()
    assert response.status_code == 200 and "pas dans cette collection" in html
    assert "CANARI" not in html and "Coffre" not in html
    assert not WritingJob.objects.exists()
    # The service refuses it too, whoever calls it, with the message of a missing document.
    with pytest.raises(InputError, match="introuvable"):
        selection.build(agent, [foreign])
    assert [c.slug for c in selection.readable_collections(other_agent)] == ["voisine"]


def test_a_group_collection_stays_with_its_group(client, agent, organisation, tmp_path):
    group = Group.objects.create(name="Régie")
    regie = _collection(
        "regie",
        organisation,
        tmp_path / "regie",
        {"coffre.md": f"# Coffre\n\n{CANARY}\n{ECOLES}"},
        visibility=Visibility.GROUP,
    )
    regie.groups.add(group)
    client.force_login(agent)
    url = reverse("redaction:summary_selection")
    assert client.get(url, {"collection": "regie"}).status_code == 404
    with pytest.raises(InputError, match="introuvable"):
        selection.build(agent, [regie.documents.get()])
    agent.groups.add(group)
    assert client.get(url, {"collection": "regie"}).status_code == 200


def test_an_empty_selection_and_readers_without_the_tools(client, agent, elu, collections):
    ours, _theirs = collections
    client.force_login(agent)
    response = _summarise(client, ours, [])
    assert "Choisissez au moins un document." in response.content.decode()
    client.force_login(elu)
    assert client.get(reverse("redaction:summary_selection")).status_code == 403
