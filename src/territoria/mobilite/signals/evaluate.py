"""Evaluation of the light controllers on the RESCO networks, baselines in the same run.

For one network, seed and demand scale, every controller runs the same simulated hour of the
same network (`sumo --seed N --scale X`, SUMO 1.28):

- `fixed`: the programs of the network file, unchanged;
- `webster`: the programs retimed by SUMO's `tlsCycleAdaptation.py` (Webster's formula) from the
  network's own demand (routed once by `duarouter`);
- `actuated`: SUMO's built-in actuated control (`netconvert --tls.rebuild
  --tls.default-type actuated`);
- `max_pressure`: max-pressure with minimum/maximum greens and clearance (controllers.py);
- `territoria`: Territoria's controller (controllers.py);
- `territoria_plan` (optional): the time-of-day plans exported from the territoria run, replayed
  as fixed time on the simulation clock, offsets included (plans.ClockReplay) — what a
  collectivité would load into its existing controllers;
- `territoria_plan_coordinated` (with the plans, unless turned off): the same plans coordinated
  along the coupled links only (plans.build_plans(..., coordinate="coupled"): per period, the
  signals linked within 400 m by a link whose coupling index is above 50 and whose Webster
  cycles are compatible share a cycle, green-wave offsets; rule of
  benchmarks/results/mobilite_signals_coupling_rule.md), replayed the same way. Both proposals
  are shown (docs/mobilite-signals.md, « Coordination des seuls liens couplés »); a network
  without any coupled link in any period gets no second run (its plans would be the same).

Delay (RESCO's definition): per trip, time loss + departure delay; vehicles still driving at the
end count with their time loss so far, vehicles never inserted count with their waiting time
since their planned departure (the penalty for vehicles never inserted). SUMO writes all three in
its trip information (`--tripinfo-output.write-unfinished`, `.write-undeparted`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from .plans import ClockReplay
from .sumoenv import RESCO_NETWORKS, Scenario, SignalsError, binary, resco, sumo_home, tool

BASELINES = ("fixed", "webster", "actuated", "max_pressure")
CONTROLLERS = (*BASELINES, "territoria")
PLAN_COLUMNS = ("territoria_plan", "territoria_plan_coordinated")
NO_GROUP = (
    "aucun lien assez chargé entre feux à 400 m au plus (indice de couplage ≤ 50 ou cycles "
    "incompatibles) : plans coordonnés identiques aux plans isolés, non rejoués"
)
DELAY_DEFINITION = (
    "Retard moyen par trajet (définition RESCO) : perte de temps (timeLoss) + retard au départ "
    "(departDelay) de chaque véhicule prévu dans l'heure ; les véhicules encore en route à la fin "
    "comptent avec leur perte de temps à la fin, les véhicules jamais entrés dans le réseau avec "
    "leur attente depuis l'heure de départ prévue (pénalité). En secondes."
)
DIVERGED_TELEPORT_SHARE = 0.02
# Per-network settings: none. An earlier version used the phases netconvert rebuilds on
# ingolstadt21 only; since the controller sees the queues behind very short incoming lanes
# (short_lane_m) and behind a neighbouring signal (spill_feed_share), the network's own phases
# serve it well with the network's own phases (seed 0, demand x1.0, see docs/mobilite-signals.md).
TUNED_BY_NETWORK: dict[str, dict] = {}


def params_for(network: str, params: dict | None) -> dict:
    return {**TUNED_BY_NETWORK.get(network, {}), **(params or {})}


def cache_dir() -> Path:
    path = Path(os.environ.get("TERRITORIA_SIGNALS_CACHE", tempfile.gettempdir()))
    path = path / "territoria-signals-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SignalsError(f"{what} a échoué : {' | '.join(tail)}")


def actuated_net(sc: Scenario) -> Path:
    out = cache_dir() / f"{sc.name}.actuated.net.xml"
    if not out.exists():
        tmp = out.with_suffix(f".{os.getpid()}.tmp.xml")
        _run(
            [
                binary("netconvert"),
                "-s",
                str(sc.net),
                "--tls.rebuild",
                "--tls.default-type",
                "actuated",
                "--no-warnings",
                "-o",
                str(tmp),
            ],
            "netconvert (contrôle actionné)",
        )
        tmp.replace(out)
    return out


def webster_additional(sc: Scenario) -> Path:
    out = cache_dir() / f"{sc.name}.webster.add.xml"
    if not out.exists():
        routed = cache_dir() / f"{sc.name}.routed.rou.xml"
        if not routed.exists():
            tmp = routed.with_suffix(f".{os.getpid()}.tmp.xml")
            _run(
                [
                    binary("duarouter"),
                    "-n",
                    str(sc.net),
                    "--route-files",
                    str(sc.routes),
                    "--ignore-errors",
                    "--no-warnings",
                    "--no-step-log",
                    "-o",
                    str(tmp),
                ],
                "duarouter",
            )
            tmp.replace(routed)
        tmp = out.with_suffix(f".{os.getpid()}.tmp.xml")
        cmd = [
            sys.executable,
            tool("tlsCycleAdaptation.py"),
            "-n",
            str(sc.net),
            "-r",
            str(routed),
            "-b",
            str(sc.begin),
            # a practitioner's bounds: cycles of 60-120 s, greens of at least 6 s
            "--min-cycle",
            "60",
            "--max-cycle",
            "120",
            "-g",
            "6",
            "-v",
            "-o",
            str(tmp),
        ]
        # The tool stops on an intersection it cannot model (a link green in several phases
        # of ingolstadt21): that intersection keeps its own program, the others are retimed.
        skipped: list[str] = []
        for _ in range(30):
            extra = ["--skip", ",".join(skipped)] if skipped else []
            proc = subprocess.run(cmd + extra, capture_output=True, text=True, check=False)
            if proc.returncode == 0:
                break
            ids = [
                ln.split(":", 1)[1].strip()
                for ln in proc.stdout.splitlines()
                if ln.startswith("tl-logic ID:")
            ]
            if not ids or ids[-1] in skipped:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                raise SignalsError(f"tlsCycleAdaptation.py (Webster) a échoué : {' | '.join(tail)}")
            skipped.append(ids[-1])
        else:
            raise SignalsError("tlsCycleAdaptation.py (Webster) : trop de carrefours ignorés.")
        tmp.replace(out)
    return out


def detectors_additional(sc: Scenario, distance: float = 25.0, net: Path | None = None) -> Path:
    """Induction loops `distance` m upstream of the stop line of every signalised incoming lane
    (as for SUMO's actuated control and a real intersection's loops), id `tdet_<lane>`."""
    kind = "rebuilt" if net else "native"
    out = cache_dir() / f"{sc.name}.{kind}.detectors{int(distance)}.add.xml"
    if out.exists():
        return out
    lengths: dict[str, float] = {}
    lanes: set[str] = set()
    for _, el in ET.iterparse(net or sc.net, events=("end",)):
        if el.tag == "lane":
            lengths[el.get("id")] = float(el.get("length"))
        elif el.tag == "connection" and el.get("tl"):
            lanes.add(f"{el.get('from')}_{el.get('fromLane')}")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<additional>"]
    for lane in sorted(lanes):
        length = lengths.get(lane)
        if length is None:
            continue
        pos = max(0.1, length - distance)
        lines.append(
            f'    <inductionLoop id="tdet_{lane}" lane="{lane}" pos="{pos:.2f}" '
            f'period="3600" file="NUL" friendlyPos="true"/>'
        )
    lines.append("</additional>")
    tmp = out.with_suffix(f".{os.getpid()}.tmp.xml")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def sumo_args(
    sc: Scenario,
    seed: int,
    scale: float,
    tripinfo: Path,
    net: Path | None = None,
    additional: Path | None = None,
    horizon: int | None = None,
) -> list[str]:
    end = sc.begin + (horizon or (sc.end - sc.begin))
    args = [
        "-n",
        str(net or sc.net),
        "-r",
        str(sc.routes),
        "-b",
        str(sc.begin),
        "-e",
        str(end),
        "--seed",
        str(seed),
        "--scale",
        str(scale),
        "--tripinfo-output",
        str(tripinfo),
        "--tripinfo-output.write-unfinished",
        "--tripinfo-output.write-undeparted",
        "--no-step-log",
        "--no-warnings",
        "--duration-log.disable",
        "--time-to-teleport",
        "300",
    ]
    if additional:
        args += ["-a", str(additional)]
    return args


def read_delays(tripinfo: Path) -> dict:
    """Mean delay by RESCO's definition, and the counts behind it."""
    delays: list[float] = []
    arrived = unfinished = undeparted = 0
    for _, el in ET.iterparse(tripinfo, events=("end",)):
        if el.tag != "tripinfo":
            continue
        loss = float(el.get("timeLoss", 0) or 0)
        depart_delay = float(el.get("departDelay", 0) or 0)
        delays.append(max(0.0, loss) + max(0.0, depart_delay))
        if float(el.get("arrival", -1)) >= 0:
            arrived += 1
        elif float(el.get("depart", -1)) >= 0:
            unfinished += 1
        else:
            undeparted += 1
        el.clear()
    if not delays:
        raise SignalsError("Aucun trajet dans la simulation : demande vide ?")
    return {
        "delay": sum(delays) / len(delays),
        "trips": len(delays),
        "arrived": arrived,
        "unfinished": unfinished,
        "undeparted": undeparted,
    }


