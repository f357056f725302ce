"""The territory: communes with outlines (GeoJSON file), legal population and EPCI (the npm
package `@etalab/decoupage-administratif`), and social indicators (CSV keyed by commune or
IRIS code).

The package is read from `TERRITORIA_DECOUPAGE_DIR`, or from `node_modules/` of the
checkout (installed by `npm ci`, i.e. `make install`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db import transaction

from territoria.core.text_files import nul_json_problem
from territoria.culture import geo
from territoria.culture.errors import ImportProblem, check_problems, read_text
from territoria.culture.models import Commune, Indicator, Iris

PACKAGE = "@etalab/decoupage-administratif"
ROOT = Path(__file__).resolve().parents[3]


def decoupage_dir() -> Path:
    configured = os.environ.get("TERRITORIA_DECOUPAGE_DIR")
    if configured:
        return Path(configured)
    for base in (Path.cwd(), ROOT):
        candidate = base / "node_modules" / PACKAGE / "data"
        if candidate.is_dir():
            return candidate
    return ROOT / "node_modules" / PACKAGE / "data"


@dataclass
class Geography:
    """The package's communes (in force, and former ones with their chef-lieu) and EPCI."""

    current: dict[str, dict]
    former: dict[str, dict]  # commune déléguée / associée → its record (with chefLieu)
    epci_of: dict[str, dict]  # commune code → EPCI record (without members)
    departements: dict[str, str]  # code → name

    def successor(self, code: str) -> str | None:
        """The commune in force that holds `code` (itself, or the new commune it merged into)."""
        if code in self.current:
            return code
        record = self.former.get(code)
        if record and record.get("chefLieu") in self.current:
            return record["chefLieu"]
        return None


def _load_json(path: Path):
    if not path.is_file():
        raise ImportProblem(
            f"fichier {path} absent : installez le paquet npm {PACKAGE} (`npm ci`) ou indiquez "
            "son dossier data/ dans TERRITORIA_DECOUPAGE_DIR",
            "découpage administratif",
        )
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def geography(folder: str | None = None) -> Geography:
    """The package's geography, read once per folder (`folder` or TERRITORIA_DECOUPAGE_DIR)."""
    return _geography(str(Path(folder) if folder else decoupage_dir()))


@cache
def _geography(folder: str) -> Geography:
    base = Path(folder)
    current, former = {}, {}
    for record in _load_json(base / "communes.json"):
        if record.get("type") == "commune-actuelle":
            current[record["code"]] = record
        elif record.get("type") in ("commune-deleguee", "commune-associee"):
            former.setdefault(record["code"], record)
    epci_of = {}
    for epci in _load_json(base / "epci.json"):
        summary = {key: value for key, value in epci.items() if key != "membres"}
        for member in epci.get("membres", []):
            epci_of[member["code"]] = summary
    departements = {d["code"]: d["nom"] for d in _load_json(base / "departements.json")}
    return Geography(current, former, epci_of, departements)


