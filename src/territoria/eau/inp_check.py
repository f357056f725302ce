"""Checking an EPANET `.inp` file line by line before WNTR reads it (`check_inp`), and placing
WNTR's own refusals on a line (`wntr_error`): a bad file is named by line, section and column,
in French — WNTR's messages name no line (« KeyError: 'C9' ») or accept nonsense silently.
Written from EPANET 2.2's parser (`input3.c`, `rules.c`): only what EPANET refuses is refused.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path


class NetworkError(ValueError):
    """An EPANET file that cannot be imported, said in French."""


# The numeric fields of the sections that make the network (EPANET 2.2 manual, appendix C),
# named in French as the error message says them: (position from 0, name).
INP_NUMBERS = {
    "JUNCTIONS": ((1, "altitude"), (2, "demande")),
    "RESERVOIRS": ((1, "charge"),),
    "TANKS": (
        (1, "altitude"),
        (2, "niveau initial"),
        (3, "niveau minimal"),
        (4, "niveau maximal"),
        (5, "diamètre"),
        (6, "volume minimal"),
    ),
    "PIPES": ((3, "longueur"), (4, "diamètre"), (5, "rugosité")),  # then loss or status
    "VALVES": ((3, "diamètre"), (6, "pertes singulières")),
    "COORDINATES": ((1, "X"), (2, "Y")),
    "DEMANDS": ((1, "demande"),),
}
INP_FIELDS = {  # the fields each line of these sections must have at least
    "JUNCTIONS": 2,
    "RESERVOIRS": 2,
    "TANKS": 7,
    "PIPES": 6,
    "PUMPS": 4,
    "VALVES": 6,
    "COORDINATES": 3,
    "DEMANDS": 2,
    "CONTROLS": 6,
    "ENERGY": 3,
    "SOURCES": 2,
    "EMITTERS": 2,
    "STATUS": 2,
    "TAGS": 3,
    "LEAKAGE": 3,
}
INP_LINKS = ("PIPES", "PUMPS", "VALVES")
INP_NODES = ("JUNCTIONS", "RESERVOIRS", "TANKS")
INP_SECTIONS = frozenset(
    [
        "TITLE",
        "JUNCTIONS",
        "RESERVOIRS",
        "TANKS",
        "PIPES",
        "PUMPS",
        "VALVES",
        "TAGS",
        "DEMANDS",
        "STATUS",
        "PATTERNS",
        "CURVES",
        "CONTROLS",
        "RULES",
        "ENERGY",
        "EMITTERS",
        "LEAKAGE",
        "QUALITY",
        "SOURCES",
        "REACTIONS",
        "MIXING",
        "TIMES",
        "REPORT",
        "OPTIONS",
        "COORDINATES",
        "VERTICES",
        "LABELS",
        "BACKDROP",
        "END",
    ]
)
# What a line may name, and where it must be declared (anywhere in the file: the check reads
# the declarations first, EPANET lets a control name a pump declared further down).
INP_KINDS = {
    "node": ("le nœud", "[JUNCTIONS], [RESERVOIRS] ou [TANKS]"),
    "junction": ("la jonction", "[JUNCTIONS]"),
    "link": ("le tronçon", "[PIPES], [PUMPS] ou [VALVES]"),
    "pump": ("la pompe", "[PUMPS]"),
    "pattern": ("le motif", "[PATTERNS]"),
    "curve": ("la courbe", "[CURVES]"),
}
INP_DECLARES = {
    "JUNCTIONS": ("node", "junction"),
    "RESERVOIRS": ("node",),
    "TANKS": ("node",),
    "PIPES": ("link",),
    "PUMPS": ("link", "pump"),
    "VALVES": ("link",),
    "PATTERNS": ("pattern",),
    "CURVES": ("curve",),
}
INP_ANY_CASE = ("pattern", "curve")  # named in any case (a node or a link: as declared)
# What EPANET accepts (EPANET 2.2 manual, appendix C), checked before WNTR whose errors name
# no line (« KeyError: 'C9' », « could not convert string to float: 'deux' »). EPANET reads a
# keyword by its first letters, case ignored (its match(), text.h): « Statistic AVERAGED » is
# AVERAGE, « Pattern Timestep » PATTERN TIMESTEP; INP_SHORT gives those first letters where
# they are fewer than the word's (a word is accepted where any EPANET version accepts it).
INP_SHORT = {
    "CONTINUE": "CONT",
    "DEMAND": "DEMAN",
    "DURATION": "DURA",
    "EFFICIENCY": "EFFI",
    "EXPONENT": "EXP",
    "GLOBAL": "GLOB",
    "HYDRAULIC": "HYDR",
    "JUNCTION": "JUNC",
    "LIMITING": "LIMIT",
    "MINIMUM": "MINI",
    "PATTERN": "PATT",
    "PRIORITY": "PRIO",
    "QUALITY": "QUAL",
    "REPORT": "REPO",
    "RESERVOIR": "RESER",
    "ROUGHNESS": "ROUG",
    "START": "STAR",
    "STATISTIC": "STAT",
    "TIMESTEP": "TIME",
    "SPEED": "SPEE",
    "SUMMARY": "SUMM",
    "MESSAGES": "MESS",
    "ENERGY": "ENER",
    "NODES": "NODE",
    "LINKS": "LINK",
    "PRECISION": "PREC",
}
INP_UNITS = ("CFS", "GPM", "MGD", "IMGD", "AFD", "LPS", "LPM", "MLD", "CMH", "CMD", "CMS")
INP_OPTIONS = frozenset(
    [
        "UNITS",
        "HEADLOSS",
        "HYDRAULICS",
        "QUALITY",
        "VISCOSITY",
        "DIFFUSIVITY",
        "SPECIFIC",
        "TRIALS",
        "ACCURACY",
        "HEADERROR",
        "FLOWCHANGE",
        "UNBALANCED",
        "MINIMUM",
        "REQUIRED",
        "PRESSURE",
        "PATTERN",
        "DEMAND",
        "EMITTER",
        "TOLERANCE",
        "CHECKFREQ",
        "MAXCHECK",
        "DAMPLIMIT",
        "MAP",
    ]
)
INP_OPTION_NAMES = {("PRESSURE", "EXP"): "PRESSURE EXPONENT", ("DEMAND", "MODEL"): "DEMAND MODEL"}
INP_OPTION_CHOICES = {  # option: (position of its word, fields EPANET needs to read it, the
    # words it accepts there, what they are)
    "UNITS": (1, 2, INP_UNITS, "une unité de débit d'EPANET"),
    "HEADLOSS": (1, 2, ("H-W", "D-W", "C-M"), "une formule de perte de charge"),
    "HYDRAULICS": (1, 3, ("USE", "SAVE"), "un usage du fichier hydraulique"),
    "UNBALANCED": (1, 2, ("STOP", "CONTINUE"), "une suite à un calcul non équilibré"),
    "PRESSURE": (1, 2, ("PSI", "KPA", "METERS", "BAR", "FEET"), "une unité de pression"),
    "DEMAND MODEL": (2, 3, ("DDA", "PDA", "DD", "PDD"), "un modèle de demande"),  # WNTR: PDD
}
INP_OPTION_VALUES = {  # option: (position of its value, lowest value, whether it is allowed)
    "VISCOSITY": (1, 0, False),
    "DIFFUSIVITY": (1, 0, True),
    "SPECIFIC": (2, 0, False),
    "TRIALS": (1, 1, True),
    "ACCURACY": (1, 0, False),
    "HEADERROR": (1, 0, True),
    "FLOWCHANGE": (1, 0, True),
    "TOLERANCE": (1, 0, True),
    "CHECKFREQ": (1, 1, True),
    "MAXCHECK": (1, 1, True),
    "DAMPLIMIT": (1, None, True),
    "EMITTER": (2, 0, False),
    "MINIMUM": (2, 0, True),
    "REQUIRED": (2, 0, True),
    "DEMAND": (2, 0, False),
    "PRESSURE EXPONENT": (2, 0, False),
}
INP_PIPE_STATUS = ("OPEN", "CLOSED", "CV")
INP_VALVE_TYPES = ("PRV", "PSV", "PBV", "FCV", "TCV", "GPV", "PCV")
INP_PUMP_KEYWORDS = ("POWER", "HEAD", "PATTERN", "SPEED")  # tried in this order (input3.c)
# EPANET's valvecheck (project.c): which earlier valve an added PRV, PSV or FCV may not touch,
# as (type of the earlier valve, type of the added one): the pairs of ends that may not meet,
# « 1 » and « 2 » standing for the earlier valve's upstream and downstream nodes, « j1 » and
# « j2 » for the added valve's.
INP_VALVE_CLASHES = {
    ("PRV", "PRV"): (("2", "j2"), ("2", "j1"), ("1", "j2")),  # sharing downstream, in series
    ("PSV", "PSV"): (("1", "j1"), ("1", "j2"), ("2", "j1")),  # sharing upstream, in series
    ("PSV", "PRV"): (("1", "j2"),),
    ("PRV", "PSV"): (("2", "j1"),),
    ("FCV", "PSV"): (("2", "j1"),),
    ("FCV", "PRV"): (("1", "j2"),),
    ("PSV", "FCV"): (("1", "j2"),),
    ("PRV", "FCV"): (("2", "j1"),),
}
# [REPORT] (reportdata, input3.c): the keywords read first, then the reported fields (a
# field is named by its whole word: « Elevations » is ELEVATION, « Elev » nothing), whose
# values are YES, NO, or BELOW/ABOVE/PRECISION and a number.
INP_REPORT_KEYWORDS = ("PAGE", "STATUS", "SUMMARY", "MESSAGES", "ENERGY", "NODES", "LINKS")
INP_REPORT_FIELDS = (
    "ELEVATION",
    "DEMAND",
    "HEAD",
    "PRESSURE",
    "QUALITY",
    "LENGTH",
    "DIAMETER",
    "FLOW",
    "VELOCITY",
    "HEADLOSS",
    "STATE",
    "SETTING",
    "REACTION",
    "F-FACTOR",
)
INP_LINK_STATUS = ("OPEN", "CLOSED", "ACTIVE")
INP_SOURCE_TYPES = ("CONCEN", "MASS", "SETPOINT", "FLOWPACED")
INP_TIMES = ("DURATION", "HYDRAULIC", "QUALITY", "RULE", "MINIMUM", "PATTERN", "REPORT", "START")
INP_STATISTICS = ("NONE", "NO", "AVERAGE", "MINIMUM", "MAXIMUM", "RANGE")
INP_TIME_UNITS = {"SEC": 1 / 3600, "MIN": 1 / 60, "HOU": 1, "DAY": 24}
INP_TIME_ATTRIBUTES = {  # [TIMES] keyword (and second word): WNTR's TimeOptions attribute
    ("DURATION", None): "duration",
    ("HYDRAULIC", None): "hydraulic_timestep",
    ("QUALITY", None): "quality_timestep",
    ("RULE", None): "rule_timestep",
    ("PATTERN", "TIMESTEP"): "pattern_timestep",
    ("PATTERN", "START"): "pattern_start",
    ("REPORT", "TIMESTEP"): "report_timestep",
    ("REPORT", "START"): "report_start",
}
INP_TIME_HELP = (
    "des heures (6, 1.5, 6:30 ou 6:30:00), suivies ou non de SEC, MIN, HOURS, DAYS, AM ou PM"
)
# [RULES] (EPANET's rules.c): each word, and the words after which it may come.
INP_RULE_AFTER = {
    "RULE": ("RULE", "IF", "THEN", "ELSE", "PRIORITY"),
    "IF": ("RULE",),
    "AND": ("IF", "THEN", "ELSE"),
    "OR": ("IF",),
    "THEN": ("IF",),
    "ELSE": ("THEN",),
    "PRIORITY": ("THEN", "ELSE"),
    "DISABLED": ("THEN", "ELSE", "PRIORITY"),
}
INP_RULE_OBJECTS = {
    "JUNCTION": "node",
    "RESERVOIR": "node",
    "TANK": "node",
    "NODE": "node",
    "PIPE": "link",
    "PUMP": "link",
    "VALVE": "link",
    "LINK": "link",
    "SYSTEM": "system",
}
INP_RULE_ATTRIBUTES = {
    "node": ("DEMAND", "HEAD", "GRADE", "LEVEL", "PRESSURE", "FILLTIME", "DRAINTIME"),
    "junction": ("DEMAND", "HEAD", "GRADE", "LEVEL", "PRESSURE"),
    "link": ("FLOW", "STATUS", "SETTING"),
    "system": ("DEMAND", "TIME", "CLOCKTIME"),
}
INP_RELATIONS = ("=", "<>", "<=", ">=", "<", ">", "IS", "NOT", "BELOW", "ABOVE")


def _read_inp(path: Path) -> list[tuple[int, str, list[str]]]:
    """The data lines of an .inp file: (line number, section, fields), comments left out;
    NetworkError for a file that is not text, a NUL character or an unknown section."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("cp1252")  # EPANET on Windows writes ANSI
        except UnicodeDecodeError as error:
            line = path.read_bytes()[: error.start].count(b"\n") + 1
            raise NetworkError(
                f"{path.name}, ligne {line} : ce n'est pas un fichier texte."
            ) from None
    if "\x00" in text:  # never in a model; PostgreSQL refuses it in the stored names
        line = text[: text.find("\x00")].count("\n") + 1
        raise NetworkError(
            f"{path.name}, ligne {line} : caractère nul (octet 0) refusé — un fichier binaire "
            "ou mal exporté ?"
        )
    section, lines = None, []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[] ").upper()
            if section not in INP_SECTIONS:
                raise NetworkError(
                    f"{path.name}, ligne {number} : la section « {line} » n'existe pas dans "
                    "EPANET (sections : [JUNCTIONS], [PIPES], [OPTIONS]…)."
                )
        elif section is None:
            raise NetworkError(
                f"{path.name}, ligne {number} : ce fichier n'est pas un modèle EPANET (.inp) : "
                "attendu une section comme [JUNCTIONS] avant toute donnée."
            )
        else:
            lines.append((number, section, line.split()))
    return lines


