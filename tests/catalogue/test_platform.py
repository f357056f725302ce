"""The catalogue through the platform's shared parts: open data, search, duplicates."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from territoria.catalogue import services
from territoria.catalogue.models import Evaluation, Provider, Solution
from territoria.opendata.models import VersionStatus
from territoria.opendata.module_datasets import refresh_module_dataset
from territoria.search import access_tokens, get_index


def test_the_catalogue_is_published_as_a_dataset_of_the_open_data_portal(demo):
    version = refresh_module_dataset("catalogue-solutions-ia")
    assert version is not None and version.status != VersionStatus.FAILED, version.error
    dataset = version.resource.dataset
    assert dataset.slug == "catalogue-des-solutions-d-ia"
    assert version.resource.table_name == "catalogue_solutions_ia"


def test_published_solutions_are_searchable_and_unpublished_ones_are_not(demo):
    hidden = Solution.objects.create(
        name="Outil confidentiel Zorglub",
        provider=demo["Vosk"].provider,
        description="Zorglub",
        hosting="sur_site",
        ai_features=["stt"],
        price_model="gratuit",
        published=False,
    )
    index = get_index()
    anonymous = access_tokens(AnonymousUser())
    hits = index.search("catalogue", "transcription parole", anonymous, mode="lexical")
    assert {"Vosk", "Whisper"} & {hit.title for hit in hits}
    assert not index.search("catalogue", "Zorglub", anonymous, mode="lexical")
    assert hidden.pk


def test_duplicates_are_detected_and_merged_on_request(demo, moderator, agent, capsys):
    other = Provider.objects.create(name="OpenAI (copie)")
    copy = Solution.objects.create(
        name="whisper",
        provider=other,
        description="doublon",
        hosting="sur_site",
        ai_features=["stt"],
        price_model="gratuit",
    )
    services.save_evaluation(copy, agent, {"adequation.besoin": (2, "")})
    call_command("catalogue", "duplicates")
    assert "Whisper (OpenAI" in capsys.readouterr().out
    with pytest.raises(PermissionDenied):
        services.merge(demo["Whisper"], copy, agent)
    call_command(
        "catalogue", "merge", str(demo["Whisper"].pk), str(copy.pk), "--user", moderator.username
    )
    copy.refresh_from_db()
    assert copy.merged_into == demo["Whisper"] and not copy.published
    assert Evaluation.objects.get().solution == demo["Whisper"]
    assert services.duplicate_groups() == []
