"""Ingestion: files → documents (one state each) → passages in the search index → vectors.

Two phases, so that a large corpus stays practical on one machine:
1. parse + chunk + lexical indexing (fast: ~ms per page) — a document is searchable as
   soon as it reaches `indexed`;
2. embeddings follow, batch by batch, each batch committed; vectors are cached by
   content hash, so unchanged text is never embedded again. Each document also has a page row
   (title + opening, services/page_vectors.py) in the collection's sibling page namespace,
   written, re-stamped and deleted with its passages; the page vectors are embedded first (one
   short text a page), then the passages.
Everything is resumable: re-running a job picks up documents left pending/indexing and
passages without a vector. Re-adding an unchanged file (same sha256) does nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from territoria.assistant.models import Collection, Document, DocumentState, IngestionJob, JobState
from territoria.assistant.services import page_vectors, pages
from territoria.assistant.services.chunking import chunk_blocks, embedding_text
from territoria.assistant.services.parsers import FORMATS, ParseError, parse
from territoria.search import Document as IndexDocument
from territoria.search import get_index

log = logging.getLogger(__name__)
Progress = Callable[[str, int], None]  # (stage: "documents" | "embeddings", count done)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collect_files(root: Path) -> list[tuple[Path, str]]:
    """(path, source id) of every file under `root` (a file or a directory tree), sorted.

    Files of unknown format are kept: they get a clear 'failed' state instead of vanishing;
    hidden files and hidden folders (".git/…") are left out.
    """
    root = Path(root)
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        raise FileNotFoundError(f"{root} : fichier ou dossier introuvable.")
    files = [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return [(p, p.relative_to(root).as_posix()) for p in files]


def add_files(collection: Collection, files: list[tuple[Path, str]], user=None) -> IngestionJob:
    """Register files in a new job; unchanged indexed documents are counted, not redone."""
    job = IngestionJob.objects.create(collection=collection, requested_by=user, total=len(files))
    max_bytes = settings.ASSISTANT_MAX_FILE_MB * 1024 * 1024
    for path, source in files:
        path = Path(path).resolve()
        document, _created = Document.objects.get_or_create(
            collection=collection, source=source[:500], defaults={"added_by": user}
        )
        size = path.stat().st_size
        fmt = FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip(".")[:20])
        digest = file_sha256(path) if size <= max_bytes else f"size:{size}"
        if document.content_hash == digest and document.state == DocumentState.INDEXED:
            job.unchanged += 1
            continue
        document.path, document.size, document.format = str(path), size, fmt
        document.content_hash, document.state, document.error = digest, DocumentState.PENDING, ""
        document.job = job
        document.save()
    job.save(update_fields=["unchanged", "updated_at"])
    return job


def run_job(job: IngestionJob, progress: Progress | None = None) -> IngestionJob:
    """Index the job's documents, then embed their passages. Safe to run again after a crash."""
    job.state = JobState.RUNNING
    job.save(update_fields=["state", "updated_at"])
    index = get_index()
    namespace = job.collection.namespace
    try:
        for document in job.documents.filter(
            state__in=[DocumentState.PENDING, DocumentState.INDEXING]
        ):
            if index_document(document):
                job.indexed += 1
            else:
                job.failed += 1
            job.save(update_fields=["indexed", "failed", "updated_at"])
            if progress:
                progress("documents", 1)
        if not job.collection.managed and job.indexed:
            # The page index now, before the vectors (hours for a large collection): its key is
            # the rows, not the vectors, and a copy on disk serves every process at once.
            try:
                pages.warm(namespace, job.collection.access_tokens())
            except Exception:  # a speed-up only: the first search builds it again
                log.exception("page index of %s not built", namespace)
        job.chunks_to_embed = page_vectors.pending(job.collection) + index.pending_embeddings(
            namespace
        )
        job.save(update_fields=["chunks_to_embed", "updated_at"])

        def embedded(count):
            job.chunks_embedded += count
            job.save(update_fields=["chunks_embedded", "updated_at"])
            if progress:
                progress("embeddings", count)

        # Page vectors first (cheap, the larger gain while passages wait), whole pages, passages.
        page_vectors.embed(namespace, on_progress=embedded)
        index.embed_pending(namespace, on_progress=embedded)
        job.state = JobState.DONE
    except Exception:
        job.state = JobState.FAILED
        log.exception("ingestion job %s failed", job.pk)
        raise
    finally:
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "finished_at", "updated_at"])
    return job


