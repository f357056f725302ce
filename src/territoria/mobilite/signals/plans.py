"""Time-of-day plans from an adaptive run: what a collectivité loads into its existing controllers.

From the greens the adaptive controller actually gave (phase, start, end), for each intersection
and each period (15 minutes by default): the share of green of each phase, a cycle length (the
mean observed cycle, bounded), the green split of that cycle per phase (at least the minimum
green for a phase that was served) and an offset (the circular mean of the starts of the first
served phase, modulo the cycle). Exported as JSON and as a SUMO additional file (one `tlLogic` per
period, switched by a `WAUT` at the period's start), which a controller vendor's tool or SUMO
itself reads back.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .sumoenv import Scenario

MIN_CYCLE = 30.0
MAX_CYCLE = 120.0


def _period_plan(log, states, yellow, all_red, begin, end, min_green) -> dict:
    n = len(states)
    green = [0.0] * n
    starts: list[list[float]] = [[] for _ in range(n)]
    activations = [0] * n
    for phase, start, stop in log:
        a, b = max(start, begin), min(stop, end)
        if b <= a:
            continue
        green[phase] += b - a
        if begin <= start < end:
            activations[phase] += 1
            starts[phase].append(start)
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
    period: float = 900.0,
    min_green: float = 6.0,
    end: float | None = None,
) -> dict:
    """`greens`: per intersection, `{"greens": [(phase, start, end)], "states", "yellow",
    "all_red"}` as recorded by a controller run."""
    plans: dict = {}
    for tls, rec in greens.items():
        periods = []
        t = float(sc.begin)
        stop = float(end or sc.end)
        while t < stop:
            periods.append(
                _period_plan(
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
