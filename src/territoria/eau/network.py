"""Importing an EPANET network (WNTR) and deriving its hydraulic zones from the topology.

Zones are the connected parts of the network once the metered inflows, the pressure-reducing
valves and the pumps are cut: for L-Town, A (fed from R1 and R2 through p227 and p235),
B (behind PRV-3) and C (behind PUMP_1 and tank T1), as in BattLeDIM's description.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
from pathlib import Path

from django.db import transaction

from territoria.eau.inp_check import (
    NetworkError,
    check_inp,
    epanet_times,
    leakage_lines,
    wntr_error,
)

# L-Town's declared balances (SOURCE.md); other networks get theirs edited in the page.
LTOWN_BALANCES = {
    "A": ({"p227": 1, "p235": 1, "PUMP_1": -1}, {}),
    "C": ({"PUMP_1": 1}, {"tank": "T1", "area_m2": 201.06}),
}


def read_model(path: Path | str):
    """The WNTR model of an .inp file, or NetworkError naming the faulty line and field
    (`check_inp`), else EPANET's own reason."""
    path = Path(path)
    check_inp(path)  # before loading WNTR: a refusal costs no seconds of import
    import wntr

    try:
        with _wntr_readable(path) as readable:
            model = wntr.network.WaterNetworkModel(str(readable))
    except Exception as error:  # noqa: BLE001 — WNTR raises many kinds (ENSyntaxError, KeyError…)
        raise wntr_error(path, error) from None
    for attribute, seconds in epanet_times(path).items():  # WNTR drops « 1 MIN »'s unit
        setattr(model.options.time, attribute, seconds)
    return model


@contextlib.contextmanager
def _wntr_readable(path: Path):
    """`path`, or a copy of it where EPANET 2.3's [LEAKAGE] section (checked by `check_inp`)
    is turned into comments: WNTR 1.5 refuses the whole section, and simulates no background
    leakage anyway. Same line numbers, so WNTR's refusals still point at the user's file."""
    lines = leakage_lines(path)
    if not lines:
        yield path
        return
    data = path.read_bytes().split(b"\n")  # bytes: the file's own encoding is kept
    for number in lines:
        data[number - 1] = b";" + data[number - 1]
    with tempfile.TemporaryDirectory(prefix="territoria-inp-") as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(b"\n".join(data))
        yield copy


def derive_zones(model) -> list[dict]:
    """Connected parts of the network once metered inflows (pipes leaving a reservoir),
    valves and pumps are cut. Each zone: nodes, feeds (the cut links that enter it)."""
    import networkx as nx

    reservoirs = set(model.reservoir_name_list)
    cut = set(model.valve_name_list) | set(model.pump_name_list)
    for name, link in model.links():
        if link.start_node_name in reservoirs or link.end_node_name in reservoirs:
            cut.add(name)
    graph = nx.Graph()
    graph.add_nodes_from(model.node_name_list)
    for name, link in model.links():
        if name not in cut:
            graph.add_edge(link.start_node_name, link.end_node_name)
    parts = [p for p in nx.connected_components(graph) if not (len(p) == 1 and p & reservoirs)]
    parts = [p for p in parts if len(p) > 2]  # valve ends and reservoirs alone are no zone
    # Naming order: zones fed straight from the sources first, those behind a tank last (a
    # tank refilled by a pump makes a zone of its own: L-Town's C), the larger first.
    tanks = set(model.tank_name_list)
    parts.sort(key=lambda part: (bool(part & tanks), -len(part)))
    zones = []
    for index, nodes in enumerate(parts):
        feeds = sorted(
            name
            for name in cut
            if model.get_link(name).end_node_name in nodes
            or model.get_link(name).start_node_name in nodes
        )
        zones.append({"code": chr(ord("A") + index), "nodes": nodes, "feeds": feeds})
    return zones


def _material(link) -> str:
    tag = getattr(link, "tag", None)
    return str(tag) if tag else ""


def import_network(
    path: Path | str, name: str = "", crs: str = "local", organisation=None, progress=None
):
    """A Network and its Zones from an .inp file; nothing is written if anything fails.
    `progress(done, message)` is told after reading and after writing (the import job's
    counters: reading loads WNTR, seconds on a busy machine)."""
    path = Path(path)
    if progress is not None:
        progress(0, "Lecture du modèle EPANET…")
    read = read_network(path)
    if progress is not None:
        progress(1, f"Modèle lu, {len(read['zones'])} zones déduites ; enregistrement…")
    network = save_network(path, read, name=name, crs=crs, organisation=organisation)
    if progress is not None:
        progress(2, "Réseau enregistré.")
    return network


