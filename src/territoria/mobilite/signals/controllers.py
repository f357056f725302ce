"""Live traffic-light controllers, driven through libsumo/TraCI one simulated second at a time.

Both controllers here keep the intersection's own green phases (the phases of the program in the
network file that show no yellow) and add the clearance the law asks for between two greens:
each movement that loses its green shows yellow for the intersection's own yellow time (taken
from its program), then red for `all_red` seconds before any conflicting movement gets green.
A movement green in both phases stays green. Every green lasts at least `min_green` and at most
`max_green` seconds (a phase with waiting vehicles is never starved).

- `MaxPressure`: the textbook controller (Varaiya 2013, as in RESCO): every `step` seconds, the
  green phase with the largest pressure (vehicles on the incoming lanes minus vehicles on the
  outgoing lanes of its movements) — with minimum and maximum greens and clearance.
- `TerritoriaController`: queue- and wait-based adaptive control. The score of a phase is the
  sum, over the incoming lanes it serves, of (halting + moving vehicles + accumulated waiting
  time / `wait_scale` + vehicles waiting to enter the network on that lane's edge), each lane
  weighted by the room left downstream (a movement whose exit lane is full gains nothing from
  green: no spillback into the junction). The current green is kept while its own lanes still
  discharge (gap-out logic of actuated control) and it stays competitive; it is left as soon as
  it is empty or another phase's score exceeds it by `switch_ratio`. No training is needed.

The interface is `sim` = the `libsumo` (or `traci`) module, so the same code drives a real
controller adapter (see `adapter.py`).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import sys
import warnings
from dataclasses import dataclass, field
from itertools import compress, starmap
from operator import itemgetter
from pathlib import Path
from typing import Any

GREEN = "Gg"


@dataclass
class TerritoriaParams:
    """The controller's settings. Chosen on seed 0 at demand ×1.0 (see docs/mobilite-signals.md)
    and then frozen: every other seed and demand scale is held out."""

    min_green: float = 6.0
    max_green: float = 60.0
    all_red: float = 0.0
    # "native": the green phases of the network's own programs; "rebuilt": those netconvert
    # builds (`--tls.rebuild`, the same as the actuated baseline's)
    phase_design: str = "native"
    w_halt: float = 1.0
    w_move: float = 0.5
    wait_scale: float = 60.0
    w_pending: float = 1.0
    switch_ratio: float = 3.0
    switch_margin: float = 0.5
    spill_threshold: float = 0.85
    spill_min_vehicles: float = 3.0
    spill_floor: float = 0.1
    gap: float = 3.0
    head_aware: bool = True
    upstream_m: float = 250.0
    spill_back_share: float = 0.5
    blocked_head_weight: float = 0.1
    min_green_contested: float = 10.0
    # the contested comparison (another phase × switch_ratio) is made at min_green_contested,
    # then every `contest_every` seconds (gap-out and maximum green: every second)
    contest_every: int = 1
    # after a "nobody else waits" scoring, the signal is scored again `idle_every` s later
    idle_every: float = 1.0
    # a short link between two signals: when its queue fills it, the vehicles halted on the
    # upstream signal's lanes that feed it count for it too (times this share; 0: off) — the
    # green of the downstream signal is what unblocks the upstream one
    spill_feed_share: float = 1.0
    # an incoming lane shorter than this (m) cannot hold its own queue (two junctions a few
    # metres apart: vehicles wait on the junction before it and upstream): its approach always
    # counts the lanes upstream, even when the lane itself is empty; 0: off
    short_lane_m: float = 15.0
    # the signal feeders of a lane count only while their own signal shows green towards it
    # (then all their vehicles count, moving ones too: they are on their way); red: not at all
    # — a green for a short link whose upstream signal is red serves nobody
    feed_gate: bool = False
    # with feed_gate: count the feeders' moving vehicles too (True) or their halted ones only
    feed_moving: bool = True
    # the signal feeders of a short lane count only while the lane itself holds stopped
    # vehicles (as for a longer lane: its queue fills it), not merely because it is short —
    # otherwise two signals joined by short links both give green to the empty links, each
    # for the other's queue at red, and neither serves the queues (ingolstadt21: 243641585 /
    # gneJ257 by 174800513, see docs/mobilite-signals.md)
    feed_when_filling: bool = False
    # the maximum green holds per lane, not only per phase: a lane green without a break for
    # `max_green` (through several phases that all serve it) no longer counts for any phase
    # until it has been red — otherwise two overlapping phases (a permissive then a protected
    # left, both serving the same approach) alternate and starve the third. Which lanes:
    # False: none; True / "all": every lane (costs cologne3 +19 %: an artery rightly stays
    # green through two phases); "short_fed": short lanes fed by another signal; "coupled":
    # the short links joining two signals that feed each other (see `coupled_links`);
    # "coupled_signals": every incoming lane of such signals; "joint" (default since mob14v):
    # every incoming lane of the signals decided in pairs (`joint_pair_m`)
    lane_max_green: bool | str = "joint"
    # the credit a short link gets for another signal's queue (spill_feed_share) stops once
    # the link has been green without a break for `max_green`: a minute of green that has not
    # emptied the upstream queue shows that the upstream signal, not this one, holds it (two
    # signals joined by short links otherwise serve the empty links for ever, each for the
    # other's queue at red)
    feed_max_green: bool = False
    # "no blocked entries": an exit lane that holds fewer vehicles than `spill_min_vehicles`
    # (under 20 m) is full once it holds as many stopped vehicles as fit in it (7.5 m each, the
    # last without its gap) — otherwise such a lane is never full, and a green into it stops
    # vehicles inside the junction (ingolstadt21: 30624898 / 30503246, joined by 15.35 m links
    # that hold 2). True: every such exit; "signal": only those that enter another signal (a
    # link between two signals, its queue made by that signal's red; the default since mob14v,
    # with the three options below). True: rejected with the per-lane maximum green of
    # coupled signals (loses on ingolstadt7, docs/mobilite-signals.md, 4 December, mob14q)
    short_exit_full: bool | str = "signal"
    # "one junction cut in two": two signals joined both ways by links shorter than this (m)
    # are decided together, as one junction — one decision picks a pair of phases from both
    # signals' queues, a movement into a link counting as free when the other signal's phase
    # serves that link (the vehicles go on through) and by the link's free places otherwise;
    # the mutual queue credit (spill_feed_share) is not used between them. 0: off. Default
    # 15 m (= short_lane_m): ingolstadt21's 243641585 / gneJ257 (12 m); 20 m would add
    # 30624898 / 30503246 (15.35 m), rejected on the development seeds (docs/mobilite-signals.md,
    # session mob14v)
    joint_pair_m: float = 15.0
    # the contest of a joint pair: "sum": another pair of phases must outscore the current
    # pair's total × switch_ratio (the first try: a signal's change is held by its partner's
    # queue — rejected, docs/mobilite-signals.md); "changed": what the new pair scores, less
    # the current shares of the signal that keeps its phase, against the current shares of
    # the signal(s) that change (each signal contests as alone, with the joint rooms)
    joint_contest: str = "sum"
    # every connection of a link index: a signal group (one index of the state string) can
    # control several connections, from several lanes; `Intersection` keeps the first one
    # only, so the other lanes' queues count nowhere (ingolstadt21's 243641585: the second
    # lanes of its two loaded approaches, 23166741#5_2 and -201201945#0.78_2; no other
    # signal of the six RESCO networks). True (default since mob14v): all of them are the
    # signal's movements
    all_connections: bool = True


@dataclass
class MaxPressureParams:
    step: float = 5.0
    min_green: float = 5.0
    max_green: float = 60.0
    all_red: float = 0.0


def _yellow_time(phases) -> float:
    yellows = [p.duration for p in phases if "y" in p.state.lower()]
    if not yellows:
        return 3.0
    return float(min(max(max(yellows), 3.0), 6.0))


@dataclass
class Intersection:
    """One signalised intersection: its green phases, movements and clearance timing."""

    tls_id: str
    greens: list[str]
    yellow: float
    # per link index: (incoming lane, outgoing lane)
    links: list[tuple[str, str]]
    # per green phase: incoming lanes served and, per lane, its outgoing lanes
    served: list[dict[str, list[str]]] = field(default_factory=list)
    in_lanes: list[str] = field(default_factory=list)
    out_lanes: list[str] = field(default_factory=list)

    @classmethod
    def from_sim(cls, sim, tls_id: str) -> Intersection:
        program = sim.trafficlight.getProgram(tls_id)
        logics = sim.trafficlight.getAllProgramLogics(tls_id)
        logic = next((lg for lg in logics if lg.programID == program), logics[0])
        greens: list[str] = []
        for phase in logic.phases:
            state = phase.state
            if "y" in state.lower() or not any(c in GREEN for c in state):
                continue
            if state not in greens:
                greens.append(state)
        links: list[tuple[str, str]] = []
        for entries in sim.trafficlight.getControlledLinks(tls_id):
            if entries:
                links.append((entries[0][0], entries[0][1]))
            else:
                links.append(("", ""))
        inter = cls(tls_id=tls_id, greens=greens, yellow=_yellow_time(logic.phases), links=links)
        ins: set[str] = set()
        outs: set[str] = set()
        for state in greens:
            served: dict[str, list[str]] = {}
            for i, c in enumerate(state):
                if c in GREEN and i < len(links) and links[i][0]:
                    served.setdefault(links[i][0], []).append(links[i][1])
                    ins.add(links[i][0])
                    outs.add(links[i][1])
            inter.served.append(served)
        inter.in_lanes = sorted(ins)
        inter.out_lanes = sorted(outs)
        return inter

    def yellow_state(self, a: int, b: int) -> str:
        sa, sb = self.greens[a], self.greens[b]
        return "".join(
            (x if y in GREEN else "y") if x in GREEN else "r" for x, y in zip(sa, sb, strict=True)
        )

    def red_state(self, a: int, b: int) -> str:
        sa, sb = self.greens[a], self.greens[b]
        return "".join(
            x if (x in GREEN and y in GREEN) else "r" for x, y in zip(sa, sb, strict=True)
        )


class _PhaseMachine:
    """Green → yellow → all-red → green, with the record of every green (for the plans)."""

    def __init__(self, sim, inter: Intersection, all_red: float, now: float):
        self.sim = sim
        self.inter = inter
        self.all_red = all_red
        self.current = 0
        # (Any, not `int | None`: the compiled module would read it as an int once tested)
        self.target: Any = None
        self.green_since = now
        self.transition_until = 0.0
        self.red_from = 0.0
        self.greens_log: list[tuple[int, float, float]] = []  # (phase, start, end)
        # the clearance states of each pair of phases, built once (a string per signal group)
        self._clearance: dict[tuple[int, int], tuple[str, str]] = {}
        sim.trafficlight.setRedYellowGreenState(inter.tls_id, inter.greens[0])

    def clearance(self, a: int, b: int) -> tuple[str, str]:
        """The yellow and all-red states from green phase `a` to `b`."""
        states = self._clearance.get((a, b))
        if states is None:
            states = self._clearance[(a, b)] = (
                self.inter.yellow_state(a, b),
                self.inter.red_state(a, b),
            )
        return states

    @property
    def in_transition(self) -> bool:
        return self.target is not None

    def green_time(self, now: float) -> float:
        return now - self.green_since

    def switch(self, nxt: int, now: float) -> None:
        if nxt == self.current or self.target is not None:
            return
        self.greens_log.append((self.current, self.green_since, now))
        self.target = nxt
        self.red_from = now + self.inter.yellow
        self.transition_until = self.red_from + self.all_red
        self.sim.trafficlight.setRedYellowGreenState(
            self.inter.tls_id, self.clearance(self.current, nxt)[0]
        )

    def advance(self, now: float) -> None:
        if self.target is None:
            return
        if now >= self.transition_until - 1e-9:
            self.current = self.target
            self.target = None
            self.green_since = now
            self.sim.trafficlight.setRedYellowGreenState(
                self.inter.tls_id, self.inter.greens[self.current]
            )
        elif self.all_red > 0 and now >= self.red_from - 1e-9:
            self.sim.trafficlight.setRedYellowGreenState(
                self.inter.tls_id, self.clearance(self.current, self.target)[1]
            )

    def close(self, now: float) -> None:
        if self.target is None:
            self.greens_log.append((self.current, self.green_since, now))


class _Base:
    name = "base"

    def __init__(self, sim, params):
        self.sim = sim
        self.params = params
        self.machines: list[_PhaseMachine] = []
        self.lane_capacity: dict[str, float] = {}

    def setup(self) -> None:
        sim = self.sim
        now = sim.simulation.getTime()
        for tls_id in sim.trafficlight.getIDList():
            inter = Intersection.from_sim(sim, tls_id)
            if len(inter.greens) < 2:
                continue  # nothing to decide
            self.machines.append(_PhaseMachine(sim, inter, self.params.all_red, now))
            for lane in (*inter.in_lanes, *inter.out_lanes):
                if lane not in self.lane_capacity:
                    length = sim.lane.getLength(lane)
                    self.lane_capacity[lane] = max(1.0, length / 7.5)

    def step(self, now: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self, now: float) -> None:
        for m in self.machines:
            m.close(now)


class MaxPressure(_Base):
    name = "max_pressure"

    def step(self, now: float) -> None:
        p: MaxPressureParams = self.params
        lane = self.sim.lane
        count: dict[str, int] = {}
        for m in self.machines:
            m.advance(now)
            if m.in_transition:
                continue
            g = m.green_time(now)
            if g < p.min_green or (round(g) % int(p.step)) != 0 and g < p.max_green:
                continue
            inter = m.inter
            for ln in (*inter.in_lanes, *inter.out_lanes):
                if ln not in count:
                    count[ln] = lane.getLastStepVehicleNumber(ln)
            best, best_score = m.current, None
            scores = []
            for k, served in enumerate(inter.served):
                s = 0.0
                for ln_in, outs in served.items():
                    for ln_out in outs:
                        s += count[ln_in] - count[ln_out]
                scores.append(s)
            if g >= p.max_green:
                # the current phase has had its maximum: the best of the others
                others = [(s, k) for k, s in enumerate(scores) if k != m.current]
                best = max(others)[1]
            else:
                for k, s in enumerate(scores):
                    if best_score is None or s > best_score:
                        best, best_score = k, s
            m.switch(best, now)


class _SignalIndex:
    """One signal's lanes per green phase, as read at every step (built once)."""

    __slots__ = (
        "demands_of",
        "idle_when_empty",
        "lanes",
        "others",
        "others_args",
        "others_flags",
        "others_short",
        "own",
        "own_args",
        "own_flags",
        "partial",
        "tls",
        "track",
        "wake",
    )

    # (declared for mypy and the compiled module; the values are built by `_build_index`)
    demands_of: list
    idle_when_empty: list[bool]
    lanes: list[tuple[str, ...]]
    others: list[tuple[str, ...]]
    others_args: list[tuple]
    others_flags: list[tuple]
    others_short: list
    own: list[tuple[str, ...]]
    own_args: list[tuple]
    own_flags: list[tuple]
    partial: dict
    track: bool
    wake: float

    def __init__(self, tls: str):
        self.tls = tls
        # before this time, the signal's passage ends as it did at its last one, with nothing
        # done (yellow, minimum green, idle mark): `step` skips it
        self.wake = float("-inf")


