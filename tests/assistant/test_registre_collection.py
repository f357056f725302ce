import pytest

from territoria.assistant.services.answering import answer_question, retrieve
from territoria.assistant.services.module_sources import source_collection
from territoria.core import modules
from territoria.registre.discovery.indexing import reindex_all
from territoria.registre.factories import OrganisationFactory, ProjectFactory
from territoria.registre.vocabulary import Lifecycle
from territoria.search.access import access_tokens

QUESTION = "Quelles collectivités détectent les fuites d'eau avec l'IA ?"


@pytest.fixture
def registre(db):
    ProjectFactory(
        nom_projet="Détection des fuites par IA",
        budget="450 000 € sur trois ans",
        organisation=OrganisationFactory(name="Eau de Lyon Métropole"),
        usage_description="L'IA détecte les fuites d'eau sur le réseau d'eau potable à partir des débits.",
    )
    ProjectFactory(
        nom_projet="Chatbot des déchets",
        usage_description="Un agent conversationnel répond sur la collecte des déchets.",
        sous_themes=["dechets"],
        nom_algorithme="Modèle de langue",
    )
    ProjectFactory(
        nom_projet="Projet en brouillon",
        lifecycle=Lifecycle.DRAFT,
        usage_description="Brouillon secret sur les fuites d'eau.",
    )
    # The projects were indexed by their one indexer as they were saved: nothing else to do.
    return source_collection(next(s for s in modules.assistant_sources() if s.slug == "registre"))


def test_citizen_asks_the_register_and_gets_public_fields_only(registre):
    answer = answer_question(QUESTION, [registre], access_tokens(None))
    assert not answer.abstained
    assert answer.passages[0].title == "Détection des fuites par IA — Eau de Lyon Métropole"
    assert answer.passages[0].url().startswith("/")
    everything = " ".join(p.text for p in answer.passages) + answer.text
    assert "450 000" not in everything and "contact@example.org" not in everything
    assert "Brouillon secret" not in everything
    # The question asks "which collectivités": the answer itself names the carrier.
    assert "projet porté par Eau de Lyon Métropole" in answer.text


def test_agent_also_gets_the_restricted_fields(registre, agent):
    passages = retrieve([registre], "budget de la détection des fuites d'eau", access_tokens(agent))
    assert any("450 000" in p.text and p.section == "Champs réservés aux agents" for p in passages)


def test_unpublished_projects_leave_the_index(registre):
    from territoria.registre.models import Project

    titles = [p.title for p in retrieve([registre], "fuites d'eau", ["public"])]
    assert any("Lyon" in title for title in titles)  # control: found while published
    project = Project.objects.get(nom_projet="Détection des fuites par IA")
    project.lifecycle = Lifecycle.ARCHIVED
    project.save()
    assert all("Lyon" not in p.title for p in retrieve([registre], "fuites d'eau", ["public"]))


def test_a_bulk_update_is_caught_up_by_a_rebuild(registre):
    from territoria.registre.models import Project

    Project.objects.filter(nom_projet="Détection des fuites par IA").update(
        lifecycle=Lifecycle.ARCHIVED
    )
    reindex_all()
    assert all("Lyon" not in p.title for p in retrieve([registre], "fuites d'eau", ["public"]))


def test_deleted_projects_leave_the_assistant(registre):
    """The assistant reads the register's own documents: a delete removes them for it too
    (its former copy in `assistant:registre` was never removed)."""
    from territoria.registre.models import Project

    assert any("Lyon" in p.title for p in retrieve([registre], "fuites d'eau", ["public"]))
    Project.objects.get(nom_projet="Détection des fuites par IA").delete()
    assert all("Lyon" not in p.title for p in retrieve([registre], "fuites d'eau", ["public"]))


def test_the_register_is_serialised_once(registre):
    """One namespace holds the project: the assistant's collection reads the register's."""
    from territoria.search.models import IndexedDocument

    assert registre.namespace == "registre"
    assert not IndexedDocument.objects.filter(namespace__startswith="assistant:").exists()
