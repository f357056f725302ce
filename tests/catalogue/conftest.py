import pytest

from territoria.catalogue.importer import load_demo
from territoria.catalogue.models import SolutionUse
from territoria.registre.factories import ProjectFactory


@pytest.fixture
def demo(db):
    """The 44 real solutions of the demo catalogue, imported from its CSV."""
    load_demo()
    from territoria.catalogue.models import Solution

    return {s.name: s for s in Solution.objects.all()}


@pytest.fixture
def used_record(demo, organisation):
    project = ProjectFactory(
        organisation=organisation,
        nom_projet="Transcription des conseils municipaux",
        usage_description="Transcrire les séances pour publier les comptes rendus.",
        nom_algorithme="Vosk, modèle français",
        risque="RISQUE-RESTREINT-9931",
        budget="moins_50k",
        financement="FINANCEMENT-RESTREINT-5512",
        projet_contact="elu.numerique@testville.example.org",
    )
    SolutionUse.objects.create(
        solution=demo["Vosk"], project=project, note="Bon résultat sur les séances calmes."
    )
    return project