def read_network(path: Path) -> dict:
    """What the import keeps of an .inp file (nothing written): counts, elements, zones."""
    model = read_model(path)
    zones = derive_zones(model)
    if not zones:
        raise NetworkError(f"{path.name} : aucune zone hydraulique trouvée (réseau vide ?).")
    zone_of = {node: zone["code"] for zone in zones for node in zone["nodes"]}
    nodes = {}
    for node_name, node in model.nodes():
        x, y = node.coordinates
        if not (math.isfinite(x) and math.isfinite(y)):
            raise NetworkError(f"{path.name} : le nœud {node_name} n'a pas de coordonnées.")
        nodes[node_name] = [round(x, 2), round(y, 2), node.node_type, zone_of.get(node_name, "")]
    links = []
    for link_name, link in model.links():
        diameter = getattr(link, "diameter", None)
        length = getattr(link, "length", None)
        links.append(
            [
                link_name,
                link.start_node_name,
                link.end_node_name,
                link.link_type,
                round(diameter * 1000) if diameter else None,
                round(length, 1) if length else None,
                zone_of.get(link.start_node_name) or zone_of.get(link.end_node_name, ""),
                _material(link),
            ]
        )
    counts = {
        "jonctions": len(model.junction_name_list),
        "canalisations": len(model.pipe_name_list),
        "vannes": len(model.valve_name_list),
        "pompes": len(model.pump_name_list),
        "réservoirs": len(model.tank_name_list),
        "bâches": len(model.reservoir_name_list),
    }
    leakage = [title for title in leakage_lines(path).values() if not title]
    if leakage:  # said on the network's page: read and checked, not simulated by WNTR
        counts["fuites de fond"] = len(leakage)
    return {
        "counts": counts,
        "elements": {"nodes": nodes, "links": links},
        "zones": zones,
        "is_ltown": {"p227", "p235", "PUMP_1"} <= set(model.link_name_list),
    }


@transaction.atomic
def save_network(path: Path, read: dict, name: str = "", crs: str = "local", organisation=None):
    """The Network and its Zones of `read_network`, in one transaction."""
    from territoria.eau.models import Network, Zone

    network = Network.objects.create(
        name=name or path.stem,
        organisation=organisation,
        source_name=path.name,
        crs=crs,
        counts=read["counts"],
        elements=read["elements"],
    )
    for zone in read["zones"]:
        balance, tank = LTOWN_BALANCES.get(zone["code"], ({}, {})) if read["is_ltown"] else ({}, {})
        Zone.objects.create(
            network=network,
            code=zone["code"],
            name=f"Zone {zone['code']}",
            node_count=len(zone["nodes"]),
            feeds=zone["feeds"],
            balance=balance,
            tank=tank,
        )
    # The model itself is kept next to the network's measures (written last: nothing is
    # left if the records fail): leak localisation solves it again with a leak at each
    # candidate junction (localisation.py).
    import shutil

    target = model_path(network)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return network


