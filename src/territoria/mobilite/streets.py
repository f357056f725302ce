"""Accidents without coordinates placed on their street, and the street they lie on.

Before 2019 most rows of the national accident files have no coordinates (7 083 of the 10 000
of the shared sample) but an address: « 12, R MICHEL DELAROCHE », « CROIX BLANCHE (AVENUE DE »
— abbreviated, sometimes inverted, cut at 25 characters. A network built from OpenStreetMap
names its streets (« Rue Michel Delaroche »). Both are reduced to words (no accents, no
house number, no linking words, types spelt out); an address names a street when each of its
words is a word of the street's name, the last one only needing to start one (the cut).

The street is the run of the network's edges that bear that name inside the accident's
commune (its outline), edges meeting or less than GAP_M apart (a street cut by a square stays
one street): one such run, and the accident is placed at its middle (`located` = "voie");
none, or several (two streets the address could name), and it is not. The density finds the
run again from that point, without the outline: a street that goes on into the next commune
under the same name has its weight spread over both parts. Where
along the street it happened is unknown: the network density spreads its weight evenly over
the whole street instead of around a point (riskmap), and the point hot spots leave it out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from itertools import combinations

# Street types as the accident files abbreviate them, spelt out as OpenStreetMap writes them.
TYPES = {
    "R": "RUE", "AV": "AVENUE", "AVE": "AVENUE", "BD": "BOULEVARD", "BLD": "BOULEVARD",
    "BOUL": "BOULEVARD", "BLVD": "BOULEVARD", "PL": "PLACE", "CHE": "CHEMIN", "CHEM": "CHEMIN",
    "CH": "CHEMIN", "RTE": "ROUTE", "IMP": "IMPASSE", "ALL": "ALLEE", "AL": "ALLEE",
    "QU": "QUAI", "QAI": "QUAI", "FG": "FAUBOURG", "FBG": "FAUBOURG", "SQ": "SQUARE",
    "CRS": "COURS", "PROM": "PROMENADE", "PAS": "PASSAGE", "PASS": "PASSAGE", "RPT": "ROND POINT",
    "CAR": "CARREFOUR", "CARR": "CARREFOUR", "ESP": "ESPLANADE", "PONT": "PONT", "ST": "SAINT",
    "STE": "SAINTE", "GAL": "GENERAL", "GEN": "GENERAL", "MAL": "MARECHAL", "MAR": "MARECHAL",
    "PDT": "PRESIDENT", "PRES": "PRESIDENT", "DR": "DOCTEUR", "PR": "PROFESSEUR",
}  # fmt: skip
TYPE_WORDS = {
    "RUE", "AVENUE", "BOULEVARD", "PLACE", "CHEMIN", "ROUTE", "IMPASSE", "ALLEE", "QUAI",
    "FAUBOURG", "SQUARE", "COURS", "PROMENADE", "PASSAGE", "ROND", "POINT", "CARREFOUR",
    "ESPLANADE", "PONT", "VOIE", "SENTIER", "RESIDENCE", "LIEU", "DIT",
}  # fmt: skip
LINKS = {"DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "AU", "AUX", "ET", "EN", "SUR", "SOUS"}
GAP_M = 100.0  # two runs of one name closer than this are one street
HOUSE_NUMBER = re.compile(r"^\d+[A-Z]?$|^(BIS|TER|QUATER)$")


def words(text: str) -> list[str]:
    """The comparable words of a street name or address, in order."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    out = []
    for word in re.findall(r"[A-Z0-9]+", plain):
        if HOUSE_NUMBER.match(word) or word in LINKS:
            continue
        out.extend(TYPES.get(word, word).split())
    return out


def names_street(address: list[str], street: set[str]) -> bool:
    """Whether an address (its words) names a street (the words of its name). At least one
    word of three letters or more that is not a street type must be there: « R » alone or
    « RN 118 » (a road number, not a name) names nothing."""
    if not any(len(w) >= 3 and w not in TYPE_WORDS for w in address):
        return False
    *whole, last = address
    return all(w in street for w in whole) and any(w.startswith(last) for w in street)