def _values_of(keys: tuple[str, ...]):
    """`d -> tuple(d[k] for k in keys)`, compiled (`itemgetter`) for two keys or more."""
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda d: (d[key],)
    return lambda d: ()


def _direct(sim, domain: str, name: str):
    """`sim.<domain>.<name>`; with libsumo itself, the compiled function its Python wrapper
    only forwards to (`return _libsumo.<domain>_<name>(id)`): the same answer without a Python
    frame per reading (≈ 120 000 readings an hour on cologne8). An adapter or TraCI: as is."""
    fn = getattr(getattr(sim, domain), name)
    # the module itself (an adapter may forward `__name__` and `_libsumo` to the one it wraps)
    if sim is sys.modules.get("libsumo"):
        compiled = getattr(getattr(sim, "_libsumo", None), f"{domain}_{name}", None)
        if compiled is not None:
            return compiled
    return fn


def _served_by_phase(links: Any, greens: list[str]) -> list[dict[str, list[str]]]:
    """Per green phase, {incoming lane: its outgoing lanes} from every connection of each link
    index green in it (`trafficlight.getControlledLinks`: a signal group may control several
    connections, from several lanes)."""
    phases = []
    for state in greens:
        served: dict[str, list[str]] = {}
        for i, entries in enumerate(links):
            if i < len(state) and state[i] in GREEN:
                for entry in entries:
                    if entry and entry[0] and entry[1] not in served.setdefault(entry[0], []):
                        served[entry[0]].append(entry[1])
        phases.append(served)
    return phases


