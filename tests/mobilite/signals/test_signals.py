"""Adaptive lights: delay definition, clearance safety, plans, evaluation on cologne1 (the
smallest RESCO network, 1 intersection) over a short horizon. The RESCO networks come from the
installed sumo-rl wheel (a dependency), not from ../shared."""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from territoria.mobilite.signals import controllers as ctl
from territoria.mobilite.signals import plans as plans_mod
from territoria.mobilite.signals.__main__ import main
from territoria.mobilite.signals.adapter import INTERFACE, RecordingAdapter
from territoria.mobilite.signals.evaluate import (
    CONTROLLERS,
    NO_GROUP,
    PLAN_COLUMNS,
    detectors_additional,
    evaluate,
    format_table,
    read_delays,
    run_one,
    sumo_args,
)
from territoria.mobilite.signals.sumoenv import SignalsError, binary, resco

HORIZON = 300


def test_delay_definition_counts_unfinished_and_never_inserted(tmp_path):
    f = tmp_path / "tripinfo.xml"
    f.write_text(
        "<tripinfos>"
        '<tripinfo id="a" depart="10" arrival="70" departDelay="2" timeLoss="8"/>'
        '<tripinfo id="b" depart="20" arrival="-1" departDelay="0" timeLoss="30"/>'
        '<tripinfo id="c" depart="-1" arrival="-1" departDelay="50" timeLoss="0"/>'
        "</tripinfos>"
    )
    r = read_delays(f)
    assert r["delay"] == pytest.approx((10 + 30 + 50) / 3)
    assert (r["arrived"], r["unfinished"], r["undeparted"]) == (1, 1, 1)


def test_empty_tripinfo_is_an_error(tmp_path):
    f = tmp_path / "tripinfo.xml"
    f.write_text("<tripinfos/>")
    with pytest.raises(SignalsError, match="Aucun trajet"):
        read_delays(f)


def test_clearance_states():
    inter = ctl.Intersection(
        tls_id="t", greens=["GGrr", "rGGr"], yellow=3.0, links=[("a", "x")] * 4
    )
    # link 0 loses green: yellow; link 1 keeps green; others red
    assert inter.yellow_state(0, 1) == "yGrr"
    assert inter.red_state(0, 1) == "rGrr"


def test_unknown_network_and_controller_named():
    with pytest.raises(SignalsError, match="« paris99 »"):
        resco("paris99")
    with pytest.raises(SignalsError, match="« magic »"):
        evaluate(["cologne1"], controllers=("magic",), horizon=60)


def test_cli_error_in_french(capsys):
    assert main(["--resco", "paris99", "--horizon", "60"]) == 2
    assert "Réseau RESCO inconnu" in capsys.readouterr().err
    assert main(["--resco", "cologne1", "--demand-scale", "0"]) == 2


def _recording_run(tmp_path, cls, params):
    import libsumo

    sc = resco("cologne1")
    args = sumo_args(
        sc, 0, 1.0, tmp_path / "t.xml", horizon=HORIZON, additional=detectors_additional(sc)
    )
    libsumo.start([binary("sumo"), *args])
    try:
        # strict: any call outside the documented adapter interface fails the test
        sim = RecordingAdapter(libsumo, strict=True)
        c = cls(sim, params)
        c.setup()
        now = libsumo.simulation.getTime()
        while now < sc.begin + HORIZON:
            libsumo.simulationStep()
            now = libsumo.simulation.getTime()
            c.step(now)
        c.close(now)
    finally:
        libsumo.close()
    return c, sim.log


def test_readings_skip_libsumos_wrapper_only_for_libsumo_itself():
    import libsumo
    from libsumo import _libsumo

    # libsumo itself: the compiled function its wrapper forwards to (the same answers)
    assert ctl._direct(libsumo, "lane", "getWaitingTime") is _libsumo.lane_getWaitingTime
    assert (
        ctl._direct(libsumo, "inductionloop", "getTimeSinceDetection")
        is _libsumo.inductionloop_getTimeSinceDetection
    )
    # an adapter, even one forwarding every attribute to libsumo: its own reading, as is
    for strict in (False, True):
        sim = RecordingAdapter(libsumo, strict=strict)
        fn = ctl._direct(sim, "lane", "getLastStepHaltingNumber")
        assert fn is not _libsumo.lane_getLastStepHaltingNumber
        assert fn == sim.lane.getLastStepHaltingNumber


@pytest.mark.parametrize("name", ["territoria", "max_pressure"])
def test_every_lost_green_shows_yellow_and_greens_respect_bounds(tmp_path, name):
    cls, pcls = ctl.CONTROLLERS[name]
    params = pcls(all_red=1.0)
    c, log = _recording_run(tmp_path, cls, params)
    (m,) = c.machines
    switches = 0
    for (t0, _, s0), (t1, _, s1) in itertools.pairwise(log):
        for a, b in zip(s0, s1, strict=True):
            if a in "Gg" and b == "r":
                pytest.fail(f"green → red without yellow at {t1}: {s0} → {s1}")
            if a in "Gg" and b in "y" and s1 != s0:
                switches += 1
                break
        if "y" in s0:
            assert t1 - t0 == pytest.approx(m.inter.yellow)  # full yellow
            assert all(x in "r" for x, y in zip(s1, s0, strict=True) if y == "y")
    assert switches >= 3, "the controller never switched over 5 minutes"
    for _, start, end in m.greens_log[:-1]:
        assert end - start >= params.min_green - 1e-6
        assert end - start <= params.max_green + 1.0 + 1e-6


