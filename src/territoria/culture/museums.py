"""The cultural offer: museums of Muséofile (with coordinates) and the national attendance
file of the Musées de France, with the data-quality flags a reader must see, and the link
between the two (they share no identifier: matched on département, town and name)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from rapidfuzz import fuzz, process

from territoria.culture.errors import ImportProblem, check_problems, read_text
from territoria.culture.models import Attendance, AttendanceSeries, Venue, VenueKind
from territoria.culture.territory import geography, normalise

MUSEOFILE_SOURCE = "Ministère de la Culture, base Muséofile (Licence Ouverte)"
ATTENDANCE_SOURCE = "Ministère de la Culture, Fréquentation des musées de France (Licence Ouverte)"
MUSEOFILE_COLUMNS = ("ref", "latitude", "longitude", "nomoff", "ville_m", "cp_m", "dpt")
ATTENDANCE_COLUMNS = (
    "ref_musee",
    "nom_du_musee",
    "regions",
    "ville",
    "annee",
    "departements",
    "payant",
    "gratuit",
    "total",
    "note",
    "commentaire",
)

# Flags of one year and of a series: code → what a reader is told.
FLAGS = {
    "ferme": "fermé (note F du fichier)",
    "non_communique": "chiffre non communiqué (note NC)",
    "reouverture": "réouverture (note R)",
    "vide": "aucun chiffre, sans explication",
    "lacune": "année absente du fichier",
    "tout_payant": "toutes les entrées comptées payantes (aucune gratuite) contrairement aux autres années",
    "saut": "variation invraisemblable (× 3 ou ÷ 3 par rapport à l'année précédente)",
    "commun": "chiffre commun à plusieurs musées (commentaire du fichier)",
    "doublon": "deux lignes pour la même année",
    "renomme": "musée renommé au fil des années",
    "sans_lieu": "non rapproché d'un musée de Muséofile (pas de localisation)",
    "incomplet": "année incomplète dans l'export de billetterie (mois absents) : hors évaluations",
}
JUMP_FACTOR = 3.0


def _reader(text: str, required: tuple[str, ...], label: str) -> csv.DictReader:
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = [column for column in required if column not in (reader.fieldnames or [])]
    if missing:
        raise ImportProblem(
            f"ligne 1 : colonne(s) absente(s) {', '.join(missing)} (séparateur « ; » attendu)",
            label,
        )
    return reader


@dataclass
class DepartementFinder:
    """A département code from a label of the files ("BOUCHES DU RHONE", "Ille-et-Vilaine",
    "ILE ET VILAINE"…): exact after normalisation, else the closest name."""

    names: dict[str, str]

    @classmethod
    def build(cls, package_dir: str | None = None) -> DepartementFinder:
        return cls({_key(name): code for code, name in geography(package_dir).departements.items()})

    def code(self, label: str) -> str | None:
        key = _key(label)
        if key in self.names:
            return self.names[key]
        found = process.extractOne(key, list(self.names), scorer=fuzz.ratio, score_cutoff=85)
        return self.names[found[0]] if found else None


def _key(label: str) -> str:
    return re.sub(r"^(LA|LE|LES) ", "", normalise(label))


def import_museofile(source, *, name: str = "", package_dir: str | None = None) -> dict:
    """Create or update the museums of Muséofile (kind `musee`), one transaction."""
    label = name or str(source)
    reader = _reader(read_text(source, label), MUSEOFILE_COLUMNS, label)
    finder = DepartementFinder.build(package_dir)
    problems, venues, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        ref = (row["ref"] or "").strip()
        if not re.fullmatch(r"M\d{4}", ref):
            problems.append(
                f"ligne {line}, colonne ref : « {ref} » (identifiant Muséofile M0000 attendu)"
            )
            continue
        if ref in seen:
            problems.append(
                f"ligne {line}, colonne ref : {ref} déjà vu ligne {seen[ref]} (musée en double)"
            )
            continue
        seen[ref] = line
        lat = lon = None
        flags = []
        if row["latitude"].strip() or row["longitude"].strip():
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except ValueError:
                problems.append(
                    f"ligne {line}, colonnes latitude/longitude : « {row['latitude']} », "
                    f"« {row['longitude']} » (nombres décimaux attendus)"
                )
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(f"ligne {line} : coordonnées hors limites ({lat}, {lon})")
                continue
        else:
            flags.append("sans coordonnées : absent des calculs d'accès")
        departement = finder.code(row["dpt"]) or ""
        if not departement:
            flags.append(f"département « {row['dpt']} » non reconnu")
        venues.append(
            Venue(
                ref=ref,
                name=(row["nomoff"] or "").strip()[:300] or ref,
                kind=VenueKind.MUSEE,
                address=(row.get("adrl1_m") or "").strip()[:300],
                postcode=(row["cp_m"] or "").strip()[:5],
                city=(row["ville_m"] or "").strip()[:200],
                departement=departement,
                latitude=lat,
                longitude=lon,
                themes=(row.get("themes") or "").strip(),
                source=MUSEOFILE_SOURCE,
                flags=flags,
            )
        )
    check_problems(problems, label)
    with transaction.atomic():
        previous = Venue.objects.filter(ref__in=[v.ref for v in venues])
        renamed = _flag_renamed(venues, {v.ref: v for v in previous})
        previous.delete()
        Venue.objects.bulk_create(venues, batch_size=500)
    return {
        "musées": len(venues),
        "sans coordonnées": sum(1 for v in venues if not v.located),
        "renommés": renamed,
    }


def _count(value: str, line: int, column: str, problems: list[str]) -> int | None:
    value = (value or "").strip().replace(" ", "").replace("\u202f", "")
    if value == "":
        return None
    if not value.isdigit():
        problems.append(
            f"ligne {line}, colonne {column} : « {value} » (nombre entier de visites attendu)"
        )
        return None
    return int(value)


def import_attendance(
    source,
    *,
    name: str = "",
    package_dir: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Import the national attendance file (replaces the series it holds), flag its quality
    problems, and link each series to its Muséofile museum. One transaction."""
    label = name or str(source)
    text = read_text(source, label)
    reader = _reader(text, ATTENDANCE_COLUMNS, label)
    finder = DepartementFinder.build(package_dir)
    problems: list[str] = []
    lines: list[dict] = []
    for row in reader:
        line = reader.line_num
        ref = (row["ref_musee"] or "").strip()
        year = (row["annee"] or "").strip()
        if not re.fullmatch(r"[0-9][0-9AB][0-9]{4,5}", ref):
            problems.append(
                f"ligne {line}, colonne ref_musee : « {ref} » (référence de 6 ou 7 caractères attendue, ex. 7654005)"
            )
            continue
        if not (year.isdigit() and 1900 <= int(year) <= 2100):
            problems.append(
                f"ligne {line}, colonne annee : « {year} » (année sur 4 chiffres attendue)"
            )
            continue
        paying = _count(row["payant"], line, "payant", problems)
        free = _count(row["gratuit"], line, "gratuit", problems)
        total = _count(row["total"], line, "total", problems)
        if None not in (paying, free, total) and paying + free != total:
            problems.append(f"ligne {line} : payant + gratuit = {paying + free} ≠ total {total}")
        departement = finder.code(row["departements"])
        if departement is None:
            problems.append(
                f"ligne {line}, colonne departements : « {row['departements']} » (nom de département attendu)"
            )
        lines.append(
            {
                "line": line,
                "ref": ref,
                "year": int(year),
                "name": (row["nom_du_musee"] or "").strip(),
                "city": (row["ville"] or "").strip(),
                "region": (row["regions"] or "").strip(),
                "departement": departement or "",
                "departement_label": (row["departements"] or "").strip(),
                "paying": paying,
                "free": free,
                "total": total,
                "note": (row["note"] or "").strip(),
                "comment": (row["commentaire"] or "").strip(),
            }
        )
        if progress and len(lines) % 2000 == 0:
            progress(len(lines), 0)
    if not lines and not problems:
        problems.append("aucune ligne de données")
    check_problems(problems, label)
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for item in lines:
        by_ref[item["ref"]].append(item)
    venues = list(
        Venue.objects.filter(kind=VenueKind.MUSEE).values("pk", "name", "city", "departement")
    )
    matcher = VenueMatcher(venues)
    all_years = sorted({item["year"] for item in lines})
    with transaction.atomic():
        AttendanceSeries.objects.filter(ref__in=list(by_ref)).delete()
        series_rows, attendance_rows = [], []
        for ref, items in by_ref.items():
            items.sort(key=lambda item: (item["year"], item["line"]))
            last = items[-1]
            names = list(dict.fromkeys(item["name"] for item in items))
            venue_pk, score = matcher.match(names, last["city"], last["departement"])
            series = AttendanceSeries(
                ref=ref,
                name=last["name"],
                names=names,
                city=last["city"],
                departement=last["departement"],
                departement_label=last["departement_label"],
                region=last["region"],
                venue_id=venue_pk,
                match_score=score,
                source=ATTENDANCE_SOURCE,
            )
            year_flags = flag_years(items)
            series.flags = series_flags(items, year_flags, all_years, venue_pk is not None)
            series_rows.append(series)
            for item in items:
                attendance_rows.append(
                    Attendance(
                        series=series,
                        year=item["year"],
                        paying=item["paying"],
                        free=item["free"],
                        total=item["total"],
                        note=item["note"],
                        comment=item["comment"][:300],
                        line=item["line"],
                        flags=year_flags[item["line"]],
                    )
                )
        AttendanceSeries.objects.bulk_create(series_rows, batch_size=500)
        Attendance.objects.bulk_create(attendance_rows, batch_size=1000)
    if progress:
        progress(len(lines), len(lines))
    matched = sum(1 for s in series_rows if s.venue_id)
    return {
        "lignes": len(lines),
        "séries": len(series_rows),
        "rapprochées de Muséofile": matched,
        "taux de rapprochement": round(matched / max(len(series_rows), 1), 3),
        "lignes signalées": sum(1 for a in attendance_rows if a.flags),
    }