class TerritoriaController(_Base):
    name = "territoria"
    # the pairs of signals decided as one junction (`joint_pair_m`; none by default)
    pairs: list = []  # replaced per instance by `setup`

    def setup(self) -> None:
        super().setup()
        sim = self.sim
        p: TerritoriaParams = self.params
        self._connections: dict[str, Any] = {}
        if p.all_connections:
            for m in self.machines:
                self._all_connections(m.inter)
        # the approach of each incoming lane: the lanes upstream that feed it through
        # unsignalised junctions, up to `upstream_m` metres (a queue longer than the last
        # lane before the stop line is still a queue of this approach)
        tls_in = {ln for m in self.machines for ln in m.inter.in_lanes}
        feeders: dict[str, list[str]] = {}
        if p.upstream_m > 0:
            for ln in sim.lane.getIDList():
                if ln.startswith(":"):
                    continue
                for link in sim.lane.getLinks(ln):
                    feeders.setdefault(link[0], []).append(ln)
        self.upstream: dict[str, list[str]] = {}
        self.signal_feeders: dict[str, list[str]] = {}
        self.feeder_pairs: dict[str, list[tuple[str, str]]] = {}
        self.short_lanes: set[str] = set()
        for ln in tls_in:
            chain: list[str] = []
            frontier = [(ln, sim.lane.getLength(ln))]
            seen = {ln}
            signal_feeders: list[str] = []
            feeder_pairs: list[tuple[str, str]] = []
            while frontier:
                cur, dist = frontier.pop()
                for up in feeders.get(cur, ()):
                    if up in tls_in and up not in signal_feeders:
                        signal_feeders.append(up)
                        feeder_pairs.append((up, cur))
                    if up in seen or up in tls_in:
                        continue
                    seen.add(up)
                    chain.append(up)
                    if dist < p.upstream_m:
                        frontier.append((up, dist + sim.lane.getLength(up)))
            self.upstream[ln] = chain
            if sim.lane.getLength(ln) < p.short_lane_m:
                self.short_lanes.add(ln)
            self.signal_feeders[ln] = signal_feeders
            self.feeder_pairs[ln] = feeder_pairs
        # vehicles waiting to enter the network, by the edge where they enter
        self.edge_lanes: dict[str, list[str]] = {}
        for ln in tls_in:
            for lane_id in (ln, *self.upstream[ln]):
                self.edge_lanes.setdefault(sim.lane.getEdgeID(lane_id), []).append(ln)
        # lanes shared by movements that are not green together (a through + left lane): the
        # lane can only discharge in a phase that serves its first vehicle's movement
        self.partial: dict[str, dict[str, set[int]]] = {}
        for m in self.machines:
            per_lane: dict[str, set[int]] = {}
            full = self._connections.get(m.inter.tls_id)
            for i, (ln_in, _) in enumerate(m.inter.links):
                for lane_in in {e[0] for e in full[i] if e and e[0]} if full else (ln_in,):
                    if lane_in:
                        per_lane.setdefault(lane_in, set()).add(i)
            for ln, idx in per_lane.items():
                patterns = {tuple(st[i] in GREEN for i in sorted(idx)) for st in m.inter.greens}
                if any(any(pt) and not all(pt) for pt in patterns):
                    self.partial.setdefault(m.inter.tls_id, {})[ln] = idx
        # (incoming lane, outgoing lane) -> the signal and link indices that control it
        self.link_of: dict[tuple[str, str], tuple[str, list[int]]] = {}
        for m in self.machines:
            for i, pair in enumerate(m.inter.links):
                if pair[0]:
                    self.link_of.setdefault(pair, (m.inter.tls_id, []))[1].append(i)
        self._pair_up()
        self.max_green_lanes = self._max_green_scope()
        if p.short_exit_full not in (False, True, "signal"):
            raise ValueError(f"short_exit_full inconnu : {p.short_exit_full!r}")
        self._first_edge: dict[str, str] = {}
        self._idle_until: dict[str, float] = {}
        self._lane_since: dict[str, dict[str, float]] = {}
        self._kept: dict[tuple, frozenset] = {}
        loops = set(self.sim.inductionloop.getIDList())
        self.loop_of = {
            ln: f"tdet_{ln}"
            for m in self.machines
            for ln in m.inter.in_lanes
            if f"tdet_{ln}" in loops
        }
        self._build_index()

    def _build_index(self) -> None:
        """Per-signal tuples read at every step (built once the machines are known)."""
        p: TerritoriaParams = self.params
        scope = self.max_green_lanes
        # the signals whose lanes' green durations are read (per-lane maximum green in scope,
        # or feed_max_green): the others are not tracked — with the default "joint" scope,
        # only the signals decided in pairs (none on five of the six RESCO networks)
        self._tracked = {
            m.inter.tls_id
            for m in self.machines
            if p.feed_max_green
            or (p.lane_max_green and (scope is None or scope.intersection(m.inter.in_lanes)))
        }
        # per signal and green phase, in the phase's own order: its incoming lanes, and each
        # with its exit lanes (a tuple: the key of the per-step room of a movement)
        self._lanes = {
            m.inter.tls_id: [tuple(served) for served in m.inter.served] for m in self.machines
        }
        self._items = {
            m.inter.tls_id: [
                tuple((ln, tuple(outs)) for ln, outs in served.items()) for served in m.inter.served
            ]
            for m in self.machines
        }
        # per signal and current phase: the lanes the other phases serve, and the lanes only the
        # current one serves
        self._others: dict[str, list[tuple[str, ...]]] = {}
        self._own: dict[str, list[tuple[str, ...]]] = {}
        for m in self.machines:
            lanes = self._lanes[m.inter.tls_id]
            others, own = [], []
            for k in range(len(lanes)):
                rest = {ln for j, ph in enumerate(lanes) if j != k for ln in ph}
                others.append(tuple(ln for ln in m.inter.in_lanes if ln in rest))
                own.append(tuple(ln for ln in m.inter.in_lanes if ln not in rest))
            self._others[m.inter.tls_id] = others
            self._own[m.inter.tls_id] = own
        # per signal and phase: (loop, exit lanes) of its incoming lanes that have a loop
        self._loops = {
            m.inter.tls_id: [
                tuple((self.loop_of[ln], outs) for ln, outs in items if ln in self.loop_of)
                for items in self._items[m.inter.tls_id]
            ]
            for m in self.machines
        }
        # the bound that spares scoring every phase in a contest holds when every weight is
        # ≥ 0, a blocked head or a full exit only lowers a lane's share, and an idle mark
        # lasts no more than one (1-s) step
        self._bounded = (
            min(p.w_halt, p.w_move, p.wait_scale, p.w_pending, p.spill_feed_share) >= 0
            and 0 <= p.blocked_head_weight <= 1
            and p.spill_floor <= 1
            and p.idle_every <= 1
        )
        # no other phase can score above switch_margin (the signal keeps its green, idle) when
        # every other phase's bound is within it: no score exceeds its bound (with bounded
        # scores; otherwise the bound must be under the margin)
        self._idle_at = p.switch_margin if self._bounded else p.switch_margin - 1e-9
        # per signal and current phase: when the other phases' lanes are all empty, every
        # other phase's bound is 0 (no short lane among them, whose upstream queue counts
        # even when it is empty; pending vehicles checked at each step), so the signal is idle
        # without computing any demand — if a bound of 0 is within that limit
        idle_at_zero = 0.0 <= self._idle_at
        short = self.short_lanes

        def short_mask(lanes: tuple[str, ...]) -> tuple[int, ...] | None:
            return tuple(int(ln in short) for ln in lanes) if short.intersection(lanes) else None

        self._signals = []
        paired = {id(x) for pair in getattr(self, "pairs", ()) for x in pair}
        for m in self.machines:
            if id(m) in paired:
                continue  # decided with its partner (`_step_pair`)
            tls = m.inter.tls_id
            sig = _SignalIndex(tls)
            sig.lanes = self._lanes[tls]
            sig.demands_of = [_values_of(lanes) for lanes in sig.lanes]
            sig.others = self._others[tls]
            # each lane as the argument tuple of a reading (`starmap`: no tuple built per call)
            sig.others_args = [tuple((ln,) for ln in lanes) for lanes in sig.others]
            sig.own = self._own[tls]
            sig.own_args = [tuple((ln,) for ln in lanes) for lanes in sig.own]
            sig.others_short = [short_mask(lanes) for lanes in sig.others]
            # per lane, 1 for a short lane (its demand is computed even when it is empty)
            sig.others_flags = [tuple(int(ln in short) for ln in lanes) for lanes in sig.others]
            sig.own_flags = [tuple(int(ln in short) for ln in lanes) for lanes in sig.own]
            sig.idle_when_empty = [idle_at_zero and mask is None for mask in sig.others_short]
            sig.partial = self.partial.get(tls, {}) if p.head_aware else {}
            sig.track = tls in self._tracked
            self._signals.append((m, sig))
        # per lane, thresholds computed once (the same products as at each step)
        self._spill_at = {ln: p.spill_back_share * c for ln, c in self.lane_capacity.items()}
        # an exit lane is full from max(spill_min_vehicles, spill_threshold × capacity) stopped
        self._full_at = {
            ln: max(p.spill_min_vehicles, p.spill_threshold * c)
            for ln, c in self.lane_capacity.items()
        }
        # "no blocked entries" (`short_exit_full`): an exit lane too short to reach
        # spill_min_vehicles is full once it holds the whole vehicles that fit in it
        # ((length + 2.5 m) / 7.5 m); empty when the option is off
        self._short_full = {}
        if p.short_exit_full:
            for ln, c in self.lane_capacity.items():
                holds = int(c + 1 / 3 + 1e-9)
                if holds < p.spill_min_vehicles and (
                    p.short_exit_full is True or ln in self.upstream
                ):
                    self._short_full[ln] = holds
        # the readings of every step, looked up once (`sim` is libsumo or an adapter)
        self._count = _direct(self.sim, "lane", "getLastStepVehicleNumber")
        self._halting = _direct(self.sim, "lane", "getLastStepHaltingNumber")
        self._waiting = _direct(self.sim, "lane", "getWaitingTime")
        self._since_detection = _direct(self.sim, "inductionloop", "getTimeSinceDetection")
        # (the vehicle readings only where the settings use them: a simulator without
        # vehicles, such as the tests' fixed queues, needs none)
        if p.head_aware:
            self._vehicle_ids = _direct(self.sim, "lane", "getLastStepVehicleIDs")
            self._next_tls = _direct(self.sim, "vehicle", "getNextTLS")
        if p.w_pending:
            self._pending_ids = _direct(self.sim, "simulation", "getPendingVehicles")
            self._route = _direct(self.sim, "vehicle", "getRoute")
        # per incoming lane: the halted vehicles from which its queue counts upstream too (the
        # lane is filling); a short lane always (-1: any count)
        self._upstream_at = {
            ln: -1.0 if ln in short else self._spill_at[ln]
            for m in self.machines
            for ln in m.inter.in_lanes
        }
        # the upstream lanes and signal feeders of each lane as argument tuples (`starmap`)
        self._upstream_args = {ln: tuple((u,) for u in ups) for ln, ups in self.upstream.items()}
        self._feeder_args = {
            ln: tuple((f,) for f in feeders) for ln, feeders in self.signal_feeders.items()
        }
        # what `_demands` reads for every lane, looked up once
        self._demand_terms = (
            p.w_halt,
            p.w_move,
            p.wait_scale,
            self._halting,
            self._waiting,
            self._upstream_at,
        )
        self._broom: dict[tuple[str, ...], float] = {}
        # the demands of a step start at 0 for every incoming lane (an empty lane without
        # pending vehicles keeps it: its terms in a sum change nothing)
        self._no_demand = dict.fromkeys((ln for m in self.machines for ln in m.inter.in_lanes), 0.0)
        # the most room an exit lane can have (1: free; a full lane has less, down to
        # spill_floor): with spill_floor ≤ 1, a movement with a free exit has room 1
        self._room_max = 1.0 if p.spill_floor <= 1 else None

    def coupled_links(self) -> set[str]:
        """The short incoming links joining two mutually coupled signals: S has a short lane fed
        by T's lanes and T one fed by S's (one junction split in two, each half crediting the
        other's queue: ingolstadt21's 243641585 / gneJ257, 12 m apart)."""
        owner = {ln: m.inter.tls_id for m in self.machines for ln in m.inter.in_lanes}
        by_pair: dict[tuple[str, str], set[str]] = {}
        for ln in self.short_lanes:
            for up in self.signal_feeders.get(ln, ()):
                if up in owner and ln in owner:
                    by_pair.setdefault((owner[up], owner[ln]), set()).add(ln)
        return {
            ln for (a, b), lanes in by_pair.items() if a != b and (b, a) in by_pair for ln in lanes
        }

    def _all_connections(self, inter: Intersection) -> None:
        """The signal's movements from every connection of each link index (`all_connections`)."""
        links = self.sim.trafficlight.getControlledLinks(inter.tls_id)
        self._connections[inter.tls_id] = links
        inter.served = _served_by_phase(links, inter.greens)
        inter.in_lanes = sorted({ln for served in inter.served for ln in served})
        inter.out_lanes = sorted(
            {o for served in inter.served for os_ in served.values() for o in os_}
        )
        for lane in (*inter.in_lanes, *inter.out_lanes):
            if lane not in self.lane_capacity:
                self.lane_capacity[lane] = max(1.0, self.sim.lane.getLength(lane) / 7.5)

    def _pair_up(self) -> None:
        """The pairs decided as one junction (`joint_pair_m`), without queue credit between
        their two halves (to call before `_build_index`)."""
        if self.params.joint_contest not in ("sum", "changed"):
            raise ValueError(f"joint_contest inconnu : {self.params.joint_contest!r}")
        self.pairs = self.joint_pairs() if self.params.joint_pair_m > 0 else []
        for a, b in self.pairs:
            for x, y in ((a, b), (b, a)):
                theirs = set(self._pair_in[y.inter.tls_id])
                for ln in self._pair_in[x.inter.tls_id]:
                    fed = self.signal_feeders.get(ln)
                    if fed:
                        self.signal_feeders[ln] = [f for f in fed if f not in theirs]

    def joint_pairs(self) -> list[tuple[_PhaseMachine, _PhaseMachine]]:
        """Pairs of signals joined both ways by links shorter than `joint_pair_m`: a lane that
        leaves one and enters the other, in both directions. Every connection of a link index
        counts (`Intersection` keeps the first only: at 243641585 the lanes into the 12 m link
        -174800513 share their index with other movements). A signal in more than one such
        pair is left alone. Sets, per paired signal, its movements per green phase
        (`_pair_items`) and incoming lanes (`_pair_in`)."""
        sim = self.sim
        limit = self.params.joint_pair_m
        length = sim.lane.getLength
        items: dict[str, list[tuple]] = {}
        ins: dict[str, set[str]] = {}
        outs: dict[str, set[str]] = {}
        for m in self.machines:
            tls = m.inter.tls_id
            links = sim.trafficlight.getControlledLinks(tls)
            per_phase = [
                tuple((ln, tuple(o)) for ln, o in served.items())
                for served in _served_by_phase(links, m.inter.greens)
            ]
            items[tls] = per_phase
            ins[tls] = {ln for ph in per_phase for ln, _ in ph}
            outs[tls] = {o for ph in per_phase for _, os_ in ph for o in os_}
        short_in = {t: {ln for ln in lanes if length(ln) < limit} for t, lanes in ins.items()}
        feeds = {(a, b) for a in outs for b in short_in if a != b and outs[a] & short_in[b]}
        found = [
            (a, b)
            for i, a in enumerate(self.machines)
            for b in self.machines[i + 1 :]
            if (a.inter.tls_id, b.inter.tls_id) in feeds
            and (b.inter.tls_id, a.inter.tls_id) in feeds
        ]
        seen: dict[str, int] = {}
        for a, b in found:
            for m in (a, b):
                seen[m.inter.tls_id] = seen.get(m.inter.tls_id, 0) + 1
        pairs = [(a, b) for a, b in found if seen[a.inter.tls_id] == seen[b.inter.tls_id] == 1]
        paired = {m.inter.tls_id for pair in pairs for m in pair}
        self._pair_items = {t: items[t] for t in paired}
        self._pair_in = {t: frozenset(ins[t]) for t in paired}
        for t in paired:
            for ln in (*ins[t], *outs[t]):
                if ln not in self.lane_capacity:
                    self.lane_capacity[ln] = max(1.0, length(ln) / 7.5)
        return pairs

    def _link_room(self, ln: str, room: Any) -> float:
        """The room of a link between the two signals of a pair while the downstream signal
        shows it red: its free places (whole vehicles of 7.5 m, the last without its gap) over
        the places, at least `spill_floor`."""
        r = room.get(("link", ln))
        if r is None:
            holds = max(1, int(self.lane_capacity.get(ln, 1.0) + 1 / 3 + 1e-9))
            free = holds - self._halting(ln)
            r = room[("link", ln)] = max(self.params.spill_floor, free / holds)
        return r

    def _pair_part(
        self, m, k, other, j, demand: dict[str, float], room, heads: dict, maxed: Any = ()
    ) -> float:
        """Phase `k` of signal `m`'s share of the joint score when its partner `other` shows
        its phase `j`: its lanes' demands times the room downstream, a link into the partner
        free when `j` serves it."""
        p: TerritoriaParams = self.params
        inter = m.inter
        partial = self.partial.get(inter.tls_id, {}) if p.head_aware else {}
        served_by_j = other.inter.served[j]
        other_in = self._pair_in[other.inter.tls_id]
        state = inter.greens[k]
        s = 0.0
        for ln_in, outs in self._pair_items[inter.tls_id][k]:
            if ln_in in maxed:
                continue  # had its maximum green (lane_max_green): the others first
            d = demand.get(ln_in)
            if not d:
                continue
            if ln_in in partial and self._head_blocked(ln_in, inter, state, heads):
                d *= p.blocked_head_weight
            best = 0.0
            for o in outs:
                if o in other_in:
                    r = 1.0 if o in served_by_j else self._link_room(o, room)
                else:
                    r = self._best_room((o,), room)
                if r > best:  # noqa: PLR1730
                    best = r
            s += d * best
        return s

    def _step_pair(self, a: _PhaseMachine, b: _PhaseMachine, now: float, state: dict) -> None:
        """One decision for two signals that are one junction cut in two: the pair of phases
        (one per signal) with the highest joint score. A signal changes phase only after its
        minimum green and must change at its maximum; the pair changes when the current pair
        no longer discharges on a signal (gap-out: that signal's phase changes), or when
        another pair outscores it by `switch_ratio` (after `min_green_contested`)."""
        p: TerritoriaParams = self.params
        for m in (a, b):
            if m.target is not None:
                m.advance(now)
            if state["track"]:
                self._track_lane_greens(m, now)
        if a.target is not None or b.target is not None:
            return  # one of them in yellow / all-red: decide once both show green
        ga, gb = now - a.green_since, now - b.green_since
        if ga < p.min_green and gb < p.min_green:
            return
        if state["pending"] is None:
            state["pending"] = self._pending_by_lane() if p.w_pending else {}
        pending, demand, room, heads = (
            state["pending"],
            state["demand"],
            state["room"],
            state["heads"],
        )
        for m in (a, b):
            for ln in self._pair_in[m.inter.tls_id]:
                demand[ln] = self._lane_demand(ln, pending, m.inter, now)

        # the lanes that have had their maximum green (read by `part` for every pair: a name of
        # its own, never rebound — until mob14p the pair of booleans below reused it, and the
        # parts computed after that line no longer left these lanes out)
        maxed: set[str] = set()
        if p.lane_max_green:
            scope = self.max_green_lanes
            for m in (a, b):
                maxed.update(
                    ln
                    for ln, t0 in self._lane_since.get(m.inter.tls_id, {}).items()
                    if now - t0 >= p.max_green and (scope is None or ln in scope)
                )

        def options(m, g):
            ks = range(len(m.inter.greens))
            if g < p.min_green:
                return [m.current]
            if g >= p.max_green:
                return [k for k in ks if k != m.current]
            return list(ks)

        parts: dict[tuple, float] = {}

        def part(m, k, other, j):
            key = (m.inter.tls_id, k, j)
            v = parts.get(key)
            if v is None:
                v = parts[key] = self._pair_part(m, k, other, j, demand, room, heads, maxed)
            return v

        def score(i, j):
            return part(a, i, b, j) + part(b, j, a, i)

        ca, cb = a.current, b.current
        cur = score(ca, cb)
        combos = [(i, j) for i in options(a, ga) for j in options(b, gb) if (i, j) != (ca, cb)]
        if not combos:
            return

        def gain(i, j):
            # what the phases that change bring (their shares under the new pair)
            g = 0.0
            if i != ca:
                g += part(a, i, b, j)
            if j != cb:
                g += part(b, j, a, i)
            return g

        def best_of(cands):
            return max(cands, key=lambda c: (score(*c), c)) if cands else None

        choice = None
        at_max = (ga >= p.max_green, gb >= p.max_green)
        if any(at_max):
            choice = best_of(combos)
        else:
            idle = [g >= p.min_green and not self._active(m, room) for m, g in ((a, ga), (b, gb))]
            gap = [(i, j) for i, j in combos if (i == ca or idle[0]) and (j == cb or idle[1])]
            best = best_of(gap)
            if best is not None and gain(*best) > p.switch_margin:
                choice = best
            else:
                contested = [
                    (i, j)
                    for i, j in combos
                    if (i == ca or ga >= p.min_green_contested)
                    and (j == cb or gb >= p.min_green_contested)
                ]
                if p.joint_contest == "changed":
                    cur_a, cur_b = part(a, ca, b, cb), part(b, cb, a, ca)
                    for i, j in sorted(contested, key=lambda c: (score(*c), c), reverse=True):
                        kept = (cur_a if i == ca else 0.0) + (cur_b if j == cb else 0.0)
                        held = cur - kept
                        if score(i, j) - kept > held * p.switch_ratio + p.switch_margin:
                            choice = (i, j)
                            break
                else:
                    best = best_of(contested)
                    if best is not None and score(*best) > cur * p.switch_ratio + p.switch_margin:
                        choice = best
        if choice is None or gain(*choice) <= p.switch_margin:
            return
        a.switch(choice[0], now)
        b.switch(choice[1], now)

    def _max_green_scope(self) -> set[str] | None:
        """The lanes under the per-lane maximum green (None: all of them)."""
        scope = self.params.lane_max_green
        if scope is True or scope == "all":
            return None
        if scope == "coupled":
            return self.coupled_links()
        if scope == "coupled_signals":
            coupled = self.coupled_links()
            tls = {m.inter.tls_id for m in self.machines if coupled & set(m.inter.in_lanes)}
            tls |= {
                m.inter.tls_id
                for m in self.machines
                for ln in coupled
                for up in self.signal_feeders.get(ln, ())
                if up in m.inter.in_lanes
            }
            return {ln for m in self.machines if m.inter.tls_id in tls for ln in m.inter.in_lanes}
        if scope == "joint":
            # the lanes of the signals decided in pairs (`joint_pair_m`)
            return {ln for lanes in getattr(self, "_pair_in", {}).values() for ln in lanes}
        if scope == "short_fed":
            return {ln for ln in self.short_lanes if self.signal_feeders.get(ln)}
        if scope:
            raise ValueError(f"lane_max_green inconnu : {scope!r}")
        return set()

    def _green_towards(self, up: str, nxt: str) -> bool:
        """Does the signal controlling `up` -> `nxt` show green to that movement now?"""
        found = self.link_of.get((up, nxt))
        if found is None:
            return True  # not a signalised link (cannot tell): count it as before
        tls_id, idx = found
        state = self._states.get(tls_id)
        if state is None:
            state = self._states[tls_id] = self.sim.trafficlight.getRedYellowGreenState(tls_id)
        return any(state[i] in GREEN for i in idx)

    def _track_lane_greens(self, m: _PhaseMachine, now: float) -> None:
        """Since when each incoming lane of the intersection has been green without a break."""
        since = self._lane_since.setdefault(m.inter.tls_id, {})
        if m.in_transition:
            key = (m.current, m.target)
            green: Any = self._kept.get((m.inter.tls_id, key))
            if green is None:
                a, b = m.inter.served[m.current], m.inter.served[m.target]
                green = self._kept[(m.inter.tls_id, key)] = frozenset(set(a) & set(b))
            start = now
        else:
            green = m.inter.served[m.current]
            start = m.green_since
        for ln in [ln for ln in since if ln not in green]:
            del since[ln]
        for ln in green:
            if ln not in since:
                since[ln] = start

    def _maxed(self, inter: Intersection, ln: str, now: float) -> bool:
        t0 = self._lane_since.get(inter.tls_id, {}).get(ln)
        return t0 is not None and now - t0 >= self.params.max_green

    def _pending_by_lane(self) -> dict[str, float]:
        pending = self._pending_ids()
        if not pending:
            return {}
        by_lane: dict[str, float] = {}
        route = self._route
        # a pending vehicle's first edge does not change while it waits: read it once
        first = self._first_edge
        for vid in pending:
            edge = first.get(vid)
            if edge is None:
                try:
                    edge = first[vid] = route(vid)[0]
                except Exception:  # noqa: BLE001, S112 - a vehicle inserted meanwhile
                    continue
            lanes = self.edge_lanes.get(edge)
            if lanes:
                share = 1.0 / len(lanes)
                for ln in lanes:
                    by_lane[ln] = by_lane.get(ln, 0.0) + share
        return by_lane

    def _head(self, ln: str, tls_id: str) -> int | None:
        """Link index wanted by the first vehicle of a shared lane (None: empty lane)."""
        ids = self._vehicle_ids(ln)
        if not ids:
            return None
        # read at every decision, not cached per vehicle: SUMO's answer for a vehicle can
        # change while it stays on the lane (cologne3, seed 0: 29 of 3 734 reads differed from
        # the vehicle's first answer, which named a link off its route) — a cache changed
        # decisions (docs/mobilite-signals.md)
        for tls, idx, _dist, _state in self._next_tls(ids[-1]):
            if tls == tls_id:
                return idx
        return None

    def _active(self, m: _PhaseMachine, room: dict[str, float]) -> bool:
        """Vehicles still cross the current green's loops with short gaps (and can leave)."""
        gap = self.params.gap
        since = self._since_detection
        for det, outs in self._loops[m.inter.tls_id][m.current]:
            if since(det) < gap and self._best_room(outs, room) > 0.2:
                return True
        return False

    def _lane_demand(
        self, ln: str, pending: dict[str, float], inter, now: float, n: int | None = None
    ) -> float:
        """Score of one incoming lane: its queue (and the queue behind it), wait and pending.
        `n`: its vehicle count, when already read this step."""
        p: TerritoriaParams = self.params
        if n is None:
            n = self._count(ln)
        short = ln in self.short_lanes
        if n == 0 and not short:
            return pending.get(ln, 0.0) * p.w_pending
        h = self._halting(ln)
        w = self._waiting(ln)
        if short or h >= self._spill_at[ln]:
            h, n, w = self._with_upstream(ln, n, h, w, inter, now)
        return (
            p.w_halt * h
            + p.w_move * (n - h)
            + w / p.wait_scale
            + pending.get(ln, 0.0) * p.w_pending
        )

    def _with_upstream(self, ln: str, n, h, w, inter, now: float) -> tuple:
        """A short or filling lane (`h` halted, `n` vehicles, `w` s of wait): its queue counted
        upstream too — `(h, n, w)` with the lanes behind it and the signals feeding it."""
        p: TerritoriaParams = self.params
        filling = h >= self._spill_at[ln]
        # the queue fills the last lane: count it upstream too
        lane = self.sim.lane
        halting = self._halting
        ups = self.upstream.get(ln, ())
        if ups:
            halted = list(starmap(halting, self._upstream_args[ln]))
            queued = sum(halted)  # vehicle counts: integers, summed exactly in any order
            if queued:
                h += queued
                n += queued
                # the wait of the lanes with halted vehicles, added in the same order
                for wait in map(self._waiting, compress(ups, halted)):
                    w += wait
        if p.spill_feed_share and p.feed_gate:
            for up, nxt in self.feeder_pairs.get(ln, ()):
                if self._green_towards(up, nxt):
                    fed = p.spill_feed_share * (
                        lane.getLastStepVehicleNumber(up)
                        if p.feed_moving
                        else lane.getLastStepHaltingNumber(up)
                    )
                    h += fed
                    n += fed
        elif (
            p.spill_feed_share
            and (filling or not p.feed_when_filling)
            and not (p.feed_max_green and self._maxed(inter, ln, now))
        ):
            feeders = self.signal_feeders.get(ln, ())
            if feeders and p.spill_feed_share == 1.0:
                # the same sums: integers times 1.0 are added exactly in any grouping
                fed = 1.0 * sum(starmap(halting, self._feeder_args[ln]))
                h += fed
                n += fed
            else:
                for up in feeders:
                    fed = p.spill_feed_share * halting(up)
                    h += fed
                    n += fed
        return h, n, w

    def _best_room(self, outs: tuple[str, ...], room: dict[str, float]) -> float:
        """The most room among a movement's exit lanes (1: free), once a step per set of exits;
        the room of each exit lane read once a step."""
        best = self._broom.get(outs)
        if best is None:
            best = 0.0
            for o in outs:
                if best == self._room_max:
                    break  # a free exit: no other can have more room (nor need reading)
                r = room.get(o)
                if r is None:
                    # an exit lane is full when its queue (stopped vehicles) fills it
                    h = self._halting(o)
                    if self._short_full and o in self._short_full:
                        r = self.params.spill_floor if h >= self._short_full[o] else 1.0
                    elif h < self._full_at[o]:
                        r = 1.0
                    else:
                        r = max(self.params.spill_floor, 1.0 - h / self.lane_capacity[o])
                    room[o] = r
                if r > best:  # noqa: PLR1730 - max(best, r) without a call per exit
                    best = r
            self._broom[outs] = best
        return best

    def _score(
        self,
        inter: Intersection,
        k: int,
        demand: dict[str, float],
        room: dict[str, float],
        heads: dict,
        partial: dict,
        maxed: Any,
    ) -> float:
        """Score of green phase `k`: its lanes' demands times the room downstream."""
        p: TerritoriaParams = self.params
        s = 0.0
        state = inter.greens[k]
        for ln_in, outs in self._items[inter.tls_id][k]:
            if ln_in in maxed:
                continue  # had its maximum green: the others first
            d = demand.get(ln_in)
            if d:
                if ln_in in partial and self._head_blocked(ln_in, inter, state, heads):
                    d *= p.blocked_head_weight  # its first vehicle cannot go
                s += d * self._best_room(outs, room)
        return s

    def _head_blocked(self, ln_in: str, inter: Intersection, state: str, heads: dict) -> bool:
        """A shared lane whose first vehicle's movement is not green in `state` (the movement
        read once a step, kept in `heads`)."""
        head = heads.get(ln_in, -1)
        if head == -1:
            head = heads[ln_in] = self._head(ln_in, inter.tls_id)
        return head is not None and state[head] not in GREEN

    def _demands(
        self,
        args: tuple,
        counts: list,
        shorts: tuple,
        pending: dict[str, float],
        inter: Intersection,
        now: float,
        demand: dict[str, float],
    ) -> float | None:
        """The demand of each lane that has one (`args`: the lanes, each as a 1-tuple, the
        arguments of its readings; `counts`: their vehicles, read this step; `shorts`: 1 for a
        short lane, else 0). A lane not computed keeps its 0: an empty lane that is not short,
        with no pending vehicle (the same 0.0 as `pending.get(ln, 0.0) * w_pending`). Returns
        the demand written when exactly one lane was, 0.0 when none was, None otherwise."""
        w_halt, w_move, wait_scale, halting, waiting, upstream_at = self._demand_terms
        if pending:
            pget, w_pending = pending.get, self.params.w_pending
        written, d = 0, 0.0
        # `_lane_demand` written out for a lane that is short or has vehicles: the same
        # readings and products, summed in the same order; without pending vehicles their term
        # is +0.0, which changes no sum
        for a, n, short in zip(args, counts, shorts):
            if n:
                h = halting(*a)  # (the tuple passed as is: none built per reading)
                w = waiting(*a)
            elif short:
                # an empty short lane: SUMO's halted count and waiting time run over the same
                # vehicles as its count (none): 0 and 0.0, not read
                h, w = 0, 0.0
            else:
                if pending and a[0] in pending:
                    # an empty lane: its pending vehicles (a lane enters one signal)
                    d = demand[a[0]] = pending[a[0]] * w_pending
                    written += 1
                continue
            ln = a[0]
            if h >= upstream_at[ln]:
                h, n, w = self._with_upstream(ln, n, h, w, inter, now)
            if pending:
                d = w_halt * h + w_move * (n - h) + w / wait_scale + pget(ln, 0.0) * w_pending
            else:
                d = w_halt * h + w_move * (n - h) + w / wait_scale
            demand[ln] = d
            written += 1
        return d if written < 2 else None

    def _current_score(
        self,
        m: _PhaseMachine,
        sig: _SignalIndex,
        pending: dict[str, float],
        now: float,
        demand: dict[str, float],
        room: dict[str, float],
        heads: dict,
        maxed: Any,
    ) -> float:
        """Score of the current green phase, the lanes only it serves read first (no other
        phase's score needs them)."""
        k = m.current
        own = sig.own_args[k]
        counts = list(starmap(self._count, own))
        self._demands(own, counts, sig.own_flags[k], pending, m.inter, now, demand)
        return self._score(m.inter, k, demand, room, heads, sig.partial, maxed)

    def step(self, now: float) -> None:
        p: TerritoriaParams = self.params
        # 0 for a lane not computed this step (empty, without pending vehicles)
        demand = self._no_demand.copy()
        room: dict[str, float] = {}
        self._broom = {}
        pending: Any = None
        heads: dict[str, int | None] = {}
        self._states: dict[str, str] = {}
        idle_until = self._idle_until
        min_green, max_green, mgc = p.min_green, p.max_green, p.min_green_contested
        every = p.contest_every
        every_second = every == 1
        idle_every = p.idle_every
        count = self._count
        idle_at = self._idle_at
        if self.pairs:
            shared = {
                "track": bool(p.lane_max_green or p.feed_max_green),
                "pending": None,
                "demand": demand,
                "room": room,
                "heads": heads,
            }
            for a, b in self.pairs:
                self._step_pair(a, b, now, shared)
            pending = shared["pending"]
        for m, sig in self._signals:
            if now < sig.wake:
                continue  # in yellow, under its minimum green or idle until then: as before
            track = sig.track
            if m.target is not None:
                m.advance(now)
                if track:
                    self._track_lane_greens(m, now)
                if m.target is not None:
                    if not track and not m.all_red > 0:
                        # `advance` changes nothing before the end of the yellow (the same
                        # comparison as its own); a tracked signal is read at every step
                        sig.wake = m.transition_until - 1e-9
                    continue  # yellow / all-red
            elif track:
                self._track_lane_greens(m, now)
            g = now - m.green_since
            if g < min_green:
                if not track:
                    # green_since changes only at the end of a yellow: until then, nothing
                    # to do below `min_green` (1e-6 early: the test above still decides)
                    sig.wake = m.green_since + min_green - 1e-6
                continue
            tls = sig.tls
            if track and now < idle_until.get(tls, 0.0) - 1e-9:
                continue  # nobody else waited a moment ago (untracked: `wake`)
            contest = g >= mgc and (every_second or not round(g - mgc) % every)
            active = None
            if g < max_green and not contest:
                active = self._active(m, room)
                if active:
                    # nothing can end this green now (no maximum, no gap-out, no contest due):
                    # the scores are not needed
                    continue
            if pending is None:
                pending = self._pending_by_lane() if p.w_pending else {}
            inter = m.inter
            cur_k = m.current
            # the other phases' lanes first: when nobody waits there, the rest is not read (a
            # lane enters one signal only: its demand is read once a step)
            lanes = sig.others[cur_k]
            counts = list(starmap(count, sig.others_args[cur_k]))
            if (
                not any(counts)
                and sig.idle_when_empty[cur_k]
                and (not pending or pending.keys().isdisjoint(lanes))
            ):
                # all empty, none short, none with pending vehicles: every bound is 0, within
                # the margin (the demands below would all be 0)
                if track:
                    idle_until[tls] = now + idle_every
                else:
                    sig.wake = now + idle_every - 1e-9  # (the same sum as idle_until)
                continue
            solo = self._demands(
                sig.others_args[cur_k], counts, sig.others_flags[cur_k], pending, inter, now, demand
            )
            if solo is not None and solo <= idle_at and self._bounded:
                # one lane of the other phases has a demand (≥ 0 with bounded scores): every
                # other phase's bound is that demand or 0.0 (the same sums: + 0.0 changes
                # nothing), so the largest is that demand — idle as below, without the sums
                if track:
                    idle_until[tls] = now + idle_every
                else:
                    sig.wake = now + idle_every - 1e-9
                continue
            # each other phase's lanes, summed: an upper bound of its score (a score is that
            # sum, in the same order, times rooms and weights ≤ 1)
            bounds = [sum(values(demand), 0.0) for values in sig.demands_of]
            bounds[cur_k] = -1.0
            bound = max(bounds)
            if bound <= idle_at:
                # nobody else waits, for sure: the scores are not needed (the same end as
                # scoring them: no score above switch_margin, idle)
                if track:
                    idle_until[tls] = now + idle_every
                else:
                    sig.wake = now + idle_every - 1e-9  # (the same sum as idle_until)
                continue
            # the lanes only the current phase serves are read when its score is needed
            partial = sig.partial
            maxed: set[str] | dict = {}
            if track and p.lane_max_green:
                since = self._lane_since[tls]
                scope = self.max_green_lanes
                maxed = {
                    ln
                    for ln, t0 in since.items()
                    if now - t0 >= p.max_green and (scope is None or ln in scope)
                }
            cur = None
            if contest and g < max_green and self._bounded:
                # a contest while the green still discharges: no other phase can win it when
                # even its bound stays under the current score × switch_ratio (same decision
                # as scoring them all, at a fraction of the cost)
                active = self._active(m, room)
                if active:
                    cur = self._current_score(m, sig, pending, now, demand, room, heads, maxed)
                    if bound <= cur * p.switch_ratio + p.switch_margin:
                        continue
            # the best other phase: the highest score, the last one on a tie
            best_s, best_k = -1.0, -1
            if self._bounded:
                # by decreasing bound: a phase whose bound is under the best score so far can
                # neither beat it nor tie
                for k in sorted(range(len(bounds)), key=bounds.__getitem__, reverse=True):
                    if k == cur_k:
                        continue
                    if bounds[k] < best_s:
                        break
                    sk = self._score(inter, k, demand, room, heads, partial, maxed)
                    if sk > best_s or (sk == best_s and k > best_k):
                        best_s, best_k = sk, k
            else:
                for k in range(len(bounds)):
                    if k != cur_k:
                        sk = self._score(inter, k, demand, room, heads, partial, maxed)
                        if sk >= best_s:
                            best_s, best_k = sk, k
            if best_s <= p.switch_margin:
                if track:
                    idle_until[tls] = now + idle_every
                else:
                    sig.wake = now + idle_every - 1e-9  # (the same sum as idle_until)
                continue  # nobody else waits: keep green
            if g >= max_green:
                m.switch(best_k, now)
            elif not (self._active(m, room) if active is None else active):
                m.switch(best_k, now)  # gap-out: the current green no longer discharges
            elif g >= mgc:
                if cur is None:
                    cur = self._current_score(m, sig, pending, now, demand, room, heads, maxed)
                if best_s > cur * p.switch_ratio + p.switch_margin:
                    m.switch(best_k, now)  # another phase's queue outweighs the current one


