"""Injury accidents (the national BAAC files, ONISR): import of both layouts — up to 2018 (`an`
on two digits, `hrmn` as 1830, `lat`/`long` in 1e-5 degrees, `gps`, `dep` on three characters)
and since 2019 (`;`-separated, `Num_Acc` or `Accident_Id`, four-digit year, `hh:mm`, decimal
coordinates with commas) —, severity from the users file, hot spots by DBSCAN (haversine)
weighted by severity."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from django.db import transaction

from territoria.core.text_files import nul_problem
from territoria.mobilite.models import Accident, AccidentImport

OLD, NEW = "avant 2019", "depuis 2019"
OLD_COLUMNS = {"Num_Acc", "an", "mois", "jour", "hrmn", "lum", "agg", "int", "atm", "col", "com", "dep", "lat", "long", "gps"}  # fmt: skip
NEW_COLUMNS = {"jour", "mois", "an", "hrmn", "lum", "dep", "com", "agg", "atm", "lat", "long"}
WEIGHTS = {2: 10, 3: 5, 4: 1, 1: 1, 0: 1}  # killed, hospitalised, slightly injured, unhurt, unknown
LIGHTING = {
    "1": "Plein jour",
    "2": "Crépuscule ou aube",
    "3": "Nuit sans éclairage public",
    "4": "Nuit avec éclairage public non allumé",
    "5": "Nuit avec éclairage public allumé",
}
WEATHER = {
    "1": "Normale",
    "2": "Pluie légère",
    "3": "Pluie forte",
    "4": "Neige – grêle",
    "5": "Brouillard – fumée",
    "6": "Vent fort – tempête",
    "7": "Temps éblouissant",
    "8": "Temps couvert",
    "9": "Autre",
}
USERS = {  # filter of the page; needs the users (vehicles) file: unknown otherwise, left out
    "pietons": "Un piéton impliqué",
    "sans_pieton": "Sans piéton",
    "velos": "Un vélo impliqué (fichier véhicules)",
    "deux_roues": "Un deux-roues motorisé impliqué (fichier véhicules)",
}
# `catv` of the vehicles file: bicycles (1, 80: electrically assisted) and powered two- or
# three-wheelers (mopeds, scooters, motorcycles, 3-wheelers of every engine size)
BICYCLES = {1, 80}
MOTORCYCLES = {2, 30, 31, 32, 33, 34, 41, 42, 43}
MAX_ERRORS = 5


# Placed by the platform, not by the file: a point of the commune, or the middle of the street
# named by the address (mobilite.streets). Counted per commune, never in the point hot spots.
PLACED = {"commune", "voie"}


class AccidentError(Exception):
    pass


def own_coordinates(accident) -> bool:
    """Whether an accident has the file's own coordinates (the only ones a point hot spot or a
    snap onto the network may use)."""
    return accident.latitude is not None and getattr(accident, "located", "gps") not in PLACED


def _read(path: Path, name: str) -> tuple[list[str], list[dict]]:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # the older national files
    if problem := nul_problem(text):
        raise AccidentError(f"{name} : {problem}")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().strip('"') for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = list(reader)
    if not rows:
        raise AccidentError(f"{name} : aucun accident.")
    return header, rows


def detect_layout(header: list[str], name: str) -> str:
    columns = set(header)
    if OLD_COLUMNS <= columns:
        return OLD
    if NEW_COLUMNS <= columns and ({"Num_Acc", "Accident_Id"} & columns):
        return NEW
    missing_old = sorted(OLD_COLUMNS - columns)
    missing_new = sorted(NEW_COLUMNS - columns)
    raise AccidentError(
        f"{name} : disposition de fichier inconnue. Ni fichier « caractéristiques » d'avant 2019 "
        f"(colonnes manquantes : {', '.join(missing_old)}), ni de 2019 et après (colonnes "
        f"manquantes : {', '.join(missing_new) or 'Num_Acc ou Accident_Id'})."
    )


def _int(value: str | None) -> int | None:
    value = (value or "").strip().strip('"')
    if not value:
        return None
    return int(float(value.replace(",", ".")))


def _insee(dep: str, com: str, layout: str) -> tuple[str, str]:
    dep, com = dep.strip(), com.strip()
    if layout == NEW:
        return dep, com
    number = str(_int(com) or 0).zfill(3)
    if dep.isdigit() and len(dep) < 3:
        dep = dep.zfill(3)  # "10" is "010" (Ain) with its leading zero lost
    if dep.startswith("97"):
        return dep, "97" + number[-3:]
    department = {"201": "2A", "202": "2B"}.get(dep, dep[:2])
    return department, department + number


def _coordinates(row: dict, layout: str) -> tuple[float | None, float | None]:
    lat_text = (row.get("lat") or "").strip().replace(",", ".")
    lon_text = (row.get("long") or "").strip().replace(",", ".")
    if not lat_text or not lon_text or lat_text == "-" or lon_text == "-":
        return None, None
    lat, lon = float(lat_text), float(lon_text)
    if layout == OLD:
        lat, lon = lat / 1e5, lon / 1e5
    if lat == 0 or lon == 0 or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _parse(row: dict, line: int, layout: str, name: str) -> tuple[dict | None, list[str]]:
    errors = []

    def field(key, check, label):
        try:
            value = check(row.get(key))
        except (TypeError, ValueError):
            value = None
        if value is None:
            errors.append(f"{name}, ligne {line}, champ « {key} » : {label} ({row.get(key)!r}).")
        return value

    number = row.get("Accident_Id") or row.get("Num_Acc") or ""
    if not number.strip():
        errors.append(f"{name}, ligne {line}, champ « Num_Acc » : numéro d'accident vide.")
    year = field("an", lambda v: _int(v) if layout == NEW else 2000 + _int(v), "année illisible")
    month = field("mois", lambda v: m if 1 <= (m := _int(v)) <= 12 else None, "mois illisible")
    day = field("jour", lambda v: d if 1 <= (d := _int(v)) <= 31 else None, "jour illisible")
    hrmn = (row.get("hrmn") or "").strip().replace(":", "")
    hour = _int(hrmn[:-2]) if len(hrmn) > 2 else 0
    try:
        lat, lon = _coordinates(row, layout)
    except ValueError:
        errors.append(f"{name}, ligne {line}, champs « lat »/« long » : coordonnées illisibles.")
        lat = lon = None
    when = None
    if year and month and day:
        try:
            when = date(year, month, day)
        except ValueError:
            errors.append(
                f"{name}, ligne {line}, champ « jour » : date impossible ({day}/{month}/{year})."
            )
    if errors:
        return None, errors
    dep, commune = _insee(row.get("dep") or "", row.get("com") or "", layout)
    return {
        "number": number.strip(),
        "date": when,
        "hour": hour if hour is not None and 0 <= hour <= 23 else None,
        "lighting": _int(row.get("lum")),
        "weather": _int(row.get("atm")),
        "built_up": {"1": False, "2": True}.get((row.get("agg") or "").strip()),
        "departement": dep[:3],
        "commune": commune[:5],
        "address": (row.get("adr") or "").strip()[:200],
        "latitude": lat,
        "longitude": lon,
        "located": "gps" if lat is not None else "",
    }, []


CODE_KEYS = ("code", "insee", "code_insee", "INSEE_COM", "codgeo")


def commune_points(path: Path, name: str = "") -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude) of a point inside each commune: shapely's
    representative point of its outline, which lies inside it, where a centroid may not."""
    return commune_points_of(commune_outlines(path, name))


