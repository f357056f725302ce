"""Fault benchmark (issue 11, M3): kill -9 of the job worker during an import, an analysis,
a publication and an ingestion, and of a web worker during an upload; after a restart every
job has finished or clearly failed with a way to retry, no file is left behind, nothing is lost.

Real processes on loopback: `territoria serve` (gunicorn, one web worker) and `territoria
worker`, on a fresh SQLite database in a temporary folder. This process prepares the work
through the platform's own functions, watches the database, sends SIGKILL at the right
moment, starts a new worker (which recovers at start) and checks the end state.

    python -m benchmarks.faults            # a few minutes; figures in benchmarks/results/faults.json
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEASE_S = 3  # short lease so the cut upload is recovered within the run
IMPORT_ROWS = 800
OPENDATA_ROWS = 400_000
DOCUMENTS = 100
SECTIONS = 2  # passages per document: the embeddings phase stays short


def _env(data_dir: Path) -> dict:
    return {
        **os.environ,
        "TERRITORIA_DATA_DIR": str(data_dir),
        "TERRITORIA_DATABASE_URL": f"sqlite:///{data_dir / 'territoria.sqlite3'}",
        "TERRITORIA_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnop",
        "TERRITORIA_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "TERRITORIA_JOB_LEASE_S": str(LEASE_S),
        "TERRITORIA_OPENDATA_ANON_RATE": "1000000/min",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "territoria.settings",
    }


class Processes:
    """The platform's processes, started and killed like an operator (or a crash) would."""

    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.worker: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.port = _free_port()
        self.worker_starts = 0

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("a")
        return subprocess.Popen(
            [sys.executable, "-m", "territoria", *args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_worker(self) -> float:
        """Start a worker; returns the seconds until it has run its recovery (its heartbeat)."""
        from territoria.core.models import WorkerHeartbeat

        before = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
        started = time.perf_counter()
        self.worker = self._start("worker", "worker", "--no-startup-delay", "--interval", "0.2")
        self.worker_starts += 1
        _wait(lambda: set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) - before)
        return round(time.perf_counter() - started, 2)

    def kill_worker(self) -> None:
        os.kill(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def start_web(self) -> None:
        self.web = self._start(
            "web",
            "serve",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--no-collectstatic",
        )
        _wait(lambda: _http_ok(f"{self.base}/"), timeout=300)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def web_worker_pid(self) -> int:
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        for process in (self.worker, self.web):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _wait(condition, timeout: float = 240, every: float = 0.05):
    from django.db import close_old_connections

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"attente dépassée ({timeout} s) : {condition.__doc__ or condition}")


def _task_running(task, object_id) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=task.module_path, status="RUNNING", args_kwargs__args=[str(object_id)]
    ).exists()


# --- the work --------------------------------------------------------------------------


def register_csv() -> tuple[bytes, int]:
    """The anchor's real lines that import cleanly, repeated under new names."""
    from territoria.registre.importers.service import import_file

    source = ROOT / "src" / "territoria" / "registre" / "fixtures" / "bibliotheque-ia-data.csv"
    text = source.read_text(encoding="utf-8-sig")
    report = import_file(text.encode(), name=source.name, dry_run=True).as_dict()
    rejected = {line["name"] for line in report["lines"] if line["action"] == "rejected"}
    rows = list(csv.DictReader(io.StringIO(text)))
    good = [row for row in rows if row["Nom_du_projet"] not in rejected]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for n in range(IMPORT_ROWS):
        row = dict(good[n % len(good)])
        row["Nom_du_projet"] = f"{row['Nom_du_projet']} — essai {n}"
        writer.writerow(row)
    return out.getvalue().encode(), IMPORT_ROWS


