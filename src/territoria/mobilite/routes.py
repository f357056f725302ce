"""Demand from a SUMO routes file (`.rou.xml`: the demand a collectivité or a consultant
already has, or routeSampler's output).

Each vehicle keeps its departure time, its first edge and its last edge; SUMO then routes it on
each network — the base and the scenario — by duarouter, as the random and the matrix demands
are: a closure reroutes the vehicles that used the closed street instead of cutting them.
Vehicles (with an inline route or a named one) and trips are read; flows are refused (their
vehicles are not written out). Every error names the file and the vehicle; nothing is simulated
when one is wrong.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

MAX_VEHICLES = 200_000


class RoutesError(ValueError):
    pass


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return None


def parse_routes(data: bytes, edges: set[str], duration: int, name: str) -> list[list]:
    """[[id, depart, from, to]] of the vehicles departing within the simulated period, sorted by
    departure (SUMO wants them so)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise RoutesError(f"{name} : XML illisible ({error}).") from None
    if root.tag != "routes":
        raise RoutesError(f"{name} : un fichier d'itinéraires SUMO commence par <routes>.")
    named = {r.get("id"): (r.get("edges") or "").split() for r in root.findall("route")}
    if root.find("flow") is not None:
        raise RoutesError(
            f"{name} : les flux (<flow>) ne sont pas lus ; écrivez leurs véhicules (par exemple "
            "avec duarouter) ou importez une matrice origine–destination."
        )
    found, errors = [], []
    for element in root:
        if element.tag not in ("vehicle", "trip"):
            continue
        ident = element.get("id", "?")
        where = f"{name}, véhicule « {ident} »"
        depart = _seconds(element.get("depart"))
        if depart is None or depart < 0:
            errors.append(f"{where} : départ « {element.get('depart')} » illisible.")
            continue
        if element.tag == "trip":
            path = [element.get("from"), element.get("to")]
        else:
            inline = element.find("route")
            path = (
                (inline.get("edges") or "").split()
                if inline is not None
                else named.get(element.get("route"), [])
            )
        if len(path) < 1 or None in path:
            errors.append(f"{where} : sans itinéraire (ni route, ni from/to).")
            continue
        outside = [e for e in (path[0], path[-1]) if e not in edges]
        if outside:
            errors.append(f"{where} : tronçon(s) hors du réseau : {', '.join(outside)}.")
            continue
        if depart < duration:
            found.append([ident, depart, path[0], path[-1]])
        if len(found) > MAX_VEHICLES:
            raise RoutesError(f"{name} : plus de {MAX_VEHICLES} véhicules.")
    if errors:
        more = f" … et {len(errors) - 10} autre(s)." if len(errors) > 10 else ""
        raise RoutesError(" ".join(errors[:10]) + more)
    if not found:
        raise RoutesError(f"{name} : aucun véhicule ne part pendant la période simulée.")
    return sorted(found, key=lambda v: (v[1], v[0]))


def write_trips(vehicles: list[list], target) -> None:
    root = ET.Element("routes")
    for number, (ident, depart, origin, destination) in enumerate(vehicles):
        ET.SubElement(
            root,
            "trip",
            {
                # unique ids whatever the file gave (a vehicle and a trip may share one)
                "id": f"{number}_{ident}",
                "depart": f"{depart:.2f}",
                "from": origin,
                "to": destination,
            },
        )
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
