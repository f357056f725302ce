"""Time-of-day plans from an adaptive run: what a collectivité loads into its existing controllers.

For each intersection and each period (15 minutes by default), from the adaptive run: the flows
counted at the stop line of each incoming lane, and the greens the adaptive controller actually
gave (phase, start, end). Webster's method (`_webster_plan`): a phase's flow ratio is the largest
of its lanes' flow over a saturation flow of 1 800 veh/h (a lane served by several phases shares
its flow between them as the adaptive controller shared its green), the cycle is Webster's
optimum (1.5 L + 5) / (1 − Y) for the lost time L of the phases served, bounded, and the green
is split in proportion to the flow ratios (at least the minimum green). A run recorded without
counts gets the older derivation (`_observed_plan`): the mean observed cycle and the observed
share of green — which copies the adaptive controller's short cycle while a fixed plan must
serve every phase every cycle (docs/mobilite-signals.md, "Plans horaires"). Exported as JSON
and as a SUMO additional file (one `tlLogic` per period, switched by a `WAUT` at the period's
start), which a controller vendor's tool or SUMO itself reads back.

Coordination (`coordinate`): "coupled" by default since the rule of
benchmarks/results/mobilite_signals_coupling_rule.md (on the development configurations: lower
than the isolated plans on cologne8, ingolstadt7, ingolstadt21, identical on cologne3 where no
link is coupled); "offsets", the earlier candidate of
benchmarks/results/mobilite_signals_coordination_rule.md, lowered the delay on cologne8,
ingolstadt7 and ingolstadt21 but raised it by 7.9 % on cologne3. "offsets": signals linked by
a road path of at most `COORDINATION_M` through unsignalised junctions form a group; per period
the group runs the longest Webster cycle of its members, to the second above (each member's
greens rescaled to it, so every member still serves its demand), and offsets along a spanning tree of the group's links, heaviest counted flows first,
give a green wave: the downstream phase fed by a link starts its green when the platoon
released by the upstream phase arrives (free-flow travel time). A signal without a neighbour
keeps its own Webster plan, offset 0. "cycle" keeps the common cycle without offsets (to
measure the two effects apart), "none" the isolated plans. "coupled" (rule of
benchmarks/results/mobilite_signals_coupling_rule.md) coordinates, period by period, only the
links whose coupling index (FHWA: two-way volume over the squared distance) is above
`COUPLING_INDEX`, and only while a group's Webster cycles stay within `CYCLE_RATIO` of each
other; the common cycle and the green wave are then those of "offsets" inside each group.

`ClockReplay` plays the plans as SUMO plays the exported `tlLogic`: the phase in force at time t
is the one at (t − offset) mod cycle of the period's program (a positive offset delays the
program, SUMO's convention — checked by a test against SUMO itself).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .sumoenv import Scenario

MIN_CYCLE = 30.0
MAX_CYCLE = 120.0
# Webster's plans: a practitioner's bounds, those given to SUMO's own Webster baseline
# (evaluate.webster_additional) — at low flows the formula alone gives cycles of 30-40 s
WEBSTER_CYCLES = (60.0, 120.0)
PERIOD_S = 900.0
SATURATION_VEH_H = 1800.0  # per lane, Webster's usual figure
SATURATED_Y = 0.95  # sum of flow ratios from which the longest cycle is taken
# Coordination distance, fixed before any run (benchmarks/results/
# mobilite_signals_coordination_rule.md): about 30 s at 50 km/h, half the half-mile under which
# the FHWA Signal Timing Manual advises coordinating, since urban links have sources and
# sinks between signals and platoons disperse (Robertson)
COORDINATION_M = 400.0
# "coupled" (benchmarks/results/mobilite_signals_coupling_rule.md, fixed before any run): a link
# joins a group only if its coupling index CI = V / D² is above 50 — V the two-way volume in
# thousands of veh/h, D the distance between the signals in miles, "link all intersections that
# have a value greater than 50" (FHWA, Signal Timing on a Shoestring, FHWA-HOP-07-006, 2005,
# after Hook & Albers) — and if the group's Webster cycles stay within a ratio of 1.5: Webster
# (1958) found the delay little affected by cycles up to 1.5 times the optimum, and the common
# cycle is the longest of the group
COUPLING_INDEX = 50.0
MILE_M = 1609.344
CYCLE_RATIO = 1.5
COORDINATIONS = ("offsets", "cycle", "coupled", "none")


def lane_counts_additional(counts: Path, begin: float, period: float = PERIOD_S) -> Path:
    """A SUMO additional file (next to `counts`) that writes there, every `period` from
    `begin`, the vehicles that left each lane (SUMO's lane-based edge data)."""
    path = counts.with_suffix(".add.xml")
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<additional>\n'
        f'    <laneData id="territoria_plans" begin="{begin}" period="{period}" '
        f'file={quoteattr(str(counts))} excludeEmpty="true"/>\n</additional>\n',
        encoding="utf-8",
    )
    return path