def check_inp(path: Path) -> None:
    """Name the line and field of the first fault WNTR would only describe (« could not
    convert string to float: 'abc' ») or let pass: a file that is not text, a missing or
    non-numeric field, a name that the file never declares, a word EPANET does not know, a
    rule out of order. Refuses only what EPANET itself refuses. Reads the text only (no WNTR)."""
    lines = _read_inp(path)
    inp = _Inp(path.name, lines)
    for number, section, fields in lines:
        inp.check(number, section, fields)


def leakage_lines(path: Path) -> dict[int, bool]:
    """The lines of the [LEAKAGE] section, by number: True for its title, False for a pipe's
    leakage. An EPANET 2.3 section that WNTR 1.5 and EPANET 2.2 refuse whole (« syntax
    error » on its title)."""
    found, inside = {}, False
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        line = raw.removeprefix(b"\xef\xbb\xbf").decode("latin-1").split(";", 1)[0].strip()
        if line.startswith("["):
            inside = line.strip("[] ").upper() == "LEAKAGE"
        if inside and line:
            found[number] = line.startswith("[")
    return found


def epanet_times(path: Path) -> dict[str, int]:
    """The durations of [TIMES] in seconds as EPANET reads them, by WNTR's attribute name
    (INP_TIME_ATTRIBUTES). WNTR 1.5 drops their unit: it reads « Rule Timestep 1 MIN » as one
    hour and « Duration 2 DAYS » as two hours, where EPANET reads 60 s and 48 h. For a file
    that passed `check_inp`."""
    times = {}
    for _, section, fields in _read_inp(path):
        if section != "TIMES" or len(fields) < 2:
            continue
        what = _word(fields[0], INP_TIMES)
        second = _word(fields[1], ("TIMESTEP", "START")) if what in ("PATTERN", "REPORT") else None
        attribute = INP_TIME_ATTRIBUTES.get((what, second))
        hours = _hours(fields[-1])
        if hours is None:
            hours = _hours(fields[-2], fields[-1])
        if attribute and hours is not None:
            times[attribute] = int(3600 * hours + 0.5)  # EPANET's rounding (timedata)
    return times


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _word(text: str, words) -> str | None:
    """The word of `words` that `text` is to EPANET (it begins with its first letters,
    INP_SHORT, case ignored), or None."""
    upper = text.upper()
    return next((word for word in words if upper.startswith(INP_SHORT.get(word, word))), None)


