"""Ticketing and attendance exports of the collectivité's own venues: entries of a venue per
month or per day, by tariff category (free, paid, reduced), summed into the yearly attendance
series the evaluations read (`Attendance`: paying = full + reduced price, free).

The file (`;` or `,`, UTF-8, header on line 1):

    lieu;date;categorie;entrees
    EX-BIB-1;2019-01;gratuit;1520        (a month: AAAA-MM)
    EX-CIN-1;2019-01-05;reduit;48        (a day: AAAA-MM-JJ or JJ/MM/AAAA)

`lieu` is the identifier of a venue already on the platform (Muséofile reference or the
venue list imported by the collectivité); `categorie` is gratuit, payant (or plein) or
reduit. Every problem of the file is reported at once (line, column, what was expected), and
nothing is written unless the whole file is right (one transaction). An import replaces, for
each venue, the years the file covers; a year whose twelve months are not all in the file is
flagged « incomplet » and left out of the evaluations (a part of a year is not comparable
with whole years).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict

from django.db import transaction

from territoria.culture.errors import ImportProblem, check_problems, read_text
from territoria.culture.models import Attendance, AttendanceSeries, Venue
from territoria.culture.museums import flag_years, series_flags
from territoria.culture.territory import normalise

COLUMNS = ("lieu", "date", "categorie", "entrees")
CATEGORIES = {
    "GRATUIT": "gratuit",
    "GRATUITE": "gratuit",
    "EXONERE": "gratuit",
    "PAYANT": "payant",
    "PLEIN": "payant",
    "PLEIN TARIF": "payant",
    "REDUIT": "reduit",
    "TARIF REDUIT": "reduit",
}
SOURCE_PREFIX = "Export de billetterie"
MONTH = re.compile(r"(\d{4})-(\d{2})")
DAY_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DAY_FR = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def series_ref(venue_ref: str) -> str:
    """The attendance series of a venue's ticketing: `BIL-<venue>` (20 characters at most)."""
    ref = f"BIL-{venue_ref}"
    if len(ref) <= 20:
        return ref
    return "BIL-" + hashlib.sha256(venue_ref.encode()).hexdigest()[:16]


def _date(value: str) -> tuple[int, int, int | None] | None:
    """(year, month, day or None) of `AAAA-MM`, `AAAA-MM-JJ` or `JJ/MM/AAAA`; None if invalid."""
    import datetime

    value = value.strip()
    if match := MONTH.fullmatch(value):
        year, month, day = int(match[1]), int(match[2]), None
    elif match := DAY_ISO.fullmatch(value):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := DAY_FR.fullmatch(value):
        year, month, day = int(match[3]), int(match[2]), int(match[1])
    else:
        return None
    try:
        datetime.date(year, month, day or 1)
    except ValueError:
        return None
    if not 1900 <= year <= 2100:
        return None
    return year, month, day