def read_lane_counts(path: Path) -> dict[str, dict[str, int]]:
    """{lane: {period's begin (text, as JSON keys): vehicles that left the lane}}."""
    counts: dict[str, dict[str, int]] = {}
    begin = ""
    for event, el in ET.iterparse(path, events=("start", "end")):
        if event == "start" and el.tag == "interval":
            begin = str(float(el.get("begin")))
        elif event == "end" and el.tag == "lane":
            left = int(float(el.get("left", 0) or 0))
            if left:
                counts.setdefault(el.get("id"), {})[begin] = left
            el.clear()
    return counts


def _observed_greens(log, n, begin, end) -> tuple[list[float], list[list[float]]]:
    """Seconds of green each phase got in [begin, end), and the starts of its greens there."""
    green = [0.0] * n
    starts: list[list[float]] = [[] for _ in range(n)]
    for phase, start, stop in log:
        a, b = max(start, begin), min(stop, end)
        if b <= a:
            continue
        green[phase] += b - a
        if begin <= start < end:
            starts[phase].append(start)
    return green, starts


def _webster_plan(rec: dict, begin: float, end: float, min_green: float) -> dict:
    """Webster's fixed-time plan of one period from the lanes' counted flows (module doc)."""
    states, links = rec["states"], rec["links"]
    n = len(states)
    green, _ = _observed_greens(rec["greens"], n, begin, end)
    hours = (end - begin) / 3600.0
    key = str(float(begin))
    serves: dict[str, set[int]] = {}  # lane: the phases that give it green
    for k, state in enumerate(states):
        for index, lane in enumerate(links):
            if lane and index < len(state) and state[index] in "Gg":
                serves.setdefault(lane, set()).add(k)
    ratio = [0.0] * n
    for lane, phases in serves.items():
        flow = rec["counts"].get(lane, {}).get(key, 0) / hours
        if not flow:
            continue
        given = sum(green[k] for k in phases)
        for k in phases:
            share = green[k] / given if given else 1.0 / len(phases)
            ratio[k] = max(ratio[k], flow * share / SATURATION_VEH_H)
    served = [k for k in range(n) if ratio[k] > 0 or green[k] > 0]
    if not served:
        served = list(range(n))
    lost = len(served) * (rec["yellow"] + rec["all_red"])
    total = sum(ratio)
    shortest, longest = WEBSTER_CYCLES
    if total >= SATURATED_Y:
        cycle = longest
    else:
        cycle = min(longest, max(shortest, (1.5 * lost + 5.0) / (1.0 - total)))
    greens = [0.0] * n
    for k in served:
        share = ratio[k] / total if total else 1.0 / len(served)
        greens[k] = max(min_green, round((cycle - lost) * share, 1))
    cycle = round(sum(greens) + lost, 1)
    return {"begin": begin, "end": end, "cycle": cycle, "greens": greens, "offset": 0.0}