def _listing(words) -> str:
    return ", ".join(words[:-1]) + " ou " + words[-1]


def _hours(value: str, unit: str = "") -> float | None:
    """EPANET's hour(): hours from « 6 », « 1.5 », « 6:30 », « 6:30:15 », with a unit (SEC,
    MIN, HOURS, DAYS) or AM/PM; None where EPANET finds no time."""
    parts = [part for part in value.split(":") if part]
    if not parts or len(parts) > 3 or not all(_number(part) for part in parts):  # 4: EPANET crashes
        return None
    hours = sum(float(part) / 60**index for index, part in enumerate(parts))
    if not unit:
        return hours if hours >= 0 else None
    factor = next((f for word, f in INP_TIME_UNITS.items() if unit.upper().startswith(word)), None)
    if len(parts) == 1 and factor is not None:
        hours *= factor
    elif unit.upper().startswith(("AM", "PM")):
        if hours >= 13:
            return None
        hours = hours - 12 if hours >= 12 else hours
        hours += 12 if unit.upper().startswith("PM") else 0
    else:
        return None
    return hours if hours >= 0 else None


class _Inp:
    """One .inp file being checked: what it declares (read first, so that a line may name a
    node, a link, a pattern or a curve declared further down, as in EPANET), the line being
    checked, where its [RULES] stand. `refuse` raises the NetworkError naming line, section,
    column (from 1) and field."""

    def __init__(self, name: str, lines: list):
        self.name = name
        self.declared = {kind: set() for kind in INP_KINDS}
        for _, section, fields in lines:
            for kind in INP_DECLARES.get(section, ()):
                self.declared[kind].add(fields[0].upper() if kind in INP_ANY_CASE else fields[0])
        # The kind of the links whose control EPANET restricts: a check valve (CV pipe) has
        # none, a GPV no numeric setting, a valve may be set below 0 (a pipe, a pump not).
        self.kinds = {}
        for _, section, fields in lines:
            if section == "PIPES" and _pipe_is_cv(fields):
                self.kinds[fields[0]] = "CV"
            elif section == "VALVES" and len(fields) > 4:
                self.kinds[fields[0]] = _word(fields[4], INP_VALVE_TYPES)
        self.fixed = self.declared["node"] - self.declared["junction"]  # reservoirs, tanks
        self.curves = {}  # name: its (x, y) points, as EPANET gathers a curve's lines
        for _, section, fields in lines:
            if section == "CURVES" and len(fields) > 2 and all(map(_number, fields[1:3])):
                point = (float(fields[1]), float(fields[2]))
                self.curves.setdefault(fields[0].upper(), []).append(point)
        self.valves = []  # (name, type, upstream, downstream) of the valves already read
        self.seen = {"node": set(), "link": set()}
        self.rule = "PRIORITY"  # EPANET's RuleState before any rule
        self.line, self.section, self.fields = 0, "", []

    def check(self, number: int, section: str, fields: list[str]) -> None:
        self.line, self.section, self.fields = number, section, fields
        if len(fields) < INP_FIELDS.get(section, 0):
            self.too_few(INP_FIELDS[section])
        for position, name in INP_NUMBERS.get(section, ()):
            if position < len(fields):
                self.value(position, name)
        kind = "node" if section in INP_NODES else "link" if section in INP_LINKS else ""
        if kind and fields[0] in self.seen[kind]:
            self.refuse(
                f"l'identifiant « {fields[0]} » est déjà déclaré (un identifiant par nœud, un "
                "par tronçon).",
                0,
            )
        if kind:
            self.seen[kind].add(fields[0])
        INP_CHECKS.get(section, lambda inp: None)(self)

    def refuse(self, text: str, position: int | None = None, label: str = ""):
        where = f"{self.name}, ligne {self.line}, section [{self.section}]"
        if position is not None:
            where += f", colonne {position + 1}"
        if label:
            where += f" (« {label} »)"
        raise NetworkError(f"{where} : {text}")

    def too_few(self, least: int, shape: str = "") -> None:
        self.refuse(f"{len(self.fields)} champs au lieu d'au moins {least}{shape}.")

    def value(self, position: int, label: str = "", lowest=None, allowed=True) -> float:
        """The number at `position`, refused if it is not one or is below `lowest` (or equal,
        where not `allowed`)."""
        if position >= len(self.fields):
            self.too_few(position + 1)
        text = self.fields[position]
        if not _number(text):
            self.refuse(f"« {text} » n'est pas un nombre.", position, label)
        number = float(text)
        if lowest is not None and (number < lowest or number == lowest and not allowed):
            bound = "au moins" if allowed else "plus de"
            self.refuse(f"« {text} » : attendu {bound} {lowest:g}.", position, label)
        return number

    def word(self, position: int, words, what: str, label: str = "") -> str:
        """The EPANET keyword at `position`, refused if it is none of `words`."""
        text = self.fields[position] if position < len(self.fields) else ""
        found = _word(text, words)
        if found is None:
            self.refuse(f"« {text} » n'est pas {what} ({_listing(words)}).", position, label)
        return found

    def known(self, position: int, kind: str) -> None:
        """The name at `position` must be declared as a `kind` (INP_KINDS)."""
        name = self.fields[position]
        if (name.upper() if kind in INP_ANY_CASE else name) not in self.declared[kind]:
            noun, sections = INP_KINDS[kind]
            feminine = "e" if noun.startswith("la ") else ""
            self.refuse(
                f"{noun} « {name} » n'est déclaré{feminine} dans aucune section {sections}.",
                position,
            )

    def time(self, position: int, with_unit: bool) -> None:
        """A time at `position`, followed by its unit (SEC… or AM/PM) if `with_unit`."""
        fields = self.fields
        unit = fields[position + 1] if with_unit else ""
        if _hours(fields[position], unit) is None:
            said = f"{fields[position]} {unit}".strip()
            self.refuse(f"« {said} » n'est pas une heure ni une durée ({INP_TIME_HELP}).", position)


