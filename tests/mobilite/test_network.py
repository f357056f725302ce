"""Networks: a SUMO .net.xml imported, an OSM extract built by netconvert, bad files refused."""

from pathlib import Path

import pytest

from territoria.mobilite import network as network_service
from territoria.mobilite.models import Network

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def test_sumo_home_is_the_installed_package(monkeypatch):
    from territoria.mobilite import sumo

    monkeypatch.setenv("SUMO_HOME", "/nowhere")
    assert (sumo.sumo_home() / "bin" / "sumo").exists()
    assert sumo.environment()["SUMO_HOME"] == str(sumo.sumo_home())
    assert sumo.version().startswith("1.28")


def test_import_net_xml():
    found = network_service.import_network(FIXTURES / "grid3.net.xml", name="Grille")
    assert found.counts == {"tronçons": 24, "voies": 48, "carrefours": 9, "feux": 9}
    assert found.net_file.exists()
    assert found.elements["tls"]["B1"]["phases"][0] == [42, "GGGggrrrrrGGGggrrrrr"]
    features = network_service.geojson(found)["features"]
    assert sum(f["geometry"]["type"] == "LineString" for f in features) == 24
    assert sum(f["geometry"]["type"] == "Point" for f in features) == 9


def test_build_from_osm_extract():
    found = network_service.import_network(FIXTURES / "helsinki_small.osm", name="Helsinki")
    assert found.counts["tronçons"] >= 10
    assert "+proj=utm +zone=35" in found.projection
    assert any(e[1] for e in found.elements["edges"])  # street names kept (--output.street-names)


def test_rejected_files_leave_nothing(tmp_path):
    bad = tmp_path / "faux.net.xml"
    bad.write_text("<net><edge id='a' from='x'/></net>")
    with pytest.raises(network_service.NetworkError, match="faux.net.xml refusé par netconvert"):
        network_service.import_network(bad)
    other = tmp_path / "plan.shp"
    other.write_text("x")
    with pytest.raises(network_service.NetworkError, match="format inconnu"):
        network_service.import_network(other)
    assert Network.objects.count() == 0
