"""Register search: French analysis, visibility of restricted text, typos, bad queries, facets."""

import pytest
from benchmarks.registre_data import load_real_records

from territoria.registre.discovery.indexing import embed_pending
from territoria.registre.discovery.service import search_projects
from territoria.registre.discovery.text import match_projects


@pytest.fixture
def real_records(db):
    return load_real_records()


@pytest.fixture
def embedded_real_records(real_records):
    embed_pending()
    return real_records


def names(result):
    return [p.nom_projet for p in result.projects]


def lexical_names(text, user=None):
    return [p.nom_projet for p in search_projects({"q": text, "mode": "lexical"}, user).projects]


@pytest.mark.parametrize("query", ["fuites d'eau", "FUITES D’EAU", "fuite eau", "fuites"])
def test_search_anonymous_finds_water_leaks_with_elision_case_and_plural(real_records, query):
    assert "Expérimentation IA pour la détection des fuites d'eau" in lexical_names(query)


def test_search_anonymous_finds_callbot_encombrants(real_records):
    assert lexical_names("callbot encombrants")[0] == "Callbot pour le ramassage des encombrants"


def test_search_accents_folded_both_ways(real_records):
    assert "RECITAL" in lexical_names("energetique batiments")
    assert "RECITAL" in lexical_names("énergétique bâtiments")


def test_search_typo_is_corrected_and_reader_told(real_records):
    result = search_projects({"q": "encombrnts", "mode": "lexical"}, None)
    assert "Callbot pour le ramassage des encombrants" in names(result)
    assert result.corrected_text == "encombrants"
    assert result.suggestion == ""


def test_search_as_typed_offers_the_correction_without_applying_it(real_records):
    """?orthographe=exacte: the reader keeps control — the typo is searched as typed (nothing
    found) and the correction is only offered."""
    result = search_projects({"q": "encombrnts", "mode": "lexical", "orthographe": "exacte"}, None)
    assert result.total == 0
    assert result.corrected_text == ""
    assert result.suggestion == "encombrants"
    assert "orthographe=exacte" not in result.suggestion_query_string
    assert "q=encombrants" in result.suggestion_query_string


@pytest.mark.parametrize(
    "query",
    [
        "robot qui répond au téléphone pour les objets volumineux",
        "assistant téléphonique pour les objets volumineux",
        "prise de rendez-vous au téléphone pour les déchets volumineux",
        # typed without accents, as people often do: still French words, not typos
        "robot qui repond au telephone pour les objets volumineux",
        "vehicule qui releve les dechets deposes",
    ],
)
def test_search_never_corrects_real_french_words(real_records, query):
    """A paraphrase uses words the register does not: they are not typos (issue 12)."""
    result = search_projects({"q": query, "mode": "lexical"}, None)
    assert result.corrected_text == ""
    assert result.suggestion == ""


def test_search_corrects_a_typo_beside_real_words(real_records):
    result = search_projects({"q": "ramassage des encombrnts", "mode": "lexical"}, None)
    assert result.corrected_text == "ramassage des encombrants"
    assert names(result)[0] == "Callbot pour le ramassage des encombrants"


def test_search_requires_every_word_when_some_project_has_them_all(real_records):
    result = search_projects({"q": "fuites eau potable", "mode": "lexical"}, None)
    assert result.total >= 1
    everything_about_water = search_projects({"q": "eau", "mode": "lexical"}, None)
    assert result.total < everything_about_water.total
    assert not any("au moins un" in m for m in result.messages)


def test_search_falls_back_to_any_word_and_tells_the_reader(real_records):
    result = search_projects({"q": "encombrants biodiversité", "mode": "lexical"}, None)
    assert {"Callbot pour le ramassage des encombrants", "PEP-BIOccIA"} <= set(names(result))
    assert any("au moins un" in m for m in result.messages)


def test_search_snippet_highlights_matched_words(real_records):
    result = search_projects({"q": "fuites d'eau", "mode": "lexical"}, None)
    snippet = result.snippets[result.ids[0]]
    assert "<mark>" in snippet


def test_search_snippet_separates_the_fields_of_the_document(real_records):
    result = search_projects({"q": "callbot encombrants", "mode": "lexical"}, None)
    snippet = result.snippets[result.ids[0]]
    # The document opens with "<name> : projet porté par <carrier> (<type>)." (the sentence the
    # assistant quotes), then one field per line.
    assert snippet.startswith(
        "<mark>Callbot</mark> pour le ramassage des <mark>encombrants</mark> : projet porté par "
        "Métropole Aix-Marseille-Provence (Métropole). · En expérimentation · Un <mark>callbot</mark>"
    )
    assert "\n" not in snippet


def test_indexing_follows_save_and_delete_and_embeds_after_commit(
    db, organisation, django_capture_on_commit_callbacks
):
    from territoria.registre.factories import ProjectFactory
    from territoria.search.models import IndexedDocument

    with django_capture_on_commit_callbacks(execute=True):
        project = ProjectFactory(
            organisation=organisation,
            nom_projet="Vélos partagés",
            usage_description="Prévoir la demande de vélos en libre-service.",
        )
    public = IndexedDocument.objects.get(namespace="registre", key=str(project.pk))
    assert public.vector is not None  # the embedding job ran once the transaction committed
    assert lexical_names("VELOS") == ["Vélos partagés"]
    project.usage_description = "Prévoir la fréquentation des piscines municipales."
    project.save()
    assert lexical_names("piscine") == ["Vélos partagés"] and lexical_names(
        "vélos libre-service"
    ) == ["Vélos partagés"]
    assert lexical_names("libre-service") == []
    project.delete()
    assert not IndexedDocument.objects.filter(
        namespace="registre", key__startswith=str(project.pk)
    ).exists()


def test_reindex_command_rebuilds_index_with_embeddings(real_records):
    from django.core.management import call_command

    from territoria.search import get_index
    from territoria.search.models import IndexedDocument

    get_index().clear("registre")
    call_command("reindex_registre", verbosity=0)
    assert IndexedDocument.objects.filter(namespace="registre").count() == len(real_records)
    assert get_index().pending_embeddings("registre") == 0


def test_similar_projects_prefer_other_territories(embedded_real_records):
    from territoria.registre.discovery.similar import similar_projects
    from territoria.registre.models import Project

    leaks = Project.objects.get(nom_projet="Expérimentation IA pour la détection des fuites d'eau")
    similar = similar_projects(leaks, None)
    assert similar[0].nom_projet == "Mission 90+"
    assert all(p.organisation_id != leaks.organisation_id for p in similar[:3])


def test_semantic_search_finds_project_sharing_no_keyword(embedded_real_records):
    match = match_projects(
        "robot qui répond au téléphone pour les objets volumineux", None, mode="hybrid"
    )
    from territoria.registre.models import Project

    top = [Project.objects.get(pk=pk).nom_projet for pk in match.project_ids[:3]]
    assert "Callbot pour le ramassage des encombrants" in top
