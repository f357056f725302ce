"""The layer documents itself in the register of AI systems: the benchmark's figures (checked
against the committed JSON) and, live, the latest published layer of this instance."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from territoria.core.modules import self_descriptions
from territoria.plantabilite import apps

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "plantabilite.json"


def _entry():
    return next(d for d in self_descriptions() if d.name == "Calque de plantabilité")


def _fr(value, digits=1):
    return f"{value:.{digits}f}".replace(".", ",")


def test_register_figures_are_those_of_the_committed_benchmark():
    result = json.loads(RESULTS.read_text(encoding="utf-8"))
    largest = max(result["areas"], key=lambda a: a["cells"])
    assert largest["cells"] >= 1_000_000
    assert f"en {round(largest['seconds'])} s murales" in apps.PERFORMANCE
    assert f"({_fr(largest['cpu_seconds'])} s de CPU)" in apps.PERFORMANCE
    assert f"{round(largest['peak_rss_mb'])} Mo" in apps.PERFORMANCE
    assert f"tuiles p95 {round(largest['tiles']['p95_ms'])} ms" in apps.PERFORMANCE
    assert f"{_fr(largest['cpu_seconds'])} s de CPU pour 1 million" in apps.ENERGY
    assert result["baseline_shapely_per_cell"]["class_agreement"] == 1.0
    assert "100 % des mailles dans la même classe" in apps.PERFORMANCE
    served = json.loads(RESULTS.with_name("plantabilite_tiles.json").read_text(encoding="utf-8"))
    assert f"plateforme : {round(served['served']['p95_ms'])} ms" in apps.PERFORMANCE


@pytest.mark.django_db
def test_without_a_computation_the_register_shows_the_benchmark_only():
    entry = _entry()
    assert str(entry.performance) == apps.PERFORMANCE
    assert str(entry.energy) == apps.ENERGY


def test_register_page_describes_the_latest_published_layer(client, computed):
    stats = computed.stats
    cells = stats["cells"]
    plantable = sum(stats["classes"][7:])
    page = client.get(reverse("registre:platform")).content.decode()
    assert "Calque de plantabilité" in page
    assert (
        "Dernier calque publié sur cette instance : Quartier témoin" in page
        and "profil « Profil de Lyon », version 1" in page
    )
    assert "1\u202f600 mailles de 5 m à partir de 2 couches" in page
    assert f"{_fr(100 * plantable / cells)} % en classe 7 ou plus" in page
    assert "s de CPU, ≈" in page and stats["cpu_seconds"] >= 0
    # Public facts only: the operator's restricted layer is counted, never named.
    assert "GRDF-témoin" not in page and "Opérateur-gaz-témoin" not in page


def test_an_unpublished_computation_is_not_described(client, computed):
    computed.public = False
    computed.save()
    page = client.get(reverse("registre:platform")).content.decode()
    assert "Dernier calque publié" not in page
