"""Drinking-water quality: the regulatory limits and the check of each analysis result.

Limits come from `fr_edch_limits_arrete_2007-01-11.csv` (arrêté du 11 janvier 2007 as
amended), compiled from secondary sources: every value is imported as *not verified against
Légifrance* until a person ticks it. Samples follow Hub'Eau's layout (commune, place, date,
parameter, value, unit); an unknown parameter or a unit that differs from the limit's is
refused with its line, nothing is half-imported.

A result carrying a SANDRE parameter code (Hub'Eau's `code_parametre`) is matched by code
first (`sandre_parametres.json`: only codes read in a real Hub'Eau response), then by label.
A result below the limit of quantification (« <0,1 ») or above the method's range (« >100 »)
is kept with its qualifier and checked as an interval: « <0,1 » against a maximum of 0,5 is
compliant, « <1 » E. coli against 0 too (a count below 1 is 0), « <2 » against 0,5 is *not
conclusive* (said in the verdict, not mailed as a breach). Qualitative rows of a Hub'Eau
export (`code_type_parametre` O, unit « SANS OBJET »: aspect, odour…), rows of a parameter
unknown to the limits for which Hub'Eau itself states no limit nor reference (its columns
`limite_qualite_parametre`, `reference_qualite_parametre` empty: chlore total, calcium…) and
results without any number (« <SEUIL ») have no threshold to check: skipped and counted
(with their lines), never refused. A parameter Hub'Eau gives a limit for but our table does
not know is still refused: a check would be missed.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from territoria.eau.models import QualityLimit, QualitySample
from territoria.eau.scada import nul_byte

SAMPLE_COLUMNS = ("commune", "lieu", "date", "parametre", "valeur", "unite")
# Hub'Eau's export columns (API « qualité de l'eau potable », résultats) for each of ours,
# in order of preference.
HUBEAU_COLUMNS = {
    "commune": ("nom_commune",),
    "lieu": ("nom_reseau", "nom_uge", "nom_distributeur"),
    "date": ("date_prelevement",),
    "parametre": ("libelle_parametre", "libelle_parametre_maj"),
    "valeur": ("resultat_numerique",),
    "unite": ("libelle_unite",),
}
# Optional columns, in either layout.
CODE_COLUMNS = ("code_parametre", "code_sandre", "code_parametre_sandre")
TEXT_RESULT_COLUMN = "resultat_alphanumerique"  # Hub'Eau: « <0,1 » where the number says 0
KIND_COLUMN = "code_type_parametre"  # Hub'Eau: N numeric, O qualitative
# Hub'Eau's own statement of the regulatory values of a row (« <=50 mg/L »): a parameter
# unknown to our table with both empty has no threshold at all.
THRESHOLD_COLUMNS = ("limite_qualite_parametre", "reference_qualite_parametre")
SANDRE_TABLE = Path(__file__).with_name("sandre_parametres.json")


def sandre_codes() -> dict[str, str]:
    """Our parameter name -> its SANDRE codes (space-separated), from the module's table."""
    import json

    codes: dict[str, list[str]] = {}
    for row in json.loads(SANDRE_TABLE.read_text(encoding="utf-8"))["codes"]:
        codes.setdefault(row["parametre"], []).append(row["code_sandre"])
    return {name: " ".join(values) for name, values in codes.items()}


def parse_result(text: str) -> tuple[str, str]:
    """(qualifier, number text): « <0,1 » -> ("<", "0,1"), « 12,5 » -> ("", "12,5")."""
    text = (text or "").strip()
    if text[:1] in "<>" and text:
        return text[0], text[1:].lstrip("= ").strip()
    return "", text


