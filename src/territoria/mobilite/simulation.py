"""Scenario runs on SUMO: the base network and the scenario's variant, on the same random
demand for each seed; mean and 95 % confidence interval across seeds of the figures of SUMO's
tripinfo (travel time, waiting time, time loss, stops, CO2 / NOx / PM of its emission model),
the longest queue (SUMO's aggregated queue output), the road noise level (SUMO's Harmonoise
model, edgeData `type="harmonoise"`), and per edge the change of time lost and of noise for
the difference map."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from territoria.mobilite import sumo

METRICS = {
    "travel_time": ("Temps de parcours moyen", "s"),
    "waiting_time": ("Attente moyenne (arrêté)", "s"),
    "time_loss": ("Retard moyen (temps perdu)", "s"),
    "stops": ("Arrêts moyens par trajet", ""),
    "max_queue_m": ("File d'attente la plus longue", "m"),
    "co2_g": ("CO2 moyen par trajet", "g"),
    "nox_mg": ("NOx moyen par trajet", "mg"),
    "pm_mg": ("Particules (PM) moyennes par trajet", "mg"),
    "noise_db": ("Bruit routier moyen (Harmonoise, moyenne énergétique des tronçons)", "dB(A)"),
    "not_served": ("Véhicules non servis", ""),
}
JUNCTION_KINDS = {  # the regimes a junction may be given (SUMO junction types)
    "traffic_light": "feux tricolores",
    "priority": "priorité de la route principale (cédez-le-passage sur les autres)",
    "right_before_left": "priorité à droite",
    "allway_stop": "stop dans toutes les directions",
}
PER_EDGE = ("edges", "edges_noise", "detectors")  # per-edge outputs of a run, summarised apart
LANE_CLASSES = {  # the SUMO vehicle classes a lane may be opened to (lane permissions)
    "passenger": "voitures",
    "bus": "bus",
    "coach": "autocars",
    "taxi": "taxis",
    "emergency": "véhicules d'urgence",
    "delivery": "livraisons",
    "truck": "poids lourds",
    "motorcycle": "motos",
    "bicycle": "vélos",
}
PRIORITY_RANGE = (1, 100)  # road priority of an edge (netconvert: the higher has right of way)
TELEPORT_SHARE = 0.02  # more teleports than 2 % of vehicles: the run diverged (gridlock)


class ScenarioError(Exception):
    pass


@dataclass
class RunSpec:
    duration: int = 600  # seconds of demand
    period: float = 2.0  # one trip every `period` seconds on average (base demand)
    seeds: tuple[int, ...] = (1, 2, 3)
    # demand from an origin–destination matrix (od.py): [(origin, destination, vehicles)],
    # zones {zone: [edges]} or None (origins/destinations are edges); None: random trips
    od: list[tuple[str, str, int]] | None = None
    zones: dict[str, list[str]] | None = None
    # demand from a routes file (routes.py): [[id, depart, from, to]], the same for every seed
    routes: list[list] | None = None
    # short- and long-term effects (`horizons`): iterations of duaIterate.py for the user
    # equilibria; 0: not computed
    equilibrium_steps: int = 0


def _iso_day(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def worksite_dates(change: dict) -> tuple[date, date] | None:
    """(first day, last day) of a dated closure (a worksite), None when it is not dated."""
    if change.get("type") not in ("close_edge", "close_lane") or not change.get("from"):
        return None
    return _iso_day(change["from"]), _iso_day(change.get("to"))


DATED_KINDS = ("close_edge", "close_lane", "event", "demand")


def change_dates(change: dict) -> tuple[date, date] | None:
    """(first day, last day) of a dated change — a worksite's closure, an event on given days,
    a demand change over a period (school holidays…) —, None when it is not dated."""
    if change.get("type") not in DATED_KINDS or not change.get("from"):
        return None
    return _iso_day(change["from"]), _iso_day(change.get("to"))


def dated(changes: list[dict]) -> bool:
    """Whether the scenario has dated closures (worksites: the roadworks calendar takes them)."""
    return any(worksite_dates(c) for c in changes)


def has_dates(changes: list[dict]) -> bool:
    """Whether some change is dated: the scenario is then simulated on a given day."""
    return any(change_dates(c) for c in changes)


def in_force(changes: list[dict], day: date | None) -> list[dict]:
    """The changes of a scenario in force on `day`: every change without dates, and the dated
    ones (closures, events, demand changes) whose dates hold the day; all of them when no day
    is given."""
    if day is None:
        return list(changes)
    kept = []
    for change in changes:
        dates = change_dates(change)
        if dates is None or dates[0] <= day <= dates[1]:
            kept.append(change)
    return kept


def first_worksite_day(changes: list[dict]) -> date | None:
    """The first day of the first dated change (the default simulated day)."""
    days = [d[0] for c in changes if (d := change_dates(c))]
    return min(days) if days else None


def _worksite_errors(change: dict, where: str) -> list[str]:
    if not change.get("from") and not change.get("to"):
        return []
    begin, end = _iso_day(change.get("from")), _iso_day(change.get("to"))
    works = change.get("type") in ("close_edge", "close_lane")
    if begin is None or end is None:
        given = f"« {change.get('from')} », « {change.get('to')} »"
        whose = "du chantier" if works else "de la modification"
        return [f"{where} : dates {whose} illisibles ({given} ; attendu AAAA-MM-JJ)."]
    if end < begin:
        who = "le chantier" if works else "la modification"
        return [f"{where} : {who} finit le {end:%d/%m/%Y}, avant son début le {begin:%d/%m/%Y}."]
    return []


def validate_changes(network, changes: list[dict]) -> list[str]:
    """Errors of a list of changes against the network (unknown edge, lane, light…)."""
    edges = {e[0]: e[2] for e in network.elements.get("edges", [])}
    tls = network.elements.get("tls", {})
    errors = []
    closed = {c.get("edge") for c in changes if c.get("type") == "close_edge"}
    lane_rules: dict[str, int] = {}
    for number, change in enumerate(changes, start=1):
        kind = change.get("type")
        where = f"modification {number}"
        if change.get("worksite"):
            where += f" (chantier « {change['worksite']} »)"
        if kind in ("close_lane", "bus_lane", "lane_access"):
            lane_rules[str(change.get("lane"))] = lane_rules.get(str(change.get("lane")), 0) + 1
            if lane_rules[str(change.get("lane"))] == 2:
                errors.append(
                    f"{where} : la voie « {change.get('lane')} » a déjà une règle dans ce "
                    "scénario (fermeture, voie bus ou accès) : une seule par voie."
                )
        if kind in DATED_KINDS:
            errors += _worksite_errors(change, where)
        if kind == "close_edge":
            if change.get("edge") not in edges:
                errors.append(
                    f"{where} : le tronçon « {change.get('edge')} » n'est pas dans le réseau"
                    + (
                        " — le chantier doit être sur le réseau simulé."
                        if change.get("from")
                        else "."
                    )
                )
        elif kind == "priority":
            edge, priority = change.get("edge"), change.get("priority")
            low, high = PRIORITY_RANGE
            if edge not in edges:
                errors.append(f"{where} : le tronçon « {edge} » n'est pas dans le réseau.")
            if (
                not isinstance(priority, int)
                or isinstance(priority, bool)
                or not low <= priority <= high
            ):
                errors.append(
                    f"{where} : la priorité d'un tronçon est un entier de {low} à {high} "
                    f"(« {priority} » donné)."
                )
        elif kind == "lane_access":
            lane = str(change.get("lane", ""))
            edge, _, index = lane.rpartition("_")
            allowed = change.get("allow") or []
            if edge not in edges or not index.isdigit() or int(index) >= edges[edge]:
                errors.append(f"{where} : la voie « {lane} » n'est pas dans le réseau.")
            unknown = [c for c in allowed if c not in LANE_CLASSES]
            if not allowed:
                errors.append(
                    f"{where} : aucune catégorie de véhicules admise sur la voie « {lane} »."
                )
            elif unknown:
                errors.append(
                    f"{where} : catégorie(s) de véhicules inconnue(s) : {', '.join(unknown)} "
                    f"(connues : {', '.join(LANE_CLASSES)})."
                )
        elif kind in ("close_lane", "bus_lane"):
            lane = str(change.get("lane", ""))
            edge, _, index = lane.rpartition("_")
            if edge not in edges or not index.isdigit() or int(index) >= edges[edge]:
                errors.append(
                    f"{where} : la voie « {lane} » n'est pas dans le réseau"
                    + (
                        " — le chantier doit être sur le réseau simulé."
                        if change.get("from")
                        else "."
                    )
                )
            elif edges[edge] == 1:
                errors.append(
                    f"{where} : « {edge} » n'a qu'une voie ; "
                    + (
                        "fermez le tronçon."
                        if kind == "close_lane"
                        else "pas de voie bus possible."
                    )
                )
        elif kind == "tls_program":
            light = tls.get(change.get("tls"))
            durations = change.get("durations") or []
            if light is None:
                errors.append(f"{where} : le feu « {change.get('tls')} » n'est pas dans le réseau.")
            elif len(durations) != len(light["phases"]):
                errors.append(
                    f"{where} : {len(light['phases'])} durées de phase attendues pour le feu "
                    f"« {change.get('tls')} », {len(durations)} données."
                )
            elif any(not isinstance(d, int | float) or d < 1 or d > 300 for d in durations):
                errors.append(f"{where} : les durées de phase vont de 1 à 300 s.")
        elif kind == "event":
            # a one-off event: `vehicles` extra trips to `edge`, departing between `begin` and
            # `end` (seconds from the start of the simulated period)
            vehicles, begin, end = change.get("vehicles"), change.get("begin"), change.get("end")
            if change.get("edge") not in edges:
                errors.append(
                    f"{where} : le lieu de l'événement « {change.get('edge')} » n'est pas un "
                    "tronçon du réseau."
                )
            if (
                not isinstance(vehicles, int)
                or isinstance(vehicles, bool)
                or not 1 <= vehicles <= 20000
            ):
                errors.append(f"{where} : l'événement attire de 1 à 20 000 véhicules.")
            if not all(isinstance(t, int | float) and t >= 0 for t in (begin, end)) or end <= begin:
                errors.append(
                    f"{where} : les arrivées de l'événement vont d'un début à une fin en secondes "
                    "(0 ou plus, fin après le début)."
                )
        elif kind == "bus_stop":
            # a stop on the carriageway served by a bus line every `headway` s for `dwell` s;
            # "add": the scenario has it, "remove": the base has it (the line runs on both sides)
            if change.get("action") not in ("add", "remove"):
                errors.append(f"{where} : un arrêt est ajouté (add) ou supprimé (remove).")
            if change.get("edge") not in edges:
                errors.append(
                    f"{where} : le tronçon de l'arrêt « {change.get('edge')} » n'est pas dans le "
                    "réseau."
                )
            unknown = [e for e in change.get("line") or [] if e not in edges]
            if unknown:
                errors.append(
                    f"{where} : tronçon(s) de la ligne hors du réseau : {', '.join(unknown[:5])}."
                )
            elif change.get("line") and change.get("edge") not in change["line"]:
                errors.append(
                    f"{where} : la ligne (tronçons dans l'ordre du parcours) doit passer par le "
                    f"tronçon de l'arrêt « {change.get('edge')} »."
                )
            on_closed = closed & {change.get("edge"), *(change.get("line") or [])}
            if on_closed:
                errors.append(
                    f"{where} : la ligne de bus passe par un tronçon fermé par le scénario "
                    f"({', '.join(sorted(on_closed))})."
                )
            headway, dwell = change.get("headway", 600), change.get("dwell", 20)
            if not isinstance(headway, int | float) or not 60 <= headway <= 3600:
                errors.append(f"{where} : l'intervalle entre deux bus va de 60 à 3 600 s.")
            if not isinstance(dwell, int | float) or not 5 <= dwell <= 300:
                errors.append(f"{where} : l'arrêt du bus dure de 5 à 300 s.")
        elif kind == "transit_priority":
            errors += _priority_errors(network, change, changes, where)
        elif kind == "junction":
            junctions = {j[0] for j in network.elements.get("junctions", [])}
            if change.get("junction") not in junctions:
                errors.append(
                    f"{where} : le carrefour « {change.get('junction')} » n'est pas dans le réseau."
                )
            elif change.get("regime") not in JUNCTION_KINDS:
                errors.append(
                    f"{where} : régime de carrefour inconnu « {change.get('regime')} » "
                    f"(connus : {', '.join(JUNCTION_KINDS)})."
                )
            elif change["regime"] != "traffic_light" and any(
                c.get("type") == "tls_program" and c.get("tls") == change["junction"]
                for c in changes
            ):
                errors.append(
                    f"{where} : le carrefour « {change['junction']} » perd ses feux, son "
                    "programme ne peut pas être changé dans le même scénario."
                )
        elif kind == "demand":
            percent = change.get("percent")
            if not isinstance(percent, int | float) or not -90 <= percent <= 200:
                errors.append(f"{where} : la variation de la demande va de -90 % à +200 %.")
        else:
            errors.append(f"{where} : type inconnu « {kind} ».")
    return errors


PRIORITY_LIMITS = {  # transit signal priority: settings a scenario may give (signals/tsp.py)
    "max_extension": (1, 20, "la prolongation du vert pour un bus va de 1 à 20 s"),
    "max_wait": (30, 300, "l'attente maximale d'une rue transversale va de 30 à 300 s"),
    "headway": (60, 3600, "l'intervalle entre deux bus va de 60 à 3 600 s"),
}


def _priority_errors(network, change: dict, changes: list[dict], where: str) -> list[str]:
    """Errors of a « priorité bus aux feux » change: the network needs lights, the scenario a
    bus line (the change's own, or one of its bus stops')."""
    edges = {e[0] for e in network.elements.get("edges", [])}
    errors = []
    if not network.elements.get("tls"):
        errors.append(
            f"{where} : ce réseau n'a aucun carrefour à feux, la priorité bus aux feux n'a rien "
            "à changer."
        )
    if sum(1 for c in changes if c.get("type") == "transit_priority") > 1:
        errors.append(f"{where} : une seule priorité bus aux feux par scénario.")
    line = change.get("line") or []
    if not line and not any(c.get("type") == "bus_stop" and c.get("line") for c in changes):
        errors.append(
            f"{where} : le scénario n'a aucune ligne de bus à prioriser — donnez la ligne "
            "(tronçons dans l'ordre du parcours) ou ajoutez un arrêt de bus avec sa ligne."
        )
    unknown = [e for e in line if e not in edges]
    if unknown:
        errors.append(
            f"{where} : tronçon(s) de la ligne de bus hors du réseau : {', '.join(unknown[:5])}."
        )
    closed = {c.get("edge") for c in changes if c.get("type") == "close_edge"} & set(line)
    if closed:
        errors.append(
            f"{where} : la ligne de bus passe par un tronçon fermé par le scénario "
            f"({', '.join(sorted(closed))})."
        )
    for key, (low, high, text) in PRIORITY_LIMITS.items():
        value = change.get(key)
        if value is not None and (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not low <= value <= high
        ):
            errors.append(f"{where} : {text} (« {value} » donné).")
    return errors


def priority_settings(changes: list[dict]) -> dict | None:
    """The settings of transit signal priority (`signals.tsp.PriorityParams`) when the scenario
    asks for it, else None."""
    for change in changes:
        if change["type"] == "transit_priority":
            return {k: change[k] for k in ("max_extension", "max_wait") if k in change}
    return None


def build_variant(
    base_net: Path, changes: list[dict], folder: Path
) -> tuple[Path, list[str], float]:
    """(network file, additional files, demand scale) of the scenario."""
    closed = [c["edge"] for c in changes if c["type"] == "close_edge"]
    lanes = [c["lane"] for c in changes if c["type"] == "close_lane"]
    bus = [c["lane"] for c in changes if c["type"] == "bus_lane"]
    access = {c["lane"]: " ".join(c["allow"]) for c in changes if c["type"] == "lane_access"}
    priorities = {c["edge"]: c["priority"] for c in changes if c["type"] == "priority"}
    regimes = {c["junction"]: c["regime"] for c in changes if c["type"] == "junction"}
    net = base_net
    if closed or lanes or bus or access or priorities or regimes:
        net = folder / "variante.net.xml"
        args = ["netconvert", "--sumo-net-file", str(base_net), "--no-warnings", "-o", str(net)]
        if closed:
            args += ["--remove-edges.explicit", ",".join(closed)]
        if lanes or bus or access or priorities:
            patch = folder / "voies.edg.xml"
            root = ET.Element("edges")
            nodes: dict[str, ET.Element] = {}
            # a closed lane allows nothing; a bus lane allows buses only (cars use the others);
            # lane permissions allow the classes given only
            for lane, rule in [*((x, {"disallow": "all"}) for x in lanes),
                               *((x, {"allow": "bus"}) for x in bus),
                               *((x, {"allow": a}) for x, a in access.items())]:  # fmt: skip
                edge, _, index = lane.rpartition("_")
                if edge not in nodes:
                    nodes[edge] = ET.SubElement(root, "edge", id=edge)
                ET.SubElement(nodes[edge], "lane", index=index, **rule)
            # an edge's road priority: netconvert recomputes the right of way of its junctions
            for edge, priority in priorities.items():
                if edge not in nodes:
                    nodes[edge] = ET.SubElement(root, "edge", id=edge)
                nodes[edge].set("priority", str(priority))
            ET.ElementTree(root).write(patch)
            args += ["--edge-files", str(patch)]
            kept_turns = turns_kept_open(base_net, lanes, folder / "voies.con.xml")
            if kept_turns:
                args += ["--connection-files", str(kept_turns)]
        if regimes:  # netconvert drops the lights of a junction that loses them, builds others
            patch = folder / "carrefours.nod.xml"
            root = ET.Element("nodes")
            for junction, regime in regimes.items():
                ET.SubElement(root, "node", id=junction, type=regime)
            ET.ElementTree(root).write(patch)
            args += ["--node-files", str(patch)]
        sumo.run(args)
    additionals = []
    programs = [c for c in changes if c["type"] == "tls_program"]
    if programs:
        import sumolib

        lights = {
            t.getID(): t
            for t in sumolib.net.readNet(str(base_net), withPrograms=True).getTrafficLights()
        }
        root = ET.Element("additional")
        for change in programs:
            program = next(iter(lights[change["tls"]].getPrograms().values()))
            logic = ET.SubElement(
                root, "tlLogic", id=change["tls"], programID="scenario", type="static", offset="0"
            )
            for phase, duration in zip(program.getPhases(), change["durations"]):
                ET.SubElement(logic, "phase", duration=str(int(duration)), state=phase.state)
        path = folder / "feux.add.xml"
        ET.ElementTree(root).write(path)
        additionals.append(str(path))
    scale = 1.0 + sum(c["percent"] for c in changes if c["type"] == "demand") / 100
    return net, additionals, scale


def turns_kept_open(base_net: Path, lanes: list[str], path: Path) -> Path | None:
    """A connections file keeping every turn into and out of an edge whose lane a worksite
    closes: a turn that only the closed lane made (the left turn from the left lane, the left
    turn into the left lane…) is given to the nearest open lane, as the signs of a real worksite
    do; without it, the closure would forbid that turn altogether. None when no turn is lost."""
    closed: dict[str, set[int]] = {}
    for lane in lanes:
        edge, _, index = lane.rpartition("_")
        closed.setdefault(edge, set()).add(int(index))
    counts: dict[str, int] = {}
    # (from edge, to edge) -> [(from lane, to lane)] for the connections out of or into them
    links: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for _, el in ET.iterparse(base_net, events=("end",)):
        if el.tag == "lane" and el.get("id", "").rpartition("_")[0] in closed:
            edge = el.get("id").rpartition("_")[0]
            counts[edge] = counts.get(edge, 0) + 1
        elif el.tag == "connection" and (el.get("from") in closed or el.get("to") in closed):
            if el.get("from", "").startswith(":"):
                continue
            links.setdefault((el.get("from"), el.get("to")), []).append(
                (int(el.get("fromLane")), int(el.get("toLane")))
            )

    def open_lane(edge: str, index: int) -> int | None:
        if edge not in closed:
            return index
        free = [i for i in range(counts.get(edge, 0)) if i not in closed[edge]]
        return min(free, key=lambda i: (abs(i - index), i)) if free else None

    root = ET.Element("connections")
    for (source, target), pairs in sorted(links.items()):
        usable = [
            (f, t)
            for f, t in pairs
            if f not in closed.get(source, ()) and t not in closed.get(target, ())
        ]
        if usable:
            continue  # an open lane still makes the turn
        from_lane, to_lane = open_lane(source, pairs[0][0]), open_lane(target, pairs[0][1])
        if from_lane is None or to_lane is None:
            continue
        ET.SubElement(
            root,
            "connection",
            **{"from": source, "to": target, "fromLane": str(from_lane), "toLane": str(to_lane)},
        )
    if not len(root):
        return None
    ET.ElementTree(root).write(path)
    return path


def event_trips(trips: Path, changes: list[dict], seed: int, folder: Path) -> Path | None:
    """The base demand plus the trips each event brings (to the event's edge, departing
    uniformly in its window, from origins drawn among the base trips' origins with the seed);
    None when the scenario has no event. Sorted by departure, as SUMO reads them."""
    import random

    events = [c for c in changes if c["type"] == "event"]
    if not events:
        return None
    root = ET.parse(trips).getroot()
    base = root.findall("trip")
    origins = [t.get("from") for t in base] or [events[0]["edge"]]
    rng = random.Random(seed)
    added = []
    for number, event in enumerate(events, start=1):
        origin_pool = [o for o in origins if o != event["edge"]] or origins
        for k in range(event["vehicles"]):
            depart = event["begin"] + rng.random() * (event["end"] - event["begin"])
            trip = ET.Element(
                "trip",
                id=f"evenement{number}.{k}",
                depart=f"{depart:.2f}",
                **{"from": rng.choice(origin_pool), "to": event["edge"]},
            )
            added.append(trip)
    for trip in base:
        root.remove(trip)
    for trip in sorted([*base, *added], key=lambda t: float(t.get("depart"))):
        root.append(trip)
    path = folder / f"{trips.stem}.evenement.xml"
    ET.ElementTree(root).write(path)
    return path


def bus_lanes(net: Path, edges: set[str]) -> dict[str, tuple[str, float]]:
    """For each edge of `edges`: (its rightmost lane open to buses, that lane's length)."""
    found: dict[str, tuple[str, float]] = {}
    for _, el in ET.iterparse(net, events=("end",)):
        if el.tag != "lane":
            continue
        lane = el.get("id", "")
        edge = lane.rpartition("_")[0]
        if edge in edges and edge not in found:
            allow, disallow = el.get("allow", "").split(), el.get("disallow", "").split()
            if ("bus" in allow) if allow else ("bus" not in disallow and "all" not in disallow):
                found[edge] = (lane, float(el.get("length")))
    return found


def _bus_line(flow_id: str, vtype: str, line: list[str], duration, headway) -> dict:
    """The attributes of a SUMO flow of buses along `line` (edges), one every `headway` s."""
    attributes = {
        "id": flow_id,
        "type": vtype,
        "begin": "0",
        "end": str(duration),
        "period": str(headway),
        "from": line[0],
        "to": line[-1],
        "departLane": "best",
    }
    if line[1:-1]:
        attributes["via"] = " ".join(line[1:-1])
    return attributes


def transit_additionals(
    changes: list[dict], net: Path, duration: int, folder: Path
) -> tuple[list[str], list[str]]:
    """(base, scenario) additional files of the bus stops added or removed: each side runs the
    same bus line (every `headway` s from its first to its last edge through the stop's edge);
    the side with the stop has its `busStop` on the rightmost lane, mid-edge, where each bus
    halts `dwell` s (a stop on the carriageway: the lane is blocked meanwhile)."""
    stops = [c for c in changes if c["type"] == "bus_stop"]
    # the bus line of a transit priority change runs on both sides, with no stop
    lines = [c for c in changes if c["type"] == "transit_priority" and c.get("line")]
    if not stops and not lines:
        return [], []
    sides = {"base": ET.Element("additional"), "scenario": ET.Element("additional")}
    lanes = bus_lanes(net, {c["edge"] for c in stops})
    for root in sides.values():
        ET.SubElement(root, "vType", id=BUS_TYPE, vClass="bus", guiShape="bus", length="12")
    for number, change in enumerate(stops, start=1):
        edge = change["edge"]
        line = change.get("line") or [edge]  # validated: passes through the stop's edge
        if edge not in lanes:
            raise ScenarioError(f"Aucune voie du tronçon « {edge} » n'est ouverte aux bus.")
        lane, length = lanes[edge]
        start = max(0.0, length / 2 - 7.5)
        stop_id = f"arret{number}"
        has_stop = "scenario" if change["action"] == "add" else "base"
        for side, root in sides.items():
            if side == has_stop:
                ET.SubElement(
                    root,
                    "busStop",
                    id=stop_id,
                    lane=lane,
                    startPos=f"{start:.1f}",
                    endPos=f"{min(length, start + 15):.1f}",
                    friendlyPos="true",
                )
            attributes = _bus_line(
                f"ligne{number}", "bus_ligne", line, duration, change.get("headway", 600)
            )
            flow = ET.SubElement(root, "flow", **attributes)
            if side == has_stop:
                ET.SubElement(flow, "stop", busStop=stop_id, duration=str(change.get("dwell", 20)))
    for number, change in enumerate(lines, start=1):
        line = change["line"]
        attributes = _bus_line(
            f"ligne_prioritaire{number}", BUS_TYPE, line, duration, change.get("headway", 300)
        )
        for root in sides.values():
            ET.SubElement(root, "flow", **attributes)
    paths = {}
    for side, root in sides.items():
        paths[side] = folder / f"bus-{side}.add.xml"
        ET.ElementTree(root).write(paths[side])
    return [str(paths["base"])], [str(paths["scenario"])]


def demand(net: Path, seed: int, spec: RunSpec, folder: Path) -> Path:
    """Random trips (randomTrips.py, fringe-weighted, validated by duarouter) for one seed, or
    the trips of the origin–destination matrix (od2trips) or of the routes file when the spec
    has one."""
    if spec.od:
        from territoria.mobilite import od

        try:
            return od.od_trips(net, spec.od, spec.zones, spec.duration, seed, folder)
        except od.ODError as error:
            raise ScenarioError(str(error)) from error
    trips = folder / f"trajets-{seed}.trips.xml"
    if spec.routes:
        from territoria.mobilite.routes import write_trips

        write_trips(spec.routes, trips)
        return trips
    net = Path(net).resolve()
    sumo.run(
        [
            "randomTrips.py", "-n", str(net), "-o", str(trips), "-b", "0",
            "-e", str(spec.duration), "-p", str(spec.period), "--seed", str(seed),
            "--fringe-factor", "5", "--min-distance", "100", "--validate",
        ],
        cwd=folder,
    )  # fmt: skip
    return trips


def keep_open_trips(trips: Path, closed: set[str]) -> int:
    """Drop the trips that start or end on a closed edge (from both sides of the comparison:
    the demand stays paired); the number dropped."""
    if not closed:
        return 0
    tree = ET.parse(trips)
    root = tree.getroot()
    dropped = [t for t in root.findall("trip") if t.get("from") in closed or t.get("to") in closed]
    for trip in dropped:
        root.remove(trip)
    tree.write(trips)
    return len(dropped)


def check_connected(net: Path, trips: Path, folder: Path) -> None:
    """The variant must still serve every trip of the base demand (duarouter)."""
    routes = folder / "controle.rou.xml"
    sumo.run(
        ["duarouter", "-n", str(net), "--route-files", str(trips), "-o", str(routes),
         "--ignore-errors", "--no-step-log", "--no-warnings"]
    )  # fmt: skip
    wanted = {t.get("id"): t.get("to") for t in ET.parse(trips).getroot().iter("trip")}
    served = set()
    for vehicle in ET.parse(routes).getroot().iter("vehicle"):
        route = vehicle.find("route")
        if route is not None and route.get("edges", "").split()[-1:] == [
            wanted.get(vehicle.get("id"))
        ]:
            served.add(vehicle.get("id"))
    cut = [i for i in wanted if i not in served]
    if cut:
        first = next(t for t in ET.parse(trips).getroot().iter("trip") if t.get("id") == cut[0])
        raise ScenarioError(
            f"Le scénario coupe le réseau : {len(cut)} trajet(s) sur {len(wanted)} n'ont plus "
            f"d'itinéraire (par exemple de « {first.get('from')} » à « {first.get('to')} »). "
            "Rien n'a été simulé."
        )


def simulate(
    net: Path,
    trips: Path,
    seed: int,
    spec: RunSpec,
    folder: Path,
    tag: str,
    additionals: list[str] = (),
    scale: float = 1.0,
    priority: dict | None = None,
    split_classes: bool = False,
) -> dict:
    """One SUMO run; its figures, or ScenarioError when it diverged (gridlock, teleports).
    `trips`: trips or routes, one file or several. `priority`: the settings of transit signal
    priority (`signals.tsp.PriorityParams`), None for the lights' programs alone;
    `split_classes`: the figures of buses and cars apart too (`by_class`)."""
    tripinfo = folder / f"{tag}-{seed}.tripinfo.xml"
    stats = folder / f"{tag}-{seed}.stats.xml"
    edges_out = folder / f"{tag}-{seed}.edges.xml"
    meandata = folder / f"{tag}-{seed}.meandata.add.xml"
    noise_out = folder / f"{tag}-{seed}.noise.xml"
    queues_out = folder / f"{tag}-{seed}.queues.xml"
    detectors_out = folder / f"{tag}-{seed}.detectors.xml"
    period = detector_period(spec.duration)
    meandata.write_text(
        f'<additional><edgeData id="ed" file="{edges_out.name}" excludeEmpty="true"/>'
        f'<edgeData id="bruit" type="harmonoise" file="{noise_out.name}" excludeEmpty="true"/>'
        f'<edgeData id="detecteurs" period="{period}" begin="0" end="{spec.duration}" '
        f'file="{detectors_out.name}" excludeEmpty="true"/>'
        "</additional>"
    )
    adds = [str(meandata), *additionals]
    args = [
        "sumo", "-n", str(net), "-a", ",".join(adds),
        "-r", ",".join(str(t) for t in (trips if isinstance(trips, list) else [trips])),
        "--begin", "0", "--end", str(spec.duration * 4), "--seed", str(seed),
        "--scale", f"{scale:.3f}", "--tripinfo-output", str(tripinfo),
        "--device.emissions.probability", "1", "--statistic-output", str(stats),
        "--queue-output", str(queues_out),
        "--queue-output.aggregation", str(spec.duration * 4),
        "--time-to-teleport", "300", "--ignore-route-errors", "--no-step-log",
        "--no-warnings", "--duration-log.disable",
    ]  # fmt: skip
    if priority is None:
        sumo.run(args, cwd=folder)
    else:  # the lights' programs with transit signal priority (signals/tsp.py, libsumo)
        from territoria.mobilite.signals import tsp

        priority_counts = tsp.run_in_child(args[1:], priority, str(folder), spec.duration * 4)
    trips_info = list(ET.parse(tripinfo).getroot().iter("tripinfo"))
    statistics = ET.parse(stats).getroot()
    loaded = int(statistics.find("vehicles").get("loaded"))
    teleports = int(statistics.find("teleports").get("total"))
    arrived = len(trips_info)
    if loaded and teleports > TELEPORT_SHARE * loaded:
        raise ScenarioError(
            f"La simulation diverge ({tag}, graine {seed}) : {teleports} téléportations pour "
            f"{loaded} véhicules (blocage du réseau). Ce n'est pas un résultat."
        )
    n = max(arrived, 1)
    emissions = [t.find("emissions") for t in trips_info]
    result = {
        "vehicles": loaded,
        "arrived": arrived,
        "not_served": loaded - arrived,
        "teleports": teleports,
        "travel_time": sum(float(t.get("duration")) for t in trips_info) / n,
        "waiting_time": sum(float(t.get("waitingTime")) for t in trips_info) / n,
        "time_loss": sum(float(t.get("timeLoss")) for t in trips_info) / n,
        "co2_g": sum(float(e.get("CO2_abs")) for e in emissions if e is not None) / n / 1000,
        "nox_mg": sum(float(e.get("NOx_abs")) for e in emissions if e is not None) / n,
        "pm_mg": sum(float(e.get("PMx_abs")) for e in emissions if e is not None) / n,
        "stops": sum(float(t.get("waitingCount", 0) or 0) for t in trips_info) / n,
    }
    result["edges"] = {
        e.get("id"): float(e.get("timeLoss", 0) or 0)
        for interval in ET.parse(edges_out).getroot().iter("interval")
        for e in interval.iter("edge")
    }
    result["edges_noise"] = {
        e.get("id"): float(e.get("noise"))
        for e in ET.parse(noise_out).getroot().iter("edge")
        if e.get("noise") is not None
    }
    result["noise_db"] = energy_mean(list(result["edges_noise"].values()))
    result["detectors"] = read_detectors(detectors_out, period, spec.duration)
    queues = [
        float(e.get("maxQueueLengthInMeters", 0) or 0)
        for e in ET.parse(queues_out).getroot().iter("edge")
        if not e.get("id", "").startswith(":")
    ]
    result["max_queue_m"] = max(queues, default=0.0)
    if priority is not None or split_classes:
        result["by_class"] = by_class(trips_info)
    if priority is not None:
        result["priority"] = priority_counts
    return result


BUS_TYPE = "bus_ligne"  # the vehicle type of the scenario's bus lines (vClass bus)


def by_class(trips_info: list) -> dict[str, dict]:
    """Buses (the scenario's bus lines) and the other vehicles apart: trips, mean travel time,
    time loss (delay) and waiting time, from SUMO's tripinfo."""
    groups: dict[str, list] = {"bus": [], "car": []}
    for trip in trips_info:
        groups["bus" if trip.get("vType") == BUS_TYPE else "car"].append(trip)
    found = {}
    for name, trips in groups.items():
        n = max(len(trips), 1)
        found[name] = {
            "trips": len(trips),
            "travel_time": sum(float(t.get("duration")) for t in trips) / n,
            "time_loss": sum(float(t.get("timeLoss")) for t in trips) / n,
            "waiting_time": sum(float(t.get("waitingTime")) for t in trips) / n,
        }
    return found


DETECTOR_INTERVALS = 12  # intervals of the simulated detectors over the demand period


def detector_period(duration: int) -> int:
    """The interval of the simulated detectors: a twelfth of the demand period, in whole
    minutes, at least one (600 s → 60 s, one hour → 300 s)."""
    return max(60, math.ceil(duration / DETECTOR_INTERVALS / 60) * 60)


def read_detectors(path: Path, period: int, duration: int) -> dict[str, dict]:
    """Every edge as a detector (SUMO's edgeData per interval): {edge: {"flow": [vehicles per
    hour entering the edge], "speed": [mean speed km/h, None without vehicle]}} per interval."""
    intervals = math.ceil(duration / period)
    found: dict[str, dict] = {}
    for interval in ET.parse(path).getroot().iter("interval"):
        k = int(float(interval.get("begin")) // period)
        if k >= intervals:
            continue
        for e in interval.iter("edge"):
            edge = e.get("id", "")
            if edge.startswith(":"):
                continue
            row = found.setdefault(edge, {"flow": [0.0] * intervals, "speed": [None] * intervals})
            row["flow"][k] = float(e.get("entered", 0) or 0) * 3600 / period
            if e.get("speed") is not None and float(e.get("sampledSeconds", 0) or 0) > 0:
                row["speed"][k] = float(e.get("speed")) * 3.6
    return found


def _mean_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _quantile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (DuckDB's quantile_cont)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def detector_views(
    base_runs: list[dict], variant_runs: list[dict], period: int, watch: set[str] = frozenset()
) -> dict:
    """The flow views of the counts (`profiles.py`) for the simulated detectors, base against
    scenario on the same demand per seed:

    - profile: vehicles per hour of each interval, mean ± standard deviation over the seeds
      (the seeds play the part of the days of a typical-day profile), for the watched edges
      (those counted by a real detector), the 10 busiest of the base and the 10 whose flow
      changes most;
    - congestion index: ``1 − speed / free flow`` at the worst interval of the mean profile,
      the free flow being the 85th percentile of the interval speeds of both sides (the same
      reference for both, as `profiles.FREE_FLOW_QUANTILE`);
    - marked changes (what anomalies are for the counts): intervals where the paired change
      over the seeds is significant (95 % confidence interval, Student) and at least
      `profiles.RELATIVE` of the base and `profiles.MIN_VEHICLES` vehicles per hour.
    """
    from territoria.mobilite import profiles

    sides = {"base": base_runs, "scenario": variant_runs}
    edges = set().union(*(r.get("detectors", {}) for r in base_runs + variant_runs))
    intervals = max(
        (len(d["flow"]) for r in base_runs + variant_runs for d in r.get("detectors", {}).values()),
        default=0,
    )
    empty = {"flow": [0.0] * intervals, "speed": [None] * intervals}

    def series(side: str, edge: str, key: str) -> list[list]:
        """Per interval, the values of the seeds."""
        runs = [r.get("detectors", {}).get(edge, empty)[key] for r in sides[side]]
        return [[run[k] for run in runs] for k in range(intervals)]

    totals = {
        e: {side: sum(sum(v) for v in series(side, e, "flow")) / len(sides[side]) for side in sides}
        for e in edges
    }
    busiest = sorted(edges, key=lambda e: (-totals[e]["base"], e))[:10]
    changed = sorted(edges, key=lambda e: (-abs(totals[e]["scenario"] - totals[e]["base"]), e))
    shown = sorted((watch & edges) | set(busiest) | set(changed[:10]))
    profile = {}
    for edge in shown:
        profile[edge] = {
            side: [[round(x, 1) for x in _mean_sd(v)] for v in series(side, edge, "flow")]
            for side in sides
        }
    congestion, marked = [], []
    for edge in sorted(edges):
        speeds = {side: series(side, edge, "speed") for side in sides}
        pooled = [x for side in sides for k in speeds[side] for x in k if x is not None]
        row = {"section": edge, "free_flow_kmh": None}
        if pooled:
            free = _quantile(pooled, profiles.FREE_FLOW_QUANTILE)
            row["free_flow_kmh"] = round(free, 1)
            for side in sides:
                indexed = [
                    (max(0.0, 1 - (sum(v) / len(v)) / free), k)
                    for k, values in enumerate(speeds[side])
                    if (v := [x for x in values if x is not None]) and free > 0
                ]
                worst = max(indexed, default=None)
                row[side] = round(worst[0], 3) if worst else None
                row[f"{side}_worst_interval"] = worst[1] if worst else None
        if row.get("base") is not None and row.get("scenario") is not None:
            row["difference"] = round(row["scenario"] - row["base"], 3)
            congestion.append(row)
        base_flow, variant_flow = series("base", edge, "flow"), series("scenario", edge, "flow")
        for k in range(intervals):
            diff = [v - b for b, v in zip(base_flow[k], variant_flow[k], strict=True)]
            mean_b = sum(base_flow[k]) / len(base_flow[k])
            d_mean, d_ci = mean_ci(diff)
            if (
                math.isfinite(d_ci)
                and abs(d_mean) > d_ci
                and abs(d_mean) >= profiles.RELATIVE * mean_b
                and abs(d_mean) >= profiles.MIN_VEHICLES
            ):
                marked.append(
                    {
                        "section": edge,
                        "interval": k,
                        "base": round(mean_b),
                        "scenario": round(mean_b + d_mean),
                        "difference": round(d_mean),
                        "ci95": round(d_ci),
                        "gap_percent": round(100 * d_mean / mean_b) if mean_b else None,
                    }
                )
    congestion.sort(key=lambda r: (-abs(r["difference"]), r["section"]))
    marked.sort(key=lambda r: (-abs(r["difference"]), r["section"], r["interval"]))
    return {
        "period_s": period,
        "intervals": intervals,
        "watched": sorted(watch & edges),
        "profiles": profile,
        "congestion": congestion,
        "marked": marked[:100],
        "marked_count": len(marked),
    }


def energy_mean(levels_db: list[float]) -> float:
    """The energetic mean of sound levels (dB): 10 log10 of the mean of 10^(L/10); 0 if none."""
    if not levels_db:
        return 0.0
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels_db) / len(levels_db))


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of the 95 % confidence interval (Student's t)."""
    from scipy import stats

    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))


