"""Drinking-water quality: the regulatory limits and the check of each analysis result.

Limits come from `fr_edch_limits_arrete_2007-01-11.csv` (arrêté du 11 janvier 2007 as
amended), compiled from secondary sources: every value is imported as *not verified against
Légifrance* until a person ticks it. Samples follow Hub'Eau's layout (commune, place, date,
parameter, value, unit); an unknown parameter or a unit that differs from the limit's is
refused with its line, nothing is half-imported.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from territoria.eau.models import QualityLimit, QualitySample

SAMPLE_COLUMNS = ("commune", "lieu", "date", "parametre", "valeur", "unite")


class QualityError(ValueError):
    pass


def _rows(path: Path | str):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise QualityError(f"{path.name} : le fichier n'est pas en UTF-8.") from None
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return path.name, csv.DictReader(text.splitlines(), delimiter=delimiter)


def _number(value: str, name: str, column: str, line: int) -> float | None:
    value = (value or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise QualityError(
            f"{name}, ligne {line}, colonne « {column} » : « {value} » n'est pas un nombre."
        ) from None


@transaction.atomic
def import_limits(path: Path | str) -> int:
    name, reader = _rows(path)
    needed = {"parameter_fr", "kind", "min", "max", "unit"}
    missing = needed - set(reader.fieldnames or [])
    if missing:
        raise QualityError(f"{name}, ligne 1 : colonnes manquantes {sorted(missing)}.")
    count = 0
    for line, row in enumerate(reader, start=2):
        QualityLimit.objects.update_or_create(
            parameter=row["parameter_fr"].strip(),
            kind=row["kind"].strip(),
            applies_at=row.get("applies_at", "").strip(),
            defaults={
                "parameter_en": row.get("parameter_en", "").strip(),
                "minimum": _number(row["min"], name, "min", line),
                "maximum": _number(row["max"], name, "max", line),
                "unit": row["unit"].strip(),
                "notes": row.get("notes", "").strip(),
                "verified": False,
            },
        )
        count += 1
    return count


def check(limit: QualityLimit, value: float) -> tuple[bool, str]:
    """(compliant, verdict in French): the value, the threshold, where it applies, and
    whether that threshold is still to be checked against the legal text."""
    word = "limite de qualité" if limit.kind == "limite" else "référence de qualité"
    where = f" ({limit.applies_at})" if limit.applies_at else ""
    caveat = "" if limit.verified else " ; valeur non vérifiée sur Légifrance"
    if limit.maximum is not None and value > limit.maximum:
        return (
            False,
            f"{value:g} {limit.unit} > {word} {limit.maximum:g} {limit.unit}{where}{caveat}",
        )
    if limit.minimum is not None and value < limit.minimum:
        return (
            False,
            f"{value:g} {limit.unit} < {word} {limit.minimum:g} {limit.unit}{where}{caveat}",
        )
    return True, "conforme"


@transaction.atomic
def import_samples(path: Path | str) -> tuple[int, int]:
    name, reader = _rows(path)
    missing = [c for c in SAMPLE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise QualityError(
            f"{name}, ligne 1 : colonnes manquantes {missing} (attendu : {', '.join(SAMPLE_COLUMNS)})."
        )
    limits: dict[str, list[QualityLimit]] = {}
    for known in QualityLimit.objects.all():
        for alias in {known.parameter.lower(), known.parameter_en.lower()} - {""}:
            limits.setdefault(alias, []).append(known)
    created = bad = 0
    for line, row in enumerate(reader, start=2):
        parameter = row["parametre"].strip()
        candidates = limits.get(parameter.lower())
        if not candidates:
            raise QualityError(
                f"{name}, ligne {line}, colonne « parametre » : paramètre inconnu « {parameter} »."
            )
        unit = row["unite"].strip()
        limit = candidates[0]
        if unit.lower() != limit.unit.lower():
            raise QualityError(
                f"{name}, ligne {line}, colonne « unite » : « {unit} » au lieu de « {limit.unit} » pour {limit.parameter}."
            )
        value = _number(row["valeur"], name, "valeur", line)
        if value is None:
            raise QualityError(f"{name}, ligne {line}, colonne « valeur » : valeur manquante.")
        try:
            when = dt.datetime.fromisoformat(row["date"].strip())
        except ValueError:
            raise QualityError(
                f"{name}, ligne {line}, colonne « date » : date illisible « {row['date']} »."
            ) from None
        # Every value of the parameter applies (a limit, a reference…): the first breach is said.
        verdicts = [(check(candidate, value), candidate) for candidate in candidates]
        breached = [(v, c) for v, c in verdicts if not v[0]]
        (compliant, verdict), limit = breached[0] if breached else verdicts[0]
        from django.utils import timezone

        QualitySample.objects.create(
            commune=row["commune"].strip(),
            place=row["lieu"].strip(),
            sampled_at=timezone.make_aware(when) if timezone.is_naive(when) else when,
            parameter=limit.parameter,
            value=value,
            unit=unit,
            limit=limit,
            compliant=compliant,
            verdict=verdict,
        )
        created += 1
        bad += not compliant
    return created, bad
