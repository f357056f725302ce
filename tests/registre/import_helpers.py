"""Real files for the import tests: the anchor's data.csv and variations written to tmp_path."""

import csv
import io
from pathlib import Path

from tests.shared_data import (
    BIBLIOTHEQUE_IA_CSV,
    BIBLIOTHEQUE_IA_PROCESSED_CSV,
    NL_REGISTER_FULL,
    NL_REGISTER_SAMPLE,
    UK_REGISTER,
)

ANCHOR_CSV = BIBLIOTHEQUE_IA_CSV  # the anchor's data.csv, committed
PROCESSED_CSV = BIBLIOTHEQUE_IA_PROCESSED_CSV
NL_JSON = NL_REGISTER_SAMPLE  # 40 records of the Dutch register
NL_JSON_FULL = NL_REGISTER_FULL  # 1530 records, only beside the shared data
UK_JSON = UK_REGISTER

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