def compare(base_runs: list[dict], variant_runs: list[dict]) -> dict:
    """Table of figures: base, variant and paired difference (same demand per seed)."""
    table = {}
    for key, (label, unit) in METRICS.items():
        table[key] = paired_row(
            label, unit, [r[key] for r in base_runs], [r[key] for r in variant_runs]
        )
    edges = set().union(*(r["edges"] for r in base_runs + variant_runs))
    n = len(base_runs)
    per_edge = {
        e: round(
            (
                sum(r["edges"].get(e, 0) for r in variant_runs)
                - sum(r["edges"].get(e, 0) for r in base_runs)
            )
            / n,
            1,
        )
        for e in edges
    }
    noisy = set().union(*(r.get("edges_noise", {}) for r in base_runs + variant_runs))
    # an edge silent in one run (no vehicle: closed, or unused) counts with no level there: its
    # change is only given where both sides have traffic
    noise_change = {}
    for e in noisy:
        pairs = [
            (b["edges_noise"][e], v["edges_noise"][e])
            for b, v in zip(base_runs, variant_runs)
            if e in b.get("edges_noise", {}) and e in v.get("edges_noise", {})
        ]
        if pairs:
            noise_change[e] = round(sum(v - b for b, v in pairs) / len(pairs), 1)
    return {
        "metrics": table,
        "edges_time_loss_change_s": per_edge,
        "edges_noise_change_db": noise_change,
        # the level of each edge with traffic (energetic mean over the seeds where it has
        # some): the noise map of each side
        "edges_noise_db": {
            "base": edge_levels(base_runs),
            "scenario": edge_levels(variant_runs),
        },
    }