def normalise(text: str) -> str:
    """Upper case, no accents, words separated by one space (for matching labels)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = "".join(char if char.isalnum() else " " for char in text.upper())
    return " ".join(text.replace("SAINT ", "ST ").replace("SAINTE ", "STE ").split())


@dataclass
class TerritoryReport:
    departement: str
    features: int = 0
    communes: int = 0
    merged: dict[str, list[str]] = field(default_factory=dict)  # new commune → former codes
    without_population: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "département": self.departement,
            "contours lus": self.features,
            "communes en vigueur": self.communes,
            "communes fusionnées depuis le fichier": self.merged,
            "sans population": self.without_population,
        }


def _read_feature_collection(source, label: str) -> dict:
    """A GeoJSON FeatureCollection from a path or an open file, or the reason it is not one."""
    try:
        if isinstance(source, (str, Path)):
            with open(source, encoding="utf-8") as handle:
                data = json.load(handle)
        else:
            data = json.load(source)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            f"ligne {error.lineno}, colonne {error.colno} : JSON invalide ({error.msg})", label
        ) from None
    except UnicodeDecodeError:
        raise ImportProblem("le fichier n'est pas encodé en UTF-8", label) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportProblem("une FeatureCollection GeoJSON était attendue", label)
    if problem := nul_json_problem(data):
        raise ImportProblem(problem, label)
    return data


def import_communes(
    source: Path | str | io.IOBase,
    *,
    name: str = "",
    package_dir: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TerritoryReport:
    """Replace the communes of the file's département by those of the file (one transaction).

    Every feature needs a `code` (INSEE, 5 characters) and a Polygon/MultiPolygon; a code
    unknown to the package, or of another département, refuses the whole file."""
    label = name or str(source)
    data = _read_feature_collection(source, label)
    geo_data = geography(package_dir)
    features = data.get("features") or []
    problems: list[str] = []
    outlines: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    departements = set()
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        code = str(properties.get("code") or "").strip()
        where = f"élément n° {number}"
        if len(code) != 5:
            problems.append(
                f"{where} : propriété « code » = « {code} » (code INSEE à 5 caractères attendu)"
            )
            continue
        geometry = feature.get("geometry") or {}
        try:
            geo.area_and_centroid(geometry)
        except (ValueError, KeyError, TypeError, IndexError) as error:
            problems.append(f"{where} (commune {code}) : contour invalide ({error})")
            continue
        successor = geo_data.successor(code)
        if successor is None:
            problems.append(
                f"{where} : code {code} inconnu du découpage administratif en vigueur ({PACKAGE})"
            )
            continue
        outlines[successor].append((code, geometry))
        departements.add(geo_data.current[successor]["departement"])
    if not features:
        problems.append("aucune commune dans le fichier")
    if len(departements) > 1:
        problems.append(
            f"le fichier couvre plusieurs départements ({', '.join(sorted(departements))}) : "
            "un fichier par département est attendu"
        )
    check_problems(problems, label)
    (departement,) = departements
    report = TerritoryReport(departement, features=len(features))
    rows = []
    for index, (code, parts) in enumerate(sorted(outlines.items()), start=1):
        record = geo_data.current[code]
        geometry = geo.merge_geometries(geometry for _, geometry in parts)
        area, lat, lon = geo.area_and_centroid(geometry)
        epci = geo_data.epci_of.get(code, {})
        former = sorted(c for c, _ in parts if c != code)
        flags = []
        if former:
            report.merged[code] = former
            flags.append(
                f"Commune nouvelle : contours des anciennes communes {', '.join(former)} réunis"
            )
        population = record.get("population")
        if population is None:
            report.without_population.append(code)
            flags.append("Population légale absente du découpage administratif")
        rows.append(
            Commune(
                code=code,
                name=record["nom"],
                departement=departement,
                population=population,
                epci_code=epci.get("code", ""),
                epci_name=epci.get("nom", ""),
                area_km2=area,
                latitude=lat,
                longitude=lon,
                geometry=geometry,
                outline_codes=sorted(c for c, _ in parts),
                flags=flags,
            )
        )
        if progress:
            progress(index, len(outlines))
    simplified = geo.simplify_coverage({row.code: row.geometry for row in rows})
    for row in rows:
        row.map_geometry = simplified[row.code]
    with transaction.atomic():
        Commune.objects.filter(departement=departement).delete()
        Commune.objects.bulk_create(rows, batch_size=200)
    report.communes = len(rows)
    return report


# --- IRIS outlines ---------------------------------------------------------------------------

IRIS_KEYS = {
    "code": ("code_iris", "iris", "code"),
    "name": ("nom_iris", "nom", "name"),
    "commune": ("insee_com", "code_insee", "depcom", "com"),
    "kind": ("typ_iris", "type_iris"),
    "population": ("population", "p_pop", "pop"),
}
IRIS_KINDS = {"H", "A", "D", "Z"}  # habitat, activité, divers, commune non découpée


def _property(properties: dict, key: str) -> str:
    lowered = {str(k).lower(): v for k, v in properties.items()}
    for name in IRIS_KEYS[key]:
        value = lowered.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _commune_problem(where: str, code: str, known: set[str], geo_data: Geography) -> str | None:
    """Why `code` is not an imported commune in force (None when it is)."""
    if code in known:
        return None
    successor = geo_data.successor(code)
    if successor and successor != code:
        return (
            f"{where} : commune {code} ({geo_data.former[code]['nom']}) a fusionné dans "
            f"{geo_data.current[successor]['nom']} ({successor}) — le fichier suit une "
            "géographie antérieure : utilisez le découpage IRIS du millésime en vigueur"
        )
    if successor:
        return f"{where} : commune {code} non importée (importez d'abord les contours de son département)"
    return f"{where} : {code} n'est pas un code de commune connu"


def _outside_wgs84(geometry: dict) -> bool:
    for polygon in geo.polygons_of(geometry):
        for ring in polygon:
            for point in ring:
                if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                    return True
    return False


def import_iris(
    source: Path | str | io.IOBase,
    *,
    name: str = "",
    package_dir: str | None = None,
    origin: str = "",
) -> dict:
    """Replace the IRIS of the file's communes by those of the file (one transaction).

    A GeoJSON FeatureCollection in WGS 84 (longitude, latitude), one feature per IRIS, with
    the properties of IGN's « Contours… IRIS » (CODE_IRIS, NOM_IRIS, INSEE_COM, TYP_IRIS; any
    case), and optionally a population. Every problem is listed with its feature number, and
    nothing is written unless every feature is right. The IRIS of a commune that do not cover
    its outline's area (±5 %) are flagged, not refused (outlines of another year)."""
    label = name or str(source)
    data = _read_feature_collection(source, label)
    geo_data = geography(package_dir)
    known = set(Commune.objects.values_list("code", flat=True))
    features = data.get("features") or []
    problems: list[str] = []
    rows: list[Iris] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        code = _property(properties, "code")
        where = f"élément n° {number}"
        if len(code) != 9 or not code[5:].isdigit():
            problems.append(
                f"{where} : propriété CODE_IRIS = « {code} » (code IRIS à 9 caractères attendu : "
                "code commune + 4 chiffres)"
            )
            continue
        where = f"{where} (IRIS {code})"
        commune = _property(properties, "commune") or code[:5]
        if commune != code[:5]:
            problems.append(
                f"{where} : INSEE_COM = {commune} ne correspond pas au code IRIS (qui commence par {code[:5]})"
            )
            continue
        problem = _commune_problem(where, commune, known, geo_data)
        if problem:
            problems.append(problem)
            continue
        if code in seen:
            problems.append(f"{where} : doublon de l'élément n° {seen[code]}")
            continue
        seen[code] = number
        geometry = feature.get("geometry") or {}
        try:
            area, lat, lon = geo.area_and_centroid(geometry)
        except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError) as error:
            problems.append(f"{where} : contour invalide ({error or 'géométrie vide'})")
            continue
        if _outside_wgs84(geometry):
            problems.append(
                f"{where} : coordonnées hors de la plage longitude/latitude (fichier en Lambert 93 ?"
                " convertissez-le en WGS 84, par exemple ogr2ogr -t_srs EPSG:4326)"
            )
            continue
        kind = _property(properties, "kind").upper()
        if kind and kind not in IRIS_KINDS:
            problems.append(f"{where} : TYP_IRIS = « {kind} » (H, A, D ou Z attendu)")
            continue
        population_text = _property(properties, "population").replace(" ", "")
        population = None
        if population_text:
            try:
                population = round(float(population_text.replace(",", ".")))
            except ValueError:
                population = -1
            if population < 0:
                problems.append(
                    f"{where} : population = « {population_text} » (nombre positif attendu)"
                )
                continue
        rows.append(
            Iris(
                code=code,
                name=(_property(properties, "name") or code)[:200],
                commune_code=commune,
                kind=kind,
                population=population,
                area_km2=area,
                latitude=lat,
                longitude=lon,
                geometry=geometry,
                source=(origin or label)[:255],
            )
        )
    if not features:
        problems.append("aucun IRIS dans le fichier")
    check_problems(problems, label)
    communes = {c.code: c for c in Commune.objects.filter(code__in={r.commune_code for r in rows})}
    by_commune: dict[str, list[Iris]] = defaultdict(list)
    for row in rows:
        by_commune[row.commune_code].append(row)
    flagged = []
    for code, members in sorted(by_commune.items()):
        share = sum(r.area_km2 for r in members) / communes[code].area_km2
        if abs(share - 1) > 0.05:
            flagged.append(code)
            for row in members:
                row.flags.append(
                    f"Les IRIS du fichier couvrent {round(100 * share)} % de la surface de la "
                    f"commune {communes[code].name} (contours d'un autre millésime ?)"
                )
    with transaction.atomic():
        Iris.objects.filter(commune_code__in=list(by_commune)).delete()
        Iris.objects.bulk_create(rows, batch_size=200)
    return {
        "IRIS": len(rows),
        "communes": len(by_commune),
        "communes dont les IRIS ne couvrent pas la surface": flagged,
        "avec population": sum(1 for r in rows if r.population is not None),
    }