def fault_import(procs: Processes, moderator) -> dict:
    from django.core.files.base import ContentFile

    from territoria.registre.importers.tasks import import_registre_task
    from territoria.registre.models import ImportJob, Project

    data, rows = register_csv()
    job = ImportJob(file_name="projets.csv", requested_by=moderator)
    job.file.save("projets.csv", ContentFile(data), save=True)
    import_registre_task.enqueue(str(job.pk))
    _wait(lambda: ImportJob.objects.get(pk=job.pk).status == "running")
    time.sleep(1.0)
    caught = ImportJob.objects.get(pk=job.pk).status == "running"
    procs.kill_worker()
    recovery_s = procs.start_worker()
    _wait(lambda: ImportJob.objects.get(pk=job.pk).status in ("done", "failed"))
    job.refresh_from_db()
    outcome = {
        "caught_running": caught,
        "status_after_restart": job.status,
        "reason": job.report.get("summary", ""),
        "file_left": bool(job.file) and job.file.storage.exists(job.file.name),
        "projects_after_restart": Project.objects.count(),
        "worker_restart_to_recovered_s": recovery_s,
    }
    if job.status == "failed":  # the retry the reason asks for: deposit the file again
        retry = ImportJob(file_name="projets.csv", requested_by=moderator)
        retry.file.save("projets.csv", ContentFile(data), save=True)
        import_registre_task.enqueue(str(retry.pk))
        _wait(lambda: ImportJob.objects.get(pk=retry.pk).status in ("done", "failed"))
        outcome["retry_status"] = ImportJob.objects.get(pk=retry.pk).status
    outcome["projects_at_end"] = Project.objects.count()
    outcome["nothing_lost"] = outcome["projects_at_end"] == rows
    outcome["ok"] = (
        caught
        and not outcome["file_left"]
        and outcome["nothing_lost"]
        and (job.status == "done" or ("interrompu" in outcome["reason"]))
    )
    return outcome


def fault_analysis_and_publication(procs: Processes, dataset, work: Path) -> tuple[dict, dict]:
    from django.http import QueryDict

    from benchmarks.opendata_data import generate_csv
    from territoria.opendata import publishing, querying, storage
    from territoria.opendata.models import Resource, ResourceVersion
    from territoria.opendata.tasks import analyse_version_task, publish_version_task

    path = work / "mandats.csv"
    generate_csv(path, OPENDATA_ROWS)
    resource = Resource.objects.create(dataset=dataset, title="Mandats")
    version = publishing.receive_file(resource, path, path.name, analyse=True)
    _wait(lambda: _task_running(analyse_version_task, version.pk), every=0.01)
    time.sleep(0.5)
    caught = ResourceVersion.objects.get(pk=version.pk).status == "analysing"
    procs.kill_worker()
    recovery_s = procs.start_worker()
    _wait(lambda: ResourceVersion.objects.get(pk=version.pk).status in ("review", "failed"))
    version.refresh_from_db()
    analysis = {
        "caught_analysing": caught,
        "status_after_restart": version.status,
        "error": version.error,
        "worker_restart_to_recovered_s": recovery_s,
        "ok": caught and version.status == "review",
    }
    if version.status != "review":
        return analysis, {"ok": False, "skipped": "l'analyse n'a pas abouti"}

    flagged = [flag["column"] for flag in version.personal_data]
    drop = [flagged[0]] if flagged else ["siret_fournisseur"]  # a rewrite: a longer publication
    blockers = publishing.request_publication(version, drop, flagged[1:])
    if blockers:
        raise SystemExit(f"publication refusée : {blockers}")
    _wait(lambda: _task_running(publish_version_task, version.pk), every=0.01)
    time.sleep(0.2)
    caught = ResourceVersion.objects.get(pk=version.pk).status == "publishing"
    procs.kill_worker()
    partial_after_kill = sorted(p.name for p in storage.version_dir(version).glob("*.partial"))
    recovery_s = procs.start_worker()
    _wait(
        lambda: (
            ResourceVersion.objects.get(pk=version.pk).status in ("published", "review", "failed")
        )
    )
    version.refresh_from_db()
    if version.status == "review":  # back to review with a reason: the publisher retries
        publishing.request_publication(version, drop, flagged[1:])
        _wait(lambda: ResourceVersion.objects.get(pk=version.pk).status in ("published", "failed"))
        version.refresh_from_db()
    result, _meta = (
        querying.rows(version.resource, QueryDict())
        if version.is_queryable
        else (
            None,
            None,
        )
    )
    rows = result.total if result else None
    publication = {
        "caught_publishing": caught,
        "partial_files_at_kill": partial_after_kill,
        "status_at_end": version.status,
        "error": version.error,
        "rows_queryable": rows,
        "nothing_lost": rows == OPENDATA_ROWS,
        "worker_restart_to_recovered_s": recovery_s,
    }
    publication["ok"] = caught and version.status == "published" and rows == OPENDATA_ROWS
    return analysis, publication