CLASS_METRICS = {
    "time_loss": "retard moyen (temps perdu)",
    "travel_time": "temps de parcours moyen",
    "waiting_time": "attente moyenne (arrêté)",
}
CLASS_NAMES = {"bus": "Bus", "car": "Voitures"}


def compare_classes(base_runs: list[dict], variant_runs: list[dict]) -> dict:
    """Buses and the other vehicles apart (`by_class` of each run): base, scenario and paired
    difference per seed, with 95 % confidence intervals, as `compare`."""
    metrics = {}
    for group, name in CLASS_NAMES.items():
        for key, label in CLASS_METRICS.items():
            metrics[f"{group}_{key}"] = paired_row(
                f"{name} : {label}",
                "s",
                [r["by_class"][group][key] for r in base_runs],
                [r["by_class"][group][key] for r in variant_runs],
            )
    trips = {group: [r["by_class"][group]["trips"] for r in variant_runs] for group in CLASS_NAMES}
    return {"metrics": metrics, "trips": trips}


def paired_row(label: str, unit: str, base: list[float], variant: list[float]) -> dict:
    """One row of a comparison: base and scenario means over the seeds and their paired
    difference (same seed, same demand), each with its 95 % confidence interval."""
    b_mean, b_ci = mean_ci(base)
    v_mean, v_ci = mean_ci(variant)
    d_mean, d_ci = mean_ci([v - b for b, v in zip(base, variant, strict=True)])
    return {
        "label": label,
        "unit": unit,
        "base": round(b_mean, 2),
        "base_ci95": round(b_ci, 2),
        "variant": round(v_mean, 2),
        "variant_ci95": round(v_ci, 2),
        "difference": round(d_mean, 2),
        "difference_ci95": round(d_ci, 2),
        "significant": bool(math.isfinite(d_ci) and abs(d_mean) > d_ci),
    }