# One function per section (EPANET 2.2's input3.c and rules.c): what EPANET refuses there.


def _junction(inp: _Inp) -> None:
    if len(inp.fields) > 3:
        inp.known(3, "pattern")


def _reservoir(inp: _Inp) -> None:
    if len(inp.fields) > 2:
        inp.known(2, "pattern")


def _tank(inp: _Inp) -> None:
    if len(inp.fields) > 7 and inp.fields[7] != "*":
        inp.known(7, "curve")


def _pipe_is_cv(fields: list[str]) -> bool:
    """A pipe line ending in CV: its 7th field when it has 7, its 8th when it has 8 or more."""
    at = 7 if len(fields) > 7 else 6
    return len(fields) > at and _word(fields[at], ("CV",)) is not None


def _link_ends(inp: _Inp) -> None:
    inp.known(1, "node")
    inp.known(2, "node")
    if inp.fields[1] == inp.fields[2]:  # EPANET's error 222
        inp.refuse(f"le tronçon commence et finit au même nœud « {inp.fields[1]} ».", 2)


def _pipe(inp: _Inp) -> None:
    fields = inp.fields
    _link_ends(inp)
    inp.value(3, "longueur", 0, allowed=False)  # EPANET 2.2: error 211 (the roughness: any)
    inp.value(4, "diamètre", 0, allowed=False)
    if len(fields) == 7 and _word(fields[6], INP_PIPE_STATUS):
        return  # « P1 J1 J2 100 200 130 CV »: a status without a loss coefficient
    if len(fields) > 6:
        inp.value(6, "pertes singulières", 0)
    if len(fields) > 7:
        inp.word(7, INP_PIPE_STATUS, "un état de conduite", "état")