def parameter_key(name: str) -> str:
    """A parameter's name as compared: no case, accents or parenthesised part, and no unit
    suffix (Hub'Eau writes « Nitrates (en NO3) », « Escherichia coli /100ml - MF »,
    « Conductivité à 25°C »)."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("œ", "oe")
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.split(r"\s/|\s-\s", text)[0]
    text = re.sub(r"\s+°", "°", text)
    return " ".join(text.split())


def find_limits(name: str, limits: dict[str, list[QualityLimit]]) -> list[QualityLimit] | None:
    """The limits of a sample's parameter: same key; else the longest known name the sample's
    name starts with (whole words: « Turbidité néphélométrique NFU » is Turbidité, « Phosphore »
    is not pH); else the one known name that starts with the sample's (« Entérocoques »)."""
    key = parameter_key(name)
    if not key:
        return None
    if key in limits:
        return limits[key]
    starts = [k for k in limits if key.startswith(k + " ")]
    if starts:
        return limits[max(starts, key=len)]
    longer = [k for k in limits if k.startswith(key + " ")]
    return limits[longer[0]] if len(longer) == 1 else None


def _unit_key(unit: str) -> str:
    """« n/(100mL) », « n/100 mL » and « N/100ML » are one unit; so are « mg(Cl2)/L » and
    « mg/L » (the parenthesised species a mass is expressed as)."""
    import re

    text = unit.lower().replace("µ", "u").replace("μ", "u")
    text = re.sub(r"^([mun]?g)\([^)]*\)/", r"\1/", text.strip())
    return "".join(c for c in text if c not in " ()")


def _column_map(fieldnames: list[str]) -> dict[str, str] | None:
    """Our column -> the file's: the short headers as they are, or Hub'Eau's."""
    if all(c in fieldnames for c in SAMPLE_COLUMNS):
        return {c: c for c in SAMPLE_COLUMNS}
    found = {}
    for ours, theirs in HUBEAU_COLUMNS.items():
        match = next((t for t in theirs if t in fieldnames), None)
        if match is None:
            return None
        found[ours] = match
    return found


class QualityError(ValueError):
    pass


def _rows(path: Path | str):
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise QualityError(
            f"{path.name}, ligne {line} : le fichier n'est pas en UTF-8 (réenregistrez-le en "
            "UTF-8)."
        ) from None
    first = text.splitlines()[0] if text else ""
    if "," not in first and ";" not in first:
        found = next((d for d in ("\t", "|") if d in first), None)
        said = {"\t": "la tabulation", "|": "« | »"}.get(found)
        raise QualityError(
            f"{path.name}, ligne 1 : séparateur attendu : la virgule ou le point-virgule"
            + (f" (le séparateur trouvé est {said})" if said else "")
            + "."
        )
    delimiter = ";" if first.count(";") > first.count(",") else ","
    refusal = nul_byte(text, path.name, delimiter)
    if refusal:  # PostgreSQL refuses NUL in the text fields: said before anything is read
        raise QualityError(refusal)
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
    known_codes = sandre_codes()
    for line, row in enumerate(reader, start=2):
        parameter = row["parameter_fr"].strip()
        code = " ".join((row.get("code_sandre") or "").split()) or known_codes.get(parameter, "")
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
                "sandre_code": code,
            },
        )
        count += 1
    return count