def _observed_plan(log, states, yellow, all_red, begin, end, min_green) -> dict:
    n = len(states)
    green, starts = _observed_greens(log, n, begin, end)
    activations = [len(s) for s in starts]
    total_green = sum(green)
    lost = n * (yellow + all_red)
    served = [k for k in range(n) if green[k] > 0]
    if total_green <= 0 or not served:
        greens = [min_green] * n
        cycle = sum(greens) + lost
        return {"begin": begin, "end": end, "cycle": cycle, "greens": greens, "offset": 0.0}
    main = max(range(n), key=lambda k: activations[k])
    if activations[main] >= 2:
        # mean time between two starts of the most served phase
        observed = (starts[main][-1] - starts[main][0]) / (activations[main] - 1)
    else:
        observed = total_green + lost
    cycle = min(MAX_CYCLE, max(MIN_CYCLE, observed))
    lost_served = len(served) * (yellow + all_red)
    available = max(cycle - lost_served, min_green * len(served))
    greens = [0.0] * n
    for k in served:
        greens[k] = max(min_green, round(available * green[k] / total_green, 1))
    cycle = round(sum(greens) + lost_served, 1)
    offset = 0.0
    starts0 = starts[served[0]]
    if starts0:
        angles = [2 * math.pi * ((s - begin) % cycle) / cycle for s in starts0]
        x = sum(math.cos(a) for a in angles)
        y = sum(math.sin(a) for a in angles)
        offset = round((math.atan2(y, x) % (2 * math.pi)) * cycle / (2 * math.pi), 1)
    return {"begin": begin, "end": end, "cycle": cycle, "greens": greens, "offset": offset}


def build_plans(
    greens: dict,
    sc: Scenario,
    period: float = PERIOD_S,
    min_green: float = 6.0,
    end: float | None = None,
    coordinate: str = "coupled",
    max_distance: float = COORDINATION_M,
) -> dict:
    """`greens`: per intersection, `{"greens": [(phase, start, end)], "states", "yellow",
    "all_red"}` as recorded by a controller run, with `"links"` (the incoming lane of each
    link index), `"out_links"` (the outgoing one) and `"counts"` (read_lane_counts) for
    Webster's plans; `coordinate`: see the module doc."""
    if coordinate not in COORDINATIONS:
        raise ValueError(f"coordinate: one of {COORDINATIONS}, not {coordinate!r}")
    plans: dict = {}
    for tls, rec in greens.items():
        periods = []
        t = float(sc.begin)
        stop = float(end or sc.end)
        while t < stop:
            if rec.get("counts") and rec.get("links"):
                periods.append(_webster_plan(rec, t, min(t + period, stop), min_green))
            else:
                periods.append(
                    _observed_plan(
                        rec["greens"],
                        rec["states"],
                        rec["yellow"],
                        rec["all_red"],
                        t,
                        min(t + period, stop),
                        min_green,
                    )
                )
            t += period
        plans[tls] = {
            "states": rec["states"],
            "yellow": rec["yellow"],
            "all_red": rec["all_red"],
            "periods": periods,
        }
    counted = [tls for tls, rec in greens.items() if rec.get("counts") and rec.get("links")]
    if coordinate != "none" and len(counted) > 1:
        links = signal_links(sc.net, counted, max_distance)
        coordinate_plans(
            plans, greens, links, offsets=coordinate != "cycle", coupled=coordinate == "coupled"
        )
    return plans


def coordination_groups(
    greens: dict,
    sc: Scenario,
    max_distance: float = COORDINATION_M,
    coordinate: str = "offsets",
    end: float | None = None,
    period: float = PERIOD_S,
) -> list:
    """The groups of at least two counted signals `build_plans(..., coordinate=...)` would
    coordinate; none: the coordinated plans would be the isolated ones. For "coupled", the
    signals coordinated together in at least one period (coupled_periods says which when)."""
    if coordinate == "coupled":
        periods = coupled_periods(greens, sc, max_distance, end, period)
        pairs = {
            (a, b): None
            for groups in periods.values()
            for group in groups
            for a, b in itertools.pairwise(group)
        }
        return signal_groups(pairs)
    counted = [tls for tls, rec in greens.items() if rec.get("counts") and rec.get("links")]
    if len(counted) < 2:
        return []
    return [g for g in signal_groups(signal_links(sc.net, counted, max_distance)) if len(g) > 1]