def _pump(inp: _Inp) -> None:
    """id node1 node2, then pairs KEYWORD value: POWER kW, HEAD curve, PATTERN id, SPEED."""
    _link_ends(inp)
    keywords = []
    for position in range(4, len(inp.fields), 2):  # a keyword without its value: passed over
        keyword = inp.word(position - 1, INP_PUMP_KEYWORDS, "un mot clé de pompe", "mot clé")
        keywords.append(keyword)
        if keyword == "POWER":
            inp.value(position, "puissance", 0, allowed=False)
        elif keyword == "HEAD":
            inp.known(position, "curve")
        elif keyword == "PATTERN":
            inp.known(position, "pattern")
        else:
            inp.value(position, "vitesse", 0)
    if "HEAD" not in keywords and "POWER" not in keywords:  # EPANET's error 226
        inp.refuse("la pompe n'a ni courbe caractéristique (HEAD courbe) ni puissance (POWER kW).")
    if "POWER" not in keywords:  # with a power, EPANET 2.2 does not read the curve
        position = 4 + 2 * (len(keywords) - 1 - keywords[::-1].index("HEAD"))  # the last HEAD
        name = inp.fields[position]
        if not _pump_curve(inp.curves.get(name.upper(), [])):  # EPANET's error 227
            inp.refuse(
                f"la courbe « {name} » ne peut pas être la courbe caractéristique d'une pompe : "
                "un point (débit et hauteur > 0), trois points dont le premier à débit nul et "
                "des hauteurs décroissantes (une courbe en puissance), ou des hauteurs "
                "strictement décroissantes.",
                position,
            )


def _pump_curve(points: list[tuple[float, float]]) -> bool:
    """Whether EPANET 2.2 takes these (flow, head) points as a pump curve (its
    updatepumpparams and powercurve); an empty list (undeclared curve) is refused elsewhere."""
    if len(points) == 1:
        (q1, h1) = points[0]
        return _power_curve(1.33334 * h1, h1, 0.0, q1, 2.0 * q1)
    if len(points) == 3 and points[0][0] == 0.0:
        (_, h0), (q1, h1), (q2, h2) = points
        return _power_curve(h0, h1, h2, q1, q2)
    return all(later[1] < earlier[1] for earlier, later in itertools.pairwise(points))


def _power_curve(h0: float, h1: float, h2: float, q1: float, q2: float) -> bool:
    """EPANET's powercurve: h = h0 - b q^c through the three points, 0 < c <= 20, b > 0."""
    tiny = 1e-6
    if h0 < tiny or h0 - h1 < tiny or h1 - h2 < tiny or q1 < tiny or q2 - q1 < tiny:
        return False
    c = math.log((h0 - h2) / (h0 - h1)) / math.log(q2 / q1)
    return 0.0 < c <= 20.0 and -(h0 - h1) / q1**c < 0.0


def _valve(inp: _Inp) -> None:
    """id node1 node2 diameter type setting (loss): a GPV's setting names its head loss
    curve; a PRV, PSV or FCV may join neither a reservoir nor a tank, nor some valves
    (INP_VALVE_CLASHES, EPANET's errors 219 and 220)."""
    fields = inp.fields
    _link_ends(inp)
    kind = inp.word(4, INP_VALVE_TYPES, "un type de vanne", "type")
    if kind in ("PRV", "PSV", "FCV"):
        for position in (1, 2):
            if fields[position] in inp.fixed:
                inp.refuse(
                    f"une vanne {kind} ne peut pas être reliée au réservoir ou à la bâche "
                    f"« {fields[position]} » (seulement à des jonctions).",
                    position,
                )
        _valve_clash(inp, kind)
    inp.value(3, "diamètre", 0, allowed=False)  # EPANET 2.2: error 211
    if len(fields) > 5:
        if kind == "GPV":
            inp.known(5, "curve")
        else:
            inp.value(5, "consigne")  # any sign: EPANET 2.2 opens a PRV set to -30
    inp.valves.append((fields[0], kind, fields[1], fields[2]))