def edge_levels(runs: list[dict]) -> dict[str, float]:
    edges = set().union(*(r.get("edges_noise", {}) for r in runs))
    return {
        e: round(
            energy_mean([r["edges_noise"][e] for r in runs if e in r.get("edges_noise", {})]), 1
        )
        for e in sorted(edges)
    }


IMMEDIATE = (
    "Chaque véhicule part sur l'itinéraire le plus rapide à vitesse libre du réseau qu'il "
    "parcourt (SUMO calcule l'itinéraire de chaque trajet à son départ) : il connaît la "
    "fermeture dès son départ, mais pas la congestion qu'elle crée."
)
HORIZONS = {
    "base": (
        "Référence des deux horizons : les mêmes trajets, chacun sur son itinéraire d'équilibre "
        "du réseau de base (équilibre dynamique de l'usager de SUMO, duaIterate.py, {steps} "
        "itérations) — les itinéraires habituels des conducteurs."
    ),
    "short_term": (
        "Court terme (le jour du changement) : chaque conducteur garde son itinéraire habituel "
        "(celui de l'équilibre du réseau de base) et n'en change qu'en arrivant devant une "
        "fermeture de tronçon (rerouteur de SUMO, closingReroute, sur les tronçons qui y "
        "mènent : détour au plus court depuis là) ; une voie fermée ne change aucun itinéraire, "
        "le trafic se serre sur les autres voies."
    ),
    "long_term": (
        "Long terme (les habitudes refaites) : les mêmes trajets ré-équilibrés sur le réseau "
        "modifié (duaIterate.py, {steps} itérations) : chacun a pris l'itinéraire le plus rapide "
        "compte tenu de la congestion nouvelle. Ni report modal ni trajets abandonnés : la "
        "demande (nombre de trajets, origines, destinations) est celle du scénario."
    ),
}


