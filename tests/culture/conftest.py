"""The culture module's tests import the committed extracts of the real files
(tests/fixtures/culture/SOURCE.md); the full files are tested when the shared folder is there."""

from pathlib import Path

import pytest
from django.db import transaction

from territoria.culture import museums, territory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "culture"
DECOUPAGE = FIXTURES / "decoupage"
COMMUNES = FIXTURES / "communes-76-extrait.geojson"
MUSEOFILE = FIXTURES / "museofile-extrait.csv"
ATTENDANCE = FIXTURES / "frequentation-extrait.csv"
INDICATORS = FIXTURES / "indicateurs-exemple.csv"
OLD_GEOGRAPHY = FIXTURES / "indicateurs-geographie-ancienne.csv"
VENUES = FIXTURES / "lieux-exemple.csv"
ROUEN_METROPOLE = "200023414"
ROUEN_MUSEUMS = ["7654005", "7654006", "7654010"]  # Beaux-Arts, Le Secq des Tournelles, Céramique


@pytest.fixture(autouse=True)
def decoupage_extract(monkeypatch):
    monkeypatch.setenv("TERRITORIA_DECOUPAGE_DIR", str(DECOUPAGE))


@pytest.fixture(scope="module")
def _culture_data_once(django_db_setup, django_db_blocker):
    """The extracts imported once per test module, in a transaction rolled back at its end
    (each test then runs in its own savepoint, as usual)."""
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setenv("TERRITORIA_DECOUPAGE_DIR", str(DECOUPAGE))
        with transaction.atomic():
            territory.import_communes(COMMUNES)
            museums.import_museofile(MUSEOFILE)
            museums.import_attendance(ATTENDANCE)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def culture_data(_culture_data_once, db):
    """Communes of the Métropole Rouen Normandie, museums and attendance (extracts)."""