def index_document(document: Document) -> bool:
    """Parse, chunk and index one document lexically; its state says how it went."""
    document.state = DocumentState.INDEXING
    document.save(update_fields=["state", "updated_at"])
    index = get_index()
    namespace = document.collection.namespace
    try:
        if not document.path or not Path(document.path).is_file():
            raise ParseError(f"{document.source} : fichier introuvable sur le disque.")
        parsed = parse(Path(document.path))
        chunks = chunk_blocks(parsed.blocks, settings.ASSISTANT_CHUNK_WORDS)
    except ParseError as error:
        return _fail(document, str(error))
    except Exception as error:  # a parser bug must not stop the batch
        log.exception("unexpected error while parsing %s", document.source)
        return _fail(document, f"{document.source} : erreur inattendue ({type(error).__name__}).")
    tokens = document.collection.access_tokens()
    entries = [
        IndexDocument(
            key=f"{document.pk}:{n}",
            title=" — ".join(filter(None, [parsed.title, chunk.section_label])),
            text=chunk.text,
            access=tokens,
            fields={
                "document": str(document.pk),
                "source": document.source,
                "title": parsed.title,
                "section": chunk.section_label,
                "page": chunk.page,
                "n": n,
            },
            embedding_text=embedding_text(parsed.title, chunk, settings.ASSISTANT_EMBED_MAX_WORDS),
        )
        for n, chunk in enumerate(chunks)
    ]
    with transaction.atomic():
        stale = [f"{document.pk}:{n}" for n in range(len(chunks), document.chunk_count)]
        index.delete(namespace, stale)
        index.upsert(namespace, entries)
        if entries:
            page = page_vectors.page_entry(
                document.pk, document.source, parsed.title, entries[0].text, tokens
            )
            index.upsert(page_vectors.namespace_of(namespace), [page])
            whole = page_vectors.whole_entry(
                document.pk,
                document.source,
                parsed.title,
                page_vectors.whole_text(parsed.title, parsed.blocks),
                tokens,
            )
            index.upsert(page_vectors.namespace_of(namespace, page_vectors.WHOLE_SUFFIX), [whole])
        else:
            page_vectors.delete(namespace, [document.pk])
        document.title = parsed.title[:500]
        document.pages = parsed.pages
        document.chunk_count = len(chunks)
        document.state = DocumentState.INDEXED
        document.error = ""
        document.indexed_at = timezone.now()
        document.save()
    return True


def _fail(document: Document, reason: str) -> bool:
    """A rejected document keeps its reason; an uploaded file of it is deleted (a 120 MB file
    refused by the parser stayed on disk), a file of a folder ingested by CLI is left alone."""
    from territoria.assistant.services.uploads import is_upload

    if document.path and is_upload(document.path):
        Path(document.path).unlink(missing_ok=True)
        document.path = ""
    document.state = DocumentState.FAILED
    document.error = reason
    document.save(update_fields=["state", "error", "path", "updated_at"])
    return False


def delete_document(document: Document) -> None:
    """Remove a document, its passages and — an uploaded one — its file."""
    from territoria.assistant.services.uploads import is_upload

    with transaction.atomic():
        get_index().delete(
            document.collection.namespace,
            [f"{document.pk}:{n}" for n in range(document.chunk_count)],
        )
        page_vectors.delete(document.collection.namespace, [document.pk])
        document.delete()
    if document.path and is_upload(document.path):
        Path(document.path).unlink(missing_ok=True)


def delete_collection(collection: Collection) -> None:
    """Remove a collection fed by uploads: its passages, documents, jobs, requests and files."""
    import shutil

    from territoria.assistant.services.uploads import collection_root

    if collection.managed:
        raise ValueError("une collection alimentée automatiquement ne se supprime pas")
    with transaction.atomic():
        get_index().clear(collection.namespace)
        page_vectors.clear(collection.namespace)
        collection.delete()
    shutil.rmtree(collection_root(collection), ignore_errors=True)
    pages.forget(collection.namespace)


def reindex_access(collection: Collection) -> int:
    """After a change of who may read the collection: its passages get its new tokens.

    Text and vectors are kept (search.replace_access); a collection fed by code (the
    register) gives each passage its own tokens, not the collection's, and is left alone.
    """
    if collection.managed:
        return 0
    tokens = collection.access_tokens()
    with transaction.atomic():
        page_vectors.replace_access(collection.namespace, tokens)
        count = get_index().replace_access(collection.namespace, tokens)
    if count:
        pages.warm(collection.namespace, tokens)  # the rows' digests changed with their tokens
    return count