def equilibrium(
    net: Path,
    trips: Path,
    seed: int,
    steps: int,
    folder: Path,
    additionals: list[str] = (),
    scale: float = 1.0,
) -> Path:
    """The routes of the dynamic user equilibrium of the trips on `net` (SUMO's duaIterate.py,
    `steps` iterations of duarouter + sumo, Gawron's route choice): the last iteration's
    routes file (one route per vehicle)."""
    folder.mkdir(parents=True, exist_ok=True)
    args = [
        "assign/duaIterate.py", "-n", str(net), "-t", str(trips),
        "-l", str(steps), "--no-gzip", "--time-to-teleport", "300", "-E",
        "--disable-warnings",
    ]  # fmt: skip
    if additionals:
        args += ["-+", ",".join(additionals)]
    args += ["sumo--seed", str(seed), "sumo--ignore-route-errors", "true"]
    if scale != 1.0:
        args += ["sumo--scale", f"{scale:.3f}"]
    sumo.run(args, cwd=folder)
    last = steps - 1
    found = folder / f"{last:03d}" / f"{trips.name.split('.')[0]}_{last:03d}.rou.xml"
    if not found.exists():
        raise ScenarioError(f"duaIterate.py n'a pas écrit les itinéraires {found.name}.")
    return found


def closure_rerouters(net: Path, closed: set[str], path: Path) -> Path:
    """An additional file closing `closed` edges for the whole run with SUMO rerouters
    (`closingReroute`), each on the edges that lead to the closed one: a vehicle whose route
    uses it changes route there, not before (the short term)."""
    import sumolib

    network = sumolib.net.readNet(str(net))
    root = ET.Element("additional")
    for number, edge_id in enumerate(sorted(closed), start=1):
        edge = network.getEdge(edge_id)
        approach = sorted(e.getID() for e in edge.getFromNode().getIncoming() if e is not edge)
        rerouter = ET.SubElement(
            root,
            "rerouter",
            id=f"fermeture{number}",
            edges=" ".join([*approach, edge_id]),
        )
        interval = ET.SubElement(rerouter, "interval", begin="0", end="1000000")
        ET.SubElement(interval, "closingReroute", id=edge_id, disallow="all")
    ET.ElementTree(root).write(path)
    return path