CONTROLLERS = {
    "max_pressure": (MaxPressure, MaxPressureParams),
    "territoria": (TerritoriaController, TerritoriaParams),
}


# The same module compiled by mypyc (`setup.py` builds it as `_controllers_c` from this very
# file when a C compiler is there): it takes the same decisions at ≈ 3/4 of the instructions
# (docs/mobilite-signals.md, « Boucle de décision compilée »). It replaces the definitions
# above only when it was built from this file as it is now (its SHA-256, written into the
# build): otherwise — no compiler, or this file edited since the build — this pure-Python
# module runs, and says so (a stale build with a warning).
IMPLEMENTATION = "python"  # "mypyc" once the compiled definitions are in use
IMPLEMENTATION_NOTE = ""
_log = logging.getLogger(__name__)
# set to 1 to run the pure-Python definitions even when a fresh compiled module is there
PURE_PYTHON_ENV = "TERRITORIA_SIGNALS_PURE_PYTHON"
COMPILED_MODULE = "_controllers_c"


def source_sha256(source: bytes | None = None) -> str:
    """SHA-256 of this module's source file (or of `source`): the key a compiled build
    carries."""
    if source is None:
        source = Path(__file__).with_name("controllers.py").read_bytes()
    return hashlib.sha256(source).hexdigest()