def _valve_clash(inp: _Inp, kind: str) -> None:
    ends = {"j1": inp.fields[1], "j2": inp.fields[2]}
    for name, other, upstream, downstream in inp.valves:
        theirs = {"1": upstream, "2": downstream}
        for their, mine in INP_VALVE_CLASHES.get((other, kind), ()):
            if theirs[their] == ends[mine]:
                inp.refuse(
                    f"la vanne {kind} touche au nœud « {ends[mine]} » la vanne {other} "
                    f"« {name} » déclarée plus haut : EPANET refuse deux PRV en série ou "
                    "partageant leur nœud aval, deux PSV en série ou partageant leur nœud "
                    "amont, une PSV à l'aval d'une PRV ou d'une FCV, une PRV à l'amont d'une "
                    "FCV.",
                    2 if mine == "j2" else 1,
                )


def _values(inp: _Inp) -> None:  # [PATTERNS] and [CURVES]: a name, then numbers
    for position in range(1, len(inp.fields)):
        inp.value(position)


def _demand(inp: _Inp) -> None:
    inp.known(0, "node")
    if len(inp.fields) > 2 and inp.fields[0] in inp.declared["junction"]:
        inp.known(2, "pattern")  # EPANET passes over a demand on a tank


def _emitter(inp: _Inp) -> None:
    inp.known(0, "node")
    if inp.fields[0] in inp.declared["junction"]:
        inp.value(1, "coefficient", 0)


def _leakage(inp: _Inp) -> None:
    """EPANET 2.3's pipe leakage (FAVAD): « conduite surface dilatation », both ≥ 0 (its
    `leakagedata`: 201, 203, 202, 209; a pump or valve named there is passed over)."""
    inp.known(0, "link")
    inp.value(1, "surface de fuite", 0)
    inp.value(2, "dilatation de la fuite", 0)


def _quality(inp: _Inp) -> None:
    if len(inp.fields) == 2:
        inp.known(0, "node")
        inp.value(1, "qualité initiale", 0)
    elif len(inp.fields) > 2:  # a range of nodes: « N1 N9 0.5 »
        inp.value(2, "qualité initiale", 0)


def _status(inp: _Inp) -> None:
    last = len(inp.fields) - 1
    if _word(inp.fields[last], ("OPEN", "CLOSED")) is None:  # not ACTIVE: error 202
        inp.value(last, "état ou réglage", 0)
    if last == 1:
        inp.known(0, "link")
        if _uncontrollable(inp, 0) == "GPV" and _word(inp.fields[1], ("OPEN", "CLOSED")) is None:
            inp.refuse(_GPV_SETTING.format(inp.fields[0]), 1)
    else:
        # « L1 L2 status »: EPANET 2.2 sets every link between the two (numeric names by
        # value, others in byte order; check valves and GPV settings skipped, no error), but
        # WNTR reads L1 alone with L2 as its setting: refused rather than mis-read.
        first, second = inp.fields[0], inp.fields[1]
        inp.refuse(
            f"« {first} {second} » est une plage de tronçons : EPANET l'applique à chaque "
            f"tronçon dont le nom est compris entre « {first} » et « {second} », mais WNTR ne "
            f"règle que « {first} » et prend « {second} » pour sa consigne. Écrivez une ligne "
            "par tronçon.",
            1,
        )


def _mixing(inp: _Inp) -> None:
    if len(inp.fields) < 2:
        return  # EPANET passes over it
    inp.known(0, "node")
    if inp.fields[0] in inp.declared["junction"]:
        return
    model = inp.word(1, ("MIXED", "2COMP", "FIFO", "LIFO"), "un modèle de mélange", "modèle")
    if model == "2COMP" and len(inp.fields) == 3:
        inp.value(2, "fraction")


def _tag(inp: _Inp) -> None:
    kind = _word(inp.fields[0], ("NODE", "LINK"))
    if kind:
        inp.known(1, kind.lower())


def _source(inp: _Inp) -> None:
    inp.known(0, "node")
    at = 2 if _word(inp.fields[1], INP_SOURCE_TYPES) else 1  # EPANET 1.1 wrote no type
    if at == 1 and not _number(inp.fields[1]):
        inp.word(1, INP_SOURCE_TYPES, "un type de source", "type")  # refused
    inp.value(at, "intensité")
    if len(inp.fields) > at + 1 and inp.fields[at + 1] != "*":
        inp.known(at + 1, "pattern")


def _control(inp: _Inp) -> None:
    """LINK id setting IF NODE id ABOVE/BELOW level | AT TIME t | AT CLOCKTIME t AM/PM."""
    fields = inp.fields
    count = len(fields) - (1 if _word(fields[-1], ("DISABLED",)) else 0)
    inp.known(1, "link")
    kind = _uncontrollable(inp, 1)
    if _word(fields[2], ("OPEN", "CLOSED")) is None:
        if kind == "GPV":
            inp.refuse(_GPV_SETTING.format(fields[1]), 2)
        inp.value(2, "réglage", None if kind in INP_VALVE_TYPES else 0)  # else error 211
    if _word(fields[4], ("TIME", "CLOCKTIME")):
        inp.time(5, count > 6)
        return
    if count < 8:
        inp.too_few(8, " (LINK nom état IF NODE nom ABOVE/BELOW valeur)")
    inp.known(5, "node")
    inp.word(6, ("BELOW", "ABOVE"), "une comparaison")
    inp.value(7, "niveau ou pression")


def _energy(inp: _Inp) -> None:
    fields = inp.fields
    what = inp.word(0, ("DEMAND", "GLOBAL", "PUMP"), "une ligne de [ENERGY]")
    if what == "DEMAND":
        inp.value(2, "charge de puissance", 0)
        return
    if what == "PUMP":
        if len(fields) < 4:
            inp.too_few(4)
        inp.known(1, "pump")
    last = len(fields) - 1
    key = inp.word(last - 1, ("PRICE", "PATTERN", "EFFICIENCY"), "un paramètre d'énergie")
    if key == "PRICE":
        inp.value(last, "prix", 0)
    elif key == "PATTERN":
        inp.known(last, "pattern")
    elif what == "PUMP":
        inp.known(last, "curve")
    else:
        inp.value(last, "rendement", 0, allowed=False)


