"""French text analysis, shared by indexing and querying so that both sides agree.

Pipeline for one token: lowercase → apostrophe variants unified → elision removed
(l', d', qu', jusqu'…) → accents folded (é→e, œ→oe) → stop words dropped → Snowball
French stem. Folding happens *before* stemming so that "Énergie" and "energie" (typed
without accents, as users often do) reach the stemmer as the same string.

`fold()` is the same pipeline without stop words and stemming: used for highlighting
and for comparing answers in evaluations.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

# ’ ‘ ʼ ´ ` and the full-width apostrophe all mean "'" in French text.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "＇": "'"})
_ELISIONS = ("jusqu", "lorsqu", "puisqu", "quoiqu", "qu", "l", "d", "j", "n", "s", "c", "m", "t")
_ELISION_RE = re.compile(r"^(?:{})'".format("|".join(_ELISIONS)))
# A word: letters/digits, possibly joined by an apostrophe (elision handled afterwards).
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})

FRENCH_STOP_WORDS = frozenset(
    [
        "a",
        "à",
        "afin",
        "ai",
        "aie",
        "aient",
        "aies",
        "ait",
        "as",
        "au",
        "aucun",
        "aucune",
        "auquel",
        "aura",
        "aurai",
        "auraient",
        "aurais",
        "aurait",
        "auras",
        "aurez",
        "auriez",
        "aurions",
        "aurons",
        "auront",
        "aussi",
        "autre",
        "autres",
        "aux",
        "auxquelles",
        "auxquels",
        "avaient",
        "avais",
        "avait",
        "avec",
        "avez",
        "aviez",
        "avions",
        "avoir",
        "avons",
        "ayant",
        "ayez",
        "ayons",
        "c",
        "ça",
        "ce",
        "ceci",
        "cela",
        "celle",
        "celles",
        "celui",
        "ces",
        "cet",
        "cette",
        "ceux",
        "chaque",
        "ci",
        "comme",
        "comment",
        "d",
        "dans",
        "de",
        "des",
        "desquelles",
        "desquels",
        "donc",
        "dont",
        "du",
        "duquel",
        "elle",
        "elles",
        "en",
        "encore",
        "es",
        "est",
        "et",
        "étaient",
        "étais",
        "était",
        "étant",
        "été",
        "êtes",
        "étiez",
        "étions",
        "être",
        "eu",
        "eue",
        "eues",
        "eûmes",
        "eurent",
        "eus",
        "eusse",
        "eussent",
        "eusses",
        "eussiez",
        "eussions",
        "eut",
        "eût",
        "eûtes",
        "eux",
        "fûmes",
        "furent",
        "fus",
        "fusse",
        "fussent",
        "fusses",
        "fussiez",
        "fussions",
        "fut",
        "fût",
        "fûtes",
        "ici",
        "il",
        "ils",
        "j",
        "je",
        "jusqu",
        "l",
        "la",
        "laquelle",
        "le",
        "lequel",
        "les",
        "lesquelles",
        "lesquels",
        "leur",
        "leurs",
        "lorsqu",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "même",
        "mêmes",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "ni",
        "nos",
        "notre",
        "nous",
        "on",
        "ont",
        "ou",
        "où",
        "par",
        "parce",
        "pas",
        "peu",
        "pour",
        "pourquoi",
        "qu",
        "quand",
        "que",
        "quel",
        "quelle",
        "quelles",
        "quels",
        "qui",
        "quoi",
        "s",
        "sa",
        "sans",
        "se",
        "sera",
        "serai",
        "seraient",
        "serais",
        "serait",
        "seras",
        "serez",
        "seriez",
        "serions",
        "serons",
        "seront",
        "ses",
        "si",
        "sien",
        "soi",
        "soient",
        "sois",
        "soit",
        "sommes",
        "son",
        "sont",
        "soyez",
        "soyons",
        "suis",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tous",
        "tout",
        "toute",
        "toutes",
        "très",
        "tu",
        "un",
        "une",
        "unes",
        "uns",
        "vos",
        "votre",
        "vous",
        "y",
    ]
)


def strip_accents(text: str) -> str:
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FOLDED_STOP_WORDS = frozenset(strip_accents(w) for w in FRENCH_STOP_WORDS)
# A snowball stemmer keeps its current word in itself: two threads stemming at once corrupt
# each other (IndexError, or a wrong stem written into an index) — the web server's threads
# and the assistant's background page-index build do. One stemmer per thread.
_local = threading.local()


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


def iter_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Each word of `text` with its start and end offsets (for highlighting)."""
    for match in _WORD_RE.finditer(text.translate(_APOSTROPHES)):
        start, end = match.span()
        yield match.group(), start, end


def fold_token(word: str) -> str:
    """Lowercase, elision removed, accents folded: "L'Énergie" → "energie"."""
    word = word.lower().translate(_APOSTROPHES)
    word = _ELISION_RE.sub("", word)
    return strip_accents(word).replace("'", "")


@lru_cache(maxsize=200_000)
def _stem(folded: str) -> str:
    return _stemmer().stemWord(folded)


@lru_cache(maxsize=200_000)
def analyze_token(word: str) -> str | None:
    """The index term of one word, or None for a stop word."""
    folded = fold_token(word)
    if not folded or folded in _FOLDED_STOP_WORDS:
        return None
    return _stem(folded) if not folded.isdigit() else folded


def analyze(text: str) -> list[str]:
    """The index terms of a text, in order (duplicates kept: they weigh in BM25)."""
    terms = []
    for word, _start, _end in iter_words(text or ""):
        term = analyze_token(word)
        if term:
            terms.append(term)
    return terms


def fold(text: str) -> str:
    """Text normalised for comparison: folded words joined by single spaces."""
    return " ".join(fold_token(word) for word, _s, _e in iter_words(text or ""))
