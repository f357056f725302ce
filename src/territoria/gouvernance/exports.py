"""Public exports of the governance summaries (page downloads and the open-data dataset).

Rows are built for an anonymous reader from `stats.record_summary` (published records, no
restricted value), so nothing restricted can reach them by construction.
"""

import csv
import hashlib
import io
import json
from pathlib import Path

from django.http import Http404, HttpResponse

from territoria.core.csv_safety import neutralise
from territoria.gouvernance import stats
from territoria.gouvernance.permissions import visible_projects

COLUMNS = [
    "projet_id",
    "nom_projet",
    "organisation",
    "niveau_ai_act",
    "niveau_libelle",
    "version_classification",
    "regles",
    "classification_a_revoir",
    "taux_confiance_moyen",
    "autoevaluation_complete",
    "energie_wh_par_usage",
    "co2e_g_par_usage",
    "ia_frugale",
    "dernier_avis",
    "date_dernier_avis",
    "crpa_applicable",
    "crpa_incomplet",
]


def summary_row(s: dict) -> dict:
    """One record's public governance summary (`stats.record_summary`) as an export row."""
    figures = s["frugality_figures"] or {}
    c = s["classification"]
    return {
        "projet_id": str(s["project"].pk),
        "nom_projet": s["project"].nom_projet,
        "organisation": s["project"].organisation.name,
        "niveau_ai_act": s["level"],
        "niveau_libelle": s["level_label"],
        "version_classification": c.number if c else "",
        "regles": c.rules_version if c else "",
        "classification_a_revoir": s["stale"],
        "taux_confiance_moyen": s["trust_mean"] if s["trust_mean"] is not None else "",
        "autoevaluation_complete": s["trust_complete"],
        "energie_wh_par_usage": figures.get("energy_wh_per_use", ""),
        "co2e_g_par_usage": figures.get("co2e_g_per_use", ""),
        "ia_frugale": figures.get("frugal", ""),
        "dernier_avis": s["opinion"].get_verdict_display() if s["opinion"] else "",
        "date_dernier_avis": s["opinion"].given_on.isoformat() if s["opinion"] else "",
        "crpa_applicable": s["crpa_applies"],
        "crpa_incomplet": bool(s["crpa_missing"]),
    }


def public_rows(organisation=None) -> list[dict]:
    """Rows of the published records (of one organisation, if given): built for an anonymous
    reader whatever the caller, so nothing restricted can reach them."""
    projects = visible_projects(None)
    if organisation is not None:
        projects = projects.filter(organisation=organisation)
    return [
        summary_row(stats.record_summary(p))
        for p in stats.prefetch(projects.order_by("nom_projet"))
    ]


def _csv(rows, *, safe: bool) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) if safe else v for k, v in row.items()})
    return buffer.getvalue()


def export(request, format):
    rows = public_rows()
    if format == "csv":
        response = HttpResponse(_csv(rows, safe=True), content_type="text/csv; charset=utf-8")
    elif format == "json":
        response = HttpResponse(
            json.dumps(rows, ensure_ascii=False, indent=1), content_type="application/json"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="gouvernance-ia.{format}"'
    return response


def write_public_csv(path: Path) -> tuple[int, str]:
    rows = public_rows()
    text = _csv(rows, safe=False)
    path.write_text(text, encoding="utf-8")
    return len(rows), hashlib.sha256(text.encode()).hexdigest()