class StreetIndex:
    """The named streets of a SUMO network (sumolib): name words → the edges bearing them."""

    def __init__(self, net):
        self.net = net
        self.edges_by_name: dict[str, list] = defaultdict(list)
        for edge in net.getEdges():
            if edge.getFunction() != "internal" and edge.getName():
                self.edges_by_name[edge.getName()].append(edge)
        self.words = {name: set(words(name)) for name in self.edges_by_name}
        self._by_word: dict[str, list[str]] = defaultdict(list)
        for name, name_words in self.words.items():
            for word in name_words:
                self._by_word[word].append(name)

    def named(self, address: str) -> list[str]:
        """The street names an address names."""
        found = words(address)
        key = next((w for w in found[:-1] if len(w) >= 3 and w not in TYPE_WORDS), None)
        candidates = self._by_word.get(key, []) if key else self.words
        return [n for n in candidates if found and names_street(found, self.words[n])]

    def runs(self, edges: list) -> list[list]:
        """A street's edges grouped into runs: edges meeting at a junction, or whose ends are
        within GAP_M of each other (a street cut by a square or a pedestrian stretch is still
        one street; a homonym further away is not)."""
        ends = [(e.getShape()[0], e.getShape()[-1]) for e in edges]
        parent = list(range(len(edges)))

        def root(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in combinations(range(len(edges)), 2):
            nodes_i = {edges[i].getFromNode().getID(), edges[i].getToNode().getID()}
            nodes_j = {edges[j].getFromNode().getID(), edges[j].getToNode().getID()}
            if nodes_i & nodes_j or min(math.dist(a, b) for a in ends[i] for b in ends[j]) <= GAP_M:
                parent[root(j)] = root(i)
        runs = defaultdict(list)
        for i, edge in enumerate(edges):
            runs[root(i)].append(edge)
        return list(runs.values())

    def middle(self, run: list) -> tuple[float, float]:
        """(x, y) on the run nearest to its length-weighted centre."""
        from sumolib import geomhelper

        total = sum(e.getLength() for e in run) or 1.0
        cx = sum(_mid(e)[0] * e.getLength() for e in run) / total
        cy = sum(_mid(e)[1] * e.getLength() for e in run) / total
        best = None
        for edge in run:
            shape = edge.getShape()
            offset = geomhelper.polygonOffsetWithMinimumDistanceToPoint((cx, cy), shape)
            point = geomhelper.positionAtShapeOffset(shape, offset)
            distance = math.dist(point, (cx, cy))
            if best is None or distance < best[0]:
                best = (distance, point)
        return best[1]

    def place(self, address: str, outline) -> tuple[float, float] | None:
        """(latitude, longitude) of the middle of the one street the address names inside the
        commune's outline (shapely, WGS 84); None when there is none or more than one."""
        from shapely import prepared
        from shapely.geometry import Point

        inside = prepared.prep(outline)
        runs = []
        for name in self.named(address):
            kept = [
                e
                for e in self.edges_by_name[name]
                if inside.contains(Point(self.net.convertXY2LonLat(*_mid(e))))
            ]
            runs += self.runs(kept) if kept else []
        if len(runs) != 1:
            return None
        lon, lat = self.net.convertXY2LonLat(*self.middle(runs[0]))
        return lat, lon

    def run_at(self, address: str, x: float, y: float, max_distance: float = 25.0) -> list:
        """The run of the street the address names that passes within `max_distance` of (x, y)
        (where the import placed the accident): its edges, or [] if none."""
        names = set(self.named(address))
        near = [
            (d, e)
            for e, d in self.net.getNeighboringEdges(x, y, r=max_distance)
            if e.getName() in names
        ]
        if not near:
            return []
        _, edge = min(near, key=lambda pair: pair[0])
        return next(r for r in self.runs(self.edges_by_name[edge.getName()]) if edge in r)


def _mid(edge) -> tuple[float, float]:
    from sumolib import geomhelper

    shape = edge.getShape()
    return geomhelper.positionAtShapeOffset(shape, geomhelper.polyLength(shape) / 2)
