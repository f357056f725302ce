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
    sim.lane.getLength(lane), getEdgeID(lane)
    sim.lane.getLastStepVehicleNumber(lane)                vehicles on the lane (counts)
    sim.lane.getLastStepHaltingNumber(lane)                vehicles stopped (< 0.1 m/s)
    sim.lane.getWaitingTime(lane)                          sum of their waiting times (s)
    sim.inductionloop.getIDList()                          loops named `tdet_<lane>`
    sim.inductionloop.getTimeSinceDetection(loop)          the gap, seconds

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


class _Lights:
    def __init__(self, sim, log: list):
        self._sim = sim
        self._log = log

    def __getattr__(self, name):
        return getattr(self._sim.trafficlight, name)

    def setRedYellowGreenState(self, tls: str, state: str) -> None:
        self._log.append((self._sim.simulation.getTime(), tls, state))
        self._sim.trafficlight.setRedYellowGreenState(tls, state)


class RecordingAdapter:
    """Any `sim` (libsumo, traci, a field adapter) with the log of every state sent."""

    def __init__(self, sim):
        self._sim = sim
        self.log: list[tuple[float, str, str]] = []
        self.trafficlight = _Lights(sim, self.log)

    def __getattr__(self, name):
        return getattr(self._sim, name)
