"""Transit signal priority (priorité bus aux feux), on top of a light program run by SUMO.

The lights keep their own program (the network's, or a scenario's); this controller only
stretches or shortens the phase in progress, through TraCI/libsumo, when a bus asks:

- **check-in**: a bus (vehicle class `bus`) asks the next light on its route
  (`vehicle.getNextTLS`) once it is `checkin_m` metres away or less, and not halted at a stop;
  **check-out** when that light is no longer its next one (it has passed) or it left the network;
- **green extension**: the bus's movement is green: the phase is kept green one second at a
  time while the bus is checked in, `max_extension` seconds at most beyond its planned end;
- **early green**: the bus's movement is red and the phase in progress is a green of other
  movements: that phase ends as soon as it has had its minimum green (the program's `minDur`
  when the program sets one, `min_green` otherwise); the program's own yellow and clearance
  phases follow unchanged, and are never shortened;
- **guard**: no extension and no early green at a light where a movement with a halted
  vehicle has been without green for `max_wait` seconds: the cross street is never starved.

Several buses at one light: the first checked in is served first. With no bus, nothing is
ever set: the run is the program's run, bit for bit (tested).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

GREEN = "Gg"


@dataclass
class PriorityParams:
    checkin_m: float = 150.0  # a bus asks for priority this far from the stop line
    max_extension: float = 20.0  # seconds of green added to a phase at most
    min_green: float = 6.0  # an early-ended green lasts this long at least (no minDur given)
    max_wait: float | None = 90.0  # guard: a waiting movement red this long stops priority
    bus_class: str = "bus"


@dataclass
class _Light:
    """What the controller knows of one light: per link its incoming lane, since when each
    link has been without green, and the phase it last extended or ended early."""

    links: list[str]
    state: str = ""
    red_since: list[float | None] = field(default_factory=list)
    extended: tuple[int, float, float] | None = None  # (phase, start, planned end)
    ended_early: tuple[int, float] | None = None  # (phase, start)


class TransitPriorityController:
    def __init__(self, sim, params: PriorityParams | None = None):
        self.sim = sim
        self.params = params or PriorityParams()
        self.lights: dict[str, _Light] = {}
        self.buses: set[str] = set()
        self.requests: dict[str, dict[str, int]] = {}  # light -> {bus: link index}, in order
        self.stats = {
            "checkins": 0,
            "extended_phases": 0,
            "extension_s": 0.0,
            "early_greens": 0,
            "guard_holds": 0,
        }

    def setup(self) -> None:
        tl = self.sim.trafficlight
        now = self.sim.simulation.getTime()
        for tls in tl.getIDList():
            links = [entries[0][0] if entries else "" for entries in tl.getControlledLinks(tls)]
            light = self.lights[tls] = _Light(links=links)
            self._track(tls, light, now)

    # -- bookkeeping -------------------------------------------------------------------------

    def _track(self, tls: str, light: _Light, now: float) -> None:
        """Read the light's state; when it changed, note which links lost or got green."""
        state = self.sim.trafficlight.getRedYellowGreenState(tls)
        if state == light.state:
            return
        if len(light.red_since) != len(state):
            light.red_since = [None if c in GREEN else now for c in state]
        else:
            for i, c in enumerate(state):
                if c in GREEN:
                    light.red_since[i] = None
                elif light.red_since[i] is None:
                    light.red_since[i] = now
        light.state = state

    def _starved(self, light: _Light, now: float) -> bool:
        """A movement with a halted vehicle has been without green for `max_wait` s (less one
        step: the decision taken now shows from the next second)."""
        limit = self.params.max_wait
        if limit is None:
            return False
        lane = self.sim.lane
        return any(
            since is not None
            and now - since >= limit - 1
            and light.links[i]
            and lane.getLastStepHaltingNumber(light.links[i]) > 0
            for i, since in enumerate(light.red_since)
        )

    def _check_in_out(self) -> None:
        sim, p = self.sim, self.params
        for vid in sim.simulation.getDepartedIDList():
            if sim.vehicle.getVehicleClass(vid) == p.bus_class:
                self.buses.add(vid)
        for vid in sim.simulation.getArrivedIDList():
            self.buses.discard(vid)
        asking: dict[str, tuple[str, int]] = {}
        for vid in self.buses:
            upcoming = sim.vehicle.getNextTLS(vid)
            if not upcoming or sim.vehicle.isAtBusStop(vid):
                continue
            tls, link, distance, _state = upcoming[0]
            if distance <= p.checkin_m and tls in self.lights:
                asking[vid] = (tls, link)
        for tls, queue in self.requests.items():
            for vid in [v for v in queue if asking.get(v, ("",))[0] != tls]:
                del queue[vid]  # check-out: passed the light, left, or halted at a stop
        for vid, (tls, link) in sorted(asking.items()):
            queue = self.requests.setdefault(tls, {})
            if vid not in queue:
                self.stats["checkins"] += 1
            # the link may change while checked in: one light can control several junctions
            # of the bus's route (lights joined by netconvert)
            queue[vid] = link

    # -- decisions ---------------------------------------------------------------------------

    def step(self, now: float) -> None:
        for tls, light in self.lights.items():
            self._track(tls, light, now)
        if not self.buses and not self.sim.simulation.getDepartedNumber():
            return
        self._check_in_out()
        for tls, queue in self.requests.items():
            if queue:
                self._serve(tls, self.lights[tls], next(iter(queue.values())), now)

    def _serve(self, tls: str, light: _Light, link: int, now: float) -> None:
        tl, p = self.sim.trafficlight, self.params
        if self._starved(light, now):
            self.stats["guard_holds"] += 1
            return
        phase_index = tl.getPhase(tls)
        start = now - tl.getSpentDuration(tls)
        next_switch = tl.getNextSwitch(tls)
        if light.state[link] in GREEN:
            # green extension, one second at a time, up to max_extension past the planned end
            if light.extended is None or light.extended[:2] != (phase_index, start):
                light.extended = (phase_index, start, next_switch)
            planned = light.extended[2]
            new_end = min(now + 2.0, planned + p.max_extension)
            if new_end > next_switch + 1e-9:
                if next_switch <= planned + 1e-9:
                    self.stats["extended_phases"] += 1
                self.stats["extension_s"] += new_end - max(next_switch, planned)
                tl.setPhaseDuration(tls, new_end - now)
            return
        if "y" in light.state.lower() or not any(c in GREEN for c in light.state):
            return  # yellow or clearance: never shortened
        # early green: the conflicting green ends once it has had its minimum
        logic = self._logic(tls)
        phase = logic.phases[phase_index] if phase_index < len(logic.phases) else None
        minimum = p.min_green
        if phase is not None and 0 < phase.minDur < phase.duration:
            minimum = phase.minDur  # the program's own minimum green
        new_end = max(now, start + minimum)
        if new_end < next_switch - 1e-9:
            if light.ended_early != (phase_index, start):
                light.ended_early = (phase_index, start)
                self.stats["early_greens"] += 1
            tl.setPhaseDuration(tls, new_end - now)

    def _logic(self, tls: str):
        tl = self.sim.trafficlight
        program = tl.getProgram(tls)
        logics = tl.getAllProgramLogics(tls)
        return next((lg for lg in logics if lg.programID == program), logics[0])