def fault_ingestion(procs: Processes, collection, work: Path) -> dict:
    from django.db.models import Count

    from territoria.assistant.models import IngestionJob
    from territoria.assistant.services.ingestion import add_files
    from territoria.assistant.tasks import run_ingestion_job
    from territoria.search import get_index

    folder = work / "documents"
    folder.mkdir()
    files = []
    for n in range(DOCUMENTS):
        path = folder / f"note-{n:03d}.md"
        sections = [
            f"## Service {s}\n\nLe service {s} de la note {n} ouvre à {8 + s % 4} heures, "
            f"ferme à {17 + s % 3} heures et répond au {n:03d}-{s:02d} ; les demandes sont "
            "traitées dans l'ordre d'arrivée, sauf urgence signalée par l'accueil.\n"
            for s in range(SECTIONS)
        ]
        path.write_text(f"# Note de service {n}\n\n" + "\n".join(sections))
        files.append((path, path.name))
    job = add_files(collection, files)
    run_ingestion_job.enqueue(str(job.pk))
    _wait(lambda: IngestionJob.objects.get(pk=job.pk).indexed >= 30)
    job.refresh_from_db()
    indexed_at_kill = job.indexed
    procs.kill_worker()
    recovery_s = procs.start_worker()
    _wait(lambda: IngestionJob.objects.get(pk=job.pk).state in ("done", "failed"), timeout=600)
    job.refresh_from_db()
    states = dict(job.documents.values_list("state").annotate(n=Count("pk")))
    return {
        "indexed_at_kill": indexed_at_kill,
        "state_after_restart": job.state,
        "documents_by_state": states,
        "passages_indexed": get_index().count(collection.namespace),
        "passages_without_vector": get_index().pending_embeddings(collection.namespace),
        "worker_restart_to_recovered_s": recovery_s,
        "ok": job.state == "done"
        and states == {"indexed": DOCUMENTS}
        and get_index().pending_embeddings(collection.namespace) == 0,
    }


def fault_upload(procs: Processes, dataset, token: str, data_dir: Path) -> dict:
    """kill -9 of the web worker while it receives a large file; gunicorn starts another."""
    import httpx

    from territoria.core import periodic
    from territoria.opendata.models import ResourceVersion

    sent: dict = {"bytes": 0}
    pid = procs.web_worker_pid()

    def body():
        yield HEADER
        for _ in range(CHUNKS):
            sent["bytes"] += len(LINES)
            if sent["bytes"] > KILL_AFTER_BYTES and not sent.get("killed"):
                os.kill(pid, signal.SIGKILL)  # mid-body: the worker dies, the file is cut
                sent["killed"] = True
            yield LINES
            time.sleep(0.002)

    boundary = "territoria-faults"
    head, tail = _multipart_edges(boundary)
    length = len(head) + len(HEADER) + CHUNKS * len(LINES) + len(tail)

    def multipart():
        yield head
        yield from body()
        yield tail

    try:
        httpx.post(
            f"{procs.base}/api/opendata/datasets/{dataset.slug}/resources/",
            content=multipart(),
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                # Django parses a multipart body of a declared length (not a chunked one).
                "Content-Length": str(length),
            },
            timeout=120,
        )
        answered = True
    except httpx.HTTPError:
        answered = False
    spooled = sorted(p.name for p in (data_dir / "tmp" / "uploads").glob("*"))
    time.sleep(LEASE_S + 1)
    recovered = periodic.run_at_worker_start()  # what the scheduler runs every few minutes
    left = sorted(p.name for p in (data_dir / "tmp" / "uploads").glob("*"))
    cut_versions = ResourceVersion.objects.filter(status="uploaded").count()
    web_back = _wait(lambda: _http_ok(f"{procs.base}/"), timeout=120)
    return {
        "bytes_sent_before_kill": sent["bytes"],
        "client_got_an_answer": answered,
        "spooled_files_after_kill": len(spooled),
        "spooled_files_after_recovery": len(left),
        "versions_left_uploaded": cut_versions,
        "recovery": recovered,
        "web_serves_again": bool(web_back),
        "ok": not left and cut_versions == 0 and bool(web_back),
    }


HEADER = b"id;commune;montant\n"
LINES = b"1;Metz;12,50\n" * 40_000  # ~0.5 MB a chunk
CHUNKS = 85  # ~45 MB in all
KILL_AFTER_BYTES = 20_000_000