def _teleports(sim_stats: dict) -> int:
    return int(sim_stats.get("teleports", 0))


def scenario_of(network: str | Scenario) -> Scenario:
    """A RESCO network by name, or a `Scenario` given as such (a collectivité's own network and
    demand: the comparison page)."""
    return network if isinstance(network, Scenario) else resco(network)


def run_one(
    network: str | Scenario,
    controller: str,
    seed: int = 0,
    scale: float = 1.0,
    horizon: int | None = None,
    params: dict | None = None,
    plans_out: str | None = None,
    plan_file: str | None = None,
) -> dict:
    """One controller on one network: delay, counts, wall time. Runs in its own process."""
    sumo_home()
    sc = scenario_of(network)
    with tempfile.TemporaryDirectory(prefix="territoria-sig-") as tmp:
        tripinfo = Path(tmp) / "tripinfo.xml"
        stats_file = Path(tmp) / "stats.xml"
        t0 = time.perf_counter()
        if controller in ("fixed", "webster", "actuated"):
            net = actuated_net(sc) if controller == "actuated" else None
            add = webster_additional(sc) if controller == "webster" else None
            t0 = time.perf_counter()
            c0 = _children_cpu()
            args = sumo_args(sc, seed, scale, tripinfo, net=net, additional=add, horizon=horizon)
            _run(
                [binary("sumo"), *args, "--statistic-output", str(stats_file)],
                f"sumo ({sc.name}, {controller})",
            )
            wall = time.perf_counter() - t0
            teleports = _read_teleports(stats_file)
            # CPU of the sumo process itself: what the machine spent, whatever its load
            extra: dict = {"cpu_s": round(_children_cpu() - c0, 3)}
        else:
            lanes = Path(tmp) / "lanes.xml" if plans_out else None
            wall, teleports, extra = _run_live(
                sc, controller, seed, scale, horizon, tripinfo, stats_file, params, plan_file, lanes
            )
            if plans_out and "greens" in extra:
                from .plans import read_lane_counts

                counts = read_lane_counts(lanes) if lanes.exists() else {}
                for record in extra["greens"].values():  # the flows its plans are made from
                    record["counts"] = {ln: counts[ln] for ln in record["links"] if ln in counts}
                Path(plans_out).write_text(json.dumps(extra["greens"]))
            extra.pop("greens", None)
        result = read_delays(tripinfo)
    result.update(
        {
            "network": sc.name,
            "controller": controller,
            "seed": seed,
            "scale": scale,
            "wall_s": round(wall, 3),
            "teleports": teleports,
            "diverged": teleports > DIVERGED_TELEPORT_SHARE * result["trips"],
            **extra,
        }
    )
    result["delay"] = round(result["delay"], 2)
    return result


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _read_teleports(stats_file: Path) -> int:
    try:
        root = ET.parse(stats_file).getroot()
    except (ET.ParseError, FileNotFoundError):
        return 0
    el = root.find("teleports")
    return int(el.get("total", 0)) if el is not None else 0


