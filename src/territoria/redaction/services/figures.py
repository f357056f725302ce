"""Figures as quantities: what a number says, not only its digits.

A figure of a draft is grounded when its source holds the same quantity:

* the same **value**, French formats read ("1 250,50", "1.250.000", "12,5"), times its **scale**
  ("2,2 M€" = "2,2 millions d'euros" = "2 200 000 €"; "1 million" = "1 000 000"; k€, Md€,
  milliards); in the source, numbers written in words count too ("vingt-quatre directions",
  "un million d'arbres");
* the same **unit** when the draft gives one ("85 %" = "85 pour cent", "€" = "euros" = "EUR",
  mois, ans, jours, heures, km, ha, m², Wh…, and ordinals "2e", "1er", "2°") — "85 %" is not
  grounded by "85 agents";
* the same **thing counted**: at least one word of the draft's context (the nearest content
  words before and after the figure, in its sentence, stemmed by the search core's French
  analyser) is in the context of that quantity in the source. "3 grandes ambitions" is refused
  when the source says "2 grandes ambitions" and has a "3" elsewhere. A figure with no word
  around it (a table cell) is checked on value and unit only;
* a **year** (1900–2100, no unit) is checked on its value only, as a date is.

A number glued to a word ("Numérique360", "CO2") and a web address are identifiers: they must be
written as in the source.

**Labels and scores.** A figure that numbers an item — after a label word ("article 3",
"Proposition #2", "axe 4", "point 2", "no 7", "n° 12") or as a list marker at the start of a
line ("3/ Centraliser…", "2) …", "1. …") — is a *label*, not a quantity: it is grounded only by
the same label in the source (the generic ones — list marker, "n°", "point" — match any label;
a label never grounds a plain figure, nor the reverse: "7 dixièmes" is not grounded by "la no
7"), and the label word itself does not count as context, so "Proposition #3 : mieux
connaître…" is refused when the source's "Proposition #3" is about something else. A **score or
fraction** ("6-2", "4/5", "note de 16/20") is read as one figure, the pair: it must be written
with the same two numbers in the source. Everything is deterministic and offline.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from territoria.search.analyzer import analyze_token, fold_token, iter_words

CONTEXT_WORDS = 4  # content words taken on each side of a figure, within its sentence
# Ranges read as two bounds (« 10-15 % », « entre 10 et 15 % »); False gives the reading before
# ranges (the first figure only), the same-run baseline of `python -m benchmarks redaction_real`.
READ_RANGES = True
# A figure without a unit is not grounded by the same value that is a percentage in the source
# (« 15 agents » by « 15 % des agents »); False: the reading before (benchmark baseline).
SHARE_IS_NOT_COUNT = True

_SPACE = "[ \u00a0\u202f]"
NUMBER = re.compile(
    r"(?<![\w.,-])\d{1,3}(?:\.\d{3}){2,}(?![\d.,]\d)"  # 1.250.000
    rf"|(?<![\w-])\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:,\d+)?(?!\d)"  # 1 250 000,50
    r"|(?<![\w-])\d+(?:[.,]\d+)?"  # 1250,5 / 12.5
)
_SCALES = {
    "million": Decimal(10**6),
    "millions": Decimal(10**6),
    "milliard": Decimal(10**9),
    "milliards": Decimal(10**9),
    "md": Decimal(10**9),
    "mds": Decimal(10**9),
    "mrd": Decimal(10**9),
    "mrds": Decimal(10**9),
}
# unit as written (folded, lower case) → (canonical unit, scale)
_UNITS = {
    "%": ("%", 1),
    "pour cent": ("%", 1),
    "pour-cent": ("%", 1),
    "pourcent": ("%", 1),
    "pourcents": ("%", 1),
    "€": ("€", 1),
    "euro": ("€", 1),
    "euros": ("€", 1),
    "eur": ("€", 1),
    "k€": ("€", 10**3),
    "keur": ("€", 10**3),
    "m€": ("€", 10**6),
    "meur": ("€", 10**6),
    "md€": ("€", 10**9),
    "mds€": ("€", 10**9),
    "mrd€": ("€", 10**9),
    "mrds€": ("€", 10**9),
    "an": ("an", 1),
    "ans": ("an", 1),
    "annee": ("an", 1),
    "annees": ("an", 1),
    "mois": ("mois", 1),
    "semaine": ("semaine", 1),
    "semaines": ("semaine", 1),
    "jour": ("jour", 1),
    "jours": ("jour", 1),
    "heure": ("h", 1),
    "heures": ("h", 1),
    "h": ("h", 1),
    "minute": ("min", 1),
    "minutes": ("min", 1),
    "min": ("min", 1),
    "km": ("km", 1),
    "kilometre": ("km", 1),
    "kilometres": ("km", 1),
    "m": ("m", 1),
    "mm": ("m", Decimal("0.001")),
    "millimetre": ("m", Decimal("0.001")),
    "millimetres": ("m", Decimal("0.001")),
    "cm": ("m", Decimal("0.01")),
    "centimetre": ("m", Decimal("0.01")),
    "centimetres": ("m", Decimal("0.01")),
    "metre": ("m", 1),
    "metres": ("m", 1),
    "m2": ("m2", 1),
    "m²": ("m2", 1),
    "km2": ("km2", 1),
    "km²": ("km2", 1),
    "ha": ("ha", 1),
    "hectare": ("ha", 1),
    "hectares": ("ha", 1),
    "kg": ("kg", 1),
    "t": ("t", 1),
    "tonne": ("t", 1),
    "tonnes": ("t", 1),
    "wh": ("wh", 1),
    "kwh": ("wh", 10**3),
    "mwh": ("wh", 10**6),
    "gwh": ("wh", 10**9),
    "twh": ("wh", 10**12),
    "er": ("ordinal", 1),
    "re": ("ordinal", 1),
    "e": ("ordinal", 1),
    "eme": ("ordinal", 1),
    "ème": ("ordinal", 1),
    "ᵉ": ("ordinal", 1),
    "nd": ("ordinal", 1),
    "nde": ("ordinal", 1),
    "°": ("ordinal", 1),
}
_UNIT_ALTERNATIVES = "|".join(
    re.escape(u).replace(r"\ ", f"{_SPACE}+") for u in sorted(_UNITS, key=len, reverse=True)
)
_SUFFIX = re.compile(
    rf"(?P<gap>{_SPACE}*)"
    rf"(?:(?P<scale>millions?|milliards?|mds?|mrds?)(?![\w€]){_SPACE}*(?:d['’]|de{_SPACE}+)?)?"
    rf"(?P<unit>(?:{_UNIT_ALTERNATIVES})(?![\w²]))?",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'»)\]]+", re.IGNORECASE)
_IDENTIFIER = re.compile(r"\b[^\W\d_][^\W_]*\d[^\W_]*\b")
_BOUNDARY = re.compile(r"[.!?](?=\s)|\n")

# Numbers written in words (read in the source only: a draft's figures are checked as digits).
_WORD_VALUES = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "vingts": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
    "cents": 100,
    "mille": 1000,
}
_NUMBER_WORD = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"\b(?:{_NUMBER_WORD})(?:(?:-|\s)(?:et-|et\s)?(?:{_NUMBER_WORD}))*\b", re.IGNORECASE
)


def words_value(text: str) -> int | None:
    """ "vingt-quatre" → 24, "quatre-vingt-dix" → 90, "deux cent mille" → 200000; a lone
    "un"/"une" is None (an article, not a figure)."""
    parts = [p for p in re.split(r"[-\s]+", text.lower()) if p and p != "et"]
    if not parts or parts in (["un"], ["une"]):
        return None
    total = current = 0
    for part in parts:
        value = _WORD_VALUES[part]
        if value == 1000:
            total += (current or 1) * 1000
            current = 0
        elif value == 100:
            current = (current or 1) * 100
        elif value == 20 and current % 100 == 4:
            current = current - 4 + 80
        else:
            current += value
    return total + current


def canonical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def parse_number(raw: str) -> Decimal | None:
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", digits):
        digits = digits.replace(".", "")
    try:
        return Decimal(digits.replace(",", "."))
    except InvalidOperation:
        return None


@dataclass
class Quantity:
    value: str  # canonical, scale applied
    unit: str | None
    context: frozenset[str]
    raw: str
    start: int
    end: int
    year: bool = False
    label: str | None = (
        None  # "article", "proposition", "numero", "liste"…: the figure numbers an item
    )
    label_raw: str = ""  # the label as written ("Proposition #")
    bound: str | None = None  # "low" or "high": a bound of a range (« entre 10 et 15 % »)
    range: tuple[str, str] | None = None  # the range's (low, high) values

    def describe(self) -> str:
        if self.label_raw:
            return f"{self.label_raw.strip()} {self.raw.strip()}".replace("# ", "#")
        return self.raw.strip()


@dataclass
class _Words:
    """The words of a text with their offsets, sentence numbers, and content term (None for a
    stop word, a unit or a scale; "#" for a word holding a digit: the context stops there)."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    terms: list[str | None] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)


