"""Uploaded files → files of a collection on disk, then one ingestion job.

Every file of a batch is checked before anything is written, and each refusal is a French
message naming the file (issue 11, L3 and M6):
- a name the file system cannot hold (a part over MAX_PART_BYTES) or a path over
  MAX_NAME_CHARS, a file whose name is a folder of the collection or the reverse ("rh" and
  "rh/conges.docx"), a file over TERRITORIA_ASSISTANT_MAX_FILE_MB, an empty file — refused,
  nothing written for that file, the others of the batch stored and indexed (issue 12);
- hidden files and everything inside hidden folders (".git/…", ".DS_Store") — skipped, as
  the form promises.
A file is written under a temporary name in `.partial/` and moved in place once complete, so
an interrupted write never leaves a truncated source where a document points; if the batch
fails, the files it created are removed (no orphans).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.utils.text import get_valid_filename

from territoria.assistant.models import Collection, IngestionJob
from territoria.assistant.services.ingestion import add_files

MAX_PART_BYTES = 150  # a file or folder name, UTF-8 (file systems hold 255; room for "-2")
MAX_NAME_CHARS = 400  # the whole path inside the collection (Document.source holds 500)
PARTIAL_DIR = ".partial"  # under MEDIA_ROOT/assistant/: hidden, never a collection's slug
STALE_PARTIAL_S = 24 * 3600


@dataclass
class StoredUploads:
    job: IngestionJob | None  # None when no file was kept
    refused: list[str] = field(default_factory=list)  # one French message per refused file
    hidden: int = 0  # hidden files skipped


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "assistant"


def collection_root(collection: Collection) -> Path:
    return uploads_root() / collection.slug


def is_upload(path: str | Path) -> bool:
    """Whether a document's file was uploaded (ours to delete), not a folder ingested by CLI."""
    try:
        return Path(path).resolve().is_relative_to(uploads_root().resolve())
    except (OSError, ValueError):
        return False


def name_parts(name: str) -> list[str]:
    """The parts of an uploaded name made safe: "rh/congés 2025.docx" → ["rh", "conges_2025.docx"]."""
    parts = []
    for part in str(name).replace("\\", "/").split("/"):
        if part in ("", ".", ".."):
            continue
        try:
            parts.append(get_valid_filename(part))
        except SuspiciousFileOperation:  # nothing usable left in that part
            continue
    return parts or ["document"]


def upload_name(name: str) -> str:
    return "/".join(name_parts(name))


def _name_problem(name: str, parts: list[str]) -> str | None:
    long_part = next((p for p in parts if len(p.encode()) > MAX_PART_BYTES), None)
    if long_part:
        return (
            f"nom trop long (« {long_part[:40]}… » : {len(long_part.encode())} octets, "
            f"au plus {MAX_PART_BYTES}) ; raccourcissez le nom du fichier ou du dossier."
        )
    if len(name) > MAX_NAME_CHARS:
        return (
            f"chemin trop long ({len(name)} caractères, au plus {MAX_NAME_CHARS}) ; "
            "envoyez un dossier moins profond."
        )
    return None


def _size_problem(uploaded) -> str | None:
    limit = settings.ASSISTANT_MAX_FILE_MB
    if uploaded.size > limit * 1024 * 1024:
        return (
            f"fichier trop volumineux ({uploaded.size / 1_048_576:.0f} Mo, au plus {limit} Mo : "
            "réglage TERRITORIA_ASSISTANT_MAX_FILE_MB)."
        )
    return None


def _empty_problem(uploaded) -> str | None:
    if uploaded.size == 0:
        return "fichier vide (0 octet), rien à indexer : vérifiez-le et envoyez-le à nouveau."
    return None


def _clash(root: Path, name: str, files: set[str], folders: set[str]) -> str | None:
    """A file where a folder is, or a folder where a file is — in this batch or on disk."""
    parents = ["/".join(name.split("/")[:i]) for i in range(1, name.count("/") + 1)]
    if name in folders or (root / name).is_dir():
        return f"un dossier « {name} » existe déjà dans la collection ; renommez le fichier."
    for parent in parents:
        if parent in files or (root / parent).is_file():
            return f"« {parent} » est déjà un fichier de la collection ; renommez le dossier."
    return None


def _plan(root: Path, uploads) -> tuple[list[tuple], list[str], int]:
    """(uploaded file, name) to store, refusal messages, hidden files skipped."""
    accepted, refused, hidden = [], [], 0
    files: set[str] = set()
    folders: set[str] = set()
    for item in uploads:
        uploaded, original = item if isinstance(item, tuple) else (item, item.name)
        parts = name_parts(original)
        if any(part.startswith(".") for part in parts):
            hidden += 1
            continue
        name = "/".join(parts)
        problem = _name_problem(name, parts) or _empty_problem(uploaded) or _size_problem(uploaded)
        if not problem:
            stem, suffix, n = name[: len(name) - len(Path(name).suffix)], Path(name).suffix, 1
            while name in files:  # two files of one batch never share a name
                n += 1
                name = f"{stem}-{n}{suffix}"
            problem = _clash(root, name, files, folders)
        if problem:
            refused.append(f"« {original} » : {problem}")
            continue
        files.add(name)
        folders.update("/".join(name.split("/")[:i]) for i in range(1, name.count("/") + 1))
        accepted.append((uploaded, name))
    return accepted, refused, hidden


def _write_complete(uploaded, target: Path) -> None:
    """Write under a temporary name, then move in place: a target is whole or untouched."""
    partial_dir = uploads_root() / PARTIAL_DIR
    partial_dir.mkdir(parents=True, exist_ok=True)
    partial = partial_dir / f"{uuid.uuid4().hex}.part"
    try:
        with open(partial, "wb") as handle:
            handle.writelines(uploaded.chunks())
            handle.flush()
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def remove_stale_partials(older_than_s: float = STALE_PARTIAL_S) -> int:
    """Temporary files left by a process killed while writing (for recovery jobs too)."""
    partial_dir = uploads_root() / PARTIAL_DIR
    if not partial_dir.is_dir():
        return 0
    limit, removed = time.time() - older_than_s, 0
    for partial in partial_dir.glob("*.part"):
        if partial.stat().st_mtime < limit:
            partial.unlink(missing_ok=True)
            removed += 1
    return removed


def save_uploads(collection: Collection, uploads, user=None) -> StoredUploads:
    """Store the accepted files under MEDIA_ROOT/assistant/<collection>/ in ONE job.

    `uploads`: uploaded files, or (uploaded file, name in the collection) pairs — a folder's
    files come with their path inside it.
    """
    remove_stale_partials()
    root = collection_root(collection)
    accepted, refused, hidden = _plan(root, uploads)
    result = StoredUploads(job=None, refused=refused, hidden=hidden)
    if not accepted:
        return result
    created: list[Path] = []
    try:
        stored = []
        for uploaded, name in accepted:
            target = root / name
            if not target.exists():
                created.append(target)
            _write_complete(uploaded, target)
            stored.append((target, name))
        with transaction.atomic():
            result.job = add_files(collection, stored, user)
    except BaseException:
        for path in created:  # nothing of a failed batch stays on disk
            path.unlink(missing_ok=True)
        raise
    return result


def save_upload(collection: Collection, uploaded, user=None) -> StoredUploads:
    """One uploaded file (see save_uploads)."""
    return save_uploads(collection, [uploaded], user)
