"""The module's background runs: a scenario against the base network over several seeds, and
the calibration of the demand on counts. Each is a `Job` whose counters the page shows; the
work runs in the worker (`tasks.py`), inline in tests."""

from __future__ import annotations

import shutil
import time
from datetime import date

from territoria.mobilite import simulation
from territoria.mobilite.models import Job, JobStatus
from territoria.mobilite.roadworks import RoadworksError

WATT_PER_CORE = 15.0  # energy estimate: one busy core of a server ≈ 15 W


def _energy_wh(cpu_seconds: float) -> float:
    return round(cpu_seconds * WATT_PER_CORE / 3600, 5)


def _children_cpu() -> float:
    import os

    t = os.times()
    return t.children_user + t.children_system


def _progress(job: Job, message: str) -> None:
    job.done += 1
    job.message = message
    job.save(update_fields=["done", "message", "updated_at"])


def run_scenario(job: Job) -> None:
    scenario = job.scenario
    network = job.network
    spec = simulation.RunSpec(
        duration=int(job.params.get("duration", 600)),
        period=float(job.params.get("period", 2.0)),
        seeds=tuple(job.params.get("seeds", [1, 2, 3])),
        # an origin–destination matrix from the form (views.scenario_run_od), else random trips
        od=[tuple(p) for p in job.params["od"]] if job.params.get("od") else None,
        zones=job.params.get("zones"),
        routes=job.params.get("routes"),  # views.scenario_run_routes
        # short- and long-term effects (duaIterate.py iterations; 0: not computed)
        equilibrium_steps=int(job.params.get("equilibrium_steps", 0)),
    )
    # a scenario with dated worksites is simulated on one day: the closures in force that day
    day = date.fromisoformat(job.params["day"]) if job.params.get("day") else None
    worksites = [
        {
            "name": c.get("worksite", ""),
            "closed": c.get("edge") or c.get("lane"),
            "from": c["from"],
            "to": c["to"],
            # without a day (matrix form, command line) every closure applies
            "in_force": day is None or dates[0] <= day <= dates[1],
        }
        for c in scenario.changes
        if (dates := simulation.worksite_dates(c))
    ]
    if day is not None and not simulation.in_force(scenario.changes, day):
        raise simulation.ScenarioError(
            f"Le {day:%d/%m/%Y}, aucune modification du scénario n'est en vigueur : rien à simuler."
        )
    started, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    folder = job.folder
    folder.mkdir(parents=True, exist_ok=True)
    job.status = JobStatus.RUNNING
    job.total = 1 + 3 * len(spec.seeds) + (3 * len(spec.seeds) if spec.equilibrium_steps else 0)
    job.done = 0
    job.save()
    try:
        # the edges a real detector counts are always among the simulated detectors shown
        counted = {d for i in network.count_imports.all() for d in i.detectors}
        edges = {e[0] for e in network.elements.get("edges", [])}
        result = simulation.run_scenario(
            network.net_file,
            simulation.in_force(scenario.changes, day),
            spec,
            folder,
            lambda m: _progress(job, m),
            watch=counted & edges,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the figures are kept in job.result
    job.status = JobStatus.DONE
    job.message = f"{len(spec.seeds)} graines simulées" + (
        " sur la matrice origine–destination (od2trips)."
        if spec.od
        else f" sur le fichier d'itinéraires ({len(spec.routes)} véhicules)."
        if spec.routes
        else "."
    )
    job.result = {
        **result,
        "day": day.isoformat() if day else None,
        "worksites": worksites,
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": _energy_wh(time.process_time() + _children_cpu() - cpu),
    }
    job.save()


def run_roadworks(job: Job) -> None:
    from territoria.mobilite import roadworks

    network = job.network
    spec = simulation.RunSpec(
        duration=int(job.params.get("duration", 600)),
        seeds=tuple(job.params.get("seeds", [1, 2])),
    )
    edges = {e[0]: e[2] for e in network.elements.get("edges", [])}  # lanes per edge
    sites = roadworks.parse_worksites(job.params["worksites"], edges)
    started, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    folder = job.folder
    folder.mkdir(parents=True, exist_ok=True)
    job.status = JobStatus.RUNNING
    # the base per seed, then each distinct set of simultaneous worksites (at most 2^n - 1)
    sets = {
        s
        for starts in roadworks.calendars(sites)
        for s in roadworks.daily_sets(sites, starts).values()
    }
    job.total = len(spec.seeds) + len(sets)
    job.done = 0
    job.save()
    try:
        cost = roadworks.sumo_cost(
            network.net_file, sites, spec, folder, lambda m: _progress(job, m)
        )
        result = roadworks.rank(sites, cost)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    job.status = JobStatus.DONE
    job.message = f"{result['calendars']} calendriers classés."
    job.result = {
        **result,
        "seeds": list(spec.seeds),
        "duration_s": spec.duration,
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": _energy_wh(time.process_time() + _children_cpu() - cpu),
    }
    job.save()


CONTROLLER_LABELS = {
    "fixed": "Programmes du réseau (temps fixe)",
    "webster": "Temps fixe recalculé par Webster (tlsCycleAdaptation.py)",
    "actuated": "Feux actionnés de SUMO",
    "max_pressure": "Max-pressure (verts minimaux, dégagement)",
    "territoria": "Contrôleur adaptatif de Territoria",
    "territoria_plan": "Plans horaires isolés, rejoués en temps fixe",
    "territoria_plan_coordinated": "Plans horaires coordonnés sur les liens chargés (cycle "
    "commun, décalages), rejoués en temps fixe",
}
CLEARANCE_S = 300  # simulated after the last departure, so that most trips end


def run_signals(job: Job) -> None:
    """Every light controller on the network over the same random demand (signals/evaluate.py,
    RESCO's delay definition), and the time-of-day plans proposed from the adaptive run,
    replayed as fixed time: what the collectivité would load into its controllers — isolated
    and, where signals within 400 m are coupled by their traffic (coupling index), coordinated
    (both kept and compared, docs/mobilite-signals.md)."""
    import glob
    import json
    import os

    from territoria.mobilite.signals import evaluate as signals_eval
    from territoria.mobilite.signals.sumoenv import Scenario, SignalsError

    network = job.network
    if not network.elements.get("tls"):
        raise simulation.ScenarioError(
            "Ce réseau n'a aucun carrefour à feux : il n'y a pas de contrôleur à comparer."
        )
    duration = int(job.params.get("duration", 600))
    seed = int(job.params.get("seed", 1))
    started, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    folder = job.folder
    folder.mkdir(parents=True, exist_ok=True)
    job.status = JobStatus.RUNNING
    seeds = [int(x) for x in job.params.get("seeds") or [seed]]
    # the demand, each controller, each plan replayed (the coordinated one only on a network
    # with linked signals: counted as one more step, done at the end when there is none)
    job.total = len(seeds) * (1 + len(signals_eval.CONTROLLERS) + len(signals_eval.PLAN_COLUMNS))
    job.done = 0
    job.save()
    names = [f"reseau-{job.pk}-{s}" for s in seeds]
    per_seed: dict[int, dict] = {}
    plans = coordinated = None
    coordination: dict = {}
    try:
        for one, name in zip(seeds, names, strict=True):
            spec = simulation.RunSpec(
                duration=duration, period=float(job.params.get("period", 2.0)), seeds=(one,)
            )
            trips = simulation.demand(network.net_file.resolve(), one, spec, folder)
            _progress(job, f"Demande tirée (graine {one}, {duration} s).")
            sc = Scenario(
                name=name,
                net=network.net_file.resolve(),
                routes=trips.resolve(),
                begin=0,
                end=duration + CLEARANCE_S,
            )

            def step(run: dict, one=one) -> None:
                label = CONTROLLER_LABELS.get(run["controller"], run["controller"])
                _progress(
                    job, f"Graine {one} — {label} : retard moyen {run['delay']:.1f} s par trajet."
                )

            try:
                result = signals_eval.evaluate(
                    [sc], seed=one, jobs=1, plans_dir=str(folder / "plans"), progress=step
                )
                if plans is None:  # the plans proposed from the first seed's adaptive run
                    # periods of 15 minutes (plans.build_plans), the last one cut at the end
                    plans = json.loads((folder / "plans" / f"{name}.plans.json").read_text())
                    coordination = result["summary"][name].get("coordination", {})
                    linked = folder / "plans" / f"{name}.plans_coordinated.json"
                    coordinated = json.loads(linked.read_text()) if linked.exists() else None
            except SignalsError as error:
                raise simulation.ScenarioError(str(error)) from error
            per_seed[one] = result["details"][name]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for name in names:
            for path in glob.glob(os.path.join(signals_eval.cache_dir(), f"{name}.*")):
                os.remove(path)
    rows = signal_rows(per_seed)
    valid = [r for r in rows if not r["diverged"]]
    best = min(valid, key=lambda r: r["delay_s"])["controller"] if valid else None
    proposals = [r for r in valid if r["controller"] in signals_eval.PLAN_COLUMNS]
    job.done = job.total
    job.status = JobStatus.DONE
    job.message = (
        f"{len(rows)} contrôleurs comparés sur la même demande "
        f"({len(seeds)} graine{'s' if len(seeds) > 1 else ''})."
    )
    job.result = {
        "rows": rows,
        "best": best,
        "plans": plans,
        # the same plans coordinated (None: no group of linked signals, nothing to coordinate)
        "plans_coordinated": coordinated,
        "coordination_groups": coordination.get("groups", []),
        # {period's begin: the groups coordinated in it} (coupled links only)
        "coordination_periods": coordination.get("periods", {}),
        # the lower of the two proposals over the seeds (None unless both are results)
        "plans_lowest": min(proposals, key=lambda r: r["delay_s"])["controller"]
        if len(proposals) == 2
        else None,
        "seeds": seeds,
        "seed": seeds[0],
        "duration_s": duration,
        "simulated_s": duration + CLEARANCE_S,
        "delay_definition": signals_eval.DELAY_DEFINITION,
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": _energy_wh(time.process_time() + _children_cpu() - cpu),
    }
    job.save()


def signal_rows(per_seed: dict[int, dict]) -> list[dict]:
    """One row per controller over the seeds: mean delay and its 95 % confidence interval
    (Student; none for one seed), the delays per seed, trips and teleports summed; a controller
    that diverged on any seed is marked so (not a result)."""
    from territoria.mobilite.signals import evaluate as signals_eval

    rows = []
    for c in (*signals_eval.CONTROLLERS, *signals_eval.PLAN_COLUMNS):
        runs = [d[c] for d in per_seed.values() if c in d]
        if not runs:
            continue
        mean, ci = simulation.mean_ci([r["delay"] for r in runs])
        rows.append(
            {
                "controller": c,
                "label": CONTROLLER_LABELS[c],
                "delay_s": round(mean, 2),
                "delay_ci95": round(ci, 2) if len(runs) > 1 else None,
                "delays": [r["delay"] for r in runs],
                **{
                    k: sum(r.get(k) or 0 for r in runs)
                    for k in ("trips", "arrived", "unfinished", "undeparted", "teleports")
                },
                "diverged": any(r["diverged"] for r in runs),
                "wall_s": round(sum(r["wall_s"] for r in runs), 3),
            }
        )
    return rows


def run(job_id: str) -> None:
    job = Job.objects.select_related("network", "scenario").get(pk=job_id)
    try:
        if job.kind == "scenario":
            run_scenario(job)
        elif job.kind == "roadworks":
            run_roadworks(job)
        elif job.kind == "signals":
            run_signals(job)
        elif job.kind == "flux":
            from territoria.mobilite.flows import run_flow

            run_flow(job)
        elif job.kind == "comptages":
            from territoria.mobilite.counts import run_import

            run_import(job)
        elif job.kind == "calibration":
            from territoria.mobilite.counts import run_calibration

            run_calibration(job)
    except (simulation.ScenarioError, simulation.sumo.SumoError, RoadworksError) as error:
        job.status = JobStatus.FAILED
        job.message = str(error)[:500]
        job.save()
    except Exception as error:  # shown on the page; the worker logs the traceback
        job.status = JobStatus.FAILED
        job.message = f"Échec : {error}"[:500]
        job.save()
        raise