def _words(text: str) -> _Words:
    boundaries = [m.start() for m in _BOUNDARY.finditer(text)]
    result = _Words()
    for word, start, end in iter_words(text):
        folded = fold_token(word)
        if any(c.isdigit() for c in word):
            term = "#"
        elif folded in _UNITS or folded in _SCALES:
            term = None
        else:
            term = analyze_token(word)
        result.starts.append(start)
        result.ends.append(end)
        result.terms.append(term)
        result.sentence.append(bisect.bisect_right(boundaries, start))
    return result


def _context(words: _Words, start: int, end: int, sentence: int) -> frozenset[str]:
    """The nearest content words before and after a figure, in its sentence, up to the next
    figure on each side (a list of figures does not mix their contexts)."""
    found: list[str] = []
    i = bisect.bisect_right(words.ends, start) - 1  # last word ending at or before start
    taken = 0
    while i >= 0 and taken < CONTEXT_WORDS and words.sentence[i] == sentence:
        if words.terms[i] == "#":
            break
        if words.terms[i]:
            found.append(words.terms[i])
            taken += 1
        i -= 1
    j = bisect.bisect_left(words.starts, end)
    taken = 0
    while j < len(words.starts) and taken < CONTEXT_WORDS and words.sentence[j] == sentence:
        if words.terms[j] == "#":
            break
        if words.terms[j]:
            found.append(words.terms[j])
            taken += 1
        j += 1
    return frozenset(found)


