"""`territoria eau eval`: replay SCADA flows as if live, write the alerts, score them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from territoria.eau import detection, network, scada

BALANCE_ZONE = {"A": "A+B", "B": "A+B", "C": "C"}  # L-Town: zone B is not metered apart


def zone_of_pipes(inp: Path | str) -> dict[str, str]:
    """pipe -> zone of the alerts (A and B share the A+B balance)."""
    model = network.read_model(inp)
    zones = network.derive_zones(model)
    zone_of_node = {n: z["code"] for z in zones for n in z["nodes"]}
    result = {}
    for name, link in model.links():
        code = zone_of_node.get(link.start_node_name) or zone_of_node.get(link.end_node_name)
        if code:
            result[name] = BALANCE_ZONE.get(code, code)
    return result


def read_leaks(path: Path | str, zone_of: dict[str, str]) -> list[detection.Leak]:
    leaks = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        required = {"leak_id", "pipe_id", "start", "end", "max_flow_m3h"}
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise scada.ScadaError(
                f"{Path(path).name}, ligne 1 : colonnes manquantes {sorted(missing)}."
            )
        for number, row in enumerate(reader, start=2):
            try:
                start = dt.datetime.fromisoformat(row["start"])
                end = dt.datetime.fromisoformat(row["end"])
                flow = float(row["max_flow_m3h"])
            except ValueError as error:
                raise scada.ScadaError(f"{Path(path).name}, ligne {number} : {error}.") from None
            if row["pipe_id"] not in zone_of:
                raise scada.ScadaError(
                    f"{Path(path).name}, ligne {number}, colonne « pipe_id » : canalisation "
                    f"« {row['pipe_id']} » absente du réseau."
                )
            leaks.append(
                detection.Leak(
                    row["leak_id"], zone_of[row["pipe_id"]], start, end, flow, row["pipe_id"]
                )
            )
    return leaks


def profiles_from(
    zone_flows: dict, training: dict | None, holiday_days: frozenset | None = None
) -> dict[str, np.ndarray]:
    """The weekly profile of each zone watched hour by hour: from the training flows when they
    hold the zone hour by hour, otherwise from the first week of the replayed flows
    (L-Town's 1–8 January 2018 is clean; a profile is blind to a constant leak anyway)."""
    profiles = {}
    for zone, (times, hourly, daily) in zone_flows.items():
        if daily:
            continue
        if training and zone in training and not training[zone][2]:
            profiles[zone] = detection.weekly_profile(
                training[zone][0], training[zone][1], holiday_days
            )
        else:
            profiles[zone] = detection.weekly_profile(times[:168], hourly[:168], holiday_days)
    return profiles


def run(
    inp: Path | str,
    flows: Path | str,
    levels: Path | str | None = None,
    training_flows: Path | str | None = None,
    truth: Path | str | None = None,
    params: detection.Params | None = None,
    method: str = "cusum",
    pressures: Path | str | None = None,
    calendar: str = "",
    seasons: bool = False,
) -> dict:
    params = params or detection.Params()
    if seasons and not training_flows:  # before any reading: a plain error, at once
        raise ValueError(
            "--seasons : la saison s'apprend sur une autre année, donnez --training-flows."
        )
    zone_of = zone_of_pipes(inp)
    flow_series = scada.read_csv(flows)
    level_series = scada.read_csv(levels) if levels else None
    zone_flows = detection.ltown_zone_flows(flow_series, level_series)
    training = None
    if training_flows:
        training = detection.ltown_zone_flows(scada.read_csv(training_flows))
    times = flow_series.times
    if training:
        times = np.concatenate([next(iter(training.values()))[0], times])
    holiday_days = detection.calendar_for(calendar, np.sort(times))
    profiles = profiles_from(zone_flows, training, holiday_days)
    learned = None
    if seasons:  # learned from the training year only: never from the flows replayed
        learned = {
            zone: detection.seasonal_offsets(times_, hourly, daily)
            for zone, (times_, hourly, daily) in training.items()
        }
    alerts = detection.replay(
        zone_flows, profiles, params, method=method, holiday_days=holiday_days, seasons=learned
    )
    if pressures:
        localise(inp, scada.read_csv(pressures), alerts)
    result: dict = {"alerts": [a.as_json() for a in alerts]}
    if truth:
        leaks = read_leaks(truth, zone_of)
        start = flow_series.times[0].astype("datetime64[s]").item()
        result["score"] = detection.score(alerts, leaks, start)
    return result


def localise(inp: Path | str, pressures, alerts: list[detection.Alert], top: int = 10) -> int:
    """Fill each alert's `pipes` with the candidates of its zone ranked by the pressure
    sensors (localisation.py), from the night pressures up to the alert only. The sensors
    are the columns of `pressures` named like nodes of the model. Returns how many alerts
    were localised (an alert without a night of pressures before and after keeps [])."""
    from territoria.eau import localisation

    model = network.read_model(inp)
    nodes = set(model.node_name_list)
    sensors = [s for s in pressures.values if s in nodes]
    if not sensors:
        raise scada.ScadaError(
            "Aucune colonne du fichier de pressions ne porte le nom d'un nœud du modèle."
        )
    links = [
        (n, k.start_node_name, k.end_node_name) for n, k in model.links() if k.link_type == "Pipe"
    ]
    node_xy = {n: tuple(model.get_node(n).coordinates) for n in model.node_name_list}
    signatures: dict[str, localisation.Signatures] = {}
    done = 0
    for alert in alerts:
        residual = localisation.night_residual(
            pressures, sensors, alert.start_estimate, alert.raised_at
        )
        if residual is None:
            continue
        if alert.zone not in signatures:
            signatures[alert.zone] = localisation.signatures(
                inp, sensors, localisation.zone_candidates(model, alert.zone)
            )
        sig = signatures[alert.zone]
        if not sig.candidates:
            continue
        ranked = localisation.rank_pipes_by_expected_distance(sig, residual, links, node_xy, top)
        alert.pipes = [name for name, _ in ranked]
        done += 1
    return done
