"""Figures of the dashboards and the observatory (pages, API and exports share them)."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from territoria.core.charts import BarChart
from territoria.gouvernance import aiact
from territoria.gouvernance.models import Classification, CrpaNotice, Obligation
from territoria.gouvernance.services import crpa_applies, frugality_figures, trust_rules

LEVEL_LABELS = {key: value["label"] for key, value in aiact.load_rules()["levels"].items()}


def record_summary(project) -> dict:
    """The public governance summary of one record (nothing restricted in it)."""
    classifications = sorted(project.classifications.all(), key=lambda c: -c.number)
    validated = next(
        (c for c in classifications if c.status == Classification.Status.VALIDATED), None
    )
    trust = max(project.trust_assessments.all(), key=lambda t: t.created_at, default=None)
    frugality = max(project.frugality_assessments.all(), key=lambda f: f.created_at, default=None)
    opinions = sorted(project.committee_opinions.all(), key=lambda o: o.given_on, reverse=True)
    try:
        notice = project.crpa_notice
    except CrpaNotice.DoesNotExist:
        notice = None
    applies = crpa_applies(project, notice, validated)
    trust_values = [v for v in (trust.scores.values() if trust else []) if v is not None]
    return {
        "project": project,
        "classification": validated,
        "level": validated.level if validated else "",
        "level_label": LEVEL_LABELS.get(validated.level, "") if validated else "Non classé",
        "stale": bool(validated and validated.is_stale(project)),
        "trust": trust,
        "trust_mean": round(sum(trust_values) / len(trust_values), 3) if trust_values else None,
        "trust_complete": bool(trust and trust.complete),
        "frugality": frugality,
        "frugality_figures": frugality_figures(frugality) if frugality else None,
        "opinion": opinions[0] if opinions else None,
        "crpa_applies": applies,
        "crpa_missing": (notice.missing() if notice else ["fiche CRPA"]) if applies else [],
    }


def prefetch(queryset):
    return queryset.select_related("organisation", "crpa_notice").prefetch_related(
        "classifications",
        "trust_assessments",
        "frugality_assessments",
        "committee_opinions__committee",
    )


TABLE_LIMIT = 200  # records listed under the figures (the figures count them all)


def _latest(queryset, fields: tuple[str, ...], order: str) -> dict:
    """{project id: values of its latest object} from one `.values()` query (no model objects:
    a dashboard over 100 000 records must not build them)."""
    latest = {}
    for row in queryset.order_by("project_id", order).values("project_id", *fields):
        latest.setdefault(row["project_id"], row)
    return latest


def dashboard(projects, table_limit: int = TABLE_LIMIT) -> dict:
    """Records by risk level, share with complete assessments, overdue obligations, frugality."""
    from territoria.gouvernance.models import (
        CLASSIFIED_FIELDS,
        FrugalityAssessment,
        TrustAssessment,
        record_fingerprint,
    )
    from territoria.registre.models import Project

    ids = list(projects.values_list("pk", flat=True))
    total = len(ids)
    classified = _latest(
        Classification.objects.filter(project_id__in=ids, status=Classification.Status.VALIDATED),
        ("level", "record_fingerprint", "answers"),
        "-number",
    )
    trust = _latest(
        TrustAssessment.objects.filter(project_id__in=ids), ("complete",), "-created_at"
    )
    frugality_fields = tuple(
        f.attname
        for f in FrugalityAssessment._meta.concrete_fields
        if f.attname not in ("id", "project_id")
    )
    frugality = _latest(
        FrugalityAssessment.objects.filter(project_id__in=ids), frugality_fields, "-created_at"
    )
    notices = {n.project_id: n for n in CrpaNotice.objects.filter(project_id__in=ids)}
    stale = 0
    for row in Project.objects.filter(pk__in=list(classified)).values("pk", *CLASSIFIED_FIELDS):
        if classified[row["pk"]]["record_fingerprint"] != record_fingerprint(_Values(row)):
            stale += 1
    crpa_missing = 0
    for pk in ids:
        notice = notices.get(pk)
        eligibility = "prestations_publiques" in (
            (classified.get(pk) or {}).get("answers") or {}
        ).get("annexe_iii", [])
        if ((notice and notice.individual_decisions) or eligibility) and (
            notice is None or notice.missing()
        ):
            crpa_missing += 1
    frugal_figures = [
        frugality_figures(
            FrugalityAssessment(**{k: v for k, v in row.items() if k != "project_id"})
        )
        for row in frugality.values()
    ]
    by_level = Counter(row["level"] for row in classified.values())
    levels = aiact.load_rules()["levels"]
    overdue = Obligation.objects.filter(
        classification__project_id__in=ids,
        classification__status=Classification.Status.VALIDATED,
        done=False,
        due_on__lt=timezone.localdate(),
    ).count()

    def share(n):
        return round(n / total, 3) if total else 0.0

    complete = sum(
        1 for pk in classified if (trust.get(pk) or {}).get("complete") and pk in frugality
    )
    by_level_rows = [
        {"level": key, "label": value["label"], "count": by_level.get(key, 0)}
        for key, value in sorted(levels.items(), key=lambda item: -item[1]["order"])
    ] + [{"level": "non_classe", "label": "Non classé", "count": total - len(classified)}]
    return {
        "total": total,
        "by_level": by_level_rows,
        "classified_share": share(len(classified)),
        "trust_complete_share": share(sum(1 for row in trust.values() if row["complete"])),
        "complete_share": share(complete),
        "stale": stale,
        "obligations_overdue": overdue,
        "crpa_missing": crpa_missing,
        "frugality_assessed": len(frugal_figures),
        "energy_kwh_per_year": round(sum(f["energy_kwh_per_year"] for f in frugal_figures), 3),
        "co2e_kg_per_year": round(sum(f["co2e_kg_per_year"] for f in frugal_figures), 3),
        "frugal_count": sum(1 for f in frugal_figures if f["frugal"]),
        "chart": BarChart(
            "Projets par niveau de risque",
            [(row["label"], row["count"]) for row in by_level_rows],
            y_label="projets",
            summary=", ".join(f"{row['label']} : {row['count']}" for row in by_level_rows),
        ),
        "summaries": [
            record_summary(p) for p in prefetch(projects.order_by("nom_projet")[:table_limit])
        ],
        "table_limit": table_limit,
    }


class _Values:
    """Attribute access over a `.values()` row (for record_fingerprint)."""

    def __init__(self, row):
        self.__dict__.update(row)


def requirement_titles() -> list[tuple[str, str]]:
    return [(req["id"], req["title"]) for req in trust_rules()["requirements"]]