# Units read only when glued to the number ("2e", "1er", "2°", "85%", "10km"), or after a space.
_GLUED_ONLY = {"er", "re", "e", "eme", "nd", "nde", "°"}
_GLUE_OK = _GLUED_ONLY | {
    "%",
    "€",
    "euro",
    "euros",
    "eur",
    "k€",
    "m€",
    "md€",
    "km",
    "m",
    "mm",
    "cm",
    "m2",
    "km2",
    "h",
    "ha",
    "kg",
}


def _suffix(text: str, end: int) -> tuple[Decimal, str | None, int]:
    """(scale, canonical unit, end of what was read) after a number."""
    match = _SUFFIX.match(text, end, min(len(text), end + 40))
    scale, unit, stop = Decimal(1), None, end
    if match is None:
        return scale, unit, stop
    if match.group("scale"):
        scale = _SCALES[match.group("scale").lower()]
        stop = match.end("scale")
    if match.group("unit"):
        key = re.sub(rf"{_SPACE}+", " ", fold_token(match.group("unit")) or "")
        glued = match.group("gap") == "" and not match.group("scale")
        if key in _UNITS and (key in _GLUE_OK if glued else key not in _GLUED_ONLY):
            unit, unit_scale = _UNITS[key]
            scale *= unit_scale
            stop = match.end("unit")
    return scale, unit, stop


