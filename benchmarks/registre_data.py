"""Register records for benchmarks and search-quality tests: the 23 real ones, and generated ones.

`load_real_records()` reads the anchor's export (`/work/shared/data/bibliotheque-ia/data.csv`,
or $TERRITORIA_REGISTRE_CSV) with the register's vocabularies. It is a reader for measurements,
not the platform's importer (that one validates, reports and audits each line).

`generate_records(n)` builds realistic records: organisations of every type spread over France,
French descriptions recombined from the sentences of the real descriptions, vocabulary values
drawn with the real distribution, restricted fields filled from templates.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
import re
from pathlib import Path

from territoria.core.models import Organisation, OrganisationType
from territoria.registre import vocabulary as voc

REAL_CSV = Path(os.environ.get("TERRITORIA_REGISTRE_CSV", "/work/shared/data/bibliotheque-ia/data.csv"))
BOOKLET_JSON = Path(__file__).parent / "data" / "registre_booklet_projects.json"
ORG_TYPES = voc.Vocabulary("coll_type", list(OrganisationType.choices), voc.ORGANISATION_TYPES_SYNONYMS)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("’", "'")).strip()


def _month(raw: str):
    match = re.match(r"(\d{1,2})/(\d{4})", raw or "")
    return datetime.date(int(match.group(2)), int(match.group(1)), 1) if match else None


def real_rows() -> list[dict]:
    rows = list(csv.DictReader(REAL_CSV.open(encoding="utf-8")))
    if BOOKLET_JSON.exists():
        import json

        rows += json.loads(BOOKLET_JSON.read_text())["projects"]
    return rows


def load_real_records(lifecycle: str = voc.Lifecycle.PUBLISHED) -> list:
    """Create (or update) the real records; returns the projects."""
    from territoria.registre.models import Project

    projects = []
    for row in real_rows():
        siret = re.sub(r"\D", "", row["SIRET"])
        org, _ = Organisation.objects.update_or_create(
            siret=siret,
            defaults={
                "name": _clean(row["Nom_collectivite"]),
                "type": ORG_TYPES.code_for(row["Type_de_collectivite"]),
                "latitude": float(row["Latitude"]) if row["Latitude"] else None,
                "longitude": float(row["Longitude"]) if row["Longitude"] else None,
                "logo_url": row.get("URL_Logo", "").strip(),
                "region": row.get("Region", ""),
            },
        )
        project, _ = Project.objects.update_or_create(
            organisation=org, nom_projet=_clean(row["Nom_du_projet"]),
            defaults={
                "projet_date": _month(row["Date_de_demarrage"]),
                "projet_status": voc.PROJECT_STATUSES.code_for(row["Statut_du_projet"]),
                "partenaires": _clean(row["Partenaires"]),
                "usage_description": _clean(row["Description_service"]),
                "theme": voc.THEMES.code_for(row["Theme"]),
                "sous_themes": voc.SUB_THEMES.codes_for(row["Sous_Theme"]),
                "audiences": voc.AUDIENCES.codes_for(row["Audience"]),
                "url_infos": row.get("URL_Service", "").strip(),
                "lifecycle": lifecycle,
                **{k: v for k, v in row.get("restricted", {}).items()},
            },
        )
        projects.append(project)
    return projects