def _run_live(
    sc, controller, seed, scale, horizon, tripinfo, stats_file, params, plan_file, lanes=None
):
    """`lanes`: also count, per 15-minute period, the vehicles leaving each lane there (the
    flows the time-of-day plans are computed from, plans.py)."""
    import libsumo as sim

    from . import controllers as ctl

    if controller in PLAN_COLUMNS:
        p = ctl.TerritoriaParams(**(params or {}))
        plans = json.loads(Path(plan_file).read_text())
        # on the simulation clock, offsets included, as SUMO runs the exported tlLogic
        cls_args = {"plans": plans}
        cls = ClockReplay
    else:
        cls, pcls = ctl.CONTROLLERS[controller]
        p = pcls(**(params or {}))
        cls_args = {}
    net = None
    if getattr(p, "phase_design", "native") == "rebuilt":
        # the signal groups and phases netconvert builds (as for the actuated baseline)
        net = actuated_net(sc)
    args = sumo_args(
        sc,
        seed,
        scale,
        tripinfo,
        net=net,
        horizon=horizon,
        additional=detectors_additional(sc, net=net),
    )
    args += ["--statistic-output", str(stats_file)]
    if lanes is not None:
        from .plans import lane_counts_additional

        add = args.index("-a") + 1
        args[add] += "," + str(lane_counts_additional(lanes, sc.begin))
    t0 = time.perf_counter()
    cpu = time.process_time
    c0 = cpu()
    # SUMO's steps and the controller's decisions are timed with the cheap wall clock (0.1 µs);
    # the CPU of the loop is split between them in that proportion (process_time costs ~5 µs
    # a call here: three a step would weigh 8 % of a small network's plain simulation)
    clock = time.perf_counter
    sim_wall = ctl_wall = 0.0
    sim.start([binary("sumo"), *args])
    try:
        c = cls(sim, p, **cls_args)
        c.setup()
        loop_c0 = cpu()
        end = sc.begin + (horizon or (sc.end - sc.begin))
        now = sim.simulation.getTime()
        while now < end:
            a = clock()
            sim.simulationStep()
            now = sim.simulation.getTime()
            b = clock()
            c.step(now)
            sim_wall += b - a
            ctl_wall += clock() - b
        loop_cpu = cpu() - loop_c0
        c.close(now)
        greens = {}
        for m in c.machines:
            controlled = sim.trafficlight.getControlledLinks(m.inter.tls_id)
            greens[m.inter.tls_id] = {
                "greens": m.greens_log,
                "states": m.inter.greens,
                "yellow": m.inter.yellow,
                "all_red": m.all_red,
                # the incoming lane of each link index of the states
                "links": [group[0][0] if group else "" for group in controlled],
                # and the outgoing one (where a phase sends its platoon, for the offsets)
                "out_links": [group[0][1] if group else "" for group in controlled],
            }
    finally:
        sim.close()
    wall = time.perf_counter() - t0
    timing = {
        # CPU of the whole run (libsumo runs in this process: loading, simulation, controller)
        "cpu_s": round(cpu() - c0, 3),
        # of which SUMO's steps and the controller's decisions (TraCI reads and writes)
        "sim_cpu_s": round(loop_cpu * sim_wall / max(sim_wall + ctl_wall, 1e-9), 3),
        "controller_cpu_s": round(loop_cpu * ctl_wall / max(sim_wall + ctl_wall, 1e-9), 3),
        # which controllers ran: "mypyc" (compiled from controllers.py) or "python"
        "controller_impl": getattr(ctl, "IMPLEMENTATION", "python"),
    }
    return wall, _read_teleports(stats_file), {"params": asdict(p), "greens": greens, **timing}