def coupled_periods(
    greens: dict,
    sc: Scenario,
    max_distance: float = COORDINATION_M,
    end: float | None = None,
    period: float = PERIOD_S,
) -> dict[str, list[list[str]]]:
    """{period's begin (text): the groups `coordinate="coupled"` coordinates in it}, periods
    without any group left out."""
    counted = [tls for tls, rec in greens.items() if rec.get("counts") and rec.get("links")]
    if len(counted) < 2:
        return {}
    isolated = build_plans(greens, sc, period, end=end, coordinate="none")
    links = signal_links(sc.net, counted, max_distance)
    links = {pair: v for pair, v in links.items() if pair[0] in isolated and pair[1] in isolated}
    if not links:
        return {}
    first = isolated[next(iter(links))[0]]["periods"]
    out = {}
    for i, p in enumerate(first):
        groups = [group for group, _ in coupled_groups(isolated, greens, links, i)]
        if groups:
            out[str(float(p["begin"]))] = groups
    return out


def _edge(lane: str) -> str:
    return lane.rsplit("_", 1)[0]


def signal_links(net: Path, tls_ids, max_distance: float = COORDINATION_M) -> dict:
    """{(upstream, downstream): {"distance", "time", "first", "last"}}: the shortest road path
    from an edge leaving a signal to an edge entering another one, through unsignalised
    junctions only, if at most `max_distance` metres (both end edges counted in full);
    "time" is its free-flow travel time (length / speed limit), "first"/"last" its end edges."""
    import sumolib

    road = sumolib.net.readNet(str(net))
    wanted = set(tls_ids)
    entering: dict[str, set[str]] = {}
    leaving: dict[str, set[str]] = {}
    for tl in road.getTrafficLights():
        if tl.getID() not in wanted:
            continue
        for in_lane, out_lane, _ in tl.getConnections():
            entering.setdefault(in_lane.getEdge().getID(), set()).add(tl.getID())
            leaving.setdefault(tl.getID(), set()).add(out_lane.getEdge().getID())
    links: dict = {}
    for up, edges in sorted(leaving.items()):
        heap = [(0.0, 0.0, e, e) for e in sorted(edges)]
        done: set[str] = set()
        while heap:
            dist, time, eid, first = heapq.heappop(heap)
            if eid in done:
                continue
            done.add(eid)
            edge = road.getEdge(eid)
            dist += edge.getLength()
            time += edge.getLength() / edge.getSpeed()
            if dist > max_distance:
                continue
            downs = entering.get(eid, set()) - {up}
            if downs:  # a signal ends the path: platoons are re-formed there
                for down in sorted(downs):
                    links.setdefault(
                        (up, down),
                        {
                            "distance": round(dist, 1),
                            "time": round(time, 1),
                            "first": first,
                            "last": eid,
                        },
                    )
                continue
            for nxt in edge.getOutgoing():
                heapq.heappush(heap, (dist, time, nxt.getID(), first))
    return links