def check(limit: QualityLimit, value: float, qualifier: str = "") -> tuple[bool, str]:
    """(compliant, verdict in French): the value, the threshold, where it applies, and
    whether that threshold is still to be checked against the legal text.

    `qualifier` "<": the true value is below `value` (the limit of quantification); ">": above
    it. Such a result is compliant or not only when the whole interval is; otherwise the
    verdict says « non concluant » (compliant: a breach is not shown)."""
    word = "limite de qualité" if limit.kind == "limite" else "référence de qualité"
    where = f" ({limit.applies_at})" if limit.applies_at else ""
    caveat = "" if limit.verified else " ; valeur non vérifiée sur Légifrance"
    shown = f"{qualifier} {value:g}" if qualifier else f"{value:g}"
    unit = limit.unit
    counts = unit.lower().replace(" ", "").startswith("n/")  # organisms: « <1 » means 0
    if qualifier == "<":
        if limit.maximum is not None and value > limit.maximum + (1 if counts else 0):
            return True, (
                f"non concluant : {shown} {unit}, limite de quantification au-dessus de la "
                f"{word} {limit.maximum:g} {unit}{where}{caveat}"
            )
        if limit.minimum is not None:
            if value <= limit.minimum:
                return False, f"{shown} {unit} < {word} {limit.minimum:g} {unit}{where}{caveat}"
            return True, (
                f"non concluant : {shown} {unit}, peut être sous la {word} "
                f"{limit.minimum:g} {unit}{where}{caveat}"
            )
        return True, "conforme (sous la limite de quantification)"
    if qualifier == ">":
        if limit.maximum is not None:
            if value >= limit.maximum:
                return False, f"{shown} {unit} > {word} {limit.maximum:g} {unit}{where}{caveat}"
            return True, (
                f"non concluant : {shown} {unit}, peut dépasser la {word} "
                f"{limit.maximum:g} {unit}{where}{caveat}"
            )
        if limit.minimum is not None and value < limit.minimum:
            return True, (
                f"non concluant : {shown} {unit}, peut être sous la {word} "
                f"{limit.minimum:g} {unit}{where}{caveat}"
            )
        return True, "conforme"
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


def _sample_time(text: str) -> dt.datetime:
    text = text.strip()
    if text.endswith("Z"):  # Hub'Eau: « 2023-01-05T10:30:00Z »
        text = text[:-1] + "+00:00"
    return dt.datetime.fromisoformat(text)