def _pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        max_tasks_per_child=1,
    )


def evaluate(
    networks: list[str | Scenario] | None = None,
    seed: int = 0,
    scale: float = 1.0,
    controllers: tuple[str, ...] = CONTROLLERS,
    horizon: int | None = None,
    jobs: int = 1,
    params: dict | None = None,
    plans_dir: str | None = None,
    progress=None,
    coordinated: bool = True,
) -> dict:
    """All controllers on every network, same seed, demand scale and horizon.

    `plans_dir`: export the time-of-day plans from the territoria run there (JSON and SUMO
    additional XML, see plans.py) and replay them as `territoria_plan`; with `coordinated`,
    also the coordinated plans (`{n}.plans_coordinated.json/.add.xml`, coordinate="coupled")
    replayed as `territoria_plan_coordinated` — one more simulation per network that has a
    group of coupled signals in some period (the summary's `coordination` says which groups,
    in which periods, or why none was run).
    """
    from . import plans as plans_mod

    # unknown name: a clear error before any run
    scenarios = {sc.name: sc for sc in map(scenario_of, networks or RESCO_NETWORKS)}
    for c in controllers:
        if c not in CONTROLLERS:
            raise SignalsError(f"Contrôleur inconnu : « {c} » (connus : {', '.join(CONTROLLERS)}).")
    t0 = time.perf_counter()
    # derived files (actuated net, Webster programs) before the parallel runs
    for sc in scenarios.values():
        if "actuated" in controllers:
            actuated_net(sc)
        if "webster" in controllers:
            webster_additional(sc)
    raw_plans: dict[str, Path] = {}
    tasks = []
    for n in scenarios:
        for c in controllers:
            kw = {"horizon": horizon, "seed": seed, "scale": scale}
            if c == "territoria":
                kw["params"] = params_for(n, params)
                if plans_dir:
                    raw = Path(plans_dir) / f"{n}.greens.json"
                    Path(plans_dir).mkdir(parents=True, exist_ok=True)
                    raw_plans[n] = raw
                    kw["plans_out"] = str(raw)
            tasks.append((n, c, kw))
    runs: list[dict] = []
    with _pool(jobs) as pool:
        futures = [(n, c, pool.submit(run_one, scenarios[n], c, **kw)) for n, c, kw in tasks]
        for n, c, fut in futures:
            r = fut.result()
            runs.append(r)
            if progress:
                progress(r)
    plan_runs: list[dict] = []
    coordination: dict[str, dict] = {}
    if plans_dir and raw_plans:
        with _pool(jobs) as pool:
            futures = []
            for n, raw in raw_plans.items():
                sc = scenarios[n]
                end = sc.begin + (horizon or (sc.end - sc.begin))
                greens = json.loads(raw.read_text())
                variants = [("territoria_plan", "plans", "none")]
                if coordinated:
                    periods = plans_mod.coupled_periods(greens, sc, end=end)
                    groups = plans_mod.coordination_groups(
                        greens, sc, coordinate="coupled", end=end
                    )
                    coordination[n] = {
                        "groups": groups,
                        "periods": periods,
                        **({} if groups else {"note": NO_GROUP}),
                    }
                    if groups:
                        variants.append(
                            ("territoria_plan_coordinated", "plans_coordinated", "coupled")
                        )
                for controller, stem, coordinate in variants:
                    plan = plans_mod.build_plans(greens, sc, end=end, coordinate=coordinate)
                    json_path = Path(plans_dir) / f"{n}.{stem}.json"
                    json_path.write_text(json.dumps(plan, indent=1, ensure_ascii=False))
                    plans_mod.write_sumo_additional(plan, Path(plans_dir) / f"{n}.{stem}.add.xml")
                    futures.append(
                        pool.submit(
                            run_one,
                            sc,
                            controller,
                            seed=seed,
                            scale=scale,
                            horizon=horizon,
                            params=params_for(n, params),
                            plan_file=str(json_path),
                        )
                    )
            for fut in futures:
                r = fut.result()
                plan_runs.append(r)
                if progress:
                    progress(r)
    table: dict[str, dict[str, float]] = {}
    details: dict[str, dict[str, dict]] = {}
    for r in runs + plan_runs:
        table.setdefault(r["network"], {})[r["controller"]] = r["delay"]
        details.setdefault(r["network"], {})[r["controller"]] = {
            k: v for k, v in r.items() if k not in ("network", "controller", "params")
        }
    summary = {}
    for n, row in table.items():
        others = {c: d for c, d in row.items() if c in BASELINES}
        best_base = min(others.items(), key=lambda kv: kv[1]) if others else None
        entry = {"best_baseline": best_base[0] if best_base else None}
        if "territoria" in row and best_base:
            entry["territoria_lowest"] = row["territoria"] < best_base[1]
            entry["gain_vs_best_baseline_pct"] = round(
                100 * (best_base[1] - row["territoria"]) / best_base[1], 1
            )
        if "fixed" in details[n] and "territoria" in details[n]:
            fixed, terr = details[n]["fixed"], details[n]["territoria"]
            entry["wall_overhead_vs_plain_sumo_pct"] = round(
                100 * (terr["wall_s"] - fixed["wall_s"]) / fixed["wall_s"], 1
            )
            if fixed.get("cpu_s") and terr.get("cpu_s") is not None:
                # the same hour, CPU seconds (robust to a shared machine's load): the network's
                # own programs in plain `sumo` against Territoria's run through libsumo
                entry["cpu_overhead_vs_plain_sumo_pct"] = round(
                    100 * (terr["cpu_s"] - fixed["cpu_s"]) / fixed["cpu_s"], 1
                )
        if "territoria" in details[n] and details[n]["territoria"].get("sim_cpu_s"):
            terr = details[n]["territoria"]
            # the controller's own decisions, against SUMO's steps in the same run
            entry["controller_cpu_share_pct"] = round(
                100 * terr["controller_cpu_s"] / terr["sim_cpu_s"], 1
            )
        if n in coordination:
            entry["coordination"] = coordination[n]
        plan_delays = {
            c: details[n][c]["delay"]
            for c in PLAN_COLUMNS
            if c in details[n] and not details[n][c]["diverged"]
        }
        if len(plan_delays) == 2:  # isolated or coordinated: the lower of the two proposals
            entry["plans_lowest"] = min(plan_delays, key=plan_delays.get)
        summary[n] = entry
    return {
        "networks": table,
        "summary": summary,
        "details": details,
        "seed": seed,
        "demand_scale": scale,
        "horizon_s": horizon or 3600,
        "delay_definition": DELAY_DEFINITION,
        "sumo": "eclipse-sumo 1.28.0 (libsumo), réseaux RESCO de sumo-rl 1.4.5",
        "seconds": round(time.perf_counter() - t0, 1),
    }


def format_table(result: dict) -> str:
    cols = [
        c for c in (*CONTROLLERS, *PLAN_COLUMNS) if any(c in r for r in result["networks"].values())
    ]
    widths = [max(16, len(c) + 2) for c in cols]
    lines = ["réseau".ljust(14) + "".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    for n, row in result["networks"].items():
        cells = []
        for c, w in zip(cols, widths, strict=True):
            v = row.get(c)
            cells.append(("—" if v is None else f"{v:.1f}").rjust(w))
        lines.append(n.ljust(14) + "".join(cells))
    for n, entry in result.get("summary", {}).items():
        if entry.get("plans_lowest"):
            kind = "coordonnés" if entry["plans_lowest"] == PLAN_COLUMNS[1] else "isolés"
            lines.append(f"{n} : plans {kind} plus bas")
        elif entry.get("coordination", {}).get("note"):
            lines.append(f"{n} : {entry['coordination']['note']}")
    return "\n".join(lines)