def parse_balance(text: str, network) -> tuple[dict, dict]:
    """(balance, tank) of a zone from the text an engineer types, as `Zone.balance_text`
    writes it: « p227 + p235 − PUMP_1 », « PUMP_1 − 201,06 m² × dh/dt(T1) », « 0,5 × p12 ».
    Terms are separated by spaces around + and −; each name must be a link (pipe, pump,
    valve: where a flow meter sits) of the network, a tank term names a tank. An empty text
    clears the balance (the zone is then not watched). NetworkError names the faulty term."""

    text = (
        (text or "")
        .replace("−", "-")
        .replace("–", "-")
        .replace("×", "*")
        .replace("m²", "")
        .replace("m2", "")
        .strip()
    )
    if not text:
        return {}, {}
    links = {link[0] for link in network.elements.get("links", [])}
    tanks = {n for n, v in network.elements.get("nodes", {}).items() if v[2] == "Tank"}
    if text[0] not in "+-":
        text = "+ " + text
    pieces = re.split(r"(?:^|\s+)([+-])\s+", text)
    # re.split with a group: ["", sign, term, sign, term, …]
    if pieces[0].strip() or len(pieces) % 2 == 0:
        raise NetworkError(
            f"Bilan « {text.lstrip('+ ')} » : séparez les termes par des espaces autour de + "
            "et de −, par exemple « p227 + p235 − PUMP_1 »."
        )
    balance: dict[str, float] = {}
    tank: dict = {}
    for sign, term in zip(pieces[1::2], pieces[2::2]):
        term = term.strip()
        match = re.fullmatch(r"(?:(\d+(?:[.,]\d+)?)\s*\*\s*)?(\S+)", term)
        if not match:
            raise NetworkError(
                f"Terme « {term} » du bilan : attendu un nom de conduite, éventuellement "
                "précédé d'un coefficient (« 0,5 × p12 »)."
            )
        number, name = match.groups()
        coefficient = float(number.replace(",", ".")) if number else 1.0
        reservoir = re.fullmatch(r"dh/dt\((.+)\)", name)
        if reservoir:
            if sign != "-" or number is None:
                raise NetworkError(
                    f"Terme « {term} » du bilan : un réservoir s'écrit « − surface m² × "
                    "dh/dt(NOM) » (la surface en m², le terme retranché)."
                )
            if reservoir.group(1) not in tanks:
                raise NetworkError(
                    f"Terme « {term} » du bilan : {reservoir.group(1)} n'est pas un réservoir "
                    "du réseau."
                )
            if tank:
                raise NetworkError("Un seul terme de réservoir par bilan.")
            tank = {"tank": reservoir.group(1), "area_m2": coefficient}
            continue
        if name not in links:
            raise NetworkError(
                f"Terme « {term} » du bilan : aucune conduite, pompe ou vanne « {name} » dans "
                "le réseau (un débit se mesure sur une conduite)."
            )
        if name in balance:
            raise NetworkError(f"Terme « {term} » du bilan : {name} apparaît deux fois.")
        value = coefficient if sign == "+" else -coefficient
        balance[name] = int(value) if value == int(value) else value
    if not balance:
        raise NetworkError("Le bilan doit compter au moins un débit entrant.")
    return balance, tank


def model_path(network) -> Path:
    """Where the network's EPANET model is kept (`<data>/eau/<network>/model.inp`)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "eau" / str(network.pk) / "model.inp"


def junctions(network) -> set[str]:
    """The names of the network's junctions (where a pressure sensor can be)."""
    return {n for n, v in network.elements.get("nodes", {}).items() if v[2] == "Junction"}


def pressure_sensors(network) -> list[str]:
    """The imported sensors named like a junction of the model: pressure sensors (m)."""
    names = junctions(network)
    found: list[str] = []
    for record in network.imports.all():
        found.extend(s for s in record.sensors if s in names and s not in found)
    return found


def covered_junctions(network, code: str) -> list[str]:
    """The junctions an alert on zone `code` ("A+B": both) can be in: the zone's own, and
    those of the zones without a balance of their own fed only from it (for L-Town, B behind
    PRV-3 is inside the balance of A: p227 + p235 − PUMP_1 measures A and B together)."""
    nodes = network.elements.get("nodes", {})
    links = {link[0]: link for link in network.elements.get("links", [])}
    codes = set(code.split("+"))
    for zone in network.zones.exclude(code__in=codes):
        if zone.balance:
            continue
        ends = set()
        for feed in zone.feeds:
            link = links.get(feed)
            if link:
                ends |= {
                    nodes.get(link[1], [0, 0, "", ""])[3],
                    nodes.get(link[2], [0, 0, "", ""])[3],
                }
        ends.discard(zone.code)
        if ends and ends <= codes:
            codes.add(zone.code)
    return sorted(n for n, v in nodes.items() if v[2] == "Junction" and v[3] in codes)