def commune_points_of(outlines: dict) -> dict[str, tuple[float, float]]:
    points = {}
    for code, outline in outlines.items():
        point = outline.representative_point()
        points[code] = (point.y, point.x)
    return points


def commune_outlines(path: Path, name: str = ""):
    """INSEE code → outline (shapely, WGS 84) of each commune of a GeoJSON FeatureCollection
    of communes (property `code` or `insee`: the outlines the platform's other modules read)."""
    import json

    from shapely.geometry import shape

    name = name or Path(path).name
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AccidentError(
            f"{name} : ce n'est pas un fichier GeoJSON lisible ({error})."
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise AccidentError(f"{name} : une collection GeoJSON (FeatureCollection) est attendue.")
    outlines, errors = {}, []
    for number, feature in enumerate(data.get("features") or [], start=1):
        properties = feature.get("properties") or {}
        code = next((str(properties[k]) for k in CODE_KEYS if properties.get(k)), "")
        if not code:
            errors.append(
                f"{name}, commune n° {number} : pas de code INSEE (propriété "
                f"{' ou '.join(CODE_KEYS[:2])})."
            )
        else:
            try:
                outline = shape(feature.get("geometry"))
                west, south, east, north = outline.bounds
            except Exception:  # noqa: BLE001 — any broken geometry is named, not raised
                errors.append(f"{name}, commune {code} : contour illisible.")
            else:
                if -180 <= west <= east <= 180 and -90 <= south <= north <= 90:
                    outlines[code] = outline
                else:
                    errors.append(
                        f"{name}, commune {code} : coordonnées hors WGS 84 (longitude, latitude)."
                    )
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise AccidentError(" ".join(errors))
    if not outlines:
        raise AccidentError(f"{name} : aucune commune.")
    return outlines


def locate_by_street(parsed: list[dict], outlines: dict, net_file: Path) -> int:
    """Accidents without coordinates whose address names one street of a geo-referenced
    network inside their commune's outline, placed at its middle (`located` = "voie",
    mobilite.streets). How many."""
    import sumolib

    from territoria.mobilite.streets import StreetIndex

    net = sumolib.net.readNet(str(net_file))
    if not net.hasGeoProj():
        raise AccidentError(
            "Ce réseau n'a pas de géoréférencement : les accidents ne peuvent pas être placés "
            "sur ses voies. Construisez-le depuis un extrait OpenStreetMap."
        )
    streets = StreetIndex(net)
    placed = 0
    for values in parsed:
        outline = outlines.get(values["commune"])
        if values["latitude"] is None and values["address"] and outline is not None:
            found = streets.place(values["address"], outline)
            if found:
                values["latitude"], values["longitude"] = found
                values["located"] = "voie"
                placed += 1
    return placed


def locate_by_commune(parsed: list[dict], points: dict[str, tuple[float, float]]) -> int:
    """Accidents without coordinates placed at a point of their commune (`located` =
    "commune"): a commune-level position, counted per commune but never in the hot spots (a
    pile of accidents at one point of a commune is not a dangerous place). How many."""
    placed = 0
    for values in parsed:
        if values["latitude"] is None and values["commune"] in points:
            values["latitude"], values["longitude"] = points[values["commune"]]
            values["located"] = "commune"
            placed += 1
    return placed


def _severity(path: Path | None, name: str) -> dict[str, tuple[int, int, int]]:
    """{accident: (worst severity, killed, hospitalised)} from a users file."""
    return _users(path, name)[0]


PEDESTRIAN = 3  # `catu` of the users file: 1 driver, 2 passenger, 3 pedestrian


def _users(path: Path | None, name: str) -> tuple[dict[str, tuple[int, int, int]], set[str] | None]:
    """({accident: (worst severity, killed, hospitalised)}, accidents with a pedestrian among
    their users — None without a users file) from a users file."""
    if path is None:
        return {}, None
    header, rows = _read(path, name)
    key = "Accident_Id" if "Accident_Id" in header else "Num_Acc"
    if key not in header or "grav" not in header:
        raise AccidentError(f"{name} : fichier « usagers » attendu (colonnes Num_Acc et grav).")
    found: dict[str, list[int]] = {}
    pedestrians: set[str] = set()
    rank = {2: 4, 3: 3, 4: 2, 1: 1}
    for line, row in enumerate(rows, start=2):
        try:
            if _int(row.get("catu")) == PEDESTRIAN:
                pedestrians.add(row[key].strip())
        except ValueError:
            pass  # the category is only read for the filter; severity is what is checked
        try:
            grav = _int(row.get("grav"))
        except ValueError:
            grav = None
        if grav not in rank:
            if grav == -1:
                continue  # not filled in, in the current files
            raise AccidentError(
                f"{name}, ligne {line}, champ « grav » : gravité inconnue ({row.get('grav')!r})."
            )
        worst, killed, hospitalised = found.get(row[key].strip(), [0, 0, 0])
        if worst == 0 or rank[grav] > rank[worst]:
            worst = grav
        found[row[key].strip()] = [worst, killed + (grav == 2), hospitalised + (grav == 3)]
    return {k: tuple(v) for k, v in found.items()}, pedestrians


def _vehicles(path: Path | None, name: str) -> dict[str, dict[str, bool]] | None:
    """{accident: {"bicycle": …, "motorcycle": …}} from a vehicles file (both layouts), None
    without one."""
    if path is None:
        return None
    header, rows = _read(path, name)
    key = "Accident_Id" if "Accident_Id" in header else "Num_Acc"
    if key not in header or "catv" not in header:
        raise AccidentError(f"{name} : fichier « véhicules » attendu (colonnes Num_Acc et catv).")
    found: dict[str, dict[str, bool]] = {}
    for line, row in enumerate(rows, start=2):
        try:
            kind = _int(row.get("catv"))
        except ValueError:
            raise AccidentError(
                f"{name}, ligne {line}, champ « catv » : catégorie illisible ({row.get('catv')!r})."
            ) from None
        seen = found.setdefault(row[key].strip(), {"bicycle": False, "motorcycle": False})
        seen["bicycle"] |= kind in BICYCLES
        seen["motorcycle"] |= kind in MOTORCYCLES
    return found


def parse_files(
    path: Path,
    users: Path | None = None,
    name: str = "",
    users_name: str = "",
    vehicles: Path | None = None,
    vehicles_name: str = "",
):
    """(layout, accidents as dicts, {number: severity}) of a file: every line checked, the
    first errors raised together."""
    name = name or Path(path).name
    header, rows = _read(path, name)
    layout = detect_layout(header, name)
    severity, pedestrians = _users(users, users_name or (Path(users).name if users else ""))
    kinds = _vehicles(vehicles, vehicles_name or (Path(vehicles).name if vehicles else ""))
    parsed, errors, seen = [], [], set()
    for line, row in enumerate(rows, start=2):
        values, problems = _parse(row, line, layout, name)
        errors += problems
        if len(errors) >= MAX_ERRORS:
            break
        if values:
            if values["number"] in seen:
                errors.append(
                    f"{name}, ligne {line}, champ « Num_Acc » : accident {values['number']} en double."
                )
                continue
            seen.add(values["number"])
            parsed.append(values)
    if errors:
        raise AccidentError(" ".join(errors[:MAX_ERRORS]))
    known = set(severity) | (pedestrians or set())
    for values in parsed:  # unknown (None) for an accident without users in the users file
        number = values["number"]
        values["pedestrian"] = (number in (pedestrians or ())) if number in known else None
        involved = (kinds or {}).get(number)
        values["bicycle"] = involved["bicycle"] if involved else None
        values["motorcycle"] = involved["motorcycle"] if involved else None
    return layout, parsed, severity


def import_files(
    path: Path,
    users: Path | None = None,
    organisation=None,
    user=None,
    file_name: str = "",
    users_name: str = "",
    communes: Path | None = None,
    communes_name: str = "",
    vehicles: Path | None = None,
    vehicles_name: str = "",
    network_file: Path | None = None,
) -> AccidentImport:
    """Every line checked first; then all accidents in one transaction, or none.
    `communes`: a GeoJSON of commune outlines, to place accidents without coordinates in their
    commune — or on their street when `network_file` (a geo-referenced SUMO network) is given."""
    name = file_name or Path(path).name
    layout, parsed, severity = parse_files(path, users, name, users_name, vehicles, vehicles_name)
    if network_file and not communes:
        raise AccidentError(
            "Pour placer les accidents sans coordonnées sur leur voie, joignez aussi les contours "
            "des communes (la voie est cherchée dans la commune de l'accident)."
        )
    if communes:
        outlines = commune_outlines(communes, communes_name)
        if network_file:
            locate_by_street(parsed, outlines, network_file)
        locate_by_commune(parsed, commune_points_of(outlines))
    with transaction.atomic():
        record = AccidentImport.objects.create(
            organisation=organisation, file_name=name, layout=layout, rows=len(parsed),
            geocoded=sum(v["located"] == "gps" for v in parsed),
            by_street=sum(v["located"] == "voie" for v in parsed),
            by_commune=sum(v["located"] == "commune" for v in parsed), created_by=user,
        )  # fmt: skip
        Accident.objects.bulk_create(
            [
                Accident(
                    source=record,
                    severity=severity.get(v["number"], (0, 0, 0))[0],
                    killed=severity.get(v["number"], (0, 0, 0))[1],
                    hospitalised=severity.get(v["number"], (0, 0, 0))[2],
                    **v,
                )
                for v in parsed
            ],
            batch_size=2000,
        )
    return record


def hotspots(
    accidents: list[Accident], radius_m: float = 300, min_weight: float = 3, min_accidents: int = 2
) -> list[dict]:
    """DBSCAN on the geocoded accidents (haversine), each weighted by its severity; the zones
    ranked by total weight."""
    import numpy as np
    from sklearn.cluster import DBSCAN

    points = [a for a in accidents if own_coordinates(a)]
    if not points:
        return []
    coords = np.radians([[a.latitude, a.longitude] for a in points])
    weights = np.array([WEIGHTS.get(a.severity, 1) for a in points], dtype=float)
    labels = (
        DBSCAN(
            eps=radius_m / 6_371_000,
            min_samples=min_weight,
            metric="haversine",
            algorithm="ball_tree",
        )
        .fit(coords, sample_weight=weights)
        .labels_
    )
    zones = []
    for label in set(labels) - {-1}:
        members = [p for p, lab in zip(points, labels) if lab == label]
        if len(members) < min_accidents:
            continue  # one fatal accident weighs enough, but one place is not a zone
        w = weights[labels == label]
        zones.append(
            {
                "accidents": len(members),
                "weight": int(w.sum()),
                "killed": sum(m.killed for m in members),
                "hospitalised": sum(m.hospitalised for m in members),
                "lat": float(np.average([m.latitude for m in members], weights=w)),
                "lon": float(np.average([m.longitude for m in members], weights=w)),
                "communes": sorted({m.commune for m in members}),
                "years": sorted({m.date.year for m in members}),
            }
        )
    zones.sort(key=lambda z: (-z["weight"], -z["accidents"]))
    for rank, zone in enumerate(zones, start=1):
        zone["rank"] = rank
    return zones


def confidence(
    accidents, zones: list[dict], radius_m: float = 300, draws: int = 50, seed: int = 0
) -> None:
    """The share of bootstrap resamplings of the accidents (drawn with replacement, as many as
    there are, `seed` fixed) in which each zone is found again — a zone of the resampled set
    whose centre is within `radius_m` of the zone's: `zone["confidence"]` in [0, 1]. A zone
    that rests on one or two accidents often vanishes; a dense one stays."""
    import numpy as np
    from sklearn.cluster import DBSCAN

    points = [a for a in accidents if own_coordinates(a)]
    if not zones or not points:
        return
    lat = np.array([a.latitude for a in points])
    lon = np.array([a.longitude for a in points])
    weight = np.array([WEIGHTS.get(a.severity, 1) for a in points], dtype=float)
    coords = np.radians(np.column_stack([lat, lon]))
    centres = np.radians([[z["lat"], z["lon"]] for z in zones])
    rng = np.random.default_rng(seed)
    hits = np.zeros(len(zones))
    for _ in range(draws):
        pick = rng.integers(0, len(points), len(points))
        labels = (
            DBSCAN(eps=radius_m / 6_371_000, min_samples=3, metric="haversine",
                   algorithm="ball_tree")
            .fit(coords[pick], sample_weight=weight[pick])
            .labels_
        )  # fmt: skip
        found = []
        for label in set(labels.tolist()) - {-1}:  # as hotspots(): at least two accidents
            members = pick[labels == label]
            if len(members) >= 2:
                w = weight[members]
                found.append(
                    [np.average(coords[members, 0], weights=w),
                     np.average(coords[members, 1], weights=w)]
                )  # fmt: skip
        if not found:
            continue
        found = np.array(found)
        # haversine distance of every zone to every zone found again
        dlat = found[None, :, 0] - centres[:, None, 0]
        dlon = found[None, :, 1] - centres[:, None, 1]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(centres[:, None, 0]) * np.cos(found[None, :, 0]) * np.sin(dlon / 2) ** 2
        )
        metres = 2 * 6_371_000 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
        hits += (metres <= radius_m).any(axis=1)
    for zone, hit in zip(zones, hits.tolist(), strict=True):
        zone["confidence"] = round(hit / draws, 2)


