"""The search index interface, and everything both implementations share.

A backend only supplies the lexical part (how analysed terms are stored and ranked);
storage of documents, access tokens, vectors, dense search and fusion live here, once.

Access rule (one place): a document is returned to a query only when one of its access
tokens is among the tokens the query passes. The rule is part of the SQL of the lexical
query and of the candidate mask of the dense search — ranking never sees a document the
caller may not read, so nothing restricted can leak through a result, a score or a snippet.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connections, transaction

from territoria.search.analyzer import analyze
from territoria.search.embeddings import (
    Embedder,
    default_embedder,
    vector_from_bytes,
    vector_to_bytes,
)
from territoria.search.fusion import distribution_score_fusion
from territoria.search.highlight import highlight
from territoria.search.models import DocumentAccess, IndexedDocument, IndexNamespace

MODES = ("hybrid", "lexical", "dense")
MAX_QUERY_TERMS = 32  # bounds the cost of an absurdly long query
CANDIDATES = 50  # per ranking, before fusion
GAP_MIN_CANDIDATES = 10  # fewer dense candidates give no meaningful mean to stand out from


def query_terms(query: str) -> list[str]:
    """The distinct index terms of a query, in order, bounded in number."""
    return list(dict.fromkeys(analyze(query)))[:MAX_QUERY_TERMS]


@dataclass
class Document:
    """What a caller indexes. `access` is required in spirit: with no token, nobody finds it."""

    key: str
    text: str
    access: Sequence[str]
    title: str = ""
    fields: dict = field(default_factory=dict)
    embedding_text: str | None = None  # default: title + text

    def text_to_embed(self) -> str:
        if self.embedding_text is not None:
            return self.embedding_text
        return f"{self.title}\n{self.text}".strip()

    def digest(self) -> str:
        payload = json.dumps(
            [self.title, self.text, self.fields, self.text_to_embed(), sorted(set(self.access))],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Hit:
    key: str
    score: float
    title: str
    text: str
    fields: dict
    snippet: str = ""
    ranks: dict = field(default_factory=dict)  # {"lexical": 1, "dense": 3}: 1-based ranks
    # Each ranking's own score of this hit ({"lexical": BM25, "dense": cosine}), and
    # "dense_gap": its cosine minus the mean cosine of the dense candidates (when there are at
    # least GAP_MIN_CANDIDATES) — evidence a caller can calibrate across collections, where a
    # cosine alone depends on the domain (the fused score only compares one query's candidates).
    scores: dict = field(default_factory=dict)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _VectorMatrix:
    version: str
    model: str
    ids: np.ndarray  # document pks, aligned with rows
    matrix: np.ndarray  # (n, dim) float32
    token_rows: dict[str, np.ndarray]  # access token -> boolean mask of rows

    def allowed(self, tokens: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self.ids), dtype=bool)
        for token in set(tokens):
            rows = self.token_rows.get(token)
            if rows is not None:
                mask |= rows
        return mask


class SearchIndex(ABC):
    """Lexical + dense search over named indexes ("registre", "assistant:<collection>")."""

    _matrices: dict[tuple[str, str], _VectorMatrix] = {}
    _lock = threading.Lock()

    def __init__(self, using: str = "default"):
        self.using = using

    # --- the lexical part, per backend -------------------------------------------------
    @abstractmethod
    def _write_terms(self, cursor, rows: list[tuple[int, str, str]]) -> None:
        """Store (pk, title terms, body terms) — the terms are already analysed, space-joined."""

    @abstractmethod
    def _delete_terms(self, cursor, pks: list[int]) -> None: ...

    @abstractmethod
    def _lexical_sql(
        self, terms: list[str], allowed_sql: str, limit: int, every_word: bool
    ) -> tuple[str, list]:
        """SQL returning (pk, score) best first, restricted to `pk IN (allowed_sql)`.

        A document matches when it holds any of the terms, or all of them with `every_word`.
        """

    @abstractmethod
    def _term_count_sql(self, term: str, namespace_sql: str) -> tuple[str, list]:
        """SQL counting the documents of the namespace subquery that contain `term`."""

    # --- writing ---------------------------------------------------------------------
    def upsert(self, namespace: str, documents: Iterable[Document]) -> UpsertResult:
        """Add or replace documents by key. Unchanged documents (same digest) are not touched."""
        documents = list({doc.key: doc for doc in documents}.values())
        result = UpsertResult()
        if not documents:
            return result
        digests = {doc.key: doc.digest() for doc in documents}
        with transaction.atomic(using=self.using):
            existing = {}
            keys = list(digests)
            for start in range(0, len(keys), 500):
                existing.update(
                    (key, (pk, digest))
                    for pk, key, digest in self._docs()
                    .filter(namespace=namespace, key__in=keys[start : start + 500])
                    .values_list("pk", "key", "content_hash")
                )
            changed = [
                d for d in documents if d.key in existing and existing[d.key][1] != digests[d.key]
            ]
            new = [d for d in documents if d.key not in existing]
            result.unchanged = len(documents) - len(changed) - len(new)
            if changed:
                # Replace: simpler and as fast as a field-by-field update; vectors come back
                # from the embedding cache when the embedded text did not change.
                self._delete_pks([existing[d.key][0] for d in changed])
                result.updated = len(changed)
            to_create = changed + new
            result.created = len(new)
            if to_create:
                rows = self._docs().bulk_create(
                    [
                        IndexedDocument(
                            namespace=namespace,
                            key=d.key,
                            title=d.title,
                            text=d.text,
                            fields=d.fields,
                            embedding_text=d.text_to_embed(),
                            content_hash=digests[d.key],
                        )
                        for d in to_create
                    ],
                    batch_size=500,
                )
                if any(row.pk is None for row in rows):  # backends without RETURNING
                    pks = dict(
                        self._docs()
                        .filter(namespace=namespace, key__in=[d.key for d in to_create])
                        .values_list("key", "pk")
                    )
                    for row in rows:
                        row.pk = pks[row.key]
                DocumentAccess.objects.using(self.using).bulk_create(
                    [
                        DocumentAccess(document_id=row.pk, token=token)
                        for row, doc in zip(rows, to_create)
                        for token in sorted(set(doc.access))
                    ],
                    batch_size=1000,
                )
                with connections[self.using].cursor() as cursor:
                    self._write_terms(
                        cursor,
                        [
                            (row.pk, " ".join(analyze(d.title)), " ".join(analyze(d.text)))
                            for row, d in zip(rows, to_create)
                        ],
                    )
            if changed or new:
                self._bump(namespace)
        return result

    def delete(self, namespace: str, keys: Iterable[str]) -> int:
        keys = list(keys)
        with transaction.atomic(using=self.using):
            pks = list(
                self._docs().filter(namespace=namespace, key__in=keys).values_list("pk", flat=True)
            )
            self._delete_pks(pks)
            if pks:
                self._bump(namespace)
        return len(pks)

    def replace_access(self, namespace: str, access: Sequence[str]) -> int:
        """Give every document of `namespace` these access tokens instead of its own.

        For a change of who may read a whole index (an assistant collection made
        organisation-only): text, terms and vectors stay, only the tokens and the digests
        change, and the version stamp tells the vector matrix to reload its masks.
        """
        tokens = sorted(set(access))
        with transaction.atomic(using=self.using):
            docs = list(self._docs().filter(namespace=namespace).order_by("pk"))
            pks = [doc.pk for doc in docs]
            for start in range(0, len(pks), 500):
                DocumentAccess.objects.using(self.using).filter(
                    document_id__in=pks[start : start + 500]
                ).delete()
            DocumentAccess.objects.using(self.using).bulk_create(
                [DocumentAccess(document_id=pk, token=token) for pk in pks for token in tokens],
                batch_size=1000,
            )
            for doc in docs:  # the digest covers the tokens: an upsert must see them as they are
                doc.content_hash = Document(
                    key=doc.key,
                    text=doc.text,
                    access=tokens,
                    title=doc.title,
                    fields=doc.fields,
                    embedding_text=doc.embedding_text,
                ).digest()
            self._docs().bulk_update(docs, ["content_hash"], batch_size=500)
            self._bump(namespace)
        return len(pks)

    def clear(self, namespace: str) -> int:
        with transaction.atomic(using=self.using):
            pks = list(self._docs().filter(namespace=namespace).values_list("pk", flat=True))
            for start in range(0, len(pks), 500):
                self._delete_pks(pks[start : start + 500])
            self._bump(namespace)
        return len(pks)

    def _delete_pks(self, pks: list[int]) -> None:
        if not pks:
            return
        with connections[self.using].cursor() as cursor:
            self._delete_terms(cursor, pks)
        self._docs().filter(pk__in=pks).delete()

    def _bump(self, namespace: str, rows: bool = True) -> None:
        """New stamps: `version` at every write, `rows_version` unless only vectors changed."""
        stamp = uuid.uuid4().hex
        defaults = {"version": stamp, "rows_version": stamp} if rows else {"version": stamp}
        IndexNamespace.objects.using(self.using).update_or_create(name=namespace, defaults=defaults)

    def _docs(self):
        return IndexedDocument.objects.using(self.using)

    # --- embeddings ------------------------------------------------------------------
    def pending_embeddings(self, namespace: str, model_id: str | None = None) -> int:
        model_id = model_id or default_embedder().model_id
        return self._docs().filter(namespace=namespace).exclude(vector_model=model_id).count()

    def embed_pending(
        self,
        namespace: str,
        embedder: Embedder | None = None,
        batch_size: int = 64,
        limit: int | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Embed the documents that have no vector from this model yet; resumable at any point.

        Lexical search works on a document as soon as it is upserted; its vector follows here.
        Each batch is committed on its own, so an interrupted run keeps what it did.
        """
        embedder = embedder or default_embedder()
        done, after = 0, 0
        while limit is None or done < limit:
            size = batch_size if limit is None else min(batch_size, limit - done)
            # Resume after the last pk seen: restarting from the first pk each time would walk
            # past every document already embedded (quadratic on a large namespace).
            batch = list(
                self._docs()
                .filter(namespace=namespace, pk__gt=after)
                .exclude(vector_model=embedder.model_id)
                .order_by("pk")
                .values_list("pk", "embedding_text")[:size]
            )
            if not batch:
                break
            after = batch[-1][0]
            vectors = embedder.embed_passages([text for _pk, text in batch])
            with transaction.atomic(using=self.using):
                for (pk, _text), vector in zip(batch, vectors):
                    self._docs().filter(pk=pk).update(
                        vector=vector_to_bytes(vector), vector_model=embedder.model_id
                    )
                self._bump(namespace, rows=False)
            done += len(batch)
            if on_progress:
                on_progress(len(batch))
        return done

    # --- reading ---------------------------------------------------------------------
    def count(self, namespace: str) -> int:
        return self._docs().filter(namespace=namespace).count()

    def document_frequencies(
        self, namespace: str, terms: Iterable[str]
    ) -> tuple[int, dict[str, int]]:
        """(documents in the namespace, {term: documents containing it}) — for idf weights.

        Counted over the whole namespace, not only what the caller may read: the numbers
        are used as weights, never shown, and reveal nothing about any document.
        """
        total = self.count(namespace)
        ns_sql, ns_params = (
            self._docs().filter(namespace=namespace).values("pk").query.sql_with_params()
        )
        counts = {}
        with connections[self.using].cursor() as cursor:
            for term in dict.fromkeys(terms):
                sql, params = self._term_count_sql(term, ns_sql)
                cursor.execute(sql, params[0] + list(ns_params))
                counts[term] = cursor.fetchone()[0]
        return total, counts

    def allowed_queryset(self, namespace: str, access: Iterable[str], filters: dict | None = None):
        """The documents of `namespace` readable with these tokens — THE access rule."""
        qs = self._docs().filter(namespace=namespace, access__token__in=list(set(access)))
        if filters:
            qs = qs.filter(**{f"fields__{name}": value for name, value in filters.items()})
        return qs

    def lexical_ranking(
        self, namespace, query, access, limit=CANDIDATES, filters=None, every_word=False
    ):
        """(document pk, BM25 score) best first; `every_word`: only documents with all the terms.

        Any word (the default) suits retrieval of passages for a question; every word suits a
        catalogue whose result count and facets must mean "about this" (as Meilisearch,
        Typesense or Algolia do by default), and costs far less on common words.
        """
        terms = query_terms(query)
        access = list(access)
        if not terms or not access:
            return []
        allowed_sql, allowed_params = (
            self.allowed_queryset(namespace, access, filters).values("pk").query.sql_with_params()
        )
        sql, params = self._lexical_sql(terms, allowed_sql, limit, every_word)
        # Parameters: the lexical ones first, then those of the allowed subquery, as placed.
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params[0] + list(allowed_params) + params[1])
            return [(pk, float(score)) for pk, score in cursor.fetchall()]

    def dense_ranking(
        self, namespace, query_vector, access, limit=CANDIDATES, filters=None, model_id=None
    ):
        model_id = model_id or default_embedder().model_id
        access = list(access)
        if not access:
            return []
        cache = self._matrix(namespace, model_id)
        if not len(cache.ids):
            return []
        mask = cache.allowed(access)
        if filters:
            allowed = np.fromiter(
                self.allowed_queryset(namespace, access, filters).values_list("pk", flat=True),
                dtype=np.int64,
            )
            mask &= np.isin(cache.ids, allowed)
        allowed = int(mask.sum())
        if not allowed:
            return []
        # Score every row (one BLAS call) and exclude the rows outside the mask before the
        # top-k: cheaper than copying the allowed sub-matrix, and nothing outside the mask
        # can be ranked.
        scores = cache.matrix @ np.asarray(query_vector, dtype=np.float32)
        scores[~mask] = -np.inf
        k = min(limit, allowed)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(cache.ids[i]), float(scores[i])) for i in top]

    def _matrix(self, namespace: str, model_id: str) -> _VectorMatrix:
        version = (
            IndexNamespace.objects.using(self.using)
            .filter(name=namespace)
            .values_list("version", flat=True)
            .first()
            or ""
        )
        cache_key = (f"{self.using}:{connections[self.using].settings_dict['NAME']}", namespace)
        cached = self._matrices.get(cache_key)
        if cached and cached.version == version and cached.model == model_id:
            return cached
        with self._lock:
            # ONE query for vectors and their tokens: a statement reads one snapshot on every
            # backend, so a write between two queries (a passage added or deleted under a
            # reader) cannot pair a token with a row that is not in the matrix.
            ids_list: list[int] = []
            vectors: list[np.ndarray] = []
            token_pks: dict[str, list[int]] = {}
            for pk, vector, token in (
                self._docs()
                .filter(namespace=namespace, vector_model=model_id)
                .order_by("pk")
                .values_list("pk", "vector", "access__token")
            ):
                if not ids_list or ids_list[-1] != pk:  # one row per (document, token)
                    ids_list.append(pk)
                    vectors.append(vector_from_bytes(vector))
                if token is not None:
                    token_pks.setdefault(token, []).append(len(ids_list) - 1)
            ids = np.array(ids_list, dtype=np.int64)
            matrix = np.vstack(vectors) if vectors else np.empty((0, 384), np.float32)
            token_rows: dict[str, np.ndarray] = {}
            for token, positions in token_pks.items():
                token_rows[token] = np.zeros(len(ids), dtype=bool)
                token_rows[token][positions] = True
            cached = _VectorMatrix(
                version, model_id, ids, np.ascontiguousarray(matrix, np.float32), token_rows
            )
            self._matrices[cache_key] = cached
            return cached

    def search(
        self,
        namespace: str,
        query: str,
        access: Iterable[str],
        limit: int = 10,
        mode: str = "hybrid",
        filters: dict | None = None,
        embedder: Embedder | None = None,
        snippet_chars: int = 240,
        lexical_query: str | None = None,
    ) -> list[Hit]:
        """The best `limit` documents for `query` that these access tokens may read.

        `lexical_query`, when given, is what the lexical search matches instead of `query`
        (a caller's rewriting: spoken words left out, equivalent phrases added); the dense
        search and the snippets read `query` as asked.
        """
        if mode not in MODES:
            raise ValueError(f"mode inconnu : {mode!r} (attendu : {', '.join(MODES)})")
        access = list(access)
        query = (query or "").strip()
        if not query or not access:
            return []
        rankings: dict[str, list[tuple[int, float]]] = {}
        candidates = max(CANDIDATES, limit)
        if mode in ("hybrid", "lexical"):
            rankings["lexical"] = self.lexical_ranking(
                namespace, lexical_query or query, access, candidates, filters
            )
        if mode in ("hybrid", "dense"):
            embedder = embedder or default_embedder()
            rankings["dense"] = self.dense_ranking(
                namespace,
                embedder.embed_query(query),
                access,
                candidates,
                filters,
                embedder.model_id,
            )
        if mode == "hybrid":
            # By score, not rank: see territoria.search.fusion for the measured difference.
            fused = distribution_score_fusion(list(rankings.values()))
        else:
            fused = rankings[mode]
        fused = fused[:limit]
        ranks = {
            name: {pk: i for i, (pk, _s) in enumerate(r, start=1)} for name, r in rankings.items()
        }
        raw = {name: dict(r) for name, r in rankings.items()}
        dense = rankings.get("dense") or []
        if len(dense) >= GAP_MIN_CANDIDATES:
            mean = sum(score for _pk, score in dense) / len(dense)
            raw["dense_gap"] = {pk: score - mean for pk, score in dense}
        # Read again through the access rule: a passage deleted or re-indexed with other
        # tokens since it was ranked (a concurrent write) is left out, never a KeyError.
        docs = {
            doc.pk: doc
            for doc in self.allowed_queryset(namespace, access, filters).filter(
                pk__in=[pk for pk, _s in fused]
            )
        }
        hits = []
        for pk, score in fused:
            doc = docs.get(pk)
            if doc is None:
                continue
            hits.append(
                Hit(
                    key=doc.key,
                    score=score,
                    title=doc.title,
                    text=doc.text,
                    fields=doc.fields,
                    snippet=highlight(doc.text, query, snippet_chars) if snippet_chars else "",
                    ranks={name: r[pk] for name, r in ranks.items() if pk in r},
                    scores={name: r[pk] for name, r in raw.items() if pk in r},
                )
            )
        return hits

    def get(
        self, namespace: str, keys: Iterable[str], access: Iterable[str]
    ) -> dict[str, IndexedDocument]:
        """Documents by key, only those these tokens may read."""
        qs = self.allowed_queryset(namespace, access).filter(key__in=list(keys)).distinct()
        return {doc.key: doc for doc in qs}