def _reaction(inp: _Inp) -> None:
    fields = inp.fields
    if len(fields) < 3:
        return  # EPANET passes over it
    last = len(fields) - 1
    what = inp.word(
        0,
        ("ORDER", "ROUGHNESS", "LIMITING", "GLOBAL", "BULK", "WALL", "TANK"),
        "une ligne de [REACTIONS]",
    )
    value = inp.value(last, "ordre" if what == "ORDER" else "coefficient")
    if what == "ORDER":
        kind = inp.word(1, ("BULK", "WALL", "TANK"), "une réaction")
        if kind == "WALL" and value not in (0, 1):
            inp.refuse(f"« {fields[last]} » : une réaction de paroi est d'ordre 0 ou 1.", last)
    elif what == "GLOBAL":
        inp.word(1, ("BULK", "WALL"), "une réaction globale")
    # BULK, WALL and TANK name a pipe or a tank: EPANET passes over one it does not know
    # (WNTR refuses it, placed on its line by wntr_error).


def _time(inp: _Inp) -> None:
    fields = inp.fields
    last = len(fields) - 1
    if _word(fields[0], ("STATISTIC",)):
        inp.word(last, INP_STATISTICS, "une statistique")
        return
    if last < 1:
        inp.too_few(2)
    if _hours(fields[last]) is None and _hours(fields[last - 1], fields[last]) is None:
        inp.refuse(f"« {fields[last]} » n'est pas une durée ({INP_TIME_HELP}).", last)
    what = inp.word(0, INP_TIMES + ("STATISTIC",), "un paramètre de [TIMES]")
    if what == "MINIMUM":  # WNTR: « minimum_traveltime is not a valid attribute », no line
        inp.refuse(
            f"« {' '.join(fields[:2])} » ne sert plus dans EPANET et WNTR ne sait pas la lire : "
            "retirez cette ligne.",
            0,
        )
    if what in ("PATTERN", "REPORT"):
        inp.word(1, ("TIMESTEP", "START"), "un paramètre de [TIMES]")


def _report(inp: _Inp) -> None:
    """PAGE n, STATUS/SUMMARY/MESSAGES/ENERGY word, NODES/LINKS ALL/NONE/ids, FILE name, a
    field YES/NO or BELOW/ABOVE/PRECISION value (reportdata, input3.c)."""
    fields = inp.fields
    last = len(fields) - 1
    if last < 1:
        inp.too_few(2)
    keyword = _word(fields[0], INP_REPORT_KEYWORDS)
    if keyword == "PAGE":
        lines = inp.value(last, "lignes par page", 0)
        if lines > 255:
            inp.refuse(f"« {fields[last]} » : attendu au plus 255.", last, "lignes par page")
    elif keyword in ("NODES", "LINKS") and _word(fields[last], ("NONE", "ALL")) is None:
        for position in range(1, last + 1):
            inp.known(position, "node" if keyword == "NODES" else "link")
    elif keyword is None:
        field = next((f for f in INP_REPORT_FIELDS if fields[0].upper().startswith(f)), None)
        if field is None and not fields[0].upper().startswith("FILE"):
            inp.refuse(
                f"« {fields[0]} » n'est pas un mot de [REPORT] ({', '.join(INP_REPORT_KEYWORDS)}"
                f", FILE ou une grandeur : {_listing(INP_REPORT_FIELDS)}).",
                0,
            )
        if field and _word(fields[1], ("YES", "NO")) is None:
            _report_limit(inp)


def _report_limit(inp: _Inp) -> None:
    """A reported field's BELOW, ABOVE or PRECISION and its number."""
    if len(inp.fields) < 3:
        inp.too_few(3, " (grandeur YES, NO ou grandeur BELOW/ABOVE/PRECISION valeur)")
    inp.word(1, ("BELOW", "ABOVE", "PRECISION"), "une limite de rapport", "limite")
    inp.value(2, "valeur")


def _option(inp: _Inp) -> None:
    fields = inp.fields
    key = fields[0].upper()
    if key not in INP_OPTIONS:  # WNTR refuses them too (« not a valid member »)
        inp.refuse(f"l'option « {fields[0]} » n'existe pas dans EPANET.", 0)
    second = fields[1].upper() if len(fields) > 1 else ""
    if key == "QUALITY" and second.startswith("TRACE"):
        if len(fields) < 3:
            inp.too_few(3, " (QUALITY TRACE nœud)")
        inp.known(2, "node")
    name = next(
        (n for (k, w), n in INP_OPTION_NAMES.items() if k == key and second.startswith(w)), key
    )
    if name in INP_OPTION_CHOICES:
        position, least, words, what = INP_OPTION_CHOICES[name]
        if len(fields) >= least:
            inp.word(position, words, what, " ".join(fields[:position]))
    elif name in INP_OPTION_VALUES:
        position, lowest, allowed = INP_OPTION_VALUES[name]
        if position < len(fields):
            inp.value(position, " ".join(fields[:position]), lowest, allowed)