def test_evaluation_same_run_all_controllers_and_plans(tmp_path):
    plans_dir = tmp_path / "plans"
    r = evaluate(["cologne1"], horizon=HORIZON, plans_dir=str(plans_dir))
    row = r["networks"]["cologne1"]
    assert set(row) == {*CONTROLLERS, "territoria_plan"}
    assert all(v >= 0 for v in row.values())
    d = r["details"]["cologne1"]
    # same demand for every controller
    assert len({v["trips"] for v in d.values()}) == 1
    assert r["delay_definition"].startswith("Retard moyen par trajet")
    assert "cologne1" in format_table(r)
    # one signal: no group to coordinate, no second plan run, and the summary says why
    assert r["summary"]["cologne1"]["coordination"] == {
        "groups": [],
        "periods": {},
        "note": NO_GROUP,
    }
    assert "plans_lowest" not in r["summary"]["cologne1"]
    assert not (plans_dir / "cologne1.plans_coordinated.json").exists()
    assert NO_GROUP in format_table(r)
    json.dumps(r)
    # the exported plans: JSON and a SUMO additional file SUMO itself loads
    plan = json.loads((plans_dir / "cologne1.plans.json").read_text())
    (tls,) = plan
    for period in plan[tls]["periods"]:
        assert period["cycle"] == pytest.approx(
            sum(g for g in period["greens"] if g > 0)
            + sum(1 for g in period["greens"] if g > 0) * plan[tls]["yellow"],
            abs=0.11,
        )
    add = plans_dir / "cologne1.plans.add.xml"
    root = ET.parse(add).getroot()
    assert root.find("WAUT") is not None
    sc = resco("cologne1")
    proc = subprocess.run(
        [
            binary("sumo"),
            "-n",
            str(sc.net),
            "-a",
            str(add),
            "-b",
            str(sc.begin),
            "-e",
            str(sc.begin + 60),
            "--no-step-log",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_evaluation_replays_isolated_and_coupled_plans_on_ingolstadt7(tmp_path):
    """ingolstadt7, 5 minutes: some of its signals are coupled (index above 50): both proposals
    are built, exported and replayed on the same demand, the coordinated one along the coupled
    links only, and the summary names the lower of the two."""
    plans_dir = tmp_path / "plans"
    r = evaluate(["ingolstadt7"], controllers=("territoria",), horizon=HORIZON, plans_dir=plans_dir)
    row = r["networks"]["ingolstadt7"]
    assert set(row) == {"territoria", *PLAN_COLUMNS}
    d = r["details"]["ingolstadt7"]
    assert len({v["trips"] for v in d.values()}) == 1
    # the two replays differ: the coordinated plans are not the isolated ones replayed again
    assert d["territoria_plan"]["delay"] != d["territoria_plan_coordinated"]["delay"]
    coordination = r["summary"]["ingolstadt7"]["coordination"]
    groups, periods = coordination["groups"], coordination["periods"]
    assert groups and all(len(g) > 1 for g in groups)
    lowest = r["summary"]["ingolstadt7"]["plans_lowest"]
    assert lowest == min(PLAN_COLUMNS, key=lambda c: row[c])
    isolated = json.loads((plans_dir / "ingolstadt7.plans.json").read_text())
    linked = json.loads((plans_dir / "ingolstadt7.plans_coordinated.json").read_text())
    assert all(p["offset"] == 0 for plan in isolated.values() for p in plan["periods"])
    # one cycle per group in the periods it is coupled; the signals never coupled keep their
    # isolated plans; a green wave: some offset is not zero
    for begin, period_groups in periods.items():
        for group in period_groups:
            cycles = {
                p["cycle"] for t in group for p in linked[t]["periods"] if str(p["begin"]) == begin
            }
            assert len(cycles) == 1
    coupled = {t for g in groups for t in g}
    assert coupled < set(linked)  # not every signal: the uncoupled ones stay isolated
    assert all(linked[t] == isolated[t] for t in set(linked) - coupled)
    assert any(p["offset"] for plan in linked.values() for p in plan["periods"])
    root = ET.parse(plans_dir / "ingolstadt7.plans_coordinated.add.xml").getroot()
    offsets = {el.get("id"): float(el.get("offset")) for el in root.iter("tlLogic")}
    assert offsets == {tls: plan["periods"][-1]["offset"] for tls, plan in linked.items()}
    table = format_table(r)
    assert "territoria_plan_coordinated" in table.splitlines()[0]
    assert ("coordonnés" if lowest == PLAN_COLUMNS[1] else "isolés") in table.splitlines()[-1]


def test_cologne3_links_too_light_to_couple_no_coordinated_run(tmp_path):
    """cologne3's three signals are within 400 m (246 and 282 m) but their links carry too few
    vehicles (coupling index ≤ 50): no coordinated plans, no second replay, the note says why."""
    plans_dir = tmp_path / "plans"
    r = evaluate(["cologne3"], controllers=("territoria",), horizon=HORIZON, plans_dir=plans_dir)
    assert set(r["networks"]["cologne3"]) == {"territoria", "territoria_plan"}
    assert r["summary"]["cologne3"]["coordination"] == {
        "groups": [],
        "periods": {},
        "note": NO_GROUP,
    }
    assert not (plans_dir / "cologne3.plans_coordinated.json").exists()
    # the links exist: the earlier candidate ("offsets") would have grouped the three
    greens = json.loads((plans_dir / "cologne3.greens.json").read_text())
    assert len(plans_mod.coordination_groups(greens, resco("cologne3"))[0]) == 3


def test_coordinated_plans_can_be_turned_off(tmp_path, capsys):
    """`--no-coordinated-plans`: one simulation less, the isolated plans only."""
    out = tmp_path / "r.json"
    args = ["--resco", "cologne3", "--controllers", "territoria", "--horizon", "60"]
    assert (
        main([*args, "--plans-dir", str(tmp_path), "--no-coordinated-plans", "--output", str(out)])
        == 0
    )
    r = json.loads(out.read_text())
    assert set(r["networks"]["cologne3"]) == {"territoria", "territoria_plan"}
    assert "coordination" not in r["summary"]["cologne3"]
    assert not (tmp_path / "cologne3.plans_coordinated.json").exists()
    assert "territoria_plan_coordinated" not in capsys.readouterr().out


def test_demand_scale_changes_the_demand():
    low = run_one("cologne1", "fixed", scale=0.5, horizon=HORIZON)
    high = run_one("cologne1", "fixed", scale=1.0, horizon=HORIZON)
    assert low["trips"] < high["trips"]


def test_plan_phases_clearance():
    plan = {"states": ["GGrr", "rrGG"], "yellow": 3.0, "all_red": 1.0}
    phases = plans_mod.plan_phases(plan, {"greens": [20.0, 10.0]})
    assert [d for d, _ in phases] == [20.0, 3.0, 1.0, 10.0, 3.0, 1.0]
    assert phases[1][1] == "yyrr" and phases[2][1] == "rrrr"


def test_build_plans_from_log():
    sc = resco("cologne1")
    b = float(sc.begin)
    log = []
    t = b
    while t < b + 900:
        log.append((0, t, t + 30))
        log.append((1, t + 33, t + 48))
        t += 51
    plan = plans_mod.build_plans(
        {"x": {"greens": log, "states": ["GGrr", "rrGG"], "yellow": 3.0, "all_red": 0.0}},
        sc,
        end=b + 900,
    )
    (period,) = plan["x"]["periods"]
    assert period["greens"][0] == pytest.approx(2 * period["greens"][1], rel=0.1)
    assert period["cycle"] == pytest.approx(51, abs=3)
    assert abs(period["offset"]) < 1 or abs(period["offset"] - period["cycle"]) < 1


def test_webster_plan_from_counted_flows():
    """Webster's cycle and splits from the lanes' flows (15 minutes; 450 vehicles = the
    saturation flow of 1 800 veh/h): phase 0 serves lanes a (270 veh: ratio 0.6) and b (0.1),
    the larger counts; phase 1 serves c (0.2); lane d (0.2), served by both, shares its flow
    as the adaptive controller shared its green (2/3, 1/3)."""
    sc = resco("cologne1")
    b = float(sc.begin)
    log = [(0, b, b + 600), (1, b + 605, b + 900)]  # phase 0 got 2/3 of the green
    rec = {
        "greens": log,
        "states": ["GGrG", "rrGG"],
        "links": ["a", "b", "c", "d"],
        "yellow": 4.0,
        "all_red": 1.0,
        "counts": {"a": {str(b): 270}, "b": {str(b): 45}, "c": {str(b): 90}, "d": {str(b): 90}},
    }
    plan = plans_mod.build_plans({"x": rec}, sc, end=b + 900)
    (period,) = plan["x"]["periods"]
    # y0 = max(0.6, 0.1, 0.2 × 2/3) = 0.6 ; y1 = max(0.2, 0.2 × 1/3) = 0.2 ; L = 2 × 5 s
    cycle = (1.5 * 10 + 5) / (1 - 0.8)
    assert period["greens"] == pytest.approx([(cycle - 10) * 0.75, (cycle - 10) * 0.25], abs=0.1)
    assert period["cycle"] == pytest.approx(cycle, abs=0.2)
    # saturated: the longest cycle; without counts: the observed derivation (test above)
    rec["counts"]["a"][str(b)] = 430
    (period,) = plans_mod.build_plans({"x": rec}, sc, end=b + 900)["x"]["periods"]
    assert period["cycle"] == pytest.approx(plans_mod.WEBSTER_CYCLES[1], abs=0.2)


def test_adaptive_run_records_the_lanes_flows_for_the_plans(tmp_path):
    raw = tmp_path / "greens.json"
    run_one("cologne1", "territoria", horizon=HORIZON, plans_out=str(raw))
    ((_tls, rec),) = json.loads(raw.read_text()).items()
    assert len(rec["links"]) == len(rec["states"][0])
    assert rec["counts"] and set(rec["counts"]) <= set(rec["links"])
    left = sum(n for by_period in rec["counts"].values() for n in by_period.values())
    assert left > 10  # vehicles crossed the stop lines in 5 minutes
    (begin,) = {b for by_period in rec["counts"].values() for b in by_period}
    assert float(begin) == resco("cologne1").begin


def test_management_command_options_and_error():
    from django.core.management.base import CommandError

    from territoria.mobilite.management.commands.run_signals_eval import Command

    cmd = Command()
    parser = cmd.create_parser("territoria", "run_signals_eval")
    opts = vars(parser.parse_args(["--resco", "paris99", "--seed", "3", "--demand-scale", "1.2"]))
    assert (opts["seed"], opts["demand_scale"]) == (3, 1.2)
    assert opts["coordinated_plans"] is True
    off = parser.parse_args(["--resco", "paris99", "--no-coordinated-plans"])
    assert off.coordinated_plans is False
    with pytest.raises(CommandError, match="Réseau RESCO inconnu"):
        cmd.handle(**opts)


def test_short_links_between_signals_know_their_upstream_signal(tmp_path):
    """ingolstadt21 has pairs of signals a few metres apart (174800513: 12 m): the lanes of the
    upstream signal that feed such a link are found, so that its queue can count for the link
    (spill_feed_share); lanes fed only through unsignalised junctions have none."""
    import libsumo

    from territoria.mobilite.signals.evaluate import actuated_net

    sc = resco("ingolstadt21")
    net = actuated_net(sc)
    args = sumo_args(sc, 0, 1.0, tmp_path / "t.xml", net=net, horizon=10)
    libsumo.start([binary("sumo"), *args])
    try:
        # (the pairs decided as one junction off: their mutual credit is what is tested here)
        params = ctl.TerritoriaParams(spill_feed_share=1.0, joint_pair_m=0.0)
        c = ctl.TerritoriaController(libsumo, params)
        c.setup()
        owner = {ln: m.inter.tls_id for m in c.machines for ln in m.inter.in_lanes}
        link = "174800513_1"
        assert owner[link] == "243641585"
        feeders = c.signal_feeders[link]
        assert feeders, "the signal upstream of a 12 m link was not found"
        assert all(owner[f] != owner[link] for f in feeders)  # another signal's lanes
        # an approach from far away (170 m, unsignalised upstream) has no signal feeder
        assert c.signal_feeders["23166741#5_1"] == []
        # the two signals 12 m apart feed each other through short links: "coupled" links
        coupled = c.coupled_links()
        assert {"174800513_1", "-174800513_1"} <= coupled
        assert "23166741#5_1" not in coupled
        assert coupled <= {ln for ln in c.short_lanes if c.signal_feeders[ln]}
        # decided as one junction (joint_pair_m; 15 m by default): the two signals joined both
        # ways by links under 20 m — 12.1 m (174800513) and 15.35 m (136436466) — once each
        c.params.joint_pair_m = 20.0
        pairs = {frozenset((a.inter.tls_id, b.inter.tls_id)) for a, b in c.joint_pairs()}
        assert pairs == {frozenset(("243641585", "gneJ257")), frozenset(("30503246", "30624898"))}
        # every connection of a link index counts: 243641585 sends 23166741#5_2 into the link
        assert "23166741#5_2" in c._pair_in["243641585"]
        c.params.joint_pair_m = 15.0
        pairs = {frozenset((a.inter.tls_id, b.inter.tls_id)) for a, b in c.joint_pairs()}
        assert pairs == {frozenset(("243641585", "gneJ257"))}
        # the per-lane maximum green limited to the lanes of those signals
        c.params.lane_max_green = "joint"
        scope = c._max_green_scope()
        assert "174800513_1" in scope and "-174800513_1" in scope
        assert "136436466_1" not in scope  # 15.35 m: not a pair under 15 m
        # feed_gate (off by default, rejected on the dev seeds): the feeder counts only while
        # its own signal shows green towards the link — read from that signal's state
        assert c.feeder_pairs[link]
        for up, nxt in c.feeder_pairs[link]:
            tls_id, idx = c.link_of[(up, nxt)]
            assert tls_id == owner[up] and idx
            size = len(libsumo.trafficlight.getRedYellowGreenState(tls_id))
            libsumo.trafficlight.setRedYellowGreenState(tls_id, "G" * size)
            c._states = {}
            assert c._green_towards(up, nxt)
            libsumo.trafficlight.setRedYellowGreenState(tls_id, "r" * size)
            c._states = {}
            assert not c._green_towards(up, nxt)
    finally:
        libsumo.close()


def _lanes_of_243641585(tmp_path, **params) -> tuple[list[str], list[dict]]:
    import libsumo

    args = sumo_args(resco("ingolstadt21"), 0, 1.0, tmp_path / "t.xml", horizon=10)
    libsumo.start([binary("sumo"), *args])
    try:
        c = ctl.TerritoriaController(libsumo, ctl.TerritoriaParams(**params))
        c.setup()
        inter = next(m.inter for m in c.machines if m.inter.tls_id == "243641585")
        return inter.in_lanes, inter.served
    finally:
        libsumo.close()


def test_all_connections_counts_every_lane_of_a_signal_group(tmp_path):
    """ingolstadt21's own program: one link index of 243641585 controls four connections from
    two lanes (23166741#5_1 and _2). Keeping the first connection only, the second lanes of its
    two loaded approaches count nowhere and the movements into the 12 m link -174800513 are
    unknown; with `all_connections` (the default since mob14v) they are the signal's."""
    lanes, served = _lanes_of_243641585(tmp_path, all_connections=False)
    assert "23166741#5_2" not in lanes and "-201201945#0.78_2" not in lanes
    lanes, served = _lanes_of_243641585(tmp_path)  # the default since mob14v
    assert {"23166741#5_2", "-201201945#0.78_2"} <= set(lanes)
    assert any("-174800513_2" in phase.get("23166741#5_2", []) for phase in served)


class _FakeSim:
    """The few TraCI calls `TerritoriaController.step` makes, with fixed queues: every lane
    always has `queue[lane]` vehicles stopped, every loop sees a vehicle each second (so only
    the maximum green ends a phase)."""

    def __init__(self, queue):
        sim = self
        self.states: dict[str, str] = {}

        class _Lane:
            def getLastStepVehicleNumber(self, ln):
                return queue.get(ln, 0)

            getLastStepHaltingNumber = getLastStepVehicleNumber

            def getWaitingTime(self, ln):
                return 0.0

            def getLastStepVehicleIDs(self, ln):
                return []

        class _Loop:
            def getTimeSinceDetection(self, det):
                return 0.0

        class _Simulation:
            def getPendingVehicles(self):
                return []

        class _Tls:
            def setRedYellowGreenState(self, tls, state):
                sim.states[tls] = state

            def getRedYellowGreenState(self, tls):
                return sim.states[tls]

        self.lane, self.inductionloop = _Lane(), _Loop()
        self.simulation, self.trafficlight = _Simulation(), _Tls()


def _seconds_until_third_phase(c, sim, tls: str) -> float | None:
    """The second at which signal `tls` first shows its third phase ("rrG"), within 400 s."""
    for t in range(1, 401):
        c.step(float(t))
        if sim.states[tls] == "rrG":
            return float(t)
    return None


def _third_phase_wait(queue: dict, feeder: bool = False, **params) -> float | None:
    """Phases P0 = lanes a + b, P1 = lane b alone (a protected turn, say), P2 = lane c. The queues
    never empty; a and b outweigh c. With `feeder`, b is a short link fed by another signal's lane
    f (its queue counts for b: spill_feed_share). Returns when c first gets green, or None within
    400 s."""
    sim = _FakeSim(queue)
    inter = ctl.Intersection(
        tls_id="t",
        greens=["GGr", "rGr", "rrG"],
        yellow=3.0,
        links=[("a", "x"), ("b", "y"), ("c", "z")],
    )
    inter.served = [{"a": ["x"], "b": ["y"]}, {"b": ["y"]}, {"c": ["z"]}]
    inter.in_lanes, inter.out_lanes = ["a", "b", "c"], ["x", "y", "z"]
    p = ctl.TerritoriaParams(head_aware=False, w_pending=0.0, **params)
    c = ctl.TerritoriaController(sim, p)
    c.machines = [ctl._PhaseMachine(sim, inter, p.all_red, 0.0)]
    c.lane_capacity = dict.fromkeys(["a", "b", "c", "x", "y", "z"], 20.0)
    c.upstream, c.signal_feeders, c.short_lanes, c.partial = {}, {}, set(), {}
    if feeder:
        c.short_lanes, c.signal_feeders = {"b"}, {"b": ["f"]}
    c.loop_of = {ln: f"tdet_{ln}" for ln in "abc"}
    c._lane_since, c._kept = {}, {}
    c.max_green_lanes = c._max_green_scope()
    c._idle_until = {}
    c._build_index()
    return _seconds_until_third_phase(c, sim, "t")


def test_lane_max_green_ends_the_alternation_of_two_overlapping_phases():
    queue = {"a": 5, "b": 5, "c": 4}
    # without it, P0 and P1 take turns at their maximum green and lane c waits for ever
    assert _third_phase_wait(queue) is None
    # with it, lane b has had 60 s of green when P0 ends: P1 (b alone) no longer counts
    waited = _third_phase_wait(queue, lane_max_green=True)
    assert waited is not None and waited <= 60 + 3 + 1


def test_feed_max_green_stops_crediting_an_empty_link_green_for_a_minute():
    """ingolstadt21's deadlock in small: the short link b is empty, but the queue of the
    upstream signal's lane f (at red there) counts for it, so P0 and P1 (both serving b) always
    outscore c. Once b has had 60 s of green without a break, f's queue no longer counts."""
    queue = {"a": 1, "b": 0, "c": 4, "f": 8}
    assert _third_phase_wait(queue, feeder=True) is None
    waited = _third_phase_wait(queue, feeder=True, feed_max_green=True)
    assert waited is not None and waited <= 60 + 3 + 1
    # a link that is not credited by another signal is not concerned
    assert _third_phase_wait({"a": 5, "b": 5, "c": 4}, feed_max_green=True) is None


def test_lane_max_green_scope_short_fed_and_coupled():
    """The per-lane maximum green limited to some lanes: a short link fed by another signal
    ("short_fed") is concerned; "coupled" needs two signals feeding each other (not here)."""
    queue = {"a": 5, "b": 5, "c": 4}
    waited = _third_phase_wait(queue, feeder=True, lane_max_green="short_fed")
    assert waited is not None and waited <= 60 + 3 + 1
    assert _third_phase_wait(queue, feeder=True, lane_max_green="coupled") is None
    with pytest.raises(ValueError, match="lane_max_green inconnu"):
        _third_phase_wait(queue, lane_max_green="partout")


def _green_into_full_link(on_link: int = 2, signal_link: bool = True, **params) -> float | None:
    """P0 sends lane a (5 stopped) into x, a 15.35 m link between two signals (it holds two
    vehicles; `on_link` are stopped there; `signal_link`: x enters another signal); P1 serves
    lane c (2 stopped). Returns when P1 first gets green (after 3 s of yellow), or None within
    200 s."""
    queue = {"a": 5, "x": on_link, "c": 2}
    sim = _FakeSim(queue)
    inter = ctl.Intersection(
        tls_id="t", greens=["Gr", "rG"], yellow=3.0, links=[("a", "x"), ("c", "z")]
    )
    inter.served = [{"a": ["x"]}, {"c": ["z"]}]
    inter.in_lanes, inter.out_lanes = ["a", "c"], ["x", "z"]
    p = ctl.TerritoriaParams(head_aware=False, w_pending=0.0, **params)
    c = ctl.TerritoriaController(sim, p)
    c.machines = [ctl._PhaseMachine(sim, inter, p.all_red, 0.0)]
    c.lane_capacity = {"a": 20.0, "c": 20.0, "x": 15.35 / 7.5, "z": 20.0}
    c.upstream, c.signal_feeders, c.short_lanes, c.partial = {}, {}, set(), {}
    if signal_link:
        c.upstream["x"] = []  # the incoming lanes of a signal are the keys of `upstream`
    c.loop_of = {ln: f"tdet_{ln}" for ln in "ac"}
    c._lane_since, c._kept, c._idle_until = {}, {}, {}
    c.max_green_lanes = c._max_green_scope()
    c._build_index()
    for t in range(1, 201):
        c.step(float(t))
        if sim.states["t"] == "rG":
            return float(t)
    return None


def test_short_exit_full_stops_a_green_into_a_full_short_link():
    """No blocked entries: a 15 m link holds two vehicles, fewer than `spill_min_vehicles` (3),
    so it was never counted full and lane a kept its green into it (vehicles then stop inside
    the junction) until the maximum green. With `short_exit_full` ("signal" by default since mob14v), two stopped
    vehicles fill it: the green no longer discharges and lane c gets green after the minimum
    green."""
    assert _green_into_full_link(short_exit_full=False) == 60 + 3
    assert _green_into_full_link(short_exit_full=True) == 6 + 3
    assert _green_into_full_link() == 6 + 3  # "signal", the default since mob14v
    # a link with room left (one stopped vehicle of two) keeps its green to the maximum
    assert _green_into_full_link(on_link=1, short_exit_full=True) == 60 + 3
    # "signal": only an exit that enters another signal
    assert _green_into_full_link(signal_link=False, short_exit_full="signal") == 60 + 3
    assert _green_into_full_link(signal_link=False, short_exit_full=True) == 6 + 3


def _split_junction_wait(**params) -> float | None:
    """One junction cut in two, in small (ingolstadt21's 243641585 / gneJ257): signals A and B
    joined both ways by 12 m links. A: A0 serves the link L1 (from B), A1 its approach c (8
    stopped) into the link L2; B: B0 serves L2, B1 its approach d (8 stopped) into L1. Both
    links are empty and both signals start on them. Each link is credited with the queue that
    waits at the other signal's red (spill_feed_share): A0 and A1 weigh the same, so A keeps
    its empty link green. Every loop sees a vehicle each second (only the maximum green or a
    contest ends a phase). Returns when c first gets green, or None within 200 s."""
    queue = {"c": 8, "d": 8}
    sim = _FakeSim(queue)
    lengths = {"L1": 12.0, "L2": 12.0}
    sim.lane.getLength = lambda ln: lengths.get(ln, 100.0)
    links = {"A": [("L1", "x"), ("c", "L2")], "B": [("L2", "y"), ("d", "L1")]}
    sim.trafficlight.getControlledLinks = lambda tls: [[(i, o, "")] for i, o in links[tls]]
    p = ctl.TerritoriaParams(head_aware=False, w_pending=0.0, **params)
    c = ctl.TerritoriaController(sim, p)
    c.machines = []
    for tls, (first, second) in links.items():
        inter = ctl.Intersection(tls_id=tls, greens=["Gr", "rG"], yellow=3.0, links=links[tls])
        inter.served = [{first[0]: [first[1]]}, {second[0]: [second[1]]}]
        inter.in_lanes = sorted([first[0], second[0]])
        inter.out_lanes = sorted([first[1], second[1]])
        c.machines.append(ctl._PhaseMachine(sim, inter, p.all_red, 0.0))
    c.lane_capacity = {ln: lengths.get(ln, 100.0) / 7.5 for ln in ["L1", "L2", "c", "d", "x", "y"]}
    c.upstream, c.partial = {}, {}
    c.short_lanes, c.signal_feeders = {"L1", "L2"}, {"L1": ["d"], "L2": ["c"]}
    c.loop_of = {ln: f"tdet_{ln}" for ln in ["L1", "L2", "c", "d"]}
    c._lane_since, c._kept, c._idle_until = {}, {}, {}
    c.max_green_lanes = c._max_green_scope()
    c._pair_up()
    c._build_index()
    for t in range(1, 201):
        c.step(float(t))
        if sim.states["A"] == "rG":
            return float(t)
    return None


def test_joint_pair_decides_two_signals_a_few_metres_apart_as_one_junction():
    """Without `joint_pair_m` (15 m by default since mob14v), A keeps its empty link green for the maximum
    green (60 s), credited with d's queue that B holds at red, while c waits; decided as one
    junction (A and B together, no mutual credit, a green into a link worth its free places),
    the pair that serves both approaches wins the first contest (10 s of green)."""
    assert _split_junction_wait(joint_pair_m=0.0) == 60 + 3
    assert _split_junction_wait() == 10 + 3  # the default since mob14v: 15 m
    assert _split_junction_wait(joint_pair_m=20.0) == 10 + 3
    assert _split_junction_wait(joint_pair_m=20.0, joint_contest="changed") == 10 + 3
    with pytest.raises(ValueError, match="joint_contest inconnu"):
        _split_junction_wait(joint_pair_m=20.0, joint_contest="total")
    # links of 12 m are not a pair under a limit of 10 m: decided as before
    assert _split_junction_wait(joint_pair_m=10.0) == 60 + 3


def _pair_third_phase_wait(**params) -> float | None:
    """A joint pair whose signal A has two overlapping phases (`_third_phase_wait`'s): A0 = a + b
    (a into the 12 m link L2 towards B), A1 = b alone, A2 = the 12 m link L1 from B; B: B0 = d
    into L1, B1 = L2. The queues never empty (a, b 5 stopped; L1 1; d 4). Returns when L1 first
    gets green (A2), or None within 400 s."""
    queue = {"a": 5, "b": 5, "L1": 1, "d": 4}
    sim = _FakeSim(queue)
    lengths = {"L1": 12.0, "L2": 12.0}
    sim.lane.getLength = lambda ln: lengths.get(ln, 100.0)
    links = {"A": [("a", "L2"), ("b", "y"), ("L1", "z")], "B": [("d", "L1"), ("L2", "w")]}
    greens = {"A": ["GGr", "rGr", "rrG"], "B": ["Gr", "rG"]}
    served = {
        "A": [{"a": ["L2"], "b": ["y"]}, {"b": ["y"]}, {"L1": ["z"]}],
        "B": [{"d": ["L1"]}, {"L2": ["w"]}],
    }
    sim.trafficlight.getControlledLinks = lambda tls: [[(i, o, "")] for i, o in links[tls]]
    p = ctl.TerritoriaParams(head_aware=False, w_pending=0.0, **params)
    c = ctl.TerritoriaController(sim, p)
    c.machines = []
    for tls, tls_links in links.items():
        inter = ctl.Intersection(tls_id=tls, greens=greens[tls], yellow=3.0, links=tls_links)
        inter.served = served[tls]
        inter.in_lanes = sorted({ln for phase in served[tls] for ln in phase})
        inter.out_lanes = sorted(
            {o for phase in served[tls] for os_ in phase.values() for o in os_}
        )
        c.machines.append(ctl._PhaseMachine(sim, inter, p.all_red, 0.0))
    lanes = ["L1", "L2", "a", "b", "d", "y", "z", "w"]
    c.lane_capacity = {ln: lengths.get(ln, 100.0) / 7.5 for ln in lanes}
    c.upstream, c.partial = {}, {}
    c.short_lanes, c.signal_feeders = {"L1", "L2"}, {"L1": ["d"], "L2": ["a"]}
    c.loop_of = {ln: f"tdet_{ln}" for ln in ["L1", "L2", "a", "b", "d"]}
    c._lane_since, c._kept, c._idle_until = {}, {}, {}
    c._pair_up()  # before the scope: "joint" is the lanes of the paired signals
    c.max_green_lanes = c._max_green_scope()
    c._build_index()
    assert [(x.inter.tls_id, y.inter.tls_id) for x, y in c.pairs] == [("A", "B")]
    return _seconds_until_third_phase(c, sim, "A")


def test_joint_pair_leaves_out_a_lane_at_its_maximum_green_in_every_pair_it_scores():
    """When A0 reaches its maximum green (60 s), lane b has had 60 s of green: under
    `lane_max_green` ("joint" by default) A1 (b alone) no longer counts, so A2 (the link L1)
    takes over. Until mob14p, `_step_pair` rebound `maxed` (the lanes at their maximum green)
    to a pair of booleans before scoring the pairs that change at the maximum green: b counted
    again, A1 won, and A0 and A1 took turns while L1 waited for ever."""
    assert _pair_third_phase_wait() == 60 + 3
    # without the per-lane maximum green, the two overlapping phases take turns (as before)
    assert _pair_third_phase_wait(lane_max_green=False) is None


def test_strict_adapter_refuses_calls_outside_the_interface():
    import libsumo

    sim = RecordingAdapter(libsumo, strict=True)
    assert "getLastStepHaltingNumber" in INTERFACE["lane"]
    with pytest.raises(AttributeError, match="interface d'adaptateur"):
        _ = sim.lane.getShape
    with pytest.raises(AttributeError, match="interface d'adaptateur"):
        _ = sim.edge
    with pytest.raises(AttributeError, match="interface d'adaptateur"):
        _ = sim.trafficlight.setProgram


def _pure_python_controllers():
    """controllers.py run as plain Python, whichever variant `ctl` runs (the compiled module
    cannot be subclassed by Python classes)."""
    spec = importlib.util.spec_from_file_location("territoria_pure_controllers", ctl.__file__)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


PURE = _pure_python_controllers()


class _ReferenceController(PURE.TerritoriaController):
    """Territoria's rule as written, without any of the step's shortcuts: at each decision every
    lane's demand and every phase's score, then the same choice (the best other phase, the last
    one on a tie; keep green while nobody else scores above the margin; switch at the maximum
    green, at gap-out, or when another phase outweighs the current one). Default settings only
    (no per-lane maximum green)."""

    def step(self, now: float) -> None:
        p = self.params
        demand: dict[str, float] = {}
        room: dict[str, float] = {}
        heads: dict = {}
        self._broom, self._states = {}, {}
        pending = None
        for m in self.machines:
            m.advance(now)
            if m.in_transition or m.green_time(now) < p.min_green:
                continue
            g, inter = m.green_time(now), m.inter
            active = self._active(m, room)
            contest = g >= p.min_green_contested
            if g < p.max_green and not contest and active:
                continue
            if pending is None:
                pending = self._pending_by_lane()
            for ln in inter.in_lanes:
                demand[ln] = self._lane_demand(ln, pending, inter, now)
            partial = self.partial.get(inter.tls_id, {})
            scores = [
                self._score(inter, k, demand, room, heads, partial, set())
                for k in range(len(inter.greens))
            ]
            best_k = max(
                (k for k in range(len(scores)) if k != m.current), key=lambda k: (scores[k], k)
            )
            best_s = scores[best_k]
            if best_s <= p.switch_margin:
                continue
            outweighs = best_s > scores[m.current] * p.switch_ratio + p.switch_margin
            if g >= p.max_green or not active or (contest and outweighs):
                m.switch(best_k, now)


class _Shadow:
    """libsumo as the reference controller sees it: the same readings, its lights not sent."""

    def __init__(self, sim):
        class _Lights:
            def __getattr__(self, name):
                return getattr(sim.trafficlight, name)

            def setRedYellowGreenState(self, tls, state):
                pass

        self.lane, self.inductionloop = sim.lane, sim.inductionloop
        self.vehicle, self.simulation = sim.vehicle, sim.simulation
        self.trafficlight = _Lights()


def test_the_step_shortcuts_decide_as_the_rule_written_out(tmp_path):
    """The step skips work (an idle signal's lanes not scored when their sum of demands cannot
    exceed the margin, the current phase's own lanes read only when its score is needed, phases
    scored by decreasing bound…): in the same simulation, second by second, the reference that
    scores everything takes the same decisions. cologne3 (3 signals, lanes shared by movements
    green at different times), 20 simulated minutes."""
    import libsumo

    sc = resco("cologne3")
    args = sumo_args(
        sc, 0, 1.0, tmp_path / "t.xml", horizon=1200, additional=detectors_additional(sc)
    )
    libsumo.start([binary("sumo"), *args])
    try:
        # the reference first: the network's own programs are replaced once the fast one starts
        ref = _ReferenceController(_Shadow(libsumo), PURE.TerritoriaParams())
        ref.setup()
        fast = ctl.TerritoriaController(libsumo, ctl.TerritoriaParams())
        fast.setup()
        now = libsumo.simulation.getTime()
        while now < sc.begin + 1200:
            libsumo.simulationStep()
            now = libsumo.simulation.getTime()
            fast.step(now)
            ref.step(now)
            for a, b in zip(fast.machines, ref.machines, strict=True):
                assert (a.current, a.target, a.green_since) == (
                    b.current,
                    b.target,
                    b.green_since,
                ), f"{a.inter.tls_id} at {now}"
    finally:
        libsumo.close()
    switches = sum(len(m.greens_log) for m in fast.machines)
    assert switches > 30, "too few decisions to compare"


def test_an_empty_lane_has_no_halted_vehicle_nor_wait(tmp_path):
    """The controller does not read the halted count and waiting time of a short lane counted
    empty (0 and 0.0): SUMO computes all three over the same vehicles of the lane. Checked at
    every second of 10 simulated minutes of cologne3 (four short lanes) on every incoming lane
    and every lane upstream of one, with the controller driving the lights."""
    import libsumo

    sc = resco("cologne3")
    args = sumo_args(
        sc, 0, 1.0, tmp_path / "t.xml", horizon=600, additional=detectors_additional(sc)
    )
    libsumo.start([binary("sumo"), *args])
    try:
        c = ctl.TerritoriaController(libsumo, ctl.TerritoriaParams())
        c.setup()
        assert c.short_lanes
        lanes = sorted({*c.upstream, *(u for ups in c.upstream.values() for u in ups)})
        lane = libsumo.lane
        empty = 0
        now = libsumo.simulation.getTime()
        while now < sc.begin + 600:
            libsumo.simulationStep()
            now = libsumo.simulation.getTime()
            c.step(now)
            for ln in lanes:
                if lane.getLastStepVehicleNumber(ln) == 0:
                    empty += 1
                    assert lane.getLastStepHaltingNumber(ln) == 0, (ln, now)
                    wait = lane.getWaitingTime(ln)
                    assert wait == 0.0 and isinstance(wait, float), (ln, now)
    finally:
        libsumo.close()
    assert empty > 1000
