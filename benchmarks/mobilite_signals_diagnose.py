"""Diagnostic run of one light controller on a RESCO network (where is the delay lost?).

    nice -n 19 env OMP_NUM_THREADS=1 PYTHONPATH=$PWD/src:$PWD python -m \
        benchmarks.mobilite_signals_diagnose ingolstadt21 territoria 0 1.2 OUT_DIR \
        ['{"lane_max_green": true, "_tag": "lmg"}']
    # then, per edge and per downstream signal, B against A:
    python -m benchmarks.mobilite_signals_diagnose --compare OUT_DIR/actuated_s0_x1.2.edge.xml \
        OUT_DIR/territoria_s0_x1.2.edge.xml ingolstadt21

Writes SUMO's per-edge totals (`--edgedata-output`: time lost, vehicles entered), the warnings
(teleports with their lane and cause) and the trip information, and prints the RESCO delay.
Development seeds only (0, 3): this is how the ingolstadt21 diagnosis of
docs/mobilite-signals.md was made.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from territoria.mobilite.signals import evaluate as ev
from territoria.mobilite.signals.sumoenv import binary, resco, sumo_home


def run(net, controller, seed, scale, out, params=None, horizon=None) -> dict:
    sumo_home()
    sc = resco(net)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    params = dict(params or {})
    tag = f"{controller}_s{seed}_x{scale}" + (f"_{params.pop('_tag')}" if "_tag" in params else "")
    trip = out / f"{tag}.trip.xml"
    stats = out / f"{tag}.stats.xml"
    rebuilt = controller == "actuated" or params.get("phase_design") == "rebuilt"
    netf = ev.actuated_net(sc) if rebuilt else None
    args = [a for a in ev.sumo_args(sc, seed, scale, trip, net=netf, horizon=horizon)]
    args.remove("--no-warnings")
    args += ["--statistic-output", str(stats), "--edgedata-output", str(out / f"{tag}.edge.xml")]
    t0 = time.perf_counter()
    if controller in ("fixed", "actuated"):
        subprocess.run([binary("sumo"), *args], check=True)
    else:
        import libsumo as sim

        from territoria.mobilite.signals import controllers as ctl

        cls, pcls = ctl.CONTROLLERS[controller]
        args += ["-a", str(ev.detectors_additional(sc, net=netf))]
        sim.start([binary("sumo"), *args])
        try:
            c = cls(sim, pcls(**params))
            c.setup()
            end = sc.begin + (horizon or (sc.end - sc.begin))
            now = sim.simulation.getTime()
            while now < end:
                sim.simulationStep()
                now = sim.simulation.getTime()
                c.step(now)
        finally:
            sim.close()
    r = ev.read_delays(trip)
    r.update(tag=tag, wall=round(time.perf_counter() - t0, 1), teleports=ev._read_teleports(stats))
    return r


def _edges(path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for interval in ET.parse(path).getroot():
        for e in interval:
            out[e.get("id")] = {k: float(e.get(k, 0)) for k in ("timeLoss", "entered")}
    return out


def compare(a_path, b_path, net) -> None:
    import sumolib

    a, b = _edges(a_path), _edges(b_path)
    network = sumolib.net.readNet(str(resco(net).net))

    def downstream_signal(eid: str) -> str:
        # the first signalised node downstream, through unsignalised nodes, within 400 m
        e, dist, seen = network.getEdge(eid), 0.0, set()
        while e is not None and dist < 400 and e.getID() not in seen:
            seen.add(e.getID())
            node = e.getToNode()
            if node.getType() == "traffic_light":
                return node.getID()
            outs = list(e.getOutgoing())
            if not outs:
                return "-"
            dist += e.getLength()
            e = outs[0]
        return "-"

    per_node: dict[str, list[float]] = {}
    for eid in set(a) | set(b):
        node = downstream_signal(eid) if network.hasEdge(eid) else "?"
        tot = per_node.setdefault(node, [0.0, 0.0])
        tot[0] += a.get(eid, {}).get("timeLoss", 0.0)
        tot[1] += b.get(eid, {}).get("timeLoss", 0.0)
    print("signalised node (or - : none within 400 m)   time lost A   B   B - A (s)")
    for node, (x, y) in sorted(per_node.items(), key=lambda kv: kv[1][1] - kv[1][0]):
        print(f"{node[:40]:42s} {x:10.0f} {y:10.0f} {y - x:10.0f}")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--compare":
        compare(*argv[1:4])
        return 0
    net, controller, seed, scale, out = argv[:5]
    params = json.loads(argv[5]) if len(argv) > 5 else None
    print(json.dumps(run(net, controller, int(seed), float(scale), out, params)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