def export_csv(zones: list[dict]) -> str:
    """The hot spots as a spreadsheet CSV (`;`, French headers; UTF-8 with BOM by the view)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["rang", "accidents", "poids_gravite", "tues", "hospitalises", "latitude", "longitude",
         "communes", "annees", "confiance"]
    )  # fmt: skip
    for z in zones:
        writer.writerow(
            [z["rank"], z["accidents"], z["weight"], z["killed"], z["hospitalised"],
             f"{z['lat']:.5f}", f"{z['lon']:.5f}", " ".join(z["communes"]),
             " ".join(str(y) for y in z["years"]),
             "" if z.get("confidence") is None else f"{z['confidence']:.2f}".replace(".", ",")]
        )  # fmt: skip
    return out.getvalue()


def _network_zones(network, rows, filters) -> dict:
    """The network-constrained density of `rows` on `network` (riskmap.py), for the page."""
    from territoria.core.maps import MapShape
    from territoria.core.templatetags.french import count_words
    from territoria.mobilite import riskmap

    try:
        found = riskmap.density(network.net_file, rows)
    except riskmap.RiskMapError as error:
        return {"network_error": str(error)}
    zones = found["zones"]
    shapes = [
        MapShape(
            geometry={"type": "MultiLineString", "coordinates": z["lines"]},
            label=f"Tronçon à risque {z['rank']} : {count_words(z['accidents'], 'accident')}",
            detail=f"{z['length_m']} m de voirie ; densité maximale {z['peak_density']}",
            colour="danger",
        )
        for z in zones[:25]
    ]
    return {
        "network_zones": zones[:25],
        "network_shapes": shapes,
        "network_summary": (
            f"Réseau {network.name} : {count_words(found['snapped'], 'accident')} à moins de "
            f"25 m d'une voie du réseau ; {count_words(len(zones), 'tronçon')} à risque "
            f"(densité à noyau le long des voies, largeur de bande {found.get('bandwidth_m', 150):g} m, "
            f"seuil : poids 3 en un point)."
        ),
    }


def page_context(imports, query, networks=()) -> dict:
    from territoria.core.maps import LegendEntry, MapPoint
    from territoria.core.templatetags.french import count_words

    accidents = Accident.objects.filter(source__in=imports)
    if not accidents.exists():
        return {"hotspots": None}
    filters = {
        "lum": query.get("lum", "") if query.get("lum", "") in LIGHTING else "",
        "atm": query.get("atm", "") if query.get("atm", "") in WEATHER else "",
        "usagers": query.get("usagers", "") if query.get("usagers", "") in USERS else "",
    }
    try:
        radius = max(50, min(5000, int(query.get("rayon") or 300)))
    except ValueError:
        radius = 300
    filters["rayon"] = radius
    filters["confiance"] = "1" if query.get("confiance") == "1" else ""
    network = next((n for n in networks if str(n.pk) == query.get("reseau", "")), None)
    filters["reseau"] = str(network.pk) if network else ""
    if filters["lum"]:
        accidents = accidents.filter(lighting=int(filters["lum"]))
    if filters["atm"]:
        accidents = accidents.filter(weather=int(filters["atm"]))
    if filters["usagers"] == "pietons":
        accidents = accidents.filter(pedestrian=True)
    elif filters["usagers"] == "sans_pieton":
        accidents = accidents.filter(pedestrian=False)
    elif filters["usagers"] == "velos":
        accidents = accidents.filter(bicycle=True)
    elif filters["usagers"] == "deux_roues":
        accidents = accidents.filter(motorcycle=True)
    rows = list(
        accidents.only(
            "latitude",
            "longitude",
            "located",
            "severity",
            "killed",
            "hospitalised",
            "commune",
            "date",
        )
    )
    zones = hotspots(rows, radius)
    if filters["confiance"]:
        confidence(rows, zones, radius)
    along = _network_zones(network, rows, filters) if network else {}
    if query.get("format") == "csv":
        return {"export": zones, "filters": filters}
    shown = zones[:25]
    items = [
        MapPoint(
            lat=z["lat"],
            lon=z["lon"],
            label=f"Zone {z['rank']} : {count_words(z['accidents'], 'accident')}",
            detail=(
                f"{count_words(z['killed'], 'tué')}, "
                f"{count_words(z['hospitalised'], 'hospitalisé')} ; "
                f"communes {', '.join(z['communes'])}"
            ),
        )
        for z in shown
    ]
    trend: dict[int, dict] = {}
    for a in rows:
        year = trend.setdefault(a.date.year, {"year": a.date.year, "accidents": 0, "killed": 0})
        year["accidents"] += 1
        year["killed"] += a.killed
    geocoded = sum(own_coordinates(a) for a in rows)
    by_street = sum(a.located == "voie" for a in rows)
    by_commune = sum(a.located == "commune" for a in rows)
    communes: dict[str, dict] = {}
    for a in rows:  # every accident, located or not: the commune is in every record
        c = communes.setdefault(
            a.commune,
            {"commune": a.commune, "accidents": 0, "killed": 0, "hospitalised": 0, "weight": 0,
             "located": 0, "by_street": 0, "by_commune": 0},
        )  # fmt: skip
        c["accidents"] += 1
        c["killed"] += a.killed
        c["hospitalised"] += a.hospitalised
        c["weight"] += WEIGHTS.get(a.severity, 1)
        c["located"] += own_coordinates(a)
        c["by_street"] += a.located == "voie"
        c["by_commune"] += a.located == "commune"
    return {
        **along,
        "networks": list(networks),
        "hotspots": shown,
        "map_items": [*items, *along.get("network_shapes", [])],
        "map_legend": [
            LegendEntry("brand", "Centre d'une zone à risque (moyenne pondérée par la gravité)"),
            *(
                [LegendEntry("danger", "Tronçons à risque le long du réseau (densité à noyau)")]
                if along.get("network_shapes")
                else []
            ),
        ],
        "filters": filters,
        "lighting_choices": list(LIGHTING.items()),
        "weather_choices": list(WEATHER.items()),
        "user_choices": list(USERS.items()),
        "trend": [trend[y] for y in sorted(trend)],
        "communes": sorted(communes.values(), key=lambda c: (-c["weight"], -c["accidents"]))[:15],
        "summary": (
            f"{count_words(len(rows), 'accident')} retenu{'s' if len(rows) > 1 else ''}, dont "
            f"{geocoded} géolocalisé{'s' if geocoded > 1 else ''}"
            + (
                f", {by_street} placé{'s' if by_street > 1 else ''} sur {'leur' if by_street > 1 else 'sa'} voie "
                "(répartis le long de la voie dans la densité le long du réseau)"
                if by_street
                else ""
            )
            + (
                f" et {by_commune} placé{'s' if by_commune > 1 else ''} dans {'leur' if by_commune > 1 else 'sa'} commune "
                "(comptés par commune, pas dans les zones)"
                if by_commune
                else ""
            )
            + " ; "
            f"{count_words(len(zones), 'zone|f')} à risque (rayon {radius} m, poids minimal 3)"
            + (f", les {len(shown)} plus graves affichées." if len(zones) > len(shown) else ".")
        ),
    }