def run(args: list[str], params: dict, cwd: str, end: float) -> dict:
    """One SUMO run (`sumo` command-line arguments, without the binary) with transit signal
    priority, through libsumo; the controller's counts. Call it in a process of its own:
    libsumo is one simulation per process and sets PROJ_LIB for the whole process."""
    import libsumo as sim

    from territoria.mobilite import sumo

    os.chdir(cwd)
    controller = None
    sim.start([sumo.binary("sumo"), *args])
    try:
        controller = TransitPriorityController(sim, PriorityParams(**params))
        controller.setup()
        now = sim.simulation.getTime()
        # the same end as the `sumo` program with `--end`: that time, even once the network
        # is empty (the edge outputs are averaged over the whole interval)
        while now < end:
            sim.simulationStep()
            now = sim.simulation.getTime()
            controller.step(now)
    finally:
        sim.close()
    return {**controller.stats, "params": asdict(controller.params)}


def run_in_child(args: list[str], params: dict, cwd: str, end: float) -> dict:
    """`run` in a process of its own (`python -m territoria.mobilite.signals.tsp`): nothing
    shared with the caller (the web process, the worker, a test), which libsumo would touch."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    import territoria
    from territoria.mobilite.sumo import SumoError

    package_root = str(Path(territoria.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = package_root + (
        os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else ""
    )
    request = json.dumps({"args": args, "params": params, "cwd": cwd, "end": end})
    done = subprocess.run(
        [sys.executable, "-m", "territoria.mobilite.signals.tsp"],
        input=request, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise SumoError(f"sumo (priorité bus aux feux) : {tail[:600]}")
    return json.loads(lines[-1])


if __name__ == "__main__":
    import json
    import sys

    job = json.loads(sys.stdin.read())
    print(json.dumps(run(job["args"], job["params"], job["cwd"], job["end"])))
