"""Is every figure, date, name and legal reference of a draft found in its inputs?

Deterministic checks, used on every generated text (a model's draft is shown only sentence by
sentence, each sentence passing them) and by the evaluation's adversarial set.

* figures: numbers with their decimals ("1 250,50", "12,5 %", "3 000 €"), compared as
  quantities (figures.py): value times scale ("2,2 M€" = "2,2 millions d'euros" = "2 200 000
  €"), unit ("85 %" = "85 pour cent", never "85 agents"), and what they count — a figure of the
  draft must appear in the source with a word of its context ("3 grandes ambitions" is refused
  when the source has "2 grandes ambitions" and a "3" elsewhere); a year or a day inside a date
  is compared as a date, not as a figure; a number glued to a word ("Numérique360") and a web
  address must be written as in the source;
* dates: "7 août 2015", "1er mars", "07/08/2015", "2015-08-07" → ISO "2015-08-07"
  (a date without a year matches any year of the inputs);
* names: a word with a capital that does not start its sentence ("M. Durand", "Mme Lefèvre",
  "Rouen"), compared without accents or case; a name preceded by a civility is always checked;
* legal references: normalised article numbers and numbered texts (legal.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from territoria.redaction.services.figures import (
    FigureIndex,
    check,
    identifiers,
    index_source,
    quantities,
    urls,
)

MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_WORDS = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:er)?\s+(?P<month>{_MONTH_NAMES})(?:\s+(?P<year>\d{{4}}))?\b",
    re.IGNORECASE,
)
_DATE_SLASH = re.compile(r"\b(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})\b")
_DATE_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_NUMBER = re.compile(
    r"(?<![\w-])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)|(?<![\w-])\d+(?:[.,]\d+)?"
)
# Words with a capital that are not names (start of clauses, administrative terms).
_NOT_NAMES = {
    "article",
    "articles",
    "vu",
    "considérant",
    "considerant",
    "décide",
    "decide",
    "délibère",
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "de",
    "du",
    "il",
    "elle",
    "ils",
    "elles",
    "en",
    "et",
    "au",
    "aux",
    "pour",
    "par",
    "sur",
    "dans",
    "ce",
    "cette",
    "ces",
    "conseil",
    "municipal",
    "communautaire",
    "métropolitain",
    "départemental",
    "régional",
    "maire",
    "président",
    "présidente",
    "adjoint",
    "adjointe",
    "madame",
    "monsieur",
    "mesdames",
    "messieurs",
    "commune",
    "ville",
    "état",
    "etat",
    "république",
    "préfet",
    "préfecture",
    "code",
    "loi",
    "décret",
    "arrêté",
    "ordonnance",
    "point",
    "ordre",
    "jour",
    "présents",
    "excusés",
    "absents",
    "action",
    "actions",
    "décision",
    "décisions",
    "relevé",
    "compte",
    "rendu",
    "objet",
    "séance",
    "pouvoir",
    "pouvoirs",
    "budget",
    "annexe",
}
_CIVILITY = re.compile(
    r"\b(?:M\.|MM\.|Mme|Mmes|Mlle|Monsieur|Madame|Dr)\s+(?P<name>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?)"
)
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:[- ][A-ZÀ-Ý][a-zà-ÿ'’-]+)*")
_ACRONYM = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*\b")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def _iso(year, month, day) -> str | None:
    try:
        y = int(year) if year else 0
        if 0 < y < 100:
            y += 2000 if y < 50 else 1900
        m, d = int(month), int(day)
        if not (1 <= m <= 12 and 1 <= d <= 31):
            return None
        return f"{y:04d}-{m:02d}-{d:02d}" if y else f"????-{m:02d}-{d:02d}"
    except (TypeError, ValueError):
        return None


def date_matches(text: str) -> list[tuple[str, int, int]]:
    """(ISO date, start, end) for every date of the text ("????" when no year is written)."""
    found = []
    for match in _DATE_WORDS.finditer(text):
        month = MONTHS[match.group("month").lower()]
        iso = _iso(match.group("year"), month, match.group("day"))
        if iso:
            found.append((iso, match.start(), match.end()))
    for pattern in (_DATE_SLASH, _DATE_ISO):
        for match in pattern.finditer(text):
            iso = _iso(match.group("year"), match.group("month"), match.group("day"))
            if iso:
                found.append((iso, match.start(), match.end()))
    return found


def parse_dates(text: str) -> list[str]:
    return [iso for iso, _s, _e in date_matches(text)]


def number_value(raw: str) -> str:
    value = re.sub(r"[ \u00a0\u202f]", "", raw).replace(",", ".")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def figures(text: str, skip: list[tuple[int, int]] | None = None) -> list[tuple[str, str, int]]:
    """(value, as written, start) of every number outside the spans in `skip` (dates, refs)."""
    skip = skip or []
    result = []
    for match in _NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in skip):
            continue
        result.append((number_value(match.group()), match.group(), match.start()))
    return result


def names(text: str) -> list[tuple[str, int]]:
    """(name, start): words with a capital that do not begin a sentence, and any word after a
    civility (M., Mme…), even at the start of a sentence."""
    found: dict[int, str] = {}
    for match in _CIVILITY.finditer(text):
        found[match.start("name")] = match.group("name")
    for match in _CAPITALISED.finditer(text):
        before = text[: match.start()].rstrip()
        sentence_start = not before or before[-1] in '.!?:;«"—–-•*#(\n'
        if sentence_start and match.start() not in found:
            continue
        word = match.group()
        if fold(word.split()[0]) in {fold(w) for w in _NOT_NAMES}:
            continue
        found.setdefault(match.start(), word)
    return sorted(((name, start) for start, name in found.items()), key=lambda x: x[1])


@dataclass
class Inventory:
    """What a text contains that a draft must not invent."""

    figures: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # folded words
    references: set[str] = field(default_factory=set)
    text: str = ""
    quantities: FigureIndex = field(default_factory=FigureIndex)


def inventory(text: str) -> Inventory:
    from territoria.redaction.services.legal import find_references

    dates = date_matches(text)
    references = find_references(text)
    skip = [(s, e) for _iso, s, e in dates] + [(r.start, r.end) for r in references]
    inv = Inventory(text=fold(text))
    inv.dates = {iso for iso, _s, _e in dates}
    inv.quantities = index_source(text, skip)
    inv.figures = set(inv.quantities.by_value)
    # Years and days are also figures a text may quote on their own ("en 2024").
    for iso in inv.dates:
        if not iso.startswith("?"):
            inv.figures.add(iso[:4].lstrip("0"))
        inv.figures.add(str(int(iso[8:10])))
    for name, _start in names(text):
        inv.names.update(fold(part) for part in re.split(r"[\s-]+", name) if part)
    inv.names.update(fold(a) for a in _ACRONYM.findall(text))
    inv.references = {r.number for r in references}
    return inv


@dataclass
class Problem:
    kind: str  # figure / date / name / reference
    value: str
    start: int
    message: str

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "value": self.value,
            "start": self.start,
            "message": self.message,
        }


def ungrounded(draft: str, source: Inventory) -> list[Problem]:
    """Every figure, date, name and legal reference of `draft` that the source does not hold."""
    from territoria.redaction.services.legal import find_references

    problems: list[Problem] = []
    dates = date_matches(draft)
    references = find_references(draft)
    for iso, start, end in dates:
        if iso in source.dates:
            continue
        if iso.startswith("?") and any(d[4:] == iso[4:] for d in source.dates):
            continue
        if not iso.startswith("?") and f"????{iso[4:]}" in source.dates:
            continue
        problems.append(
            Problem(
                "date", draft[start:end], start, f"date absente des sources : {draft[start:end]}"
            )
        )
    for reference in references:
        if reference.number not in source.references:
            problems.append(
                Problem(
                    "reference",
                    reference.raw,
                    reference.start,
                    f"référence absente des sources : {reference.raw}",
                )
            )
    skip = [(s, e) for _iso, s, e in dates] + [(r.start, r.end) for r in references]
    for url, start, _end in urls(draft):
        if url not in source.quantities.urls and url not in source.text:
            problems.append(
                Problem("reference", url, start, f"adresse absente des sources : {url}")
            )
    url_spans = [(s, e) for _u, s, e in urls(draft)]
    for word, start, _end in identifiers(draft, skip + url_spans):
        if fold(word) not in source.quantities.identifiers:
            problems.append(
                Problem("figure", word, start, f"identifiant absent des sources : {word}")
            )
    for quantity in quantities(draft, skip):
        message = check(quantity, source.quantities, source.figures)
        if message:
            problems.append(Problem("figure", quantity.raw.strip(), quantity.start, message))
    for name, start in names(draft):
        parts = [fold(p) for p in re.split(r"[\s-]+", name) if p]
        missing = [p for p in parts if p not in source.names and p not in source.text]
        if missing:
            problems.append(Problem("name", name, start, f"nom absent des sources : {name}"))
    for acronym in _ACRONYM.finditer(draft):
        if fold(acronym.group()) not in source.names and not any(
            p.start <= acronym.start() < p.start + len(p.value) for p in problems
        ):
            problems.append(
                Problem(
                    "name",
                    acronym.group(),
                    acronym.start(),
                    f"sigle absent des sources : {acronym.group()}",
                )
            )
    problems.sort(key=lambda p: p.start)
    return problems


def amounts(text: str) -> list[tuple[str, str]]:
    """(value in euros, as written) of every amount: « 2,2 M€ », « 2,2 millions d'euros » and
    « 2 200 000 € » are the same amount (figures.py)."""
    skip = [(s, e) for _iso, s, e in date_matches(text)]
    return [(q.value, q.raw) for q in quantities(text, skip) if q.unit == "€"]


def amount_values(text: str) -> set[str]:
    return {value for value, _raw in amounts(text)}