def flag_years(items: list[dict]) -> dict[int, list[str]]:
    """The flags of each line (by line number) of one series, sorted by year."""
    flags: dict[int, list[str]] = {item["line"]: [] for item in items}
    years: dict[int, list[dict]] = defaultdict(list)
    for item in items:
        years[item["year"]].append(item)
    with_free = [i for i in items if i["total"] and i["free"] is not None]
    usual_free_share = (
        sorted(i["free"] / i["total"] for i in with_free)[len(with_free) // 2] if with_free else 0
    )
    previous_total = None
    for year in sorted(years):
        for item in years[year]:
            own = flags[item["line"]]
            if len(years[year]) > 1:
                own.append("doublon")
            note = item["note"].upper()
            if note == "F":
                own.append("ferme")
            elif note == "NC":
                own.append("non_communique")
            elif note == "R":
                own.append("reouverture")
            elif item["total"] is None:
                own.append("vide")
            if item["comment"] and re.search(r"\d{6,7}\s*;", item["comment"]):
                own.append("commun")
            if item["total"] and item["free"] == 0 and usual_free_share >= 0.1:
                own.append("tout_payant")
        totals = [i["total"] for i in years[year] if i["total"]]
        if totals:
            total = max(totals)
            if previous_total and abs(math.log(total / previous_total)) > math.log(JUMP_FACTOR):
                for item in years[year]:
                    if item["total"] == total:
                        flags[item["line"]].append("saut")
            previous_total = total
    return flags


def series_flags(items, year_flags, all_years, matched: bool) -> list[str]:
    found = {flag for flags in year_flags.values() for flag in flags}
    present = {item["year"] for item in items}
    span = [y for y in all_years if min(present) <= y <= max(present)]
    if any(year not in present for year in span):
        found.add("lacune")
    if len({normalise(item["name"]) for item in items}) > 1:
        found.add("renomme")
    if not matched:
        found.add("sans_lieu")
    return sorted(found)


class VenueMatcher:
    """Links an attendance series to a Muséofile museum: same département, town alike
    (≥ 85/100) and name alike (≥ 60/100, best of the names the series had)."""

    def __init__(self, venues: list[dict]):
        self.by_departement: dict[str, list[dict]] = defaultdict(list)
        for venue in venues:
            venue = dict(
                venue,
                n_name=normalise(_strip_generic(venue["name"])),
                n_city=normalise(venue["city"]),
            )
            self.by_departement[venue["departement"]].append(venue)

    def match(
        self, names: list[str], city: str, departement: str
    ) -> tuple[object | None, float | None]:
        n_city = normalise(city)
        best, best_score = None, 0.0
        for venue in self.by_departement.get(departement, []):
            city_score = fuzz.token_set_ratio(n_city, venue["n_city"])
            if city_score < 85:
                continue
            name_score = max(
                fuzz.token_set_ratio(normalise(_strip_generic(n)), venue["n_name"]) for n in names
            )
            if name_score < 60:
                continue
            score = 0.7 * name_score + 0.3 * city_score
            if score > best_score:
                best, best_score = venue["pk"], score
        return (best, round(best_score, 1)) if best else (None, None)


def _strip_generic(name: str) -> str:
    """Names without the words every museum has, so that they do not make names alike."""
    return re.sub(r"(?i)\b(mus[ée]e|mus[ée]um|de|des|du|la|le|les|et|d'|l')\b", " ", name or "")


def flag_labels(codes: list[str]) -> list[str]:
    return [FLAGS.get(code, code) for code in codes]


# --- Venues of any kind listed by the collectivité (libraries, cinemas, theatres…) -----------

VENUE_COLUMNS = ("identifiant", "nom", "type", "ville", "latitude", "longitude")
VENUE_KINDS = {normalise(label): value for value, label in VenueKind.choices} | {
    normalise(value): value for value in VenueKind.values
}
NEAR_DUPLICATE_M = 50


def import_venues(source, *, name: str = "", origin: str = "") -> dict:
    """A CSV of venues (`identifiant;nom;type;ville;latitude;longitude`, optionally
    `adresse;code_postal;tarifs;ouverture;source`), `;` or `,`. A repeated identifier refuses
    the file; a venue of the same name within 50 m of another is kept and flagged as a
    probable duplicate; a venue already imported under another name is flagged as renamed.
    One transaction."""
    from territoria.culture import geo

    label = name or str(source)
    text = read_text(source, label)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in VENUE_COLUMNS if c not in reader.fieldnames]
    if missing:
        raise ImportProblem(
            f"ligne 1 : colonne(s) absente(s) {', '.join(missing)} (attendu au moins : "
            f"{';'.join(VENUE_COLUMNS)})",
            label,
        )
    problems, venues, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        ref = (row.get("identifiant") or "").strip()
        kind = VENUE_KINDS.get(normalise(row.get("type") or ""))
        if not ref:
            problems.append(f"ligne {line}, colonne identifiant : vide")
            continue
        if ref in seen:
            problems.append(
                f"ligne {line}, colonne identifiant : {ref} déjà vu ligne {seen[ref]} (lieu en double)"
            )
            continue
        seen[ref] = line
        if kind is None:
            problems.append(
                f"ligne {line}, colonne type : « {row.get('type')} » (attendu : "
                f"{', '.join(VenueKind.values)})"
            )
            continue
        lat = lon = None
        flags = []
        try:
            if (row.get("latitude") or "").strip():
                lat = float(row["latitude"].replace(",", "."))
                lon = float(row["longitude"].replace(",", "."))
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
            else:
                flags.append("sans coordonnées : absent des calculs d'accès")
        except (ValueError, AttributeError):
            problems.append(
                f"ligne {line}, colonnes latitude/longitude : « {row.get('latitude')} », "
                f"« {row.get('longitude')} » (nombres décimaux WGS 84 attendus)"
            )
            continue
        venues.append(
            Venue(
                ref=ref[:40],
                name=(row.get("nom") or ref).strip()[:300],
                kind=kind,
                address=(row.get("adresse") or "").strip()[:300],
                postcode=(row.get("code_postal") or "").strip()[:5],
                city=(row.get("ville") or "").strip()[:200],
                latitude=lat,
                longitude=lon,
                prices=(row.get("tarifs") or "").strip()[:300],
                opening=(row.get("ouverture") or "").strip()[:300],
                source=((row.get("source") or "").strip() or origin or label)[:255],
                flags=flags,
            )
        )
    check_problems(problems, label)
    located = [v for v in venues if v.located]
    for i, a in enumerate(located):
        for b in located[:i]:
            if normalise(a.name) == normalise(b.name):
                d = geo.distance_matrix_km(
                    [a.latitude], [a.longitude], [b.latitude], [b.longitude]
                )[0, 0]
                if d * 1000 <= NEAR_DUPLICATE_M:
                    a.flags.append(f"doublon probable de {b.ref} (même nom, à {d * 1000:.0f} m)")
    with transaction.atomic():
        previous = Venue.objects.filter(ref__in=[v.ref for v in venues])
        renamed = _flag_renamed(venues, {v.ref: v for v in previous})
        previous.delete()
        Venue.objects.bulk_create(venues, batch_size=500)
    return {
        "lieux": len(venues),
        "par type": {
            k: sum(1 for v in venues if v.kind == k) for k in sorted({v.kind for v in venues})
        },
        "doublons probables": sum(1 for v in venues if any("doublon" in f for f in v.flags)),
        "renommés": renamed,
    }


RENAMED = "renommé : anciennement"


def _flag_renamed(venues: list[Venue], previous: dict[str, Venue]) -> int:
    """A venue imported again under the same identifier with another name is flagged
    « renommé : anciennement « … » » (its earlier renamings stay flagged), never merged or
    renamed silently. Returns how many were renamed by this file."""
    renamed = 0
    for venue in venues:
        old = previous.get(venue.ref)
        if old is None:
            continue
        venue.flags.extend(f for f in old.flags if f.startswith(RENAMED))
        if normalise(old.name) != normalise(venue.name):
            venue.flags.append(f"{RENAMED} « {old.name} »")
            renamed += 1
    return renamed