# Words after which a figure numbers an item (folded, lower case) → the kind of item.
_LABEL_WORDS = {
    **{w: "article" for w in ("article", "articles", "art")},
    **{w: "alinea" for w in ("alinea", "alineas", "al")},
    **{w: "proposition" for w in ("proposition", "propositions")},
    **{w: "point" for w in ("point", "points", "item", "items")},
    **{w: "axe" for w in ("axe", "axes")},
    **{w: "action" for w in ("action", "actions")},
    **{w: "mesure" for w in ("mesure", "mesures")},
    **{w: "lot" for w in ("lot", "lots")},
    **{w: "phase" for w in ("phase", "phases")},
    **{w: "etape" for w in ("etape", "etapes")},
    **{w: "chapitre" for w in ("chapitre", "chapitres", "chap")},
    **{w: "titre" for w in ("titre", "titres")},
    **{w: "annexe" for w in ("annexe", "annexes")},
    **{w: "section" for w in ("section", "sections")},
    **{w: "partie" for w in ("partie", "parties")},
    **{w: "volet" for w in ("volet", "volets")},
    **{w: "objectif" for w in ("objectif", "objectifs")},
    **{w: "priorite" for w in ("priorite", "priorites")},
    **{w: "fiche" for w in ("fiche", "fiches")},
    **{w: "question" for w in ("question", "questions")},
    **{w: "scenario" for w in ("scenario", "scenarios")},
    **{w: "recommandation" for w in ("recommandation", "recommandations")},
    **{w: "preconisation" for w in ("preconisation", "preconisations")},
    **{w: "page" for w in ("page", "pages", "p")},
    **{w: "tome" for w in ("tome", "tomes")},
    **{w: "ligne" for w in ("ligne", "lignes")},
    **{w: "tranche" for w in ("tranche", "tranches")},
    **{w: "version" for w in ("version",)},
    **{w: "saison" for w in ("saison",)},
    **{w: "numero" for w in ("numero", "numeros")},
}
# Labels that number anything: they match any other label.
_GENERIC_LABELS = {"numero", "liste", "point"}
_LABEL_BEFORE = re.compile(
    r"(?:(?P<word>[^\W\d_]+)\.?[ \u00a0\u202f]*)?"
    r"(?P<num>n°|nº|no\.?|n[o°]|numéro|numero|#)?[ \u00a0\u202f]*$",
    re.IGNORECASE,
)
_LIST_MARKER_AFTER = re.compile(r"[/)]|\.(?=[ \u00a0\u202f]+\S)")
_DASHED = re.compile(
    r"(?<![\w.,/–-])(?P<a>\d{1,3}(?:,\d+)?)[ \u00a0\u202f]?[-–][ \u00a0\u202f]?(?P<b>\d{1,3}(?:,\d+)?)"
    r"(?![\w/–-]|[.,]\d)"
)
_PAIR = re.compile(
    r"(?<![\w.,/–-])(?P<a>\d{1,3})[ \u00a0\u202f]?(?P<sep>[-–/])[ \u00a0\u202f]?(?P<b>\d{1,3})"
    r"(?![\w/–-]|[.,]\d)"
)