def _rule(inp: _Inp) -> None:
    """RULE name, IF/AND/OR conditions, THEN/AND actions, ELSE/AND actions, PRIORITY."""
    fields = inp.fields
    word = inp.word(0, tuple(INP_RULE_AFTER), "un mot de règle")
    if inp.rule not in INP_RULE_AFTER[word]:
        inp.refuse(
            f"« {fields[0]} » n'est pas à sa place : une règle s'écrit RULE nom, IF…, AND/OR…, "
            "THEN…, AND…, ELSE…, AND…, PRIORITY valeur, chaque mot après le précédent.",
            0,
        )
    if word == "RULE" and len(fields) != 2:
        inp.refuse(f"{len(fields)} champs au lieu de 2 (RULE nom, sans espace dans le nom).")
    elif word == "PRIORITY":
        inp.value(1, "priorité")
    elif word in ("IF", "OR") or word == "AND" and inp.rule == "IF":
        _premise(inp)
    elif word in ("THEN", "ELSE", "AND"):
        _action(inp)
    if word not in ("AND", "OR", "DISABLED"):
        inp.rule = word


def _premise(inp: _Inp) -> None:
    """IF object id attribute relation value, or IF SYSTEM attribute relation value."""
    fields = inp.fields
    if len(fields) not in (5, 6):
        inp.refuse(
            f"{len(fields)} champs au lieu de 5 ou 6 (IF objet nom attribut relation valeur)."
        )
    kind = INP_RULE_OBJECTS[inp.word(1, tuple(INP_RULE_OBJECTS), "un objet de règle", "objet")]
    at = 2
    if kind != "system":
        inp.known(2, kind)
        at = 3
        if kind == "node" and fields[2] in inp.declared["junction"]:
            kind = "junction"  # a junction has no FILLTIME nor DRAINTIME
    attribute = inp.word(at, INP_RULE_ATTRIBUTES[kind], f"un attribut de {fields[1]}", "attribut")
    inp.word(at + 1, INP_RELATIONS, "une relation", "relation")
    last = len(fields) - 1
    if attribute in ("TIME", "CLOCKTIME"):
        inp.time(at + 2, len(fields) == 6)
    elif _word(fields[last], INP_LINK_STATUS) is None:
        inp.value(last, "valeur")


def _action(inp: _Inp) -> None:
    """THEN/ELSE/AND LINK id STATUS/SETTING IS value."""
    fields = inp.fields
    if len(fields) != 6:
        inp.refuse(f"{len(fields)} champs au lieu de 6 (THEN LINK nom STATUS IS valeur).")
    inp.known(2, "link")
    kind = _uncontrollable(inp, 2)
    if _word(fields[5], INP_LINK_STATUS) is None:
        inp.value(5, "valeur", 0)
        if kind == "GPV":
            inp.refuse(_GPV_SETTING.format(fields[2]), 5)


_GPV_SETTING = (
    "« {} » est une vanne GPV : son réglage est sa courbe de perte de charge, on ne peut "
    "que l'ouvrir ou la fermer (OPEN, CLOSED)."
)


def _uncontrollable(inp: _Inp, position: int) -> str:
    """The kind of the link at `position` (INP_VALVE_TYPES, CV or PIPE), refused if it is a
    check valve, which EPANET lets no control, rule nor status set (its error 207)."""
    name = inp.fields[position]
    kind = inp.kinds.get(name, "PIPE")
    if kind == "CV":
        inp.refuse(
            f"la conduite « {name} » est un clapet (CV dans [PIPES]) : EPANET ne la laisse "
            "ni ouvrir ni fermer (elle s'ouvre et se ferme d'elle-même selon le sens de "
            "l'écoulement).",
            position,
        )
    return kind


INP_CHECKS = {
    "JUNCTIONS": _junction,
    "RESERVOIRS": _reservoir,
    "TANKS": _tank,
    "PIPES": _pipe,
    "PUMPS": _pump,
    "VALVES": _valve,
    "PATTERNS": _values,
    "CURVES": _values,
    "DEMANDS": _demand,
    "EMITTERS": _emitter,
    "LEAKAGE": _leakage,
    "QUALITY": _quality,
    "STATUS": _status,
    "MIXING": _mixing,
    "TAGS": _tag,
    "SOURCES": _source,
    "CONTROLS": _control,
    "ENERGY": _energy,
    "REACTIONS": _reaction,
    "TIMES": _time,
    "OPTIONS": _option,
    "RULES": _rule,
    "REPORT": _report,
}


def _locate(text: str, token: str) -> tuple[int, str] | None:
    """The first line (and its section) where `token` is one of the fields, or None."""
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            section = line.strip("[] ").upper()
        elif token.upper() in (field.upper() for field in line.split()):
            return number, section
    return None


def _section_of(text: str, wanted: int) -> str:
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            section = line.strip("[] ").upper()
        if number == wanted:
            return section
    return section


def wntr_error(path: Path, error: Exception) -> NetworkError:
    """WNTR's refusal said in French, with the line (and section) of the file where it can
    be found: the line WNTR gives (`line_num` of EPANET's errors), else the first line where
    the name it quotes (« KeyError: 'C9' », « could not convert string to float: 'x' »)
    appears as a field."""
    text_lines = str(error).strip().splitlines()
    reason = text_lines[0] if text_lines else type(error).__name__
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        text = ""
    line = getattr(error, "line_num", None)
    match = re.search(r"at line (\d+)", str(error))
    if line is None and match:
        line = int(match.group(1))
    quoted = re.findall(r"'([^']+)'", str(error))
    token = quoted[-1] if quoted else None
    if line:
        section = _section_of(text, int(line))
        where = f"{path.name}, ligne {line}" + (f", section [{section}]" if section else "")
        return NetworkError(f"{where} : EPANET refuse cette ligne ({reason}).")
    found = _locate(text, token) if token and text else None
    if found:
        number, section = found
        where = f"{path.name}, ligne {number}" + (f", section [{section}]" if section else "")
        return NetworkError(
            f"{where} : EPANET ne sait pas lire « {token} » à cet endroit (un nom non "
            f"déclaré ou une valeur invalide ; message de WNTR : {reason})."
        )
    return NetworkError(f"{path.name} : ce fichier n'est pas un modèle EPANET lisible ({reason}).")
