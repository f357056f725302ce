"""Coordinated time-of-day plans (plans.py): groups of linked signals, a common cycle, offsets
for a green wave, their export and their replay on SUMO's clock."""

from __future__ import annotations

import json
import math
import subprocess
import xml.etree.ElementTree as ET

import pytest
import sumolib

from territoria.mobilite.signals import plans as plans_mod
from territoria.mobilite.signals.evaluate import run_one
from territoria.mobilite.signals.sumoenv import binary, resco, sumo_home


def _record(states, links, out_links, counts, begin, yellow=3.0, all_red=1.0):
    return {
        "greens": [(0, begin, begin + 450), (1, begin + 454, begin + 900)],
        "states": states,
        "links": links,
        "out_links": out_links,
        "yellow": yellow,
        "all_red": all_red,
        "counts": {lane: {str(begin): n} for lane, n in counts.items()},
    }


def test_signal_links_and_groups_on_cologne3():
    """cologne3: 360082 and 360086 are 246 m apart, 360086 and the cluster 282 m (measured
    once on the network): one group of three; at 250 m only the first pair is linked."""
    sc = resco("cologne3")
    ids = ["360082", "360086", "GS_cluster_2415878664_254486231_359566_359576"]
    links = plans_mod.signal_links(sc.net, ids)
    assert links[("360086", "360082")]["distance"] == pytest.approx(246, abs=2)
    # free-flow time = length / speed limit of the edges on the path
    assert 10 < links[("360086", "360082")]["time"] < 30
    assert plans_mod.signal_groups(links) == [sorted(ids)]
    near = plans_mod.signal_links(sc.net, ids, max_distance=250)
    assert plans_mod.signal_groups(near) == [["360082", "360086"]]


def test_common_cycle_and_offsets_along_a_link_with_a_known_travel_time():
    """Two signals, A upstream of B by a link of 20 s: the heavier direction is A -> B (300
    vehicles against 60); B's cycle is the longer, A's greens are rescaled to it; B's phase 1
    (which serves the link) starts its green 20 s after A's phase 0 (which feeds it)."""
    sc = resco("cologne1")
    b = float(sc.begin)
    recs = {
        # A: phase 0 sends lane a0 onto edge L (the link), phase 1 serves a1
        "A": _record(["Gr", "rG"], ["a0_0", "a1_0"], ["L_0", "x_0"], {"a0_0": 300, "a1_0": 40}, b),
        # B: phase 0 serves b0 (heavy), phase 1 the link's lane L_0
        "B": _record(["Gr", "rG"], ["b0_0", "L_0"], ["y_0", "z_0"], {"b0_0": 360, "L_0": 300}, b),
    }
    isolated = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
    cycles = {t: p["periods"][0]["cycle"] for t, p in isolated.items()}
    assert cycles["B"] > cycles["A"]
    links = {
        ("A", "B"): {"distance": 250.0, "time": 20.0, "first": "L", "last": "L"},
        ("B", "A"): {"distance": 250.0, "time": 20.0, "first": "M", "last": "a1"},
    }
    plans = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
    plans_mod.coordinate_plans(plans, recs, links)
    a, bb = plans["A"]["periods"][0], plans["B"]["periods"][0]
    # the longest cycle, to the second above; whole seconds (SUMO steps by the second)
    assert a["cycle"] == bb["cycle"] == math.ceil(cycles["B"])
    assert all(g == int(g) for g in (*a["greens"], *bb["greens"], a["offset"], bb["offset"]))
    lost = 2 * (3.0 + 1.0)
    for p in (a, bb):
        assert sum(p["greens"]) + lost == pytest.approx(p["cycle"], abs=1e-6)
    # A's split kept: same proportions as its isolated plan
    old = isolated["A"]["periods"][0]["greens"]
    assert a["greens"][0] / a["greens"][1] == pytest.approx(old[0] / old[1], rel=0.02)
    # green wave: B's phase 1 starts when A's phase 0 platoon arrives
    start_a = a["offset"] + plans_mod.green_starts(plans["A"], a)[0]
    start_b = bb["offset"] + plans_mod.green_starts(plans["B"], bb)[1]
    gap = (start_b - start_a - 20.0) % a["cycle"]
    assert min(gap, a["cycle"] - gap) <= 0.5  # offsets in whole seconds
    assert a["offset"] != 0.0 or bb["offset"] != 0.0  # the old plans: offset 0 everywhere
    # without offsets: the common cycle only
    plans = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
    plans_mod.coordinate_plans(plans, recs, links, offsets=False)
    assert {p["periods"][0]["offset"] for p in plans.values()} == {0.0}
    assert plans["A"]["periods"][0]["cycle"] == math.ceil(cycles["B"])
    # a signal without neighbour keeps its own plan
    plans = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
    plans_mod.coordinate_plans(plans, recs, {})
    assert plans == isolated


