"""Matching a text query against the register, on the shared search core.

- lexical: French full-text (accents, elision, stemming) through `SearchIndex.lexical_ranking`:
  the projects holding every word of the query, or, when none does, any of them (the reader is
  told); every match kept (the facets count them all);
- semantic: the nearest records by multilingual-e5-small vectors (`dense_ranking`), only the
  closest few and above a similarity floor — a vector search always returns *something*;
- fused by reciprocal rank fusion (`territoria.search.fusion`), one row per project;
- typo tolerance: a query word that no readable document contains *and* that is no French word
  (accents or not: "repond" is "répond" typed quickly) is replaced by the closest word of the
  public vocabulary (rapidfuzz); the page says "Résultats pour « Y » — rechercher plutôt « X »"
  and the reader can ask for the query as typed (`correct=False`, `?orthographe=exacte`), where
  the correction is only offered ("Vouliez-vous dire « Y » ?").

The access tokens of the reader are passed to every query: the index applies them inside the
SQL and the vector mask, so restricted text is neither matched nor shown to anonymous readers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from territoria.registre.discovery.documents import NAMESPACE, RESTRICTED_SUFFIX
from territoria.registre.discovery.table import ProjectTable, get_table
from territoria.search import access_tokens, get_index
from territoria.search.analyzer import analyze, analyze_token, fold_token, iter_words
from territoria.search.fusion import reciprocal_rank_fusion
from territoria.search.highlight import highlight

LEXICAL_LIMIT = 100_000  # every lexical match counts in the facets
DENSE_LIMIT = 20  # semantic neighbours added to a query's results
# Cosine similarity below which a semantic neighbour is not a result (multilingual-e5-small
# scores unrelated French texts around 0.75-0.80; see docs/registre-discovery.md).
DENSE_MIN_SCORE = 0.815
# ... and within this margin of the best neighbour: short texts all score high with e5, what
# matters is being among the closest (otherwise "navette" would bring back leak detection).
DENSE_MARGIN = 0.03
FUZZY_MIN_SCORE = 80  # rapidfuzz ratio for a typo correction
FUZZY_MIN_LENGTH = 4  # shorter words are not corrected (too many near neighbours)
VOCABULARY_MAX_AGE_S = 600
SNIPPET_CHARS = 240
# Documents hold one field per line; in HTML a newline is a mere space, so without a visible
# separator the carrier's name, its type and the description ran together in a snippet.
SNIPPET_FIELD_SEPARATOR = " · "


@dataclass
class Match:
    table: ProjectTable
    rows: list = field(
        default_factory=list
    )  # matching projects as rows of the ProjectTable, best first
    messages: list[str] = field(default_factory=list)
    corrected_text: str = ""  # the query searched instead of the typed one (typos corrected)
    suggestion: str = ""  # a correction offered, not applied (the reader asked for the exact text)
    row_rankings: dict = field(default_factory=dict)  # {"lexical": rows, "dense": rows}

    # Project ids are only needed by some callers (the list filter, evaluations): built on demand,
    # as a common word matches thousands of projects.
    @property
    def project_ids(self) -> list:
        return [self.table.ids[row] for row in self.rows]

    @property
    def rankings(self) -> dict:
        return {name: [self.table.ids[r] for r in rows] for name, rows in self.row_rankings.items()}


@lru_cache(maxsize=1024)
def _query_vector(text: str) -> np.ndarray:
    from territoria.search.embeddings import default_embedder

    return default_embedder().embed_query(text)


def _collapse(ranking: list[tuple[int, float]], table: ProjectTable) -> list[int]:
    """Document pks → table rows of their projects, best first, each project once."""
    if not ranking:
        return []
    rows = table.rows_of_documents(
        np.fromiter((pk for pk, _score in ranking), dtype=np.int64, count=len(ranking))
    )
    rows = rows[rows >= 0]
    _unique, first = np.unique(rows, return_index=True)  # a project's first (best) document
    return rows[np.sort(first)].tolist()


def lexical_rows(
    text: str, access: list[str], table: ProjectTable, every_word: bool = True
) -> list[int]:
    ranking = get_index().lexical_ranking(
        NAMESPACE, text, access, limit=LEXICAL_LIMIT, every_word=every_word
    )
    return _collapse(ranking, table)


def dense_rows(
    text: str,
    access: list[str],
    table: ProjectTable,
    limit: int = DENSE_LIMIT,
    min_score: float = DENSE_MIN_SCORE,
) -> list[int]:
    ranking = get_index().dense_ranking(NAMESPACE, _query_vector(text), access, limit=limit * 2)
    if not ranking:
        return []
    floor = max(min_score, ranking[0][1] - DENSE_MARGIN)
    return _collapse([(pk, s) for pk, s in ranking if s >= floor], table)[:limit]


def match_projects(
    text: str,
    user,
    mode: str = "hybrid",
    table: ProjectTable | None = None,
    correct: bool = True,
) -> Match:
    table = table or get_table()
    access = access_tokens(user)
    match = Match(table=table)
    if not analyze(text):
        match.messages.append(
            "Votre recherche ne contient aucun mot exploitable (seulement des mots très courants, "
            "des signes ou des symboles) : précisez-la."
        )
        return match
    lexical, dense = [], []
    if mode in ("hybrid", "lexical"):
        texts = [text]
        corrected = correct_typos(text, access, user)
        if corrected != text and correct:
            match.corrected_text = corrected
            texts.append(corrected)
        elif corrected != text:
            match.suggestion = corrected
        lexical = _lexical_rows_of_variants(texts, access, table, every_word=True)
        if not lexical and len(set(analyze(text))) > 1:
            lexical = _lexical_rows_of_variants(texts, access, table, every_word=False)
            if lexical:
                match.messages.append(
                    "Aucun projet ne contient tous les mots de votre recherche : "
                    "voici ceux qui en contiennent au moins un."
                )
    if mode in ("hybrid", "dense"):
        dense = dense_rows(text, access, table)
    if mode == "hybrid":
        fused = [row for row, _score in reciprocal_rank_fusion([lexical, dense])]
    else:
        fused = lexical if mode == "lexical" else dense
    match.rows = fused
    match.row_rankings = {"lexical": lexical, "dense": dense}
    return match


def _lexical_rows_of_variants(
    texts: list[str], access: list[str], table: ProjectTable, every_word: bool
) -> list[int]:
    """Matches of the query as typed, then of its typo-corrected form (merged, each row once)."""
    rows: list[int] = []
    for text in texts:
        rows = _merge(rows, lexical_rows(text, access, table, every_word))
    return rows


def _merge(first: list[int], second: list[int]) -> list[int]:
    seen = set(first)
    return first + [row for row in second if row not in seen]


# --- typo tolerance --------------------------------------------------------------------------
class _Vocabulary:
    """Terms of the public documents of published projects, with a readable word for each.

    Only public text feeds it: a suggestion must not reveal a restricted word. Rebuilt when the
    index changed; when a build is slow (large registers: ~1 s for 10 000 records), at most every
    VOCABULARY_MAX_AGE_S (a suggestion may then lag behind an edit).
    """

    def __init__(self):
        self.version = None
        self.built_at = 0.0
        self.build_s = 0.0
        self.words: dict[str, str] = {}  # term -> folded word
        self.lock = threading.Lock()

    def get(self) -> dict[str, str]:
        from territoria.registre.discovery.table import current_version

        version = current_version()
        fresh = self.build_s > 0.5 and time.monotonic() - self.built_at < VOCABULARY_MAX_AGE_S
        if self.version is None or (version != self.version and not fresh):
            with self.lock:
                started = time.monotonic()
                self.words = self._build()
                self.version, self.built_at = version, time.monotonic()
                self.build_s = self.built_at - started
        return self.words

    @staticmethod
    def _build() -> dict[str, str]:
        from territoria.search.access import PUBLIC

        words: dict[str, str] = {}
        texts = get_index().allowed_queryset(NAMESPACE, [PUBLIC]).values_list("title", "text")
        for title, body in texts.iterator(chunk_size=2000):
            for word, _start, _end in iter_words(f"{title}\n{body}"):
                term = analyze_token(word)
                if term and term not in words:
                    words[term] = fold_token(word)
        return words


_vocabulary = _Vocabulary()


@lru_cache(maxsize=1)
def french_words() -> frozenset[str]:
    """The words of the French language, lowercased and without accents (pyspellchecker's list,
    ~140 000 forms, folded once: ~1 s).

    A word of the language is never "corrected", even when the register does not contain it:
    "objets volumineux" must not become "objectif volume", nor "repond" (typed without its
    accent) "repondre" — only typos are typos.
    """
    from spellchecker import SpellChecker

    words = SpellChecker(language="fr", distance=1).word_frequency.dictionary
    return frozenset(fold_token(word) for word in words)


def is_french_word(word: str) -> bool:
    """True for a word of the language, typed with or without its accents and capitals."""
    return fold_token(word) in french_words()


def correct_typos(text: str, access: list[str], user) -> str:
    """`text` with each misspelt word that matches nothing readable replaced by its closest
    public word. A word of the French dictionary is never replaced."""
    from rapidfuzz import fuzz, process

    vocabulary = _vocabulary.get()
    if not vocabulary:
        return text
    replacements = {}
    for word, _start, _end in iter_words(text):
        term = analyze_token(word)
        if not term or term in vocabulary or len(term) < FUZZY_MIN_LENGTH or term.isdigit():
            continue
        if is_french_word(word):
            continue  # a real word the register does not use: no result is better than a wrong one
        if len(access) > 1 and get_index().lexical_ranking(NAMESPACE, word, access, limit=1):
            continue  # found in a document this reader may read (restricted text)
        best = process.extractOne(
            term, vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
        )
        if best:
            replacements[word] = vocabulary[best[0]]
    if not replacements:
        return text
    return " ".join(replacements.get(word, word) for word, _s, _e in iter_words(text))


# --- snippets ------------------------------------------------------------------------------
def snippets_for(project_ids: list, text: str, user) -> dict:
    """HTML snippets of the documents this reader may read, for a page of results.

    The public document's passage when it contains a query term, else the restricted one's
    (returned by the index only to readers holding its token), else the start of the description.
    """
    if not project_ids or not text:
        return {}
    keys = [str(pk) for pk in project_ids] + [f"{pk}{RESTRICTED_SUFFIX}" for pk in project_ids]
    documents = get_index().get(NAMESPACE, keys, access_tokens(user))
    snippets = {}
    for pk in project_ids:
        public = documents.get(str(pk))
        snippet = highlight(public.text, text, SNIPPET_CHARS) if public is not None else ""
        restricted = documents.get(f"{pk}{RESTRICTED_SUFFIX}")
        if restricted is not None and "<mark>" not in snippet:
            other = highlight(restricted.text, text, SNIPPET_CHARS)
            snippet = other if "<mark>" in other else snippet
        if snippet:
            snippets[pk] = snippet.replace("\n", SNIPPET_FIELD_SEPARATOR)
    return snippets