def signal_groups(links: dict) -> list[list[str]]:
    """The connected signals (any direction), each group sorted, groups sorted."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for up, down in links:
        parent[root(up)] = root(down)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(root(x), []).append(x)
    return sorted(sorted(g) for g in groups.values())


def rescale(plan: dict, period: dict, cycle: float) -> dict:
    """`period` stretched to `cycle` (whole seconds): the same lost time, the greens in the same
    proportions, in whole seconds (the rounding given to the longest green, so that the cycle
    is exact) — SUMO, stepping by the second, then runs the exported program without drifting
    from its offset."""
    greens = period["greens"]
    served = [k for k, g in enumerate(greens) if g > 0]
    lost = len(served) * (plan["yellow"] + plan["all_red"])
    given = sum(greens)
    new = [float(round(g * (cycle - lost) / given)) if g > 0 else 0.0 for g in greens]
    longest = max(served, key=lambda k: new[k])
    new[longest] = round(new[longest] + cycle - lost - sum(new), 1)
    return {**period, "cycle": float(cycle), "greens": new}


def green_starts(plan: dict, period: dict) -> dict[int, float]:
    """Second of the cycle at which each served phase's green starts (plan_phases' order)."""
    order = [k for k, g in enumerate(period["greens"]) if g > 0]
    clearance = (plan["yellow"] + plan["all_red"]) if len(order) > 1 else 0.0
    starts, t = {}, 0.0
    for k in order:
        starts[k] = round(t, 1)
        t += period["greens"][k] + clearance
    return starts


def _phase_flows(rec: dict, key: str, use) -> list[float]:
    """Vehicles counted in the period `key` on the distinct incoming lanes each phase serves
    through the link indices `use(index)` accepts."""
    flows = []
    for state in rec["states"]:
        lanes = {
            lane
            for index, lane in enumerate(rec["links"])
            if lane and index < len(state) and state[index] in "Gg" and use(index)
        }
        flows.append(sum(rec["counts"].get(lane, {}).get(key, 0) for lane in lanes))
    return flows


def _feeding(rec: dict, key: str, edge: str, downstream: bool) -> int | None:
    """The phase sending most counted vehicles into `edge` (upstream signal) or receiving most
    from it (downstream); None without a flow (or, upstream, without the links' exit lanes)."""
    if downstream:
        flows = _phase_flows(rec, key, lambda i: _edge(rec["links"][i]) == edge)
    else:
        outs = rec.get("out_links") or []
        flows = _phase_flows(rec, key, lambda i: i < len(outs) and _edge(outs[i]) == edge)
    best = max(range(len(flows)), key=lambda k: flows[k], default=None)
    return best if best is not None and flows[best] > 0 else None


def _link_flow(rec: dict, key: str, edge: str) -> int:
    """Vehicles counted in the period leaving the downstream signal's lanes of `edge`."""
    lanes = {lane for lane in rec["links"] if lane and _edge(lane) == edge}
    return sum(rec["counts"].get(lane, {}).get(key, 0) for lane in lanes)


def coordinate_plans(
    plans: dict, records: dict, links: dict, offsets: bool = True, coupled: bool = False
) -> None:
    """Per group of linked signals (signal_groups) and period: the common cycle and, with
    `offsets`, the green wave along the group's maximum spanning tree (module doc). With
    `coupled`, the groups of each period are those of `coupled_groups`. In place."""
    links = {pair: v for pair, v in links.items() if pair[0] in plans and pair[1] in plans}
    if coupled:
        count = max((len(plans[tls]["periods"]) for pair in links for tls in pair), default=0)
        for i in range(count):
            for group, group_links in coupled_groups(plans, records, links, i):
                _coordinate_period(plans, records, group_links, group, i, offsets)
        return
    for group in signal_groups(links):
        for i in range(len(plans[group[0]]["periods"])):
            _coordinate_period(plans, records, links, group, i, offsets)


def _coordinate_period(plans, records, links, group, i, offsets) -> None:
    periods = {tls: plans[tls]["periods"][i] for tls in group}
    cycle = float(math.ceil(max(p["cycle"] for p in periods.values()) - 1e-9))
    for tls in group:
        period = rescale(plans[tls], periods[tls], cycle)
        plans[tls]["periods"][i] = period
        periods[tls] = period
    if offsets:
        key = str(float(periods[group[0]]["begin"]))
        for tls, offset in _green_wave(plans, records, links, group, periods, key):
            periods[tls]["offset"] = offset


def coupling_index(volume_veh_h: float, distance_m: float) -> float:
    """FHWA's coupling index V / D²: V in thousands of veh/h (both directions), D in miles."""
    return (volume_veh_h / 1000.0) / (distance_m / MILE_M) ** 2


def link_coupling(records: dict, links: dict, key: str, hours: float) -> dict:
    """{(a, b) sorted: {"volume" (veh/h, both directions counted), "distance" (m, the shorter
    direction), "index"}} for each pair of linked signals in the period `key`."""
    pairs: dict = {}
    for (up, down), link in sorted(links.items()):
        flow = _link_flow(records[down], key, link["last"]) / hours
        pair = tuple(sorted((up, down)))
        item = pairs.setdefault(pair, {"volume": 0.0, "distance": link["distance"]})
        item["volume"] += flow
        item["distance"] = min(item["distance"], link["distance"])
    for item in pairs.values():
        item["volume"] = round(item["volume"], 1)
        item["index"] = round(coupling_index(item["volume"], item["distance"]), 2)
    return pairs


def coupled_groups(plans: dict, records: dict, links: dict, i: int) -> list:
    """[(group, its links)] of period `i` for `coordinate="coupled"`: the pairs of linked
    signals whose coupling index is above COUPLING_INDEX, joined from the strongest while the
    joined group's longest Webster cycle stays within CYCLE_RATIO of its shortest (rule of
    mobilite_signals_coupling_rule.md); a group's links are its coupled pairs (both ways)."""
    signals = sorted({tls for pair in links for tls in pair})
    if not signals:
        return []
    period = plans[signals[0]]["periods"][i]
    hours = (period["end"] - period["begin"]) / 3600.0
    coupling = link_coupling(records, links, str(float(period["begin"])), hours)
    strong = sorted(
        (pair for pair, item in coupling.items() if item["index"] > COUPLING_INDEX),
        key=lambda pair: (-coupling[pair]["index"], pair),
    )
    parent = {tls: tls for tls in signals}
    cycles = {tls: plans[tls]["periods"][i]["cycle"] for tls in signals}
    low, high = dict(cycles), dict(cycles)

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in strong:
        ra, rb = root(a), root(b)
        lo, hi = min(low[ra], low[rb]), max(high[ra], high[rb])
        if ra != rb and hi <= CYCLE_RATIO * lo + 1e-9:
            parent[ra] = rb
            low[rb], high[rb] = lo, hi
    groups: dict[str, list[str]] = {}
    for tls in signals:
        groups.setdefault(root(tls), []).append(tls)
    out = []
    for group in sorted(g for g in groups.values() if len(g) > 1):
        members = set(group)
        mine = {
            pair: link
            for pair, link in links.items()
            if members.issuperset(pair) and tuple(sorted(pair)) in set(strong)
        }
        out.append((group, mine))
    return out


def _green_wave(plans, records, links, group, periods, key) -> list[tuple[str, float]]:
    """Offsets of one period: Kruskal's maximum spanning tree over the group's pairs, each
    pair weighted by its heavier direction's counted flow and oriented that way; from the
    group's busiest signal (offset 0), downstream offset = upstream offset + start of the
    feeding phase's green + travel time − start of the fed phase's green (modulo the cycle)."""
    directed = {
        pair: _link_flow(records[pair[1]], key, link["last"]) for pair, link in links.items()
    }
    best: dict[frozenset, tuple[str, str]] = {}
    for (up, down), flow in sorted(directed.items()):
        if up not in group:
            continue
        pair = frozenset((up, down))
        if pair not in best or flow > directed[best[pair]]:
            best[pair] = (up, down)
    edges = sorted(best.values(), key=lambda ud: (-directed[ud], ud))
    parent = {tls: tls for tls in group}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    tree: dict[str, list[tuple[str, str]]] = {tls: [] for tls in group}
    for up, down in edges:
        if root(up) != root(down):
            parent[root(up)] = root(down)
            tree[up].append((up, down))
            tree[down].append((up, down))

    def shift(up: str, down: str) -> float:
        """Offset of `down` minus offset of `up` for the platoon on their link."""
        link = links[(up, down)]
        s_up = s_down = 0.0
        k = _feeding(records[up], key, link["first"], downstream=False)
        if k is not None:
            s_up = green_starts(plans[up], periods[up]).get(k, 0.0)
        k = _feeding(records[down], key, link["last"], downstream=True)
        if k is not None:
            s_down = green_starts(plans[down], periods[down]).get(k, 0.0)
        return s_up + link["time"] - s_down

    cycle = periods[group[0]]["cycle"]
    load = {tls: sum(f for (u, d), f in directed.items() if tls in (u, d)) for tls in group}
    start = max(group, key=lambda tls: (load[tls], tls))
    offset = {start: 0.0}
    todo = [start]
    while todo:
        here = todo.pop()
        for up, down in tree[here]:
            there = down if here == up else up
            if there in offset:
                continue
            delta = shift(up, down)
            offset[there] = offset[here] + (delta if here == up else -delta)
            todo.append(there)
    return [(tls, float(round(offset[tls]) % cycle)) for tls in group]


def _transition(a: str, b: str) -> tuple[str, str]:
    yellow = "".join(
        (x if y in "Gg" else "y") if x in "Gg" else "r" for x, y in zip(a, b, strict=True)
    )
    red = "".join(x if (x in "Gg" and y in "Gg") else "r" for x, y in zip(a, b, strict=True))
    return yellow, red


def plan_phases(plan: dict, period: dict) -> list[tuple[float, str]]:
    """The fixed-time phases (duration, state) of one period, clearance included."""
    states = plan["states"]
    order = [k for k, g in enumerate(period["greens"]) if g > 0]
    phases: list[tuple[float, str]] = []
    for i, k in enumerate(order):
        nxt = order[(i + 1) % len(order)]
        phases.append((period["greens"][k], states[k]))
        if nxt == k:
            continue
        yellow, red = _transition(states[k], states[nxt])
        phases.append((plan["yellow"], yellow))
        if plan["all_red"] > 0:
            phases.append((plan["all_red"], red))
    return phases


def _program(plan: dict, period: dict) -> tuple[list[float], list[str]]:
    """The ends (second of the cycle) and states of the period's phases."""
    ends, states, t = [], [], 0.0
    for duration, state in plan_phases(plan, period):
        t += duration
        ends.append(t)
        states.append(state)
    return ends, states


def state_at(plan: dict, period: dict, t: float, program=None) -> str:
    """The state of the period's program at time `t` (s, simulation clock), as SUMO runs a
    static `tlLogic` with this offset: a positive offset delays the program."""
    ends, states = program or _program(plan, period)
    position = (t - period.get("offset", 0.0)) % ends[-1]
    return states[min(bisect.bisect_right(ends, position + 1e-9), len(states) - 1)]


class ClockReplay:
    """The plans replayed as fixed time through TraCI, each period's program on the simulation
    clock (state_at), so that offsets act as in SUMO; a period starts on its own clock, as a
    WAUT switch that keeps the offsets does. A controller for evaluate's `territoria_plan`."""

    name = "territoria_plan"

    def __init__(self, sim, params, plans: dict):
        self.sim = sim
        self.params = params
        self.plans = plans
        self.machines: list = []  # no greens log: nothing adaptive to record
        self._programs: dict[str, list] = {}
        self._shown: dict[str, str] = {}

    def setup(self) -> None:
        present = set(self.sim.trafficlight.getIDList())
        for tls, plan in self.plans.items():
            if tls in present:
                periods = sorted(plan["periods"], key=lambda p: p["begin"])
                self._programs[tls] = [(p["begin"], p, _program(plan, p)) for p in periods]
        self.step(self.sim.simulation.getTime())

    def step(self, now: float) -> None:
        for tls, programs in self._programs.items():
            _, period, program = programs[0]
            for item in programs:
                if item[0] <= now:
                    _, period, program = item
            state = state_at(self.plans[tls], period, now, program)
            if self._shown.get(tls) != state:
                self.sim.trafficlight.setRedYellowGreenState(tls, state)
                self._shown[tls] = state

    def close(self, now: float) -> None:
        pass


def write_sumo_additional(plans: dict, path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<additional>"]
    for tls, plan in plans.items():
        ids = []
        for period in plan["periods"]:
            pid = f"territoria_{int(period['begin'])}"
            ids.append((period["begin"], pid))
            lines.append(
                f'    <tlLogic id={quoteattr(tls)} type="static" programID="{pid}" '
                f'offset="{period["offset"]}">'
            )
            for duration, state in plan_phases(plan, period):
                lines.append(f'        <phase duration="{duration}" state="{state}"/>')
            lines.append("    </tlLogic>")
        wid = f"waut_{tls}"
        lines.append(f'    <WAUT id={quoteattr(wid)} refTime="0" startProg="{ids[0][1]}">')
        for begin, pid in ids:
            lines.append(f'        <wautSwitch time="{begin}" to="{pid}"/>')
        lines.append("    </WAUT>")
        lines.append(f"    <wautJunction wautID={quoteattr(wid)} junctionID={quoteattr(tls)}/>")
    lines.append("</additional>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
