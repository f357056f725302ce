"""Real files for the import tests: the anchor's data.csv and variations written to tmp_path."""

import csv
import io
from pathlib import Path

from tests.shared_data import SHARED_DATA

DATA_DIR = SHARED_DATA
FIXTURES = Path(__file__).resolve().parents[2] / "src" / "territoria" / "registre" / "fixtures"
ANCHOR_CSV = FIXTURES / "bibliotheque-ia-data.csv"  # copy of bibliotheque-ia/data.csv
PROCESSED_CSV = DATA_DIR / "bibliotheque-ia" / "processed_data.csv"
NL_JSON = DATA_DIR / "registers" / "nl-algoritmeregister.json"
UK_JSON = DATA_DIR / "registers" / "uk-atrs.json"

HEADER = [
    "Nom_collectivite",
    "Nom_du_projet",
    "SIRET",
    "Latitude",
    "Longitude",
    "Type_de_collectivite",
    "Date_de_demarrage",
    "Statut_du_projet",
    "Partenaires",
    "Description_service",
    "Theme",
    "Sous_Theme",
    "Audience",
    "URL_Service",
    "URL_Logo",
    "Date_de_derniere_mise_a_jour",
]


def anchor_row(**overrides) -> dict:
    """A valid line in the anchor's shape (Ville de Metz, real SIRET)."""
    row = {
        "Nom_collectivite": "Ville de Metz",
        "Nom_du_projet": "ViPARE",
        "SIRET": "20003986500106",
        "Latitude": "49.1197005",
        "Longitude": "6.1762685",
        "Type_de_collectivite": "Commune",
        "Date_de_demarrage": "01/2024",
        "Statut_du_projet": "En expérimentation",
        "Partenaires": "NAIA Science",
        "Description_service": "Mesure de la propreté des rues.",
        "Theme": "Transition écologique et énergétique",
        "Sous_Theme": "Déchets et économie circulaire",
        "Audience": "Grand public",
        "URL_Service": "https://metz.fr/",
        "URL_Logo": "https://metz.fr/logo.png",
        "Date_de_derniere_mise_a_jour": "16/04/2025",
    }
    row.update(overrides)
    return row


def csv_text(rows: list[dict], delimiter: str = ",", header: list[str] = HEADER) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=header, delimiter=delimiter, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(tmp_path, rows, name="import.csv", encoding="utf-8", **kwargs) -> Path:
    path = tmp_path / name
    path.write_bytes(csv_text(rows, **kwargs).encode(encoding))
    return path