def _label(text: str, start: int, end: int) -> tuple[str | None, str, int]:
    """(kind, as written, start of the label word) when the figure at start:end numbers an
    item; (None, "", start) otherwise."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 40) : start]
    match = _LABEL_BEFORE.search(before)
    if match and (match.group("word") or match.group("num")):
        word = fold_token(match.group("word") or "") or ""
        kind = _LABEL_WORDS.get(word)
        if kind is None and match.group("num"):
            kind = "numero"
            offset = match.start("num")
        else:
            offset = match.start("word") if kind else 0
        if kind:
            return kind, before[offset:], start - len(before) + offset
    if re.fullmatch(r"[ \t>*•-]*", text[line_start:start]) and _LIST_MARKER_AFTER.match(text, end):
        return "liste", "", start
    return None, "", start


def _compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or a in _GENERIC_LABELS or b in _GENERIC_LABELS


def urls(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().rstrip(".,;:!?"), m.start(), m.end()) for m in _URL.finditer(text)]


def identifiers(text: str, skip: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """Words that start with a letter and hold a digit ("Numérique360", "CO2", "mRk9Qv")."""
    return [
        (m.group(), m.start(), m.end())
        for m in _IDENTIFIER.finditer(text)
        if not any(s <= m.start() < e for s, e in skip)
    ]


def quantities(
    text: str, skip: list[tuple[int, int]] | None = None, with_words: bool = False
) -> list[Quantity]:
    """Every figure of `text` outside the spans in `skip` (dates, legal references, URLs); with
    `with_words`, the numbers written in words too (source side)."""
    skip = list(skip or []) + [(s, e) for _u, s, e in urls(text)]
    words = _words(text)
    boundaries = [m.start() for m in _BOUNDARY.finditer(text)]
    found: list[Quantity] = []
    spans: list[tuple[int, int, Decimal]] = []
    pairs = []
    dashed: list[tuple[int, int]] = []  # « 10-15 % », « 4,02-4,51 kg »: a range
    for match in _DASHED.finditer(text) if READ_RANGES else ():
        if any(s <= match.start() < e for s, e in skip):
            continue
        suffix = _SUFFIX.match(text, match.end())
        if suffix.group("unit") or suffix.group("scale"):
            for bound in ("a", "b"):
                number = parse_number(match[bound])
                if number is not None:
                    spans.append((match.start(bound), match.end(bound), number))
            dashed.append((match.start("a"), match.start("b")))
    for match in _PAIR.finditer(text):
        if any(s <= match.start() < e for s, e in skip):
            continue
        if match.group("sep") == "/" and text[match.end() : match.end() + 1] == "/":
            continue  # a date
        suffix = _SUFFIX.match(text, match.end())
        if suffix.group("unit") or suffix.group("scale"):
            continue  # a range with a unit (above)
        pairs.append(match)
    skip += [m.span() for m in pairs]
    bounds = [(start, end) for start, end, _n in spans]
    for match in NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in skip + bounds):
            continue
        number = parse_number(match.group())
        if number is not None:
            spans.append((match.start(), match.end(), number))
    if with_words:
        for match in _NUMBER_WORDS.finditer(text):
            if any(s <= match.start() < e for s, e in skip):
                continue
            if re.search(
                r"pour[\s-]*$", text[max(0, match.start() - 6) : match.start()], re.IGNORECASE
            ):
                continue  # « pour cent »
            value = words_value(match.group())
            if value is None:
                following = text[match.end() : match.end() + 12].lower().lstrip()
                if not following.startswith(("million", "milliard")):
                    continue
                value = 1
            spans.append((match.start(), match.end(), Decimal(value)))
    spans.sort()
    read = [(start, number, *_suffix(text, end)) for start, end, number in spans]
    ranges = _ranges(text, spans, read, set(dashed)) if READ_RANGES else []
    for low, high in ranges:  # « entre 10 et 15 % »: the lower bound is 10 %
        start, number, scale, unit, stop = read[low]
        if (
            unit is None
            and scale == 1
            and text[start].isdigit()
            and _label(text, start, stop)[0] is None  # « point 2 à 14 h »
        ):
            read[low] = (start, number, read[high][2], read[high][3], stop)
    # The words of a figure written in digits ("pour cent", "millions d'euros") are not the
    # context of its neighbour: they end it, as its digits do. (Numbers in words are read in
    # the source only; marking them would make a source's context narrower than the same
    # sentence's in a draft.)
    for match in pairs:
        first = bisect.bisect_left(words.starts, match.start())
        last = bisect.bisect_left(words.starts, match.end())
        for i in range(first, last):
            words.terms[i] = "#"
    for start, _number, _scale, _unit, stop in read:
        if not text[start].isdigit():
            continue
        first = bisect.bisect_left(words.starts, start)
        last = bisect.bisect_left(words.starts, stop)
        for i in range(first, last):
            words.terms[i] = "#"
    by_start: dict[int, Quantity] = {}
    for start, number, scale, unit, stop in read:
        raw = text[start:stop]
        is_year = (
            unit is None
            and scale == 1
            and number == number.to_integral_value()
            and 1900 <= number <= 2100
            and re.fullmatch(r"\d{4}", raw) is not None
        )
        sentence = bisect.bisect_right(boundaries, start)
        context = _context(words, start, stop, sentence)
        label, label_raw = None, ""
        if unit is None and scale == 1 and re.fullmatch(r"\d{1,3}", raw) and not is_year:
            label, label_raw, _label_start = _label(text, start, stop)
            if label:
                context = context - _label_terms(label_raw)
        quantity = Quantity(
            value=canonical(number * scale),
            unit=unit,
            context=context,
            raw=raw,
            start=start,
            end=stop,
            year=is_year,
            label=label,
            label_raw=label_raw,
        )
        found.append(quantity)
        by_start[start] = quantity
    for low, high in ranges:
        lower, upper = by_start[read[low][0]], by_start[read[high][0]]
        if lower.label and upper.unit is not None:
            continue  # « point 2 à 14 h »: a label, then an hour
        # the two bounds of a range count the same thing: the words after the second are the
        # context of the first too (« entre » is no part of it); the second keeps its own, so
        # that the words before the range do not widen what it may be matched with
        lower.context = (lower.context | upper.context) - {"entre"}
        upper.context = upper.context - {"entre"}
        context = lower.context
        lower.bound, upper.bound = "low", "high"
        lower.range = upper.range = (lower.value, upper.value)
        if lower.label and not upper.label and upper.unit is None:  # « articles 2 à 5 »
            upper.label, upper.label_raw = lower.label, lower.label_raw
            lower.context = context - _label_terms(lower.label_raw)
    for match in pairs:
        sentence = bisect.bisect_right(boundaries, match.start())
        separator = "/" if match.group("sep") == "/" else "-"
        found.append(
            Quantity(
                value=f"{int(match.group('a'))}{separator}{int(match.group('b'))}",
                unit="score",
                context=_context(words, match.start(), match.end(), sentence),
                raw=match.group(),
                start=match.start(),
                end=match.end(),
            )
        )
    found.sort(key=lambda q: q.start)
    return found


# Between the two bounds of a range: « 10-15 % », « 10 – 15 % », « de 10 à 15 % », « entre 10
# et 15 % », « 2 à 3 millions d'euros ».
_RANGE_BETWEEN = re.compile(r"[ \u00a0\u202f]*(?:[-–—]|à|et)[ \u00a0\u202f]*", re.IGNORECASE)
_ENTRE_BEFORE = re.compile(r"\bentre[ \u00a0\u202f]+$", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\b(?:le|en)[ \u00a0\u202f]+$", re.IGNORECASE)  # « le 3 à 10 h »


def _ranges(
    text: str,
    spans: list[tuple[int, int, Decimal]],
    read: list[tuple[int, Decimal, Decimal, str | None, int]],
    dashed: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    """(index of the lower bound, index of the upper bound) in `read` of every range: a
    figure followed by another, with only a dash, « à » or — after « entre » — « et » between
    them, and the first with no unit of its own or the same unit as the second."""
    found = []
    for i in range(len(spans) - 1):
        start, end, _number = spans[i]
        next_start = spans[i + 1][0]
        if not text[start].isdigit() or not text[next_start].isdigit():
            continue
        stop = read[i][4]
        between = _RANGE_BETWEEN.fullmatch(text, stop, next_start)
        if (start, next_start) not in dashed:
            if between is None:
                continue
            word = between.group().strip().lower()
            if word in "-–—" and stop == end:
                continue  # « 6-2 » is a score (read as a pair), « 10 - 15 » a subtraction
            if word == "et" and not _ENTRE_BEFORE.search(text, max(0, start - 20), start):
                continue
            if word == "à" and _DAY_BEFORE.search(text, max(0, start - 20), start):
                continue
        if read[i][3] is not None and read[i][3] != read[i + 1][3]:
            continue  # « 10 % à 15 ans »: two figures
        found.append((i, i + 1))
    return found


def _show(value: str) -> str:
    """A canonical value the French way (« 2000000 » → « 2 000 000 », « 4.5 » → « 4,5 »)."""
    whole, _dot, decimals = value.partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0") if whole.lstrip("-").isdigit() else whole
    return grouped + ("," + decimals if decimals else "")


def _label_terms(label_raw: str) -> set[str]:
    return {analyze_token(w) or "" for w, _s, _e in iter_words(label_raw)} | {"no", "n"}


@dataclass
class FigureIndex:
    """The quantities of a source, by value."""

    by_value: dict[str, list[Quantity]] = field(default_factory=dict)
    identifiers: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)

    ranges: set[tuple[str, str, str | None]] = field(default_factory=set)

    def add(self, quantity: Quantity) -> None:
        self.by_value.setdefault(quantity.value, []).append(quantity)
        if quantity.range:
            self.ranges.add((*quantity.range, quantity.unit))


def index_source(text: str, skip: list[tuple[int, int]]) -> FigureIndex:
    index = FigureIndex()
    for quantity in quantities(text, skip, with_words=True):
        index.add(quantity)
    index.urls = {u for u, _s, _e in urls(text)}
    url_spans = [(s, e) for _u, s, e in urls(text)]
    index.identifiers = {fold_token(w) for w, _s, _e in identifiers(text, url_spans)}
    return index


def check(quantity: Quantity, index: FigureIndex, values: set[str]) -> str | None:
    """Why `quantity` is not grounded in the source (None: it is). `values` holds every figure
    value of the source, dates' years and days included."""
    if quantity.year:
        return None if quantity.value in values else f"chiffre absent des sources : {quantity.raw}"
    if quantity.range and (*quantity.range, quantity.unit) not in index.ranges:
        # a range of the source shares the other bound: this bound was changed
        low, high = quantity.range
        for source_low, source_high, unit in sorted(index.ranges, key=str):
            other_same = source_high == high if quantity.bound == "low" else source_low == low
            if unit == quantity.unit and other_same:
                unit_shown = f" {unit}" if unit and unit not in ("ordinal", "score") else ""
                return (
                    f"fourchette différente dans les sources (de {_show(source_low)} à "
                    f"{_show(source_high)}{unit_shown}) : {quantity.describe()}"
                )
    candidates = index.by_value.get(quantity.value, [])
    if not candidates:
        if quantity.unit is None and quantity.value in values:
            return None  # a day or a year of a date quoted on its own
        return f"chiffre absent des sources : {quantity.describe()}"
    if quantity.label or any(c.label for c in candidates):
        same = [c for c in candidates if _compatible(quantity.label, c.label)]
        if not same and quantity.label:
            return f"numéro absent des sources : {quantity.describe()}"
        if not same:
            shown = candidates[0].describe()
            return (
                f"chiffre présent dans les sources, mais seulement comme numéro (« {shown} ») : "
                f"{quantity.describe()}"
            )
        candidates = same
    if (
        SHARE_IS_NOT_COUNT
        and quantity.unit is None
        and not quantity.label
        and all(c.unit == "%" for c in candidates)
    ):
        # « 15 agents » is not « 15 % des agents »: a share read as a count
        return (
            f"chiffre présent dans les sources, mais en pourcentage (« {candidates[0].describe()} »)"
            f" : {quantity.describe()}"
        )
    if quantity.unit is not None:
        candidates = [c for c in candidates if c.unit == quantity.unit]
        if not candidates:
            return (
                f"chiffre présent dans les sources, mais pas dans cette unité : "
                f"{quantity.describe()}"
            )
    if quantity.context and not any(quantity.context & c.context for c in candidates):
        if quantity.label:
            return (
                f"numéro présent dans les sources, mais pour un autre élément : "
                f"{quantity.describe()}"
            )
        return f"chiffre présent dans les sources, mais pour autre chose : {quantity.describe()}"
    return None
