import pytest

from territoria.catalogue.importer import load_demo


@pytest.fixture
def demo(db):
    """The 44 real solutions of the demo catalogue, imported from its CSV."""
    load_demo()
    from territoria.catalogue.models import Solution

    return {s.name: s for s in Solution.objects.all()}