@transaction.atomic
def import_samples(
    path: Path | str, organisation=None, report: dict | None = None
) -> tuple[int, int]:
    """Checks every row, then writes them all (or none). Returns (imported, non-compliant);
    the non-compliances are e-mailed to the agents who follow them once committed.
    `report`, if given, receives what was skipped: {"qualitative": [lines], "no_threshold":
    [lines], "no_number": [lines], "below_lq": count, "inconclusive": count}."""
    from django.utils import timezone

    name, reader = _rows(path)
    fieldnames = list(reader.fieldnames or [])
    columns = _column_map(fieldnames)
    if columns is None:
        missing = [c for c in SAMPLE_COLUMNS if c not in fieldnames]
        raise QualityError(
            f"{name}, ligne 1 : colonnes manquantes {missing} (attendu : {', '.join(SAMPLE_COLUMNS)}, "
            "ou les colonnes d'un export Hub'Eau : nom_commune, nom_reseau, date_prelevement, "
            "libelle_parametre, resultat_numerique, libelle_unite)."
        )
    code_column = next((c for c in CODE_COLUMNS if c in fieldnames), None)
    text_column = TEXT_RESULT_COLUMN if TEXT_RESULT_COLUMN in fieldnames else None
    threshold_columns = [c for c in THRESHOLD_COLUMNS if c in fieldnames]
    limits: dict[str, list[QualityLimit]] = {}
    by_code: dict[str, list[QualityLimit]] = {}
    for known in QualityLimit.objects.all():
        for alias in {parameter_key(known.parameter), parameter_key(known.parameter_en)} - {""}:
            limits.setdefault(alias, []).append(known)
        for code in known.sandre_code.split():
            by_code.setdefault(code, []).append(known)
    skipped = {
        "qualitative": [],
        "no_threshold": [],
        "no_number": [],
        "below_lq": 0,
        "inconclusive": 0,
    }
    created = []
    for line, row in enumerate(reader, start=2):
        parameter = (row[columns["parametre"]] or "").strip()
        unit = (row[columns["unite"]] or "").strip()
        if (row.get(KIND_COLUMN) or "").strip().upper() == "O" or _unit_key(unit) == "sansobjet":
            skipped["qualitative"].append(line)  # aspect, odour…: no threshold to check
            continue
        code = (row.get(code_column) or "").strip() if code_column else ""
        by_name = find_limits(parameter, limits)
        candidates = by_code.get(code) or by_name
        if code in by_code and by_name and by_name[0].parameter != by_code[code][0].parameter:
            raise QualityError(
                f"{name}, ligne {line}, colonne « {code_column} » : le code SANDRE {code} désigne "
                f"« {by_code[code][0].parameter} », le libellé « {parameter} » désigne "
                f"« {by_name[0].parameter} » : corrigez l'un des deux."
            )
        if (
            not candidates
            and threshold_columns
            and not any((row.get(c) or "").strip() for c in threshold_columns)
        ):
            # Hub'Eau itself gives this parameter no limit nor reference (chlore total,
            # calcium…): nothing to check, skipped and counted rather than refusing the file.
            skipped["no_threshold"].append(line)
            continue
        if not candidates:
            said = f" (code SANDRE {code})" if code else ""
            raise QualityError(
                f"{name}, ligne {line}, colonne « {columns['parametre']} » : paramètre inconnu « {parameter} »{said} "
                "(absent des limites et références importées)."
            )
        limit = candidates[0]
        if _unit_key(unit) != _unit_key(limit.unit):
            raise QualityError(
                f"{name}, ligne {line}, colonne « {columns['unite']} » : « {unit} » au lieu de « {limit.unit} » pour {limit.parameter}."
            )
        # Hub'Eau writes « <0,1 » in resultat_alphanumerique and 0 in resultat_numerique:
        # the text, when there is one, is the result.
        raw_column = columns["valeur"]
        raw = (row[raw_column] or "").strip()
        if text_column and (row.get(text_column) or "").strip():
            raw_column, raw = text_column, row[text_column].strip()
        qualifier, number = parse_result(raw)
        if qualifier and number and not number[:1].isdigit() and number[:1] not in ".,":
            skipped["no_number"].append(line)  # « <SEUIL », « <LQ »: no value to compare
            continue
        value = _number(number, name, raw_column, line)
        if value is None:
            raise QualityError(
                f"{name}, ligne {line}, colonne « {columns['valeur']} » : valeur manquante."
            )
        try:
            when = _sample_time(row[columns["date"]] or "")
        except ValueError:
            raise QualityError(
                f"{name}, ligne {line}, colonne « {columns['date']} » : date illisible « {row[columns['date']]} »."
            ) from None
        commune = (row[columns["commune"]] or "").strip()
        if not commune:
            raise QualityError(
                f"{name}, ligne {line}, colonne « {columns['commune']} » : commune manquante."
            )
        # Every value of the parameter applies (a limit, a reference…): the first breach is
        # said, else the first inconclusive check, else compliance.
        verdicts = [(check(candidate, value, qualifier), candidate) for candidate in candidates]
        breached = [(v, c) for v, c in verdicts if not v[0]]
        unsure = [(v, c) for v, c in verdicts if v[1].startswith("non concluant")]
        (compliant, verdict), limit = (breached or unsure or verdicts)[0]
        skipped["below_lq"] += qualifier == "<"
        skipped["inconclusive"] += bool(not breached and unsure)
        created.append(
            QualitySample.objects.create(
                commune=commune,
                place=(row[columns["lieu"]] or "").strip(),
                sampled_at=timezone.make_aware(when) if timezone.is_naive(when) else when,
                parameter=limit.parameter,
                value=value,
                qualifier=qualifier,
                unit=limit.unit,
                limit=limit,
                compliant=compliant,
                verdict=verdict,
                organisation=organisation,
            )
        )
    if report is not None:
        report.update(skipped)
    bad = [sample.pk for sample in created if not sample.compliant]
    if bad:
        transaction.on_commit(lambda: notify_noncompliance(bad, organisation))
    return len(created), len(bad)


