"""Legal references in French administrative texts: found, checked for form, checked against sources.

Two kinds of reference:

* an article of a code: « article L. 2121-29 du code général des collectivités territoriales »,
  « art. R2122-8 du CGCT », « articles L. 300-1 et L. 300-2 du code des relations entre le
  public et l'administration ». Well formed = a part letter (L, LO, R, D, A) then a number of
  3 or 4 digits, a hyphen and 1 to 3 digits (optionally a second hyphenated level), e.g.
  L2121-29, R.2122-8, L. 5211-10-1. Codes numbered without a letter (code civil: article 1240)
  are accepted as plain numbers. For the CGCT the first digit is the part, 1 to 7.
* a numbered text: « loi n° 2015-991 du 7 août 2015 », « décret n° 2016-360 du 25 mars 2016 »,
  « ordonnance n° 2018-1074 ». Well formed = YYYY-N (or YY-N before 2000: loi n° 82-213)
  whose year agrees with the date when one is given.

`check_references` tells, for each reference, whether it is well formed and — when the text
it cites is among the sources given — whether that article exists there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from territoria.redaction.services.grounding import parse_dates

# Known codes: the words that name them → a short key.
CODES = {
    "CGCT": "code général des collectivités territoriales",
    "CRPA": "code des relations entre le public et l'administration",
    "CCP": "code de la commande publique",
    "CGFP": "code général de la fonction publique",
    "CU": "code de l'urbanisme",
    "CE": "code de l'environnement",
    "CGPPP": "code général de la propriété des personnes publiques",
    "CCH": "code de la construction et de l'habitation",
    "CVR": "code de la voirie routière",
    "CEDUC": "code de l'éducation",
    "CASF": "code de l'action sociale et des familles",
    "CSP": "code de la santé publique",
    "CT": "code des transports",
    "CTRAV": "code du travail",
    "CGI": "code général des impôts",
    "CPAT": "code du patrimoine",
    "CSPORT": "code du sport",
    "CROUTE": "code de la route",
    "CRURAL": "code rural et de la pêche maritime",
    "CCIV": "code civil",
    "CJA": "code de justice administrative",
    "CELEC": "code électoral",
    "CENERG": "code de l'énergie",
}
_ALIASES = {"CGCT": "CGCT", "CRPA": "CRPA", "CCP": "CCP", "CGFP": "CGFP", "CGPPP": "CGPPP"}


def _fold(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


_CODE_NAMES = sorted(((_fold(name), key) for key, name in CODES.items()), key=lambda x: -len(x[0]))
# "article(s) L. 2121-29", "art. R2122-8", "article L 5211-10-1", "article 1240"
_ARTICLE_WORD = r"(?:articles?|art\.)"
_NUMBER = r"(?:(?:LO|L|R|D|A)\s?\.?\s?)?\*?\d[\d.\-]*\d|(?:LO|L|R|D|A)\s?\.?\s?\d"
_ARTICLE_RE = re.compile(
    rf"\b{_ARTICLE_WORD}\s+(?P<numbers>(?:{_NUMBER})(?:\s*(?:,|et|à|ou)\s*(?:{_NUMBER}))*)",
    re.IGNORECASE,
)
_ONE_NUMBER = re.compile(_NUMBER, re.IGNORECASE)
_WELL_FORMED = re.compile(r"^(?:LO|L|R|D|A)\d{3,4}-\d{1,3}(?:-\d{1,2})?$|^\d{1,4}(?:-\d{1,2})?$")
_TEXT_RE = re.compile(
    r"\b(?P<kind>loi(?:\s+organique)?|décret|decret|ordonnance|arrêté|arrete)\s+n\s*°\s*"
    r"(?P<number>[\d\-\s]*\d[\w\-]*)(?P<date>\s+du\s+\d{1,2}(?:er)?\s+\w+\s+\d{4})?",
    re.IGNORECASE,
)


@dataclass
class Reference:
    kind: str  # "article" or "texte"
    raw: str  # as written
    number: str  # normalised: L2121-29, 2015-991
    code: str = ""  # key of CODES for an article, "" if not named
    start: int = 0
    end: int = 0
    problems: list[str] = field(default_factory=list)
    verified: bool | None = None  # found in the sources (None: the cited text is not among them)

    @property
    def label(self) -> str:
        if self.kind == "article":
            return f"article {self.number}" + (f" ({self.code})" if self.code else "")
        return self.raw

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "raw": self.raw,
            "number": self.number,
            "code": self.code,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "problems": self.problems,
            "verified": self.verified,
        }


def normalise_article(number: str) -> str:
    return re.sub(r"[\s.*]", "", number).upper()


def _code_after(text: str, position: int) -> str:
    """The code named right after an article reference (« du code … », « du CGCT »)."""
    window = text[position : position + 120]
    match = re.match(r"\s*(?:,\s*)?(?:du|de\s+la|de\s+l'|des)?\s*", window, re.IGNORECASE)
    rest = window[match.end() :] if match else window
    folded = _fold(rest)
    for name, key in _CODE_NAMES:
        if folded.startswith(name):
            return key
    alias = re.match(r"(CGCT|CRPA|CCP|CGFP|CGPPP)\b", rest)
    if alias:
        return _ALIASES[alias.group(1)]
    return ""


def _code_before(text: str, position: int) -> str:
    """The code named earlier in the same clause (« Vu le CGCT, notamment ses articles … »)."""
    clause = re.split(r"[;.\n]", text[max(0, position - 200) : position])[-1]
    folded = _fold(clause)
    best, where = "", -1
    for name, key in _CODE_NAMES:
        at = folded.rfind(name)
        if at > where:
            best, where = key, at
    for alias in _ALIASES:
        at = clause.rfind(alias)
        if at > where:
            best, where = alias, at
    return best


def find_references(text: str) -> list[Reference]:
    references: list[Reference] = []
    for match in _ARTICLE_RE.finditer(text):
        code = _code_after(text, match.end()) or _code_before(text, match.start())
        for number in _ONE_NUMBER.finditer(match.group("numbers")):
            raw = number.group().strip()
            start = match.start("numbers") + number.start()
            reference = Reference(
                "article", raw, normalise_article(raw), code, start, start + len(raw)
            )
            reference.problems = article_problems(reference)
            references.append(reference)
    for match in _TEXT_RE.finditer(text):
        kind = _fold(match.group("kind")).split()[0]
        number = re.sub(r"\s", "", match.group("number"))
        reference = Reference(
            "texte", match.group().strip(), number, kind, match.start(), match.end()
        )
        reference.problems = text_problems(kind, number, match.group("date") or "")
        references.append(reference)
    references.sort(key=lambda r: r.start)
    return references


def article_problems(reference: Reference) -> list[str]:
    number = reference.number
    problems = []
    if not _WELL_FORMED.match(number):
        problems.append(
            f"« {reference.raw} » n'est pas un numéro d'article bien formé "
            "(attendu par exemple L. 2121-29 : une lettre L, R, D ou A, 3 ou 4 chiffres, un tiret, un numéro)."
        )
    elif reference.code == "CGCT" and number[0] in "LRDA":
        digits = number.lstrip("LORDA")
        if len(digits.split("-")[0]) != 4 or digits[0] not in "1234567":
            problems.append(
                f"« {reference.raw} » : les articles du CGCT ont 4 chiffres dont le premier (1 à 7) est la partie du code."
            )
    return problems


def text_problems(kind: str, number: str, date_text: str) -> list[str]:
    match = re.match(r"^(\d{2}|\d{4})-(\d{1,5})$", number)
    if not match:
        return [
            f"« {kind} n° {number} » : numéro mal formé (attendu AAAA-N, par exemple loi n° 2015-991)."
        ]
    year_part = match.group(1)
    dates = parse_dates(date_text) if date_text else []
    if dates:
        year = dates[0][:4]
        if (len(year_part) == 4 and year_part != year) or (
            len(year_part) == 2 and year_part != year[2:]
        ):
            return [
                f"« {kind} n° {number}{date_text} » : l'année du numéro ne correspond pas à la date."
            ]
    elif len(year_part) == 4 and not 1958 <= int(year_part) <= 2100:
        return [f"« {kind} n° {number} » : année invraisemblable."]
    return []


def _source_key(text: str) -> str:
    """The code a source text belongs to: the one it names most often ("" if none)."""
    counts: dict[str, int] = {}
    folded = _fold(text)
    for name, key in _CODE_NAMES:
        counts[key] = folded.count(name)
    for alias in _ALIASES:
        counts[alias] = counts.get(alias, 0) + len(re.findall(rf"\b{alias}\b", text))
    best = max(counts.items(), key=lambda kv: kv[1]) if counts else ("", 0)
    return best[0] if best[1] else ""


def articles_in_sources(sources: list[str]) -> dict[str, set[str]]:
    """{code key: article numbers present} in source texts (e.g. the text of a code given as a
    source). A source is attributed to the code it names most often; a source naming no code
    counts for "" (any code)."""
    found: dict[str, set[str]] = {}
    for text in sources:
        key = _source_key(text)
        kept = "\n".join(line for line in text.splitlines() if not _REPEALED_LINE.search(line))
        numbers = {
            normalise_article(m.group())
            for m in re.finditer(r"\b(?:LO|L|R|D|A)\.?\s?\d{3,4}-\d{1,3}(?:-\d{1,2})?\b", kept)
        }
        found.setdefault(key, set()).update(numbers)
    return found


# « L2121-99 abrogé le 2010-01-01 » (a code imported from LEGI, services/legi.py)
_REPEALED_LINE = re.compile(
    r"\b((?:LO|L|R|D|A)\.?\s?\d{3,4}-\d{1,3}(?:-\d{1,2})?)\b\s*:?\s*abrogé le (\d{4})-(\d{2})-(\d{2})"
)


def repealed_in_sources(sources: list[str]) -> dict[str, dict[str, str]]:
    """{code key: {article number: « 1er janvier 2010 »}} of the articles the sources list as
    repealed (attributed to a code as articles_in_sources does)."""
    found: dict[str, dict[str, str]] = {}
    for text in sources:
        for m in _REPEALED_LINE.finditer(text):
            day = int(m.group(4))
            found.setdefault(_source_key(text), {})[normalise_article(m.group(1))] = (
                f"{'1er' if day == 1 else day} {_MONTHS[int(m.group(3)) - 1]} {m.group(2)}"
            )
    return found


_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def check_references(text: str, sources: list[str] | None = None) -> list[Reference]:
    """Every reference of `text`, with its form problems and, where the sources hold the text
    it cites, whether the article exists there."""
    references = find_references(text)
    known = articles_in_sources(sources or [])
    repealed = repealed_in_sources(sources or [])
    for reference in references:
        if reference.kind != "article" or reference.problems or reference.number[0].isdigit():
            # Articles numbered without a letter belong to laws or to codes numbered plainly
            # (code civil): the sources list code articles (L., R., D.) only.
            continue
        pool = known.get(reference.code) if reference.code else None
        gone = repealed.get(reference.code, {}) if reference.code else {}
        if pool is None and not reference.code and known:
            pool = set().union(*known.values())
            gone = {n: d for code in repealed.values() for n, d in code.items()}
        if pool:
            reference.verified = reference.number in pool
            if not reference.verified and reference.number in gone:
                reference.problems.append(
                    f"{reference.label} : abrogé le {gone[reference.number]} selon les "
                    f"sources fournies ({_source_name(reference.code)})."
                )
            elif not reference.verified:
                reference.problems.append(
                    f"{reference.label} : introuvable dans les sources fournies ({_source_name(reference.code)})."
                )
    return references


def _source_name(code: str) -> str:
    return CODES.get(code, "textes fournis")