def horizons(
    base_net: Path,
    changes: list[dict],
    spec: RunSpec,
    folder: Path,
    trips: dict[int, Path],
    variant_trips: dict[int, Path],
    variant: tuple[Path, list[str], float],
    base_adds: list[str],
    progress=None,
) -> dict:
    """Short- and long-term effects of the scenario against the base at equilibrium (see
    HORIZONS), per seed on the same trips; each side a comparison table (`compare`)."""
    step = progress or (lambda message: None)
    steps = spec.equilibrium_steps
    closed = {c["edge"] for c in changes if c["type"] == "close_edge"}
    kept = [c for c in changes if c["type"] != "close_edge"]
    # the short-term network keeps the closed edges (closed by rerouters at run time)
    short_folder = folder / "court-terme"
    short_folder.mkdir(parents=True, exist_ok=True)
    short_net, short_adds, scale = build_variant(base_net, kept, short_folder)
    long_net, long_adds, _ = variant  # the scenario's network and additionals (bus stops too)
    _, transit_adds = transit_additionals(changes, base_net, spec.duration, short_folder)
    if closed:
        short_adds = [
            *short_adds,
            str(closure_rerouters(short_net, closed, short_folder / "fermetures.add.xml")),
        ]
    runs: dict[str, list[dict]] = {"base": [], "short_term": [], "long_term": []}
    crossing = []  # per seed: vehicles whose usual route goes through a closed edge
    for seed in spec.seeds:
        where = folder / f"equilibre-{seed}"
        usual = equilibrium(base_net, trips[seed], seed, steps, where / "base", base_adds)
        runs["base"].append(simulate(base_net, usual, seed, spec, where, "equilibre", base_adds))
        crossing.append(
            sum(
                1
                for route in ET.parse(usual).getroot().iter("route")
                if closed & set((route.get("edges") or "").split())
            )
        )
        step(f"Graine {seed} : équilibre du réseau de base ({steps} itérations) simulé.")
        # short term: the usual routes (+ the trips an event brings, routed at departure)
        extra = [variant_trips[seed]] if variant_trips[seed] != trips[seed] else []
        short_demand = [usual, *(event_only(t, where) for t in extra)]
        short_adds_all = [*short_adds, *transit_adds]
        runs["short_term"].append(
            simulate(short_net, short_demand, seed, spec, where, "court", short_adds_all, scale)
        )
        step(f"Graine {seed} : court terme simulé (itinéraires habituels).")
        adapted = equilibrium(
            long_net, variant_trips[seed], seed, steps, where / "scenario", long_adds, scale
        )
        runs["long_term"].append(
            simulate(long_net, adapted, seed, spec, where, "long", long_adds, scale)
        )
        step(f"Graine {seed} : long terme simulé (demande ré-équilibrée, {steps} itérations).")
    return {
        "equilibrium_steps": steps,
        "definitions": {k: v.format(steps=steps) for k, v in HORIZONS.items()},
        "usual_routes_through_closures": crossing,
        "short_term": compare(runs["base"], runs["short_term"])["metrics"],
        "long_term": compare(runs["base"], runs["long_term"])["metrics"],
        "runs": {
            side: [{k: v for k, v in r.items() if k not in PER_EDGE} for r in side_runs]
            for side, side_runs in runs.items()
        },
    }