def skipped_text(report: dict) -> str:
    """« 2 résultats qualitatifs non contrôlés (lignes 3, 7) ; … » for the import's message."""
    from territoria.core.templatetags.french import count_words

    def lines(numbers: list[int]) -> str:
        shown = ", ".join(str(n) for n in numbers[:10])
        return f"{'ligne' if len(numbers) == 1 else 'lignes'} {shown}{' …' if len(numbers) > 10 else ''}"

    parts = []
    if report.get("qualitative"):
        found = report["qualitative"]
        parts.append(
            f"{count_words(len(found), 'résultat qualitatif non contrôlé|m|résultats qualitatifs non contrôlés')} ({lines(found)})"
        )
    if report.get("no_threshold"):
        found = report["no_threshold"]
        parts.append(
            f"{count_words(len(found), 'résultat sans limite ni référence|m|résultats sans limite ni référence')}, non importé ({lines(found)})"
        )
    if report.get("no_number"):
        found = report["no_number"]
        parts.append(
            f"{count_words(len(found), 'résultat sans valeur chiffrée|m|résultats sans valeur chiffrée')}, non importé ({lines(found)})"
        )
    if report.get("below_lq"):
        parts.append(
            count_words(
                report["below_lq"],
                "résultat sous la limite de quantification|m|résultats sous la limite de quantification",
            )
        )
    if report.get("inconclusive"):
        parts.append(
            count_words(report["inconclusive"], "contrôle non concluant|m|contrôles non concluants")
            + " (limite de quantification au-dessus du seuil)"
        )
    return " ; ".join(parts)


MANAGE = "eau.manage"


def recipients(organisation) -> list[str]:
    """Who is told of a non-compliance: the organisation's agents who act on the module and
    its contact address; for samples of no organisation (CLI), every such agent."""
    from territoria.core.roles import users_with

    people = users_with(MANAGE).exclude(email="")
    if organisation is not None:
        people = people.filter(organisation=organisation)
    emails = set(people.values_list("email", flat=True))
    if organisation is not None and organisation.contact_email:
        emails.add(organisation.contact_email)
    return sorted(emails)


def notification_text(samples: list[QualitySample]) -> tuple[str, str]:
    from django.conf import settings
    from django.urls import reverse

    from territoria.core.templatetags.french import count_words

    subject = f"Eau potable : {count_words(len(samples), 'résultat non conforme|m|résultats non conformes')}"
    lines = [
        f"- {s.commune}, {s.place}, {s.sampled_at:%d/%m/%Y} : {s.parameter} {s.verdict}"
        for s in samples[:50]
    ]
    if len(samples) > 50:
        lines.append(f"… et {count_words(len(samples) - 50, 'autre|m|autres')}.")
    link = settings.SITE_URL.rstrip("/") + reverse("eau:quality") + "#alertes-qualite"
    body = (
        "Bonjour,\n\nL'import d'analyses d'eau vient de relever des dépassements des limites ou "
        "références de qualité :\n\n"
        + "\n".join(lines)
        + f"\n\nSuite à donner et historique : {link}\n\n"
        "Les valeurs réglementaires marquées « non vérifiée » sont à contrôler sur Légifrance.\n"
    )
    return subject, body


def notify_noncompliance(sample_ids: list, organisation) -> bool:
    """E-mail the non-compliant samples to the people who follow them. Never raises: the
    import is saved whatever happens to the mail (a failure is logged)."""
    import logging
    import re

    from django.conf import settings
    from django.core.mail import send_mail

    samples = list(
        QualitySample.objects.filter(pk__in=sample_ids).order_by("commune", "sampled_at")
    )
    emails = recipients(organisation)
    if not samples or not emails:
        return False
    subject, body = notification_text(samples)
    subject = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", f"[{settings.SITE_NAME}] {subject}")
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails)
    except Exception:
        logging.getLogger(__name__).exception("non-compliance mail not sent")
        return False
    return True
