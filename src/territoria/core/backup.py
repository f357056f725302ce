"""Backup and restore of an instance: the database and the data folder, in one archive.

An archive (`territoria-sauvegarde-<date>.tar.gz`) holds:
- `manifest.json`: format, date, versions, database engine, the data folder it came from,
  the number of records of each kind, and every file with its size and SHA-256;
- `database.sqlite3` (SQLite online backup API: consistent while the server runs) or
  `database.pgdump` (`pg_dump --format=custom`);
- `data/…`: the data folder (uploaded documents, open-data Parquet files, pending imports,
  the secret key), less what the platform rebuilds (static files, caches, temporary files).

The archive is written under a temporary name and renamed when complete: a backup stopped
half-way leaves no archive that looks whole. Restoring checks every checksum before it
touches anything, refuses an archive of the other database engine, and by default refuses to
overwrite an instance that already holds data. See docs/deployment.md.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
# Rebuilt by the platform, or transient: never worth restoring.
SKIPPED_FOLDERS = {"static", "cache", "tmp"}
# What a person checks after a restore: model label -> French name.
COUNTED = {
    "core.Organisation": "organisations",
    "core.User": "comptes",
    "registre.Project": "projets du registre",
    "assistant.Collection": "collections de l'assistant",
    "assistant.Document": "documents de l'assistant",
    "opendata.Dataset": "jeux de données",
    "opendata.ResourceVersion": "versions de ressources",
    "core.AuditLog": "entrées du journal d'audit",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in French."""


@dataclass
class RestoreResult:
    counts: dict[str, int]
    expected: dict[str, int]
    documents_outside: list[str]

    @property
    def matches(self) -> bool:
        return self.counts == self.expected


# --- Backup -------------------------------------------------------------------------------
def create_backup(output_dir: Path) -> Path:
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    archive = output_dir / f"territoria-sauvegarde-{stamp}.tar.gz"
    partial = archive.with_name(archive.name + ".partiel")
    with tempfile.TemporaryDirectory(prefix="territoria-sauvegarde-") as work:
        database = _dump_database(Path(work))
        files = _data_files(exclude=output_dir)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "territoria_version": _version("territoria"),
            "django_version": _version("django"),
            "database": {"engine": _engine(), "file": database.name, "sha256": _sha256(database)},
            "data_dir": str(Path(settings.DATA_DIR).resolve()),
            "media_root": str(Path(settings.MEDIA_ROOT).resolve()),
            "counts": record_counts(),
            "documents_outside_data_dir": _documents_outside_data_dir(),
            "files": [
                {"path": relative, "size": path.stat().st_size, "sha256": _sha256(path)}
                for relative, path in files
            ],
        }
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        try:
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(manifest_path, arcname=MANIFEST)
                tar.add(database, arcname=database.name)
                for relative, path in files:
                    tar.add(path, arcname=f"data/{relative}", recursive=False)
            partial.chmod(0o600)  # the archive holds personal data and the secret key
            partial.rename(archive)
        finally:
            partial.unlink(missing_ok=True)
    return archive


def record_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def _engine() -> str:
    vendor = connections["default"].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Base de données « {vendor} » non prise en charge (SQLite, PostgreSQL).")
    return vendor


def _dump_database(work: Path) -> Path:
    db = settings.DATABASES["default"]
    if _engine() == "sqlite":
        target = work / "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)  # online backup API: a consistent copy, writers may go on
        finally:
            copy.close()
            source.close()
        return target
    target = work / "database.pgdump"
    _run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)])
    return target