def test_unknown_coordination_named():
    sc = resco("cologne1")
    with pytest.raises(ValueError, match="offsets"):
        plans_mod.build_plans({}, sc, coordinate="green")


def _tls_states(sc, add, tmp_path, tls, seconds):
    """SUMO's own states of `tls` each second, running the additional file `add`."""
    events = tmp_path / "events.add.xml"
    events.write_text(
        f'<additional><timedEvent type="SaveTLSStates" source="{tls}" dest="states.xml"/>'
        "</additional>"
    )
    sumo_home()
    subprocess.run(
        [
            binary("sumo"),
            "-n",
            str(sc.net),
            "-a",
            f"{add},{events}",
            "-b",
            str(sc.begin),
            "-e",
            str(sc.begin + seconds),
            "--no-step-log",
            "--no-warnings",
        ],
        check=True,
        capture_output=True,
    )
    root = ET.parse(tmp_path / "states.xml").getroot()
    return [(float(el.get("time")), el.get("state")) for el in root]


def test_exported_offsets_are_those_sumo_runs_and_the_replay_follows(tmp_path):
    """The SUMO additional carries each period's offset; SUMO, loading it, shows at every
    second the state `state_at` (the replay's clock) gives — through a WAUT switch to a
    program of another cycle and offset too; with the offset's sign reversed it does not."""
    sc = resco("cologne3")
    tls = "360082"
    links = max(k for _, _, k in sumolib.net.readNet(str(sc.net)).getTLS(tls).getConnections())
    states = ["g" * (links + 1), "r" * (links + 1)]
    b = float(sc.begin)
    periods = [
        {"begin": b, "end": b + 100, "cycle": 40.0, "greens": [20.0, 14.0], "offset": 13.0},
        {"begin": b + 100, "end": b + 300, "cycle": 50.0, "greens": [25.0, 19.0], "offset": 31.0},
    ]
    plan = {"states": states, "yellow": 3.0, "all_red": 3.0, "periods": periods}
    add = plans_mod.write_sumo_additional({tls: plan}, tmp_path / "plans.add.xml")
    root = ET.parse(add).getroot()
    assert [float(el.get("offset")) for el in root.iter("tlLogic")] == [13.0, 31.0]
    shown = _tls_states(sc, add, tmp_path, tls, 300)
    assert len(shown) >= 290

    def period(t):
        return periods[0] if t < b + 100 else periods[1]

    assert all(plans_mod.state_at(plan, period(t), t) == s for t, s in shown)
    reversed_sign = [
        plans_mod.state_at(plan, {**period(t), "offset": -period(t)["offset"]}, t) == s
        for t, s in shown
    ]
    assert not all(reversed_sign)


def test_coordinated_plans_of_an_adaptive_run_exported_with_their_offsets(tmp_path):
    """cologne3, 5 minutes of Territoria's controller: with `coordinate="offsets"` its three
    linked signals share one cycle and the export carries non-zero offsets SUMO loads; by
    default ("coupled", the rule of mobilite_signals_coupling_rule.md) its light links couple
    nothing: the isolated plans, offset 0."""
    sc = resco("cologne3")
    raw = tmp_path / "greens.json"
    run_one("cologne3", "territoria", horizon=300, plans_out=str(raw))
    recorded = json.loads(raw.read_text())
    assert all(len(r["out_links"]) == len(r["links"]) for r in recorded.values())
    plans = plans_mod.build_plans(recorded, sc, end=sc.begin + 300, coordinate="offsets")
    firsts = [p["periods"][0] for p in plans.values()]
    assert len({p["cycle"] for p in firsts}) == 1
    add = plans_mod.write_sumo_additional(plans, tmp_path / "plans.add.xml")
    offsets = [float(el.get("offset")) for el in ET.parse(add).getroot().iter("tlLogic")]
    assert len(offsets) == 3 and any(offsets)
    assert _tls_states(sc, add, tmp_path, next(iter(plans)), 60)
    default = plans_mod.build_plans(recorded, sc, end=sc.begin + 300)
    assert {p["periods"][0]["offset"] for p in default.values()} == {0.0}
    assert default == plans_mod.build_plans(recorded, sc, end=sc.begin + 300, coordinate="none")


def _two_signals(b):
    """A upstream of B: 200 vehicles A -> B (counted on B's lane of the link) and 40 B -> A
    (on A's lane a1_0) in the 15-minute period, i.e. 960 veh/h both ways; Webster cycles 69.5
    s (A) and 60 s (B, the shortest allowed)."""
    return {
        "A": _record(["Gr", "rG"], ["a0_0", "a1_0"], ["L_0", "x_0"], {"a0_0": 300, "a1_0": 40}, b),
        "B": _record(["Gr", "rG"], ["b0_0", "L_0"], ["y_0", "z_0"], {"b0_0": 100, "L_0": 200}, b),
    }


