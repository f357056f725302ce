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
"""

from __future__ import annotations

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
) -> dict:
    """`greens`: per intersection, `{"greens": [(phase, start, end)], "states", "yellow",
    "all_red"}` as recorded by a controller run, with `"links"` (the incoming lane of each
    link index) and `"counts"` (read_lane_counts) for Webster's plans."""
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
    return plans


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
