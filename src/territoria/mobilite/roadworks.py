"""Roadworks calendar: given worksites (edges or single lanes closed, duration in days,
window), rank the calendars by the total delay they cause.

A worksite closes whole edges (netconvert removes them) and/or single lanes of edges that keep
another one open (the lane allows no vehicle: netconvert `disallow="all"`, as a scenario's
`close_lane`); the traffic then squeezes onto the lanes left.

A calendar gives each worksite a start day inside its window. On each day, the worksites open
that day close their edges together; the delay of that set of closures is simulated on SUMO
(the base network and the network with the edges closed, on the same random demand for each
seed, as for a scenario: `simulation.py`), once per distinct set, and the calendar's total is
the sum over its days. Two worksites on the same route at the same time usually cost more than
the sum of each alone (the detour of one goes through the other): that interaction is what the
ranking measures, and why the sets are simulated together rather than added up.

The simulated period stands for one day's peak (`RunSpec.duration` seconds of demand): the
delay is given in vehicle-hours lost per simulated period, summed over the days.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from territoria.mobilite import simulation

MAX_CALENDARS = 20000
MAX_SETS = 40  # distinct sets of simultaneous worksites simulated (each = seeds SUMO runs)


class RoadworksError(Exception):
    pass


@dataclass(frozen=True)
class Worksite:
    name: str
    edges: tuple[str, ...]
    days: int
    earliest: date  # first possible day
    latest: date  # last possible day (the worksite must end on it at the latest)
    lanes: tuple[str, ...] = ()  # single lanes closed ("edge_index"), their edge staying open

    def changes(self) -> list[dict]:
        """The scenario changes of the worksite (simulation.build_variant)."""
        return [{"type": "close_edge", "edge": e} for e in self.edges] + [
            {"type": "close_lane", "lane": lane} for lane in self.lanes
        ]

    @property
    def starts(self) -> list[date]:
        last_start = self.latest - timedelta(days=self.days - 1)
        n = (last_start - self.earliest).days + 1
        return [self.earliest + timedelta(days=i) for i in range(max(n, 0))]

    def open_on(self, start: date) -> list[date]:
        return [start + timedelta(days=i) for i in range(self.days)]


def _date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for parse in (date.fromisoformat, lambda t: date(*reversed([int(x) for x in t.split("/")]))):
        try:
            return parse(text)
        except (ValueError, TypeError):
            continue
    raise RoadworksError(f"{where} : date illisible « {text} » (attendu JJ/MM/AAAA ou AAAA-MM-JJ).")


def _split(value) -> list[str]:
    if isinstance(value, str):
        return [e for e in value.replace(",", " ").split() if e]
    return [str(e) for e in value or ()]


def parse_worksites(rows: list[dict], edge_names: Mapping[str, int] | set[str]) -> list[Worksite]:
    """Worksites from dicts {name, edges, days, earliest, latest[, lanes]}; every error names
    the worksite and the field, and nothing is returned when one is wrong.

    `edge_names`: the network's edges, with their number of lanes when it is a mapping (then a
    name of the "edges" field that is no edge but a lane "edge_index" of an edge, or a name of
    the "lanes" field, closes that lane only)."""
    lane_counts = edge_names if isinstance(edge_names, Mapping) else {}
    errors: list[str] = []
    sites: list[Worksite] = []
    names: set[str] = set()
    if not rows:
        raise RoadworksError("Aucun chantier donné.")
    for number, row in enumerate(rows, start=1):
        name = str(row.get("name") or f"chantier {number}").strip()
        where = f"chantier « {name} » (ligne {number})"
        if name in names:
            errors.append(f"{where} : ce nom est déjà pris par un autre chantier.")
        names.add(name)
        names_given = _split(row.get("edges"))
        lanes = [n for n in names_given if n not in edge_names and _lane_of(n, lane_counts)]
        lanes += _split(row.get("lanes"))
        edges = tuple(n for n in names_given if n not in lanes)
        lanes = tuple(dict.fromkeys(lanes))
        if not edges and not lanes:
            errors.append(f"{where} : aucun tronçon ni voie fermé.")
        outside = [e for e in edges if e not in edge_names]
        if outside:
            errors.append(
                f"{where} : tronçon(s) hors du réseau : {', '.join(outside[:5])} — le chantier "
                "doit être sur le réseau simulé."
            )
        errors += _lane_errors(where, edges, lanes, lane_counts)
        try:
            days = int(row.get("days"))
        except (TypeError, ValueError):
            errors.append(f"{where}, champ « durée » : nombre de jours entier attendu.")
            continue
        if days < 1 or days > 365:
            errors.append(f"{where}, champ « durée » : de 1 à 365 jours ({days} donné).")
            continue
        try:
            earliest = _date(row.get("earliest"), f"{where}, champ « début au plus tôt »")
            latest = _date(row.get("latest"), f"{where}, champ « fin au plus tard »")
        except RoadworksError as error:
            errors.append(str(error))
            continue
        site = Worksite(name, edges, days, earliest, latest, lanes)
        if not site.starts:
            errors.append(
                f"{where} : la fenêtre du {earliest:%d/%m/%Y} au {latest:%d/%m/%Y} est plus courte "
                f"que la durée ({days} jours)."
            )
            continue
        sites.append(site)
    if errors:
        raise RoadworksError(" ".join(errors))
    return sites


def _lane_of(name: str, lane_counts: Mapping[str, int]) -> str | None:
    """The edge of a lane id "edge_index" of the network, None when it is not one."""
    edge, _, index = name.rpartition("_")
    if edge in lane_counts and index.isdigit() and int(index) < lane_counts[edge]:
        return edge
    return None


def _lane_errors(
    where: str, edges: tuple[str, ...], lanes: tuple[str, ...], lane_counts: Mapping[str, int]
) -> list[str]:
    errors = []
    closed_by_edge: dict[str, set[str]] = {}
    for lane in lanes:
        edge = _lane_of(lane, lane_counts)
        if edge is None:
            errors.append(
                f"{where}, champ « voies » : la voie « {lane} » n'est pas dans le réseau (une voie "
                "s'écrit tronçon_numéro, 0 étant la voie de droite) — le chantier doit être sur "
                "le réseau simulé."
            )
        elif lane_counts[edge] == 1:
            errors.append(
                f"{where}, champ « voies » : « {edge} » n'a qu'une voie ; fermez le tronçon."
            )
        elif edge in edges:
            errors.append(
                f"{where}, champ « voies » : la voie « {lane} » est sur le tronçon « {edge} », "
                "déjà fermé en entier par le chantier."
            )
        else:
            closed_by_edge.setdefault(edge, set()).add(lane)
    for edge, closed in sorted(closed_by_edge.items()):
        if len(closed) == lane_counts[edge]:
            errors.append(
                f"{where}, champ « voies » : toutes les voies de « {edge} » sont fermées ; fermez "
                "le tronçon."
            )
    return errors


def combined_changes(sites: list[Worksite]) -> list[dict]:
    """The closures of worksites open together: each edge and each lane once; a lane whose edge
    another worksite closes whole is left to that closure."""
    edges = sorted({e for s in sites for e in s.edges})
    lanes = sorted({lane for s in sites for lane in s.lanes})
    lanes = [lane for lane in lanes if lane.rpartition("_")[0] not in edges]
    return [{"type": "close_edge", "edge": e} for e in edges] + [
        {"type": "close_lane", "lane": lane} for lane in lanes
    ]


def calendars(sites: list[Worksite]) -> list[tuple[date, ...]]:
    """Every calendar (one start day per worksite, in its window)."""
    total = 1
    for site in sites:
        total *= len(site.starts)
    if total > MAX_CALENDARS:
        raise RoadworksError(
            f"{total} calendriers possibles, au-delà de {MAX_CALENDARS} : resserrez les fenêtres "
            "des chantiers."
        )
    return list(itertools.product(*(site.starts for site in sites)))


def daily_sets(sites: list[Worksite], starts: tuple[date, ...]) -> dict[date, frozenset[str]]:
    """The worksites open on each day of the calendar (days with none are left out)."""
    days: dict[date, set[str]] = {}
    for site, start in zip(sites, starts, strict=True):
        for day in site.open_on(start):
            days.setdefault(day, set()).add(site.name)
    return {d: frozenset(names) for d, names in sorted(days.items())}


def rank(sites: list[Worksite], cost: Callable[[frozenset[str]], float], top: int = 10) -> dict:
    """Rank the calendars by total delay; `cost(set of worksite names)` is the delay of one
    day with those worksites open (called once per distinct set)."""
    all_calendars = calendars(sites)
    per_calendar = [daily_sets(sites, starts) for starts in all_calendars]
    sets = sorted({s for days in per_calendar for s in days.values()}, key=lambda s: sorted(s))
    if len(sets) > MAX_SETS:
        raise RoadworksError(
            f"{len(sets)} combinaisons de chantiers simultanés à simuler, au-delà de {MAX_SETS} : "
            "resserrez les fenêtres ou réduisez le nombre de chantiers."
        )
    costs = {s: cost(s) for s in sets}
    ranked = []
    for starts, days in zip(all_calendars, per_calendar, strict=True):
        total = sum(costs[s] for s in days.values())
        ranked.append(
            {
                "starts": {
                    site.name: start.isoformat() for site, start in zip(sites, starts, strict=True)
                },
                "total_delay_veh_h": round(total, 2),
                "overlap_days": sum(1 for s in days.values() if len(s) > 1),
            }
        )
    ranked.sort(key=lambda r: (r["total_delay_veh_h"], sorted(r["starts"].values())))
    return {
        "calendars": len(all_calendars),
        # what each worksite closes: whole edges, single lanes (the job page shows them)
        "worksites": [
            {
                "name": site.name,
                "edges": list(site.edges),
                "lanes": list(site.lanes),
                "days": site.days,
                "earliest": site.earliest.isoformat(),
                "latest": site.latest.isoformat(),
            }
            for site in sites
        ],
        "sets_simulated": [
            {"worksites": sorted(s), "delay_veh_h_per_day": round(costs[s], 3)} for s in sets
        ],
        "best": ranked[:top],
        "worst": ranked[-1],
    }


def sumo_cost(
    base_net: Path, sites: list[Worksite], spec: simulation.RunSpec, folder: Path, progress=None
) -> Callable[[frozenset[str]], float]:
    """The delay of a set of worksites open together: vehicle-hours of time lost more than on
    the base network, mean over the seeds, on the same demand (trips that start or end on any
    edge a worksite closes whole are left out of both sides, for every set alike; a lane closure
    leaves its edge open, its trips are kept)."""
    step = progress or (lambda message: None)
    base_net = Path(base_net).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {s.name: s for s in sites}
    every_closed = {e for s in sites for e in s.edges}
    trips: dict[int, Path] = {}
    base: dict[int, dict] = {}
    for seed in spec.seeds:
        trips[seed] = simulation.demand(base_net, seed, spec, folder)
        simulation.keep_open_trips(trips[seed], every_closed)
        base[seed] = simulation.simulate(base_net, trips[seed], seed, spec, folder, "base")
        step(f"Graine {seed} : réseau sans chantier simulé.")

    def lost(run: dict) -> float:
        return run["time_loss"] * run["arrived"] / 3600

    def cost(names: frozenset[str]) -> float:
        changes = combined_changes([by_name[n] for n in sorted(names)])
        sub = folder / ("set-" + str(abs(hash(tuple(sorted(names))))))
        sub.mkdir(parents=True, exist_ok=True)
        net, _, _ = simulation.build_variant(base_net, changes, sub)
        deltas = []
        for seed in spec.seeds:
            try:
                simulation.check_connected(net, trips[seed], sub)
            except simulation.ScenarioError as error:
                raise RoadworksError(
                    f"Chantiers {', '.join(sorted(names))} ouverts ensemble : "
                    + str(error).replace("Le scénario coupe", "ils coupent")
                ) from error
            run = simulation.simulate(net, trips[seed], seed, spec, sub, "chantiers")
            deltas.append(lost(run) - lost(base[seed]))
        step(f"Chantiers simultanés simulés : {', '.join(sorted(names))}.")
        return sum(deltas) / len(deltas)

    return cost
