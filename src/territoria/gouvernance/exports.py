"""Public exports of the governance summaries (page downloads and the open-data dataset).

Rows are built for an anonymous reader from `stats.record_summary` (published records, no
restricted value), so nothing restricted can reach them by construction.
"""

import csv
import hashlib
import io
import json
from pathlib import Path

from django.db.models import Count, Q
from django.http import Http404, HttpResponse

from territoria.core.csv_safety import neutralise
from territoria.gouvernance import stats
from territoria.gouvernance.models import CitizenMessage, ReviewSupport
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
    # Added after the first columns (readers of the older files keep their positions).
    *(f"confiance_{rid}" for rid, _title in stats.requirement_titles()),
    "obligations",
    "obligations_faites",
    "frugalite_alternative_etudiee",
    "frugalite_pratiques_part",
    "frugalite_besoins_maitrises",
    "energie_kwh_par_an",
    "co2e_kg_par_an",
    "questions_publiees",
    "questions_sans_reponse",
    "soutiens_examen",
]


def summary_row(s: dict, counts: dict | None = None) -> dict:
    """One record's public governance summary (`stats.record_summary`) as an export row;
    `counts`: its published questions, unanswered ones and review supports."""
    figures = s["frugality_figures"] or {}
    gates = figures.get("gates", {})
    c = s["classification"]
    trust_scores = s["trust"].scores if s["trust"] else {}
    obligations = list(c.obligations.all()) if c else []
    counts = counts or {}
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
        **{
            f"confiance_{rid}": "" if trust_scores.get(rid) is None else trust_scores[rid]
            for rid, _title in stats.requirement_titles()
        },
        "obligations": len(obligations) if c else "",
        "obligations_faites": sum(1 for o in obligations if o.done) if c else "",
        "frugalite_alternative_etudiee": gates.get("alternative", ""),
        "frugalite_pratiques_part": figures.get("practices_share", ""),
        "frugalite_besoins_maitrises": gates.get("limites", ""),
        "energie_kwh_par_an": figures.get("energy_kwh_per_year", ""),
        "co2e_kg_par_an": figures.get("co2e_kg_per_year", ""),
        "questions_publiees": counts.get("questions", 0),
        "questions_sans_reponse": counts.get("open", 0),
        "soutiens_examen": counts.get("supports", 0),
    }


def _counts(projects) -> dict:
    """{project id: published questions, unanswered ones, review supports} in two queries."""
    published = (
        CitizenMessage.objects.filter(
            project__in=projects,
            status=CitizenMessage.Status.PUBLISHED,
            kind=CitizenMessage.Kind.QUESTION,
        )
        .values("project_id")
        .annotate(questions=Count("pk"), open=Count("pk", filter=Q(answer="")))
    )
    counts = {row["project_id"]: dict(row) for row in published}
    supports = (
        ReviewSupport.objects.filter(project__in=projects)
        .values("project_id")
        .annotate(n=Count("pk"))
    )
    for row in supports:
        counts.setdefault(row["project_id"], {})["supports"] = row["n"]
    return counts


def public_rows(organisation=None) -> list[dict]:
    """Rows of the published records (of one organisation, if given): built for an anonymous
    reader whatever the caller, so nothing restricted can reach them."""
    projects = visible_projects(None)
    if organisation is not None:
        projects = projects.filter(organisation=organisation)
    counts = _counts(projects)
    return [
        summary_row(stats.record_summary(p), counts.get(p.pk))
        for p in stats.prefetch(projects.order_by("nom_projet")).prefetch_related(
            "classifications__obligations"
        )
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
