"""The adapter interface for real traffic-light controllers.

The controllers of `controllers.py` talk to the world through a `sim` object with the subset of
the TraCI/libsumo API below, and nothing else. In simulation, `sim` is the `libsumo` module. For
a real intersection, an adapter implements the same subset on top of the controller's own
protocol (no vendor protocol is required now): detector loops give the counts and gaps, the
controller's signal groups receive the state string. Each method is called once per second at
most.

    sim.simulation.getTime() -> float                     seconds, monotonic
    sim.simulation.getPendingVehicles() -> list[str]       may return [] (no insertion data)
    sim.vehicle.getRoute(vid) -> list[str]                 only for pending vehicles
    sim.trafficlight.getIDList() -> list[str]
    sim.trafficlight.getProgram(tls) -> str
    sim.trafficlight.getAllProgramLogics(tls) -> [logic]   logic.programID, logic.phases[i]
                                                           .state / .duration
    sim.trafficlight.getControlledLinks(tls) -> [[(in_lane, out_lane, via)], ...]
    sim.trafficlight.setRedYellowGreenState(tls, state)    one character per signal group
    sim.trafficlight.getRedYellowGreenState(tls)          only with feed_gate (off)
    sim.lane.getIDList(), getLinks(lane)                   the lane graph (at start-up only):
                                                           getLinks -> [(next_lane, ...)]
    sim.lane.getLength(lane), getEdgeID(lane)
    sim.lane.getLastStepVehicleNumber(lane)                vehicles on the lane (counts)
    sim.lane.getLastStepHaltingNumber(lane)                vehicles stopped (< 0.1 m/s)
    sim.lane.getWaitingTime(lane)                          sum of their waiting times (s)
                                                           (on a lane counted empty, these two
                                                           are taken as 0 without a call)
    sim.lane.getLastStepVehicleIDs(lane)                   only on a lane shared by movements
                                                           green at different times: its first
    sim.vehicle.getNextTLS(vid) -> [(tls, link, d, st)]    vehicle's movement (may return [])
    sim.inductionloop.getIDList()                          loops named `tdet_<lane>`
    sim.inductionloop.getTimeSinceDetection(loop)          the gap, seconds

`INTERFACE` below is this list; `RecordingAdapter(sim, strict=True)` refuses any other call, so
a test shows the controllers use nothing more.

`RecordingAdapter` below is the minimal example: it wraps any such `sim` and keeps the log of
the states sent, which is what a field deployment would audit (a test checks with it that every
green that ends shows yellow).
"""

from __future__ import annotations

from typing import Any, Protocol


class Lights(Protocol):
    def getIDList(self) -> list[str]: ...
    def getProgram(self, tls: str) -> str: ...
    def getAllProgramLogics(self, tls: str) -> list[Any]: ...
    def getControlledLinks(self, tls: str) -> list[list[tuple[str, str, str]]]: ...
    def setRedYellowGreenState(self, tls: str, state: str) -> None: ...


INTERFACE: dict[str, frozenset[str]] = {
    "simulation": frozenset({"getTime", "getPendingVehicles"}),
    "vehicle": frozenset({"getRoute", "getNextTLS"}),
    "trafficlight": frozenset(
        {
            "getIDList",
            "getProgram",
            "getAllProgramLogics",
            "getControlledLinks",
            "setRedYellowGreenState",
            "getRedYellowGreenState",
        }
    ),
    "lane": frozenset(
        {
            "getIDList",
            "getLinks",
            "getLength",
            "getEdgeID",
            "getLastStepVehicleNumber",
            "getLastStepHaltingNumber",
            "getWaitingTime",
            "getLastStepVehicleIDs",
        }
    ),
    "inductionloop": frozenset({"getIDList", "getTimeSinceDetection"}),
}


class _Domain:
    """One TraCI domain restricted to the calls of `INTERFACE`."""

    def __init__(self, domain, name: str):
        self._domain = domain
        self._name = name

    def __getattr__(self, attr):
        if attr not in INTERFACE[self._name]:
            raise AttributeError(f"{self._name}.{attr} n'est pas dans l'interface d'adaptateur")
        return getattr(self._domain, attr)


class _Lights:
    def __init__(self, sim, log: list, strict: bool = False):
        self._sim = sim
        self._log = log
        self._tl = _Domain(sim.trafficlight, "trafficlight") if strict else sim.trafficlight

    def __getattr__(self, name):
        return getattr(self._tl, name)

    def setRedYellowGreenState(self, tls: str, state: str) -> None:
        self._log.append((self._sim.simulation.getTime(), tls, state))
        self._sim.trafficlight.setRedYellowGreenState(tls, state)


class RecordingAdapter:
    """Any `sim` (libsumo, traci, a field adapter) with the log of every state sent."""

    def __init__(self, sim, strict: bool = False):
        self._sim = sim
        self._strict = strict
        self.log: list[tuple[float, str, str]] = []
        self.trafficlight = _Lights(sim, self.log, strict)

    def __getattr__(self, name):
        if not self._strict:
            return getattr(self._sim, name)
        if name not in INTERFACE:
            raise AttributeError(f"{name} n'est pas dans l'interface d'adaptateur")
        return _Domain(getattr(self._sim, name), name)
