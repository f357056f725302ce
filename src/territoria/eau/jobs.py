"""The module's long runs: the replay of a network's stored flows, the renewal plan.

Each run is a `Job` row whose counters (done/total) the page shows; the work itself runs in
the background worker (`tasks.py`), inline in tests.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import time
from pathlib import Path

import numpy as np
from django.utils import timezone

from territoria.core.templatetags.french import count_words
from territoria.eau import detection, timeseries
from territoria.eau.models import Alert, AlertStatus, Job, JobStatus, Network, Zone

KITCHENER = "eau/pipe_breaks_kitchener"
WATT_PER_CORE = 15.0  # energy estimate: one busy core of a server ≈ 15 W


def zone_series(network: Network, zone: Zone, start=None, end=None):
    """(hour starts, hourly flow of the zone's balance, daily_only) from the stored flows."""
    found = zone_hours(network, zone, start, end)
    return None if found is None else found[:3]


def last_complete_hour(times: np.ndarray) -> np.datetime64:
    """The start of the last hour whose samples have all arrived: the hour of the last
    sample if that sample is the hour's last one at the series' step (median spacing),
    else the hour before. A file that stops at 12:05 leaves 12:00 incomplete."""
    stamps = times.astype("datetime64[s]")
    step = np.median(np.diff(stamps)) if len(stamps) > 1 else np.timedelta64(3600, "s")
    last = stamps[-1]
    hour = last.astype("datetime64[h]").astype("datetime64[s]")
    if last + step >= hour + np.timedelta64(3600, "s"):
        return hour
    return hour - np.timedelta64(3600, "s")


def zone_hours(network: Network, zone: Zone, start=None, end=None):
    """zone_series plus the start of the last complete hour (`last_complete_hour`)."""
    sensors = list(zone.balance)
    if not sensors:
        return None
    tank = zone.tank.get("tank") if zone.tank else None
    series = timeseries.load(network, sensors + ([tank] if tank else []), start, end)
    if len(series.times) == 0:
        return None
    flow = detection.balance(series.values, zone.balance)
    daily = False
    if tank:  # a tank-fed zone is watched on daily means (detection.ltown_zone_flows)
        daily = True
        level = series.values[tank]
        if np.isfinite(level).any():
            outflow = detection.tank_outflow(series.times, level, zone.tank["area_m2"])
            flow = flow - np.nan_to_num(outflow)
    times, hourly = detection.hourly_means(series.times, flow)
    return times, hourly, daily, last_complete_hour(series.times)


def kitchener_folder() -> Path:
    """Where Kitchener's files are: TERRITORIA_SHARED_DATA/eau/pipe_breaks_kitchener."""
    return Path(os.environ.get("TERRITORIA_SHARED_DATA", "")) / KITCHENER


def _energy_wh(cpu_seconds: float) -> float:
    """CPU time × WATT_PER_CORE, in Wh (an estimate, as in benchmarks/eau.py)."""
    return round(cpu_seconds * WATT_PER_CORE / 3600, 5)


def replay_network(job: Job) -> None:
    """Replay every stored hour of every zone, day by day, writing alerts as they come.

    With `job.params["incremental"]` (the periodic detection), a network whose detectors were
    kept by its last replay and whose new measures only come after them is continued from
    where it stopped (`_resume`): the detectors' state is restored and only the new hours
    are pushed. Otherwise everything is replayed from the first hour."""
    network = job.network
    started, cpu = time.perf_counter(), time.process_time()
    job.status = JobStatus.RUNNING
    job.save(update_fields=["status", "updated_at"])
    state = _resumable(network) if job.params.get("incremental") else None
    flows, complete = {}, {}
    for zone in network.zones.exclude(balance={}):
        begin = state["data_end"] - dt.timedelta(days=1) if state else None
        found = zone_hours(network, zone, start=begin)
        if found is not None:
            flows[zone.code], complete[zone.code] = found[:3], found[3]
    if not flows:
        job.status = JobStatus.FAILED
        job.message = "Aucune mesure importée pour les bilans des zones."
        job.save()
        return
    first = min(times[0] for times, _, _ in flows.values())
    last = max(times[-1] for times, _, _ in flows.values())
    if state:
        detectors, until = state["detectors"], state["until"]
        holiday_days = detection.calendar_for(network.holidays, np.array([state["first"], last]))
        for detector in detectors.values():
            detector.holiday_days = holiday_days  # a new year's holidays
        flows = {
            code: (times[keep], hourly[keep], daily)
            for code, (times, hourly, daily) in flows.items()
            if (keep := times > until[code] if code in until else np.full(len(times), True)).any()
        }
        # An hour cut by the end of the last import was pushed on its own measures but not
        # kept (the state stops at the last complete hour): it is pushed again now with all
        # of its measures, and the alerts it raised then are replaced by those of now.
        for code, kept_until in until.items():
            counted = _aware(kept_until.astype("datetime64[s]").item() + dt.timedelta(hours=1))
            Alert.objects.filter(
                network=network, zone=code, status=AlertStatus.NEW, raised_at__gt=counted
            ).delete()
    else:
        Alert.objects.filter(network=network, status=AlertStatus.NEW).delete()
        holiday_days = detection.calendar_for(network.holidays, np.array([first, last]))
        profiles = {}
        for code, (times, hourly, daily) in flows.items():
            if not daily:
                profiles[code] = detection.weekly_profile(times[:168], hourly[:168], holiday_days)
        params = detection.Params()
        detectors = {
            code: detection.ZoneDetector(
                code, profiles.get(code), params, daily=daily, holiday_days=holiday_days
            )
            for code, (_, _, daily) in flows.items()
        }
        until = {}
    repairs = sorted(
        (a.repaired_at.replace(tzinfo=None), a.zone)
        for a in network.alerts.filter(status=AlertStatus.REPAIRED, repaired_at__isnull=False)
    )
    if state:  # repairs before the kept state are in it (a new one forces a full replay)
        repairs = [
            r
            for r in repairs
            if r[1] not in until or r[0] > until[r[1]].astype("datetime64[s]").item()
        ]
    handled = set(network.alerts.values_list("zone", "raised_at"))
    days = sorted({t.astype("datetime64[D]") for times, _, _ in flows.values() for t in times})
    job.total = len(days)
    job.save(update_fields=["total", "updated_at"])
    by_day = {}
    for code, (times, hourly, _) in flows.items():
        day_index = times.astype("datetime64[D]")
        for day in np.unique(day_index):
            mask = day_index == day
            by_day.setdefault(day, []).append((code, times[mask], hourly[mask]))
    created = 0
    kept = {}  # zone → (detector, until) as of its last complete hour, before any partial one
    pushed = dict(until)  # zone → the last hour pushed into its detector
    for number, day in enumerate(days, start=1):
        for code, times, hourly in by_day.get(day, []):
            for when, value in zip(times, hourly):
                if code not in kept and when > complete[code]:
                    kept[code] = (copy.deepcopy(detectors[code]), pushed.get(code))
                pushed[code] = when
                moment = when.astype("datetime64[s]").item()
                while repairs and repairs[0][0] <= moment:
                    _, zone = repairs.pop(0)
                    if zone in detectors:
                        detectors[zone].reset()
                alert = detectors[code].push(when, value)
                if alert is not None and (code, _aware(alert.raised_at)) not in handled:
                    Alert.objects.create(
                        network=network,
                        zone=code,
                        raised_at=_aware(alert.raised_at),
                        start_estimate=_aware(alert.start_estimate),
                        flow_m3h=round(alert.flow_m3h, 2),
                        method=alert.method,
                    )
                    created += 1
            if len(times):
                until[code] = times[-1]
        if number % 7 == 0 or number == len(days):
            job.done = number
            job.message = f"Jour {number} sur {len(days)} : {count_words(created, 'alerte|f')}."
            job.save(update_fields=["done", "message", "updated_at"])
    for code, (detector, kept_until) in kept.items():
        detectors[code] = detector
        if kept_until is None:
            until.pop(code, None)
        else:
            until[code] = kept_until
    _keep_state(network, detectors, until, state["first"] if state else first)
    pending = [a for a in network.alerts.all() if not a.pipes]
    localised = 0
    if pending and pressure_ready(network):
        job.message = (
            f"{count_words(created, 'alerte|f')} ; localisation par les capteurs de pression…"
        )
        job.save(update_fields=["message", "updated_at"])
        localised = localise_alerts(network, pending)
        job.message = f"{count_words(created, 'alerte|f')}, dont {count_words(localised, 'localisée|f|localisées')} par les pressions."
    seconds = time.perf_counter() - started
    job.status = JobStatus.DONE
    job.result = {
        "localised": localised,
        "alerts": created,
        "days": len(days),
        "resumed": state is not None,
        "seconds": round(seconds, 2),
        "energy_wh": _energy_wh(time.process_time() - cpu),
    }
    job.save()


STATE_FILE = "detecteurs.pickle"  # next to the network's Parquet files


def _fingerprint(network: Network) -> str:
    """What the kept detectors depend on besides the measures: the zones' balances, the
    holiday calendar, the repairs, the detector's code. Any change: a full replay."""
    import hashlib
    import json

    parts = {
        "zones": sorted(
            (z.code, json.dumps(z.balance, sort_keys=True), json.dumps(z.tank, sort_keys=True))
            for z in network.zones.all()
        ),
        "holidays": network.holidays,
        "repairs": sorted(
            (str(a.pk), a.repaired_at.isoformat())
            for a in network.alerts.filter(status=AlertStatus.REPAIRED, repaired_at__isnull=False)
        ),
        "code": hashlib.sha256(Path(detection.__file__).read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _keep_state(network: Network, detectors: dict, until: dict, first) -> None:
    import pickle

    imports = list(network.imports.all())
    state = {
        "fingerprint": _fingerprint(network),
        "imports": sorted(str(i.pk) for i in imports),
        "data_end": max(_naive(i.last_time) for i in imports),
        "first": first,
        "until": until,
        "detectors": detectors,
    }
    target = timeseries.store_dir(network) / STATE_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(state))
    temporary.replace(target)  # a reader never sees half a state


def _resumable(network: Network) -> dict | None:
    """The kept state of the last replay, if the network changed only by measures appended
    after it (new imports that all start after its last measure)."""
    import pickle

    path = timeseries.store_dir(network) / STATE_FILE
    try:
        state = pickle.loads(path.read_bytes())  # written by this module only (_keep_state)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None
    if state.get("fingerprint") != _fingerprint(network):
        return None
    imports = {str(i.pk): i for i in network.imports.all()}
    if not set(state["imports"]) <= set(imports):
        return None
    new = [i for pk, i in imports.items() if pk not in state["imports"]]
    if not new or any(_naive(i.first_time) <= state["data_end"] for i in new):
        return None
    return state


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def _naive(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=None)


NIGHT_END_HOUR = 4  # the night window of localisation.night_residual is 01:00–04:00


def pressure_ready(network: Network) -> bool:
    """Pressure sensors imported and the EPANET model kept: localisation can run."""
    from territoria.eau import network as network_service

    return bool(network_service.pressure_sensors(network)) and (
        network_service.model_path(network).exists()
    )


def localise_alerts(network: Network, alerts: list[Alert], top: int = 10) -> int:
    """Rank the candidate pipes of each alert from the measured pressures (localisation.py):
    the night pressures since the leak's estimated start against the week before it, compared
    with the drop EPANET simulates for a leak at each junction the zone's balance covers.
    Only pressures up to the alert are used, or up to the end of the first night after the
    start when the alert came before any night (a burst raised in the afternoon): the time
    used is kept in `localised_at`. Returns how many alerts were localised."""
    from territoria.eau import localisation
    from territoria.eau import network as network_service

    inp = network_service.model_path(network)
    sensors = network_service.pressure_sensors(network)
    if not sensors or not inp.exists():
        return 0
    series = timeseries.load(network, sensors)
    if len(series.times) == 0:
        return 0
    data_end = series.times[-1].astype("datetime64[s]").item()
    pipes = [
        (link[0], link[1], link[2])
        for link in network.elements.get("links", [])
        if link[3] == "Pipe"
    ]
    node_xy = {
        name: (float(node[0]), float(node[1]))
        for name, node in network.elements.get("nodes", {}).items()
    }
    signatures: dict[tuple, localisation.Signatures] = {}
    done = 0
    for alert in alerts:
        start, until = _naive(alert.start_estimate), _naive(alert.raised_at)
        residual = localisation.night_residual(series, sensors, start, until)
        if residual is None:
            night_end = start.replace(hour=NIGHT_END_HOUR, minute=0, second=0, microsecond=0)
            if start.hour >= NIGHT_END_HOUR:
                night_end += dt.timedelta(days=1)
            until = max(until, night_end)
            if until > data_end:
                continue
            residual = localisation.night_residual(series, sensors, start, until)
        if residual is None:
            continue
        candidates = network_service.covered_junctions(network, alert.zone)
        if not candidates:
            continue
        key = tuple(candidates)
        if key not in signatures:
            signatures[key] = localisation.signatures(inp, sensors, candidates)
        ranked = localisation.rank_pipes_by_expected_distance(
            signatures[key], residual, pipes, node_xy, top
        )
        alert.pipes = [name for name, _ in ranked]
        alert.localised_at = _aware(until)
        alert.pressure_sensors = len(sensors)
        alert.save(update_fields=["pipes", "localised_at", "pressure_sensors", "updated_at"])
        done += 1
    return done


def renewal_plan(job: Job) -> None:
    from territoria.eau import renewal, renewal_cache

    started, cpu = time.perf_counter(), time.process_time()
    job.status = JobStatus.RUNNING
    job.total = 3
    job.message = "Lecture de l'inventaire et des casses…"
    job.save()
    folder = kitchener_folder()
    mains = job.params.get("mains") or str(folder / "Water_Mains.csv")
    breaks = job.params.get("breaks") or str(folder / "Water_Main_Breaks.csv")
    year = int(job.params.get("year", 2023))
    horizon = int(job.params.get("horizon", 5))
    budget = float(job.params.get("budget_km", 10))
    inventory = renewal.read(mains, breaks)
    # The fitted models of each year, shared by the evaluation and the plan and kept on disk
    # for the next run on the same inventory and break history (renewal_cache).
    cache = renewal_cache.FittedModels(inventory)

    def evaluated():
        job.done = 1
        job.message = "Évaluation faite, calcul du plan…"
        job.save(update_fields=["done", "message", "updated_at"])

    evaluation, plan = renewal.page_run(inventory, year, horizon, budget, cache, evaluated)
    seconds = time.perf_counter() - started
    job.done = 3
    job.status = JobStatus.DONE
    job.message = (
        f"{len(plan)} canalisations au plan ; modèles repris d'un calcul précédent "
        f"(même inventaire, mêmes casses) pour {count_words(cache.reused, 'année|f')}, "
        f"ajustés pour {count_words(cache.fitted, 'année|f')}."
    )
    job.result = {
        "evaluation": evaluation,
        "method": "priorities",
        "horizon": horizon,
        "criticality_known_share": evaluation.get("criticality_known_share"),
        "plan": plan,
        "year": year,
        "budget_km": budget,
        "models": {"reused": cache.reused, "fitted": cache.fitted},
        "seconds": round(seconds, 2),
        "energy_wh": _energy_wh(time.process_time() - cpu),
    }
    job.save()


def upload_folder() -> Path:
    """Where an uploaded model waits for its import job (never served; deleted by the job)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "eau" / "imports"


def import_network(job: Job) -> None:
    """Import the uploaded EPANET model (`network.import_network`): reading it loads WNTR,
    seconds of CPU, so never in the web request. A refused file fails the job with the
    message naming its line and field; nothing is written then."""
    from territoria.core.models import Organisation
    from territoria.eau import network as network_service

    started, cpu = time.perf_counter(), time.process_time()
    path = Path(job.params["file"])
    job.status = JobStatus.RUNNING
    job.total = 2
    job.save(update_fields=["status", "total", "updated_at"])

    def progress(done: int, message: str) -> None:
        job.done, job.message = done, message
        job.save(update_fields=["done", "message", "updated_at"])

    organisation = Organisation.objects.filter(pk=job.params.get("organisation")).first()
    try:
        found = network_service.import_network(
            path,
            name=job.params.get("name", ""),
            crs=job.params.get("crs", "local"),
            organisation=organisation,
            progress=progress,
        )
    except network_service.NetworkError as error:
        job.status = JobStatus.FAILED
        job.message = str(error).replace(path.name, job.params.get("file_name", path.name))[:300]
        job.save()
        return
    finally:
        path.unlink(missing_ok=True)
    job.network = found
    job.status = JobStatus.DONE
    job.message = f"Réseau « {found.name} » importé : {count_words(found.zones.count(), 'zone|f')}."
    job.result = {
        "zones": found.zones.count(),
        "seconds": round(time.perf_counter() - started, 2),
        "energy_wh": _energy_wh(time.process_time() - cpu),
    }
    job.save()


def run(job_id: str) -> None:
    job = Job.objects.select_related("network").get(pk=job_id)
    try:
        if job.kind == "network_import":
            import_network(job)
        elif job.kind == "replay":
            replay_network(job)
        elif job.kind == "renewal":
            renewal_plan(job)
    except Exception as error:  # shown on the page; the worker logs the traceback
        job.status = JobStatus.FAILED
        job.message = f"Échec : {error}"[:300]
        job.save()
        raise


def detect_all_networks() -> int:
    """Periodic: replay the networks whose flows changed since their last replay."""
    count = 0
    for network in Network.objects.all():
        last = Job.objects.filter(network=network, kind="replay", status=JobStatus.DONE).first()
        newest = network.imports.order_by("-created_at").first()
        if newest and (last is None or newest.created_at > last.created_at):
            # continued from the kept detectors when only later measures were added
            job = Job.objects.create(kind="replay", network=network, params={"incremental": True})
            run(str(job.pk))
            count += 1
    return count