def _links(distance):
    return {
        ("A", "B"): {"distance": distance, "time": 20.0, "first": "L", "last": "L"},
        ("B", "A"): {"distance": distance, "time": 20.0, "first": "M", "last": "a1"},
    }


def test_coupling_index_is_fhwa_two_way_volume_over_squared_miles():
    # 1 000 veh/h over one mile: 1; over a tenth of a mile: 100
    assert plans_mod.coupling_index(1000.0, 1609.344) == pytest.approx(1.0)
    assert plans_mod.coupling_index(1000.0, 160.9344) == pytest.approx(100.0)
    sc = resco("cologne1")
    b = float(sc.begin)
    recs = _two_signals(b)
    pair = plans_mod.link_coupling(recs, _links(200.0), str(b), 0.25)[("A", "B")]
    assert pair["volume"] == pytest.approx(960.0)
    # 0.96 / (200 / 1609.344)² = 62.2: above 50, coupled; at 400 m 15.5: not coupled
    assert pair["index"] == pytest.approx(62.16, abs=0.01)
    far = plans_mod.link_coupling(recs, _links(400.0), str(b), 0.25)[("A", "B")]
    assert far["index"] == pytest.approx(15.54, abs=0.01)


def test_coupled_plans_coordinate_only_strong_links_with_compatible_cycles():
    """Above the threshold the "coupled" plans are those of "offsets" on the same links; below
    it, or when the longer Webster cycle exceeds 1.5 times the shorter, the isolated ones."""
    sc = resco("cologne1")
    b = float(sc.begin)
    recs = _two_signals(b)
    isolated = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
    cycles = sorted(p["periods"][0]["cycle"] for p in isolated.values())
    assert cycles[1] <= 1.5 * cycles[0]  # compatible as counted

    def built(distance, coupled=True):
        plans = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
        plans_mod.coordinate_plans(plans, recs, _links(distance), coupled=coupled)
        return plans

    strong = built(200.0)
    assert strong == built(200.0, coupled=False)
    assert strong != isolated
    assert strong["A"]["periods"][0]["cycle"] == strong["B"]["periods"][0]["cycle"]
    assert built(400.0) == isolated  # CI 15.5 < 50
    assert built(400.0, coupled=False) != isolated  # what "offsets" would have done
    # incompatible cycles: B's Webster cycle made shorter than A's / 1.5
    plans = plans_mod.build_plans(recs, sc, end=b + 900, coordinate="none")
    plans["B"]["periods"][0]["cycle"] = cycles[1] / 1.6
    assert plans_mod.coupled_groups(plans, recs, _links(200.0), 0) == []
    plans["B"]["periods"][0]["cycle"] = cycles[1] / 1.4
    [(group, links)] = plans_mod.coupled_groups(plans, recs, _links(200.0), 0)
    assert group == ["A", "B"] and set(links) == {("A", "B"), ("B", "A")}


def test_coupled_plans_of_an_adaptive_run_on_cologne3(tmp_path):
    """cologne3, 5 minutes of Territoria's controller: `coordinate="coupled"` gives, per
    period, a common cycle inside each group coupled_groups finds (a subset of the "offsets"
    group), the isolated plan elsewhere, and an export SUMO runs."""
    sc = resco("cologne3")
    raw = tmp_path / "greens.json"
    run_one("cologne3", "territoria", horizon=300, plans_out=str(raw))
    recorded = json.loads(raw.read_text())
    end = sc.begin + 300
    isolated = plans_mod.build_plans(recorded, sc, end=end, coordinate="none")
    coupled = plans_mod.build_plans(recorded, sc, end=end, coordinate="coupled")
    links = plans_mod.signal_links(sc.net, list(recorded))
    [everyone] = plans_mod.coordination_groups(recorded, sc)
    groups = plans_mod.coupled_groups(isolated, recorded, links, 0)
    coordinated = {tls for group, _ in groups for tls in group}
    assert coordinated <= set(everyone)
    coupling = plans_mod.link_coupling(recorded, links, str(float(sc.begin)), 300 / 3600)
    for group, group_links in groups:
        assert len({coupled[t]["periods"][0]["cycle"] for t in group}) == 1
        assert all(coupling[tuple(sorted(p))]["index"] > 50 for p in group_links)
    for tls in set(recorded) - coordinated:
        assert coupled[tls] == isolated[tls]
    add = plans_mod.write_sumo_additional(coupled, tmp_path / "plans.add.xml")
    assert _tls_states(sc, add, tmp_path, next(iter(coupled)), 60)