# --- Social indicators ------------------------------------------------------------------------

INDICATOR_COLUMNS = ("code", "indicateur", "annee", "valeur", "source")
SECRET_MARKS = {"s", "secret", "nd", "n.d.", "c", "confidentiel", "ns"}


def import_indicators(source, *, name: str = "", package_dir: str | None = None) -> dict:
    """Import a long CSV `code;indicateur;annee;valeur;source` (`;` or `,`), keyed by commune
    code (5 characters) or IRIS code (9). Blanks and marks of statistical secrecy (s, nd, c…)
    are kept as secret values. Codes of communes merged since refuse the file, with the
    commune they now belong to; nothing is written unless every line is right."""
    label = name or str(source)
    text = read_text(source, label)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [column.strip().lower() for column in (reader.fieldnames or [])]
    missing = [column for column in INDICATOR_COLUMNS if column not in header]
    if missing:
        raise ImportProblem(
            f"ligne 1 : colonne(s) absente(s) {', '.join(missing)} (attendu : "
            f"{';'.join(INDICATOR_COLUMNS)})",
            label,
        )
    reader.fieldnames = header
    geo_data = geography(package_dir)
    known = set(Commune.objects.values_list("code", flat=True))
    problems, rows, seen, secrets = [], [], {}, 0
    for row in reader:
        line = reader.line_num
        code = (row.get("code") or "").strip()
        indicator = (row.get("indicateur") or "").strip()
        year_text = (row.get("annee") or "").strip()
        value_text = (row.get("valeur") or "").strip().replace(",", ".").replace("\u202f", "")
        origin = (row.get("source") or "").strip()
        if len(code) not in (5, 9):
            problems.append(
                f"ligne {line}, colonne code : « {code} » (code commune à 5 caractères ou IRIS à 9 attendu)"
            )
            continue
        commune = code[:5]
        if commune not in known:
            successor = geo_data.successor(commune)
            if successor and successor != commune:
                former = geo_data.former[commune]["nom"]
                problems.append(
                    f"ligne {line}, colonne code : {commune} ({former}) a fusionné dans "
                    f"{geo_data.current[successor]['nom']} ({successor}) — la table suit une "
                    "géographie antérieure : agrégez ses lignes sur la commune en vigueur"
                )
            elif successor:
                problems.append(
                    f"ligne {line}, colonne code : commune {commune} non importée (importez d'abord son département)"
                )
            else:
                problems.append(
                    f"ligne {line}, colonne code : {commune} n'est pas un code de commune connu"
                )
            continue
        if not indicator:
            problems.append(f"ligne {line}, colonne indicateur : nom vide")
            continue
        if not (year_text.isdigit() and 1900 <= int(year_text) <= 2100):
            problems.append(
                f"ligne {line}, colonne annee : « {year_text} » (année sur 4 chiffres attendue)"
            )
            continue
        if not origin:
            problems.append(
                f"ligne {line}, colonne source : vide (la source de la valeur est exigée)"
            )
            continue
        secret = value_text.lower() in SECRET_MARKS or value_text == ""
        value = None
        if not secret:
            try:
                value = float(value_text)
            except ValueError:
                problems.append(
                    f"ligne {line}, colonne valeur : « {value_text} » (nombre, ou vide / s / nd "
                    "pour un secret statistique, attendu)"
                )
                continue
        key = (code, indicator, int(year_text))
        if key in seen:
            problems.append(
                f"ligne {line} : doublon de la ligne {seen[key]} ({code}, {indicator}, {year_text})"
            )
            continue
        seen[key] = line
        secrets += secret
        rows.append(
            Indicator(
                code=code,
                level=Indicator.Level.IRIS if len(code) == 9 else Indicator.Level.COMMUNE,
                commune_code=commune,
                name=indicator,
                year=int(year_text),
                value=value,
                secret=secret,
                source=origin,
            )
        )
    if not rows and not problems:
        problems.append("aucune ligne de données")
    check_problems(problems, label)
    with transaction.atomic():
        for indicator, year in {(r.name, r.year) for r in rows}:
            Indicator.objects.filter(
                name=indicator, year=year, code__in=[r.code for r in rows]
            ).delete()
        Indicator.objects.bulk_create(rows, batch_size=500)
    return {
        "lignes": len(rows),
        "secrets statistiques": secrets,
        "indicateurs": sorted({r.name for r in rows}),
    }