def schematic(network, highlight: dict[str, str] | None = None, width: int = 900) -> dict:
    """An SVG drawing of a network in a local metric system: one path per zone, scaled."""
    nodes = network.elements.get("nodes", {})
    if not nodes:
        return {}
    xs = [v[0] for v in nodes.values()]
    ys = [v[1] for v in nodes.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = (width - 20) / max(x1 - x0, 1)
    height = int((y1 - y0) * scale) + 20

    def point(name):
        x, y = nodes[name][0], nodes[name][1]
        return (round(10 + (x - x0) * scale, 1), round(height - 10 - (y - y0) * scale, 1))

    paths: dict[str, list[str]] = {}
    special = []
    highlight = highlight or {}
    for name, start, end, kind, _, _, zone, _ in network.elements.get("links", []):
        (ax, ay), (bx, by) = point(start), point(end)
        segment = f"M{ax} {ay}L{bx} {by}"
        if name in highlight:
            special.append({"d": segment, "label": f"{name} : {highlight[name]}"})
        paths.setdefault(zone or "liaisons", []).append(segment)
    colours = {code: f"cat-{i + 1}" for i, code in enumerate(sorted(paths))}
    colours["liaisons"] = "muted"
    sources = [
        {"x": point(n)[0], "y": point(n)[1], "label": f"{n} ({v[2]})"}
        for n, v in nodes.items()
        if v[2] in ("Reservoir", "Tank")
    ]
    return {
        "width": width,
        "height": height,
        "zones": [
            {"code": code, "d": "".join(segs), "colour": colours[code]}
            for code, segs in sorted(paths.items())
        ],
        "highlight": special,
        "sources": sources,
    }


# Coordinate systems a model may be drawn in: "local" (a schematic) or on the map.
CRS_CHOICES = {
    "local": "locales en mètres (schéma)",
    "EPSG:2154": "Lambert-93 (carte)",
    "EPSG:4326": "WGS 84, longitude et latitude (carte)",
}


def to_wgs84(network) -> dict[str, tuple[float, float]] | None:
    """Each node's (longitude, latitude) for a model in Lambert-93 or WGS 84; None for a local
    one, or when the coordinates do not fall in that system's range (a wrong choice at import:
    the page says so rather than drawing a town in the sea)."""
    nodes = network.elements.get("nodes", {})
    if network.crs not in ("EPSG:2154", "EPSG:4326") or not nodes:
        return None
    names = list(nodes)
    xs = [float(nodes[n][0]) for n in names]
    ys = [float(nodes[n][1]) for n in names]
    if network.crs == "EPSG:2154":
        if not (
            all(-400_000 <= x <= 1_400_000 for x in xs)
            and all(5_900_000 <= y <= 7_200_000 for y in ys)
        ):
            return None
        from pyproj import Transformer

        transformer = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
        lons, lats = transformer.transform(xs, ys)
    else:
        lons, lats = xs, ys
    if not (all(-180 <= x <= 180 for x in lons) and all(-90 <= y <= 90 for y in lats)):
        return None
    return {n: (round(float(x), 6), round(float(y), 6)) for n, x, y in zip(names, lons, lats)}


def map_shapes(network, highlight: dict[str, str] | None = None) -> list:
    """The network on the map: one MultiLineString per zone (the links between zones apart),
    the alerts' pipes in red on top; [] for a local model."""
    from territoria.core.maps import MapShape

    place = to_wgs84(network)
    if not place:
        return []
    lines: dict[str, list] = {}
    special = []
    highlight = highlight or {}
    for name, start, end, _, _, _, zone, _ in network.elements.get("links", []):
        if start not in place or end not in place:
            continue
        segment = [list(place[start]), list(place[end])]
        lines.setdefault(zone or "liaisons", []).append(segment)
        if name in highlight:
            special.append((name, segment))
    colours = {code: f"cat-{i + 1}" for i, code in enumerate(sorted(lines))}
    colours["liaisons"] = "muted"
    shapes = [
        MapShape(
            {"type": "MultiLineString", "coordinates": segments},
            "Liaisons entre zones" if code == "liaisons" else f"Zone {code}",
            detail=f"{len(segments)} tronçons",
            colour=colours[code],
        )
        for code, segments in sorted(lines.items())
    ]
    shapes += [
        MapShape(
            {"type": "LineString", "coordinates": segment},
            f"{name} : {highlight[name]}",
            colour="danger",
        )
        for name, segment in special
    ]
    return shapes


def plan_shapes(plan: list[dict], networks) -> list:
    """The renewal plan's pipes drawn along their real course, for the plan rows whose pipe
    is a link of one of `networks` (the caller passes only those the user may see) imported
    in Lambert-93 or WGS 84: one line per pipe, coloured by its planned year (first year
    darkest). Pipes of no such network are left to the caller (break places, or the table)."""
    from territoria.core.maps import SCALE, MapShape

    wanted = {str(row["pipe"]): row for row in plan}
    if not wanted:
        return []
    first = min(int(row["year"]) for row in plan)
    shapes, drawn = [], set()
    for network in networks:
        place = None
        for link in network.elements.get("links", []):
            name, start, end = str(link[0]), link[1], link[2]
            if name not in wanted or name in drawn:
                continue
            if place is None:
                place = to_wgs84(network) or {}
            if start not in place or end not in place:
                continue
            row = wanted[name]
            step = min(int(row["year"]) - first, len(SCALE) - 1)
            shapes.append(
                MapShape(
                    {"type": "LineString", "coordinates": [list(place[start]), list(place[end])]},
                    f"Rang {row['rank']} : canalisation {name} ({row['year']}, réseau {network.name})",
                    detail=str(row.get("reasons", "")),
                    colour=SCALE[len(SCALE) - 1 - step],
                )
            )
            drawn.add(name)
    return shapes