def event_only(trips: Path, folder: Path) -> Path:
    """The trips an event brings (ids `evenement…`), alone: the short term adds them, routed at
    departure, to the usual routes of the base demand."""
    root = ET.parse(trips).getroot()
    for trip in root.findall("trip"):
        if not trip.get("id", "").startswith("evenement"):
            root.remove(trip)
    path = folder / f"{trips.stem}.seuls.xml"
    ET.ElementTree(root).write(path)
    return path


def run_scenario(
    base_net: Path,
    changes: list[dict],
    spec: RunSpec,
    folder: Path,
    progress=None,
    watch: set[str] = frozenset(),
) -> dict:
    """The base network and the scenario on the same demand for each seed; the comparison.
    `watch`: edges counted by real detectors, whose simulated flows are always kept."""
    step = progress or (lambda message: None)
    base_net = Path(base_net).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    net, additionals, scale = build_variant(base_net, changes, folder)
    step("Réseau du scénario construit.")
    closed = {c["edge"] for c in changes if c["type"] == "close_edge"}
    base_adds, transit_adds = transit_additionals(changes, base_net, spec.duration, folder)
    additionals = [*additionals, *transit_adds]
    base_runs, variant_runs, dropped = [], [], 0
    seed_trips, seed_variant_trips = {}, {}
    priority = priority_settings(changes)  # transit signal priority on the scenario's side
    for seed in spec.seeds:
        trips = demand(base_net, seed, spec, folder)
        dropped += keep_open_trips(trips, closed)
        variant_trips = event_trips(trips, changes, seed, folder) or trips
        seed_trips[seed], seed_variant_trips[seed] = trips, variant_trips
        check_connected(net, variant_trips, folder)
        step(f"Demande de la graine {seed} tirée.")
        base_runs.append(
            simulate(
                base_net, trips, seed, spec, folder, "base", base_adds,
                split_classes=priority is not None,
            )
        )  # fmt: skip
        step(f"Graine {seed} : réseau de base simulé.")
        variant_runs.append(
            simulate(
                net, variant_trips, seed, spec, folder, "scenario", additionals, scale,
                priority=priority,
            )
        )  # fmt: skip
        step(f"Graine {seed} : scénario simulé.")
    extra = {}
    if spec.equilibrium_steps:
        extra["horizons"] = horizons(
            base_net, changes, spec, folder, seed_trips, seed_variant_trips,
            (net, additionals, scale), base_adds, step,
        )  # fmt: skip
    if priority is not None:
        extra["transit"] = compare_classes(base_runs, variant_runs)
        extra["transit"]["priority"] = [r["priority"] for r in variant_runs]
    return {
        **extra,
        "definition": IMMEDIATE,
        **compare(base_runs, variant_runs),
        "detectors": detector_views(
            base_runs, variant_runs, detector_period(spec.duration), set(watch)
        ),
        "seeds": list(spec.seeds),
        "duration_s": spec.duration,
        "trips_on_closed_edges": dropped,
        "runs": {
            "base": [{k: v for k, v in r.items() if k not in PER_EDGE} for r in base_runs],
            "scenario": [{k: v for k, v in r.items() if k not in PER_EDGE} for r in variant_runs],
        },
    }