def _run_pg(command: list[str]) -> None:
    """pg_dump / pg_restore on the configured database; the password goes by environment."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [*command]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    args += ["--dbname", str(db["NAME"])]
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} introuvable : installez le client PostgreSQL (paquet postgresql-client)."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {done.stderr.strip()[:500]}")


def _data_files(exclude: Path) -> list[tuple[str, Path]]:
    root = Path(settings.DATA_DIR).resolve()
    database = _sqlite_path()
    skipped = {database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))}
    files = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not (here == root and name in SKIPPED_FOLDERS) and (here / name).resolve() != exclude
        )
        for name in sorted(names):
            path = here / name
            if path.is_symlink() or not path.is_file() or path.resolve() in skipped:
                continue
            files.append((path.relative_to(root).as_posix(), path))
    return files


def _sqlite_path() -> Path:
    if connections["default"].vendor != "sqlite":
        return Path("/nonexistent")
    return Path(settings.DATABASES["default"]["NAME"]).resolve()


def _documents_outside_data_dir() -> list[str]:
    """Documents indexed from a folder outside the data folder: their files are not saved."""
    root = Path(settings.DATA_DIR).resolve()
    document = apps.get_model("assistant.Document")
    outside = []
    for source, path in document.objects.exclude(path="").values_list("source", "path"):
        if not Path(path).resolve().is_relative_to(root):
            outside.append(f"{source} ({path})")
    return outside


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "inconnue"


# --- Restore ------------------------------------------------------------------------------
def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read().decode("utf-8"))
    except (OSError, tarfile.TarError, KeyError, AttributeError, ValueError) as error:
        raise BackupError(
            f"{Path(archive).name} : ce n'est pas une sauvegarde de Territoria lisible ({error})."
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{Path(archive).name} : format de sauvegarde {manifest.get('format')} inconnu "
            f"(attendu : {FORMAT})."
        )
    return manifest


def instance_has_data() -> bool:
    try:
        return any(apps.get_model(label).objects.exists() for label in COUNTED)
    except Exception:  # noqa: BLE001 — no tables yet: a fresh instance
        return False


def restore_backup(archive: Path, *, force: bool = False) -> RestoreResult:
    """Restore the archive into the configured database and data folder."""
    archive = Path(archive).resolve()
    manifest = read_manifest(archive)
    engine = _engine()
    if manifest["database"]["engine"] != engine:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {manifest['database']['engine']} ; la base "
            f"configurée est {engine}. Restaurez dans le même moteur (TERRITORIA_DATABASE_URL)."
        )
    if not force and instance_has_data():
        raise BackupError(
            "L'instance configurée contient déjà des données : restaurez dans un dossier de "
            "données et une base vides, ou ajoutez --force pour les remplacer."
        )
    root = Path(settings.DATA_DIR).resolve()
    with tempfile.TemporaryDirectory(prefix=".restauration-", dir=root) as work:
        staging = Path(work)
        _extract_checked(archive, manifest, staging)
        _restore_database(staging / manifest["database"]["file"])
        _move_data_files(staging / "data", root)
    _repoint_documents(manifest["media_root"], str(Path(settings.MEDIA_ROOT).resolve()))
    return RestoreResult(
        counts=record_counts(),
        expected=manifest["counts"],
        documents_outside=manifest.get("documents_outside_data_dir", []),
    )


def _extract_checked(archive: Path, manifest: dict, staging: Path) -> None:
    expected = {f"data/{item['path']}": item for item in manifest["files"]}
    database = manifest["database"]
    expected[database["file"]] = {"sha256": database["sha256"]}
    with tarfile.open(archive, "r:gz") as tar:
        names = {member.name for member in tar.getmembers() if member.isfile()}
        missing = sorted(set(expected) - names)
        if missing:
            raise BackupError(f"Sauvegarde incomplète : il manque {', '.join(missing[:5])}.")
        # The data filter refuses absolute paths, "..", links out of the folder, devices.
        tar.extractall(staging, members=[tar.getmember(n) for n in expected], filter="data")
    for name, item in expected.items():
        if _sha256(staging / name) != item["sha256"]:
            raise BackupError(f"Sauvegarde altérée : la somme de contrôle de {name} diffère.")


def _restore_database(dump: Path) -> None:
    connections.close_all()
    if _engine() == "sqlite":
        target = _sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(dump, target)
        return
    _run_pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", str(dump)])


def _move_data_files(source: Path, root: Path) -> None:
    if not source.exists():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def _repoint_documents(old_media: str, new_media: str) -> None:
    """Documents store their absolute path: repoint those under the old media folder."""
    if old_media == new_media:
        return
    document = apps.get_model("assistant.Document")
    for pk, path in document.objects.filter(path__startswith=old_media + os.sep).values_list(
        "pk", "path"
    ):
        document.objects.filter(pk=pk).update(path=new_media + path[len(old_media) :])
