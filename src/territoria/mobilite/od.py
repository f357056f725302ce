"""Demand from an origin–destination matrix: SUMO's `od2trips`.

The matrix is a CSV `origine ; destination ; vehicules` (`,` or `;`), one line per pair, the
vehicles of the simulated period. An origin or destination is a zone of the zones file (CSV
`zone ; troncons`, the zone's edges separated by spaces) or, without a zones file, an edge of
the network (a zone of one edge). `od2trips` spreads each pair's vehicles over the period and
over the zone's edges (seeded: the same seed gives the same trips), `duarouter` then checks that
each trip has a route. Every error names the file, the line and the field; nothing is written
when one is wrong.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from territoria.mobilite import sumo

MAX_VEHICLES = 200_000


class ODError(Exception):
    pass


def _rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [(i, [c.strip() for c in row]) for i, row in enumerate(reader, start=1) if any(row)]
    if not rows:
        raise ODError(f"{name} : fichier vide.")
    return rows


def parse_zones(text: str, edges: set[str], name: str = "zones.csv") -> dict[str, list[str]]:
    rows = _rows(text, name)
    header = [h.lower() for h in rows[0][1]]
    if header[:2] != ["zone", "troncons"]:
        raise ODError(
            f"{name}, ligne 1 : en-tête « zone ; troncons » attendu, lu « {';'.join(header)} »."
        )
    zones: dict[str, list[str]] = {}
    errors = []
    for line, row in rows[1:]:
        if len(row) < 2 or not row[0]:
            errors.append(f"{name}, ligne {line} : une zone et ses tronçons attendus.")
            continue
        zone, listed = row[0], row[1].split()
        outside = [e for e in listed if e not in edges]
        if not listed:
            errors.append(f"{name}, ligne {line}, champ « troncons » : aucun tronçon.")
        elif outside:
            errors.append(
                f"{name}, ligne {line}, champ « troncons » : hors du réseau : {', '.join(outside[:5])}."
            )
        elif zone in zones:
            errors.append(f"{name}, ligne {line}, champ « zone » : « {zone} » déjà définie.")
        else:
            zones[zone] = listed
    if errors:
        raise ODError(" ".join(errors[:10]))
    return zones


def parse_matrix(
    text: str, edges: set[str], zones: dict[str, list[str]] | None = None, name: str = "od.csv"
) -> list[tuple[str, str, int]]:
    """The matrix's pairs (origin zone, destination zone, vehicles); without `zones`, origins
    and destinations are edges of the network."""
    rows = _rows(text, name)
    header = [h.lower() for h in rows[0][1]]
    if header[:3] != ["origine", "destination", "vehicules"]:
        raise ODError(
            f"{name}, ligne 1 : en-tête « origine ; destination ; vehicules » attendu, lu "
            f"« {';'.join(header)} »."
        )
    known = set(zones) if zones else edges
    what = "zone inconnue" if zones else "tronçon hors du réseau"
    pairs: list[tuple[str, str, int]] = []
    errors = []
    for line, row in rows[1:]:
        if len(row) < 3:
            errors.append(f"{name}, ligne {line} : 3 champs attendus, {len(row)} lus.")
            continue
        origin, destination, count = row[:3]
        for field, value in (("origine", origin), ("destination", destination)):
            if value not in known:
                errors.append(f"{name}, ligne {line}, champ « {field} » : {what} « {value} ».")
        try:
            vehicles = int(count)
        except ValueError:
            errors.append(
                f"{name}, ligne {line}, champ « vehicules » : entier attendu ('{count}')."
            )
            continue
        if vehicles < 0:
            errors.append(
                f"{name}, ligne {line}, champ « vehicules » : nombre impossible ({vehicles})."
            )
            continue
        if origin == destination:
            errors.append(f"{name}, ligne {line} : origine et destination identiques ({origin}).")
            continue
        pairs.append((origin, destination, vehicles))
    if errors:
        raise ODError(
            " ".join(errors[:10]) + (f" (et {len(errors) - 10} autres)" if len(errors) > 10 else "")
        )
    total = sum(v for _, _, v in pairs)
    if total == 0:
        raise ODError(f"{name} : la matrice ne compte aucun véhicule.")
    if total > MAX_VEHICLES:
        raise ODError(f"{name} : {total} véhicules, au-delà de {MAX_VEHICLES} par période.")
    return pairs


def od_trips(
    net: Path,
    pairs: list[tuple[str, str, int]],
    zones: dict[str, list[str]] | None,
    duration: int,
    seed: int,
    folder: Path,
) -> Path:
    """Trips of the matrix over [0, duration) by od2trips, checked by duarouter."""
    folder.mkdir(parents=True, exist_ok=True)
    used = {z for o, d, _ in pairs for z in (o, d)}
    taz = ET.Element("additional")
    for zone in sorted(used):
        ET.SubElement(taz, "taz", id=zone, edges=" ".join(zones[zone] if zones else [zone]))
    taz_file = folder / "zones.taz.xml"
    ET.ElementTree(taz).write(taz_file, encoding="utf-8", xml_declaration=True)
    data = ET.Element("data")
    interval = ET.SubElement(data, "interval", begin="0", end=str(duration))
    for origin, destination, vehicles in pairs:
        if vehicles:
            ET.SubElement(
                interval,
                "tazRelation",
                attrib={"from": origin, "to": destination, "count": str(vehicles)},
            )
    matrix_file = folder / "matrice.xml"
    ET.ElementTree(data).write(matrix_file, encoding="utf-8", xml_declaration=True)
    trips = folder / f"od-{seed}.trips.xml"
    sumo.run(
        ["od2trips", "-n", str(taz_file), "--tazrelation-files", str(matrix_file),
         "-o", str(trips), "--seed", str(seed), "--no-step-log"]
    )  # fmt: skip
    # every trip must have a route on the network
    routes = folder / f"od-{seed}.rou.xml"
    sumo.run(
        ["duarouter", "-n", str(Path(net).resolve()), "--route-files", str(trips), "-o",
         str(routes), "--ignore-errors", "--no-step-log", "--no-warnings"]
    )  # fmt: skip
    wanted = [t.get("id") for t in ET.parse(trips).getroot().iter("trip")]
    routed = {v.get("id") for v in ET.parse(routes).getroot().iter("vehicle")}
    missing = [t for t in wanted if t not in routed]
    if missing:
        first = next(t for t in ET.parse(trips).getroot().iter("trip") if t.get("id") == missing[0])
        raise ODError(
            f"{len(missing)} trajet(s) de la matrice sur {len(wanted)} n'ont pas d'itinéraire sur "
            f"le réseau (par exemple de « {first.get('fromTaz')} » à « {first.get('toTaz')} »)."
        )
    return trips