def compiled_module(source: bytes | None = None) -> tuple[Any, str, str]:
    """(the compiled module or None, status, note in French): status "mypyc" (built from this
    file as it is now, or from `source`), "forced" (PURE_PYTHON_ENV set), "absent" (not
    built) or "stale" (built from another version of this file)."""
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return None, "forced", f"Python pur demandé ({PURE_PYTHON_ENV})"
    try:
        compiled = importlib.import_module(f"{__package__}.{COMPILED_MODULE}")
    except ImportError:
        return None, "absent", "module compilé absent (installé sans compilateur C) : Python pur"
    built_from = getattr(compiled, "SOURCE_SHA256", None)
    if built_from != source_sha256(source):
        note = (
            f"module compilé périmé ({Path(str(compiled.__file__)).name} construit depuis une "
            "autre version de controllers.py) : ignoré, Python pur — le reconstruire par "
            "`.venv/bin/uv pip install --no-deps -e .`"
        )
        return None, "stale", note
    return compiled, "mypyc", "boucle de décision compilée (mypyc), construite depuis ce fichier"


if __name__ == f"{__package__}.controllers":
    _compiled, _status, IMPLEMENTATION_NOTE = compiled_module()
    if _compiled is not None:
        _shim = {
            "IMPLEMENTATION",
            "IMPLEMENTATION_NOTE",
            "_log",
            "compiled_module",
            "source_sha256",
        }
        globals().update(
            {k: v for k, v in vars(_compiled).items() if not k.startswith("__") and k not in _shim}
        )
        IMPLEMENTATION = "mypyc"
        _log.info("feux : %s", IMPLEMENTATION_NOTE)
    elif _status == "stale":
        _log.warning("feux : %s", IMPLEMENTATION_NOTE)
        warnings.warn(f"feux : {IMPLEMENTATION_NOTE}", RuntimeWarning, stacklevel=1)
    else:
        _log.info("feux : %s", IMPLEMENTATION_NOTE)
