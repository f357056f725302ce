from pathlib import Path

import pytest

from territoria.mobilite import network as network_service

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def mobility_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def grid(db):
    return network_service.import_network(FIXTURES / "grid3.net.xml", name="Grille")