def _multipart_edges(boundary: str) -> tuple[bytes, bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nGros fichier\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="gros.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


def leftovers(data_dir: Path) -> dict:
    """Files nothing needs any more: they must all be gone at the end."""
    from django_tasks_db.models import DBTaskResult

    from territoria.assistant.models import Document
    from territoria.opendata.models import ResourceVersion

    opendata = data_dir / "opendata"
    review = {
        f"{v.resource_id}/v{v.number}" for v in ResourceVersion.objects.filter(status="review")
    }
    known = set(Document.objects.values_list("path", flat=True))
    media = data_dir / "media" / "assistant"
    return {
        "import_uploads": sorted(p.name for p in (data_dir / "imports").glob("*")),
        "partial_files": sorted(str(p.relative_to(opendata)) for p in opendata.rglob("*.partial")),
        "work_folders": sorted(str(p.relative_to(opendata)) for p in opendata.glob("*/v*/work")),
        "staging_outside_review": sorted(
            str(p.relative_to(opendata))
            for p in opendata.glob("*/v*/staging.parquet")
            if str(p.parent.relative_to(opendata)) not in review
        ),
        "upload_spool": sorted(p.name for p in (data_dir / "tmp" / "uploads").glob("*")),
        "assistant_files_without_document": sorted(
            str(p) for p in media.rglob("*") if p.is_file() and str(p.resolve()) not in known
        )
        if media.exists()
        else [],
        "task_results_running": DBTaskResult.objects.filter(status="RUNNING").count(),
    }


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "src"))  # this checkout's code, whatever the venv points at
    started = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="territoria-faults-"))
    work = data_dir / "work-inputs"
    work.mkdir()
    env = _env(data_dir)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    subprocess.run(
        [sys.executable, "-m", "territoria", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    import django

    django.setup()
    from territoria.assistant.models import Collection, Visibility
    from territoria.core import periodic, tokens
    from territoria.core.models import Organisation, OrganisationType, Role, User
    from territoria.opendata.models import Dataset

    organisation = Organisation.objects.create(
        name="Ville de Metz", siret="20003986500106", type=OrganisationType.COMMUNE
    )
    moderator = User.objects.create_user("moderateur", role=Role.MODERATOR)
    agent = User.objects.create_user("agent", role=Role.AGENT, organisation=organisation)
    dataset = Dataset.objects.create(
        title="Mandats", organisation=organisation, created_by=agent, description="Essai."
    )
    collection = Collection.objects.create(
        slug="notes", name="Notes", visibility=Visibility.ORGANISATION, organisation=organisation
    )
    _token, token = tokens.issue(owner=agent, name="faults", scopes=["opendata:write"])

    procs = Processes(env, data_dir)
    results: dict = {"lease_s": LEASE_S}  # no throw-away path in the committed JSON
    try:
        procs.start_web()
        results["first_worker_start_s"] = procs.start_worker()
        print("· analyse et publication…", flush=True)
        results["analysis"], results["publication"] = fault_analysis_and_publication(
            procs, dataset, work
        )
        print("· ingestion…", flush=True)
        results["ingestion"] = fault_ingestion(procs, collection, work)
        print("· dépôt coupé…", flush=True)
        results["upload"] = fault_upload(procs, dataset, token, data_dir)
        # Last: an import of N projects queues follow-up work (embeddings, the register's
        # open-data copy) that would make the other faults wait behind it.
        print("· import…", flush=True)
        results["import"] = fault_import(procs, moderator)
        # Whatever the worker is doing now, a last kill -9 and the recovery a restart runs:
        # then nothing may be left that no job owns.
        procs.kill_worker()
        results["final_recovery"] = periodic.run_at_worker_start()
        results["leftovers"] = leftovers(data_dir)
    finally:
        procs.stop()
    results["worker_kills"] = procs.worker_starts
    results["web_worker_kills"] = 1
    clean = all(not value for value in results["leftovers"].values())
    faults = ["import", "analysis", "publication", "ingestion", "upload"]
    results["all_ok"] = clean and all(results[name]["ok"] for name in faults)
    results["total_s"] = round(time.perf_counter() - started, 1)
    from benchmarks import write_result

    path = write_result("faults", results)
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"→ {path}", file=sys.stderr)
    return 0 if results["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