def import_ticketing(source, *, name: str = "") -> dict:
    """Import a ticketing export (see the module's docstring). One transaction."""
    label = name or str(source)
    text = read_text(source, label)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in reader.fieldnames]
    if missing:
        raise ImportProblem(
            f"ligne 1 : colonne(s) absente(s) {', '.join(missing)} (attendu : {';'.join(COLUMNS)},"
            " séparateur « ; » ou « , »)",
            label,
        )
    venues = {v.ref: v for v in Venue.objects.all()}
    problems: list[str] = []
    seen: dict[tuple, int] = {}  # (venue, year, month, day, category) → line
    grain: dict[tuple, tuple[str, int]] = {}  # (venue, year, month) → ("mois"/"jour", line)
    counts: dict[str, dict[int, dict]] = defaultdict(dict)  # venue → year → sums
    rows = 0
    for row in reader:
        line = reader.line_num
        rows += 1
        venue_ref = (row.get("lieu") or "").strip()
        raw_date = (row.get("date") or "").strip()
        raw_category = (row.get("categorie") or "").strip()
        raw_count = (row.get("entrees") or "").strip().replace(" ", "").replace("\u202f", "")
        ok = True
        if venue_ref not in venues:
            problems.append(
                f"ligne {line}, colonne lieu : « {venue_ref} » (identifiant d'un lieu déjà "
                "importé attendu : musée de Muséofile ou liste de lieux de la collectivité)"
            )
            ok = False
        when = _date(raw_date)
        if when is None:
            problems.append(
                f"ligne {line}, colonne date : « {raw_date} » (date attendue : AAAA-MM pour un "
                "mois, AAAA-MM-JJ ou JJ/MM/AAAA pour un jour)"
            )
            ok = False
        category = CATEGORIES.get(normalise(raw_category))
        if category is None:
            problems.append(
                f"ligne {line}, colonne categorie : « {raw_category} » (attendu : gratuit, "
                "payant ou reduit)"
            )
            ok = False
        if not raw_count.isdigit():
            problems.append(
                f"ligne {line}, colonne entrees : « {raw_count} » (nombre entier d'entrées, "
                "positif ou nul, attendu)"
            )
            ok = False
        if not ok:
            continue
        year, month, day = when
        key = (venue_ref, year, month, day, category)
        if key in seen:
            problems.append(
                f"ligne {line} : {venue_ref}, {raw_date}, {category} déjà donné ligne "
                f"{seen[key]} (ligne en double)"
            )
            continue
        seen[key] = line
        kind = "mois" if day is None else "jour"
        previous = grain.setdefault((venue_ref, year, month), (kind, line))
        if previous[0] != kind:
            problems.append(
                f"ligne {line}, colonne date : « {raw_date} » — le mois {year}-{month:02d} de "
                f"{venue_ref} est donné par {previous[0]} ligne {previous[1]} : par mois ou "
                "par jour, pas les deux (les entrées seraient comptées deux fois)"
            )
            continue
        sums = counts[venue_ref].setdefault(
            year, {"gratuit": 0, "payant": 0, "reduit": 0, "months": set(), "line": line}
        )
        sums[category] += int(raw_count)
        sums["months"].add(month)
    if not rows:
        problems.append("aucune ligne de données après l'en-tête")
    check_problems(problems, label)

    source_label = f"{SOURCE_PREFIX} : {label}"[:255]
    written_years = incomplete = 0
    with transaction.atomic():
        for venue_ref, years in counts.items():
            venue = venues[venue_ref]
            series, _ = AttendanceSeries.objects.select_for_update().get_or_create(
                ref=series_ref(venue_ref),
                defaults={
                    "name": venue.name,
                    "names": [venue.name],
                    "city": venue.city,
                    "departement": venue.departement,
                    "departement_label": venue.departement,
                    "venue": venue,
                    "source": source_label,
                },
            )
            series.years.filter(year__in=list(years)).delete()
            new = []
            for year, sums in sorted(years.items()):
                months = len(sums["months"])
                paying = sums["payant"] + sums["reduit"]
                new.append(
                    Attendance(
                        series=series,
                        year=year,
                        paying=paying,
                        free=sums["gratuit"],
                        total=paying + sums["gratuit"],
                        note="" if months == 12 else "INC",
                        comment=(
                            f"billetterie : {months} mois, dont tarif réduit {sums['reduit']}"
                        ),
                        line=sums["line"],
                    )
                )
            Attendance.objects.bulk_create(new)
            # The flags of the whole series (the years already there and the new ones).
            items = [
                {
                    "line": a.pk,  # the key of flag_years: lines of two files may collide
                    "year": a.year,
                    "name": series.name,
                    "total": a.total,
                    "free": a.free,
                    "note": a.note,
                    "comment": "",
                    "pk": a.pk,
                }
                for a in series.years.order_by("year")
            ]
            year_flags = flag_years(items)
            by_pk = {}
            for item in items:
                flags = list(year_flags[item["line"]])
                if item["note"] == "INC":
                    flags.append("incomplet")
                by_pk[item["pk"]] = flags
            for attendance in series.years.all():
                attendance.flags = by_pk[attendance.pk]
                attendance.save(update_fields=["flags", "updated_at"])
            all_years = [item["year"] for item in items]
            found = series_flags(
                items,
                by_pk,
                list(range(min(all_years), max(all_years) + 1)),
                matched=True,
            )
            series.name, series.venue, series.source = venue.name, venue, source_label
            series.flags = found
            series.save()
            written_years += len(new)
            incomplete += sum(1 for a in new if a.note == "INC")
    return {
        "lignes": rows,
        "lieux": len(counts),
        "années écrites": written_years,
        "années incomplètes (hors évaluations)": incomplete,
        "séries": sorted(series_ref(ref) for ref in counts),
    }
