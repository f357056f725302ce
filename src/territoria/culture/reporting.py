"""Figures computed from the imported data, for the CLI evaluation and the benchmark."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Sum

from territoria.culture.models import Attendance, AttendanceSeries


def totals_by_year() -> dict[int, dict]:
    """Visits per year over every line of the file (as published: each line counted)."""
    rows = (
        Attendance.objects.values("year")
        .annotate(total=Sum("total"), paying=Sum("paying"), free=Sum("free"), lines=Count("pk"))
        .order_by("year")
    )
    return {
        r["year"]: {
            "total": r["total"] or 0,
            "payant": r["paying"] or 0,
            "gratuit": r["free"] or 0,
            "lignes": r["lines"],
        }
        for r in rows
    }


def totals_by_departement_year() -> dict[str, dict[int, int]]:
    result: dict[str, dict[int, int]] = defaultdict(dict)
    rows = Attendance.objects.values("series__departement", "year").annotate(total=Sum("total"))
    for row in rows:
        result[row["series__departement"]][row["year"]] = row["total"] or 0
    return {dep: dict(sorted(years.items())) for dep, years in sorted(result.items())}


def quality_summary() -> dict:
    counts: dict[str, int] = defaultdict(int)
    for flags in Attendance.objects.exclude(flags=[]).values_list("flags", flat=True):
        for flag in flags:
            counts[flag] += 1
    series = AttendanceSeries.objects.count()
    matched = AttendanceSeries.objects.filter(venue__isnull=False).count()
    return {
        "lignes": Attendance.objects.count(),
        "séries": series,
        "rapprochées de Muséofile": matched,
        "taux de rapprochement": round(matched / max(series, 1), 3),
        "signalements par type (lignes)": dict(sorted(counts.items())),
    }
