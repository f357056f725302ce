"""Load on loopback: readers and writers together against gunicorn, on SQLite and PostgreSQL.

For each database, a fresh instance (its own data folder; PostgreSQL: database `prove_load`,
dropped and created again) gets the demo register (`territoria load_demo`), a published
open-data table, a public FAQ collection and one draft per writer. Territoria then runs as in
production (`territoria serve`: gunicorn, N workers, on 127.0.0.1) with its job worker
(`territoria db_worker`), and an asyncio client (httpx) drives C clients for D seconds,
closed loop, no think time:

- readers (anonymous): register list, search page and record page, register API (list,
  search, record), open-data catalogue, dataset page and rows API, the assistant's public
  question API;
- writers (agents, API tokens): edit their draft through the API (read, then PATCH with its
  version) and upload a document into their organisation's collection (the worker indexes it).

Reported per route: requests, p50/p95/max latency, status codes, server errors (5xx and
broken connections). Then the writes are checked: each draft's version went up by exactly
the number of accepted edits, and each accepted upload is a document of the collection.
The same load runs on both databases in the same run. Results: benchmarks/results/load.json.

Every request goes to 127.0.0.1 (checked before the first one) and the run stops by itself.
The open-data anonymous rate limit is raised for the run (the benchmark measures capacity,
not the limiter); any 429 is still counted in the status codes.

    python -m benchmarks.load                       # 30 s, 20 clients, SQLite then PostgreSQL
    python -m benchmarks.load --duration 10 --clients 8 --databases sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import ipaddress
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "load.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "prove_load"
SEARCH_TERMS = ["vidéoprotection", "déchets", "chatbot", "eau", "transport", "urbanisme"]
QUESTIONS = ["Quels sont les horaires de la déchetterie ?", "Comment obtenir un badge ?"]

# Run inside `territoria shell` of the fresh instance; prints what the clients need as JSON.
POPULATE = """
import json, sys
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import run_job
from territoria.assistant.services.uploads import save_uploads
from territoria.core.models import Organisation, Role, User
from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Resource
from territoria.core import tokens
from territoria.registre.models import Project
from territoria.registre.vocabulary import Lifecycle
from pathlib import Path

WRITERS = {writers}
call_command("load_demo", stdout=open("/dev/null", "w"))
metz = Organisation.objects.get(siret="20003986500106")
faq = Collection.objects.create(slug="faq", name="FAQ de la ville", organisation=metz,
                                visibility=Visibility.PUBLIC, contact_service="Accueil")
first = User.objects.get(username="agent.metz")
run_job(save_uploads(faq, [SimpleUploadedFile("dechetterie.md",
    "# Déchetterie\\n\\n## Horaires\\n\\nOuverte du lundi au samedi de 9 h à 18 h.\\n".encode())],
    first).job)
dataset = Dataset.objects.create(title="Subventions aux associations 2023",
                                 organisation=metz, created_by=first)
resource = Resource.objects.create(dataset=dataset, title="Subventions 2023")
source = Path("tests/opendata/fixtures/subventions-associations-2023.csv")
version = publishing.receive_file(resource, source, source.name, analyse=False)
publishing.analyse(version)
version.refresh_from_db()
dropped = ["Représentant", "Courriel"]
flagged = [f["column"] for f in version.personal_data if f["column"] not in dropped]
publishing.request_publication(version, dropped, flagged)
version.refresh_from_db()
assert version.status == "published", version.error
writers = []
for n in range(WRITERS):
    user = User.objects.create_user(f"redacteur{{n}}", password="Banc-de-charge-2026",
                                    role=Role.AGENT, organisation=metz)
    draft = Project.objects.create(organisation=metz, nom_projet=f"Brouillon du banc {{n}}",
                                   lifecycle=Lifecycle.DRAFT)
    _, raw = tokens.issue(owner=user, name="banc de charge",
                          scopes=["registre:read", "registre:write", "assistant:read",
                                  "assistant:write"])
    writers.append({{"token": raw, "draft": str(draft.pk)}})
print(json.dumps({{
    "projects": [str(pk) for pk in Project.objects.filter(lifecycle=Lifecycle.PUBLISHED)
                 .values_list("pk", flat=True)],
    "dataset": dataset.slug, "table": resource.table_name, "collection": faq.slug,
    "writers": writers,
}}))
"""


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusé : {url} n'est pas une adresse de bouclage")


def territoria_env(data_dir: Path, database_url: str | None) -> dict:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TERRITORIA_")}
    env = {
        **inherited,  # an instance of its own: none of this process's TERRITORIA_* settings
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "TERRITORIA_DATA_DIR": str(data_dir),
        "TERRITORIA_OPENDATA_ANON_RATE": "1000000/min",
        "TERRITORIA_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)  # the fallback name: TERRITORIA_DATABASE_URL says it
    if database_url:
        env["TERRITORIA_DATABASE_URL"] = database_url
    return env


def fresh_postgres_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def populate(env: dict, writers: int) -> dict:
    inline = {**env, "TERRITORIA_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    subprocess.run(  # prepares the data folder (secret key) and the schema
        [sys.executable, "-m", "territoria", "migrate", "-v0"], env=inline, cwd=ROOT, check=True
    )
    done = subprocess.run(
        [sys.executable, "-m", "territoria", "shell", "-c", POPULATE.format(writers=writers)],
        env=inline,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"préparation de l'instance impossible :\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    """`territoria serve` and `territoria db_worker` of one instance, stopped on exit."""

    def __init__(self, env: dict, data_dir: Path, workers: int):
        self.port = free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.data_dir, self.workers = env, data_dir, workers
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        log = (self.data_dir / "serveur.log").open("w")
        for argv in (
            ["serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)],
            ["db_worker"],
        ):
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "territoria", *argv],
                    env=self.env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,  # the access log: one line per request
                    stderr=log,
                    start_new_session=True,  # one process group each: stopped as a whole
                )
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.__exit__()
        raise SystemExit("le serveur n'a pas démarré en 180 s (voir serveur.log)")

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logged_server_errors(self) -> list[str]:
        """The last line of each server-error traceback gunicorn's workers logged."""
        lines = (self.data_dir / "serveur.log").read_text(errors="replace").splitlines()
        errors, inside = [], None
        for line in lines:
            if line.startswith("Internal Server Error"):
                inside = line
            elif inside and line and not line.startswith((" ", "Traceback", "The above", "During")):
                errors.append(f"{inside} — {line[:300]}")
                inside = None
        return errors


class Recorder:
    def __init__(self):
        self.samples: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[str, int]] = {}

    def add(self, route: str, status: str, seconds: float) -> None:
        self.samples.setdefault(route, []).append(seconds * 1000)
        counts = self.statuses.setdefault(route, {})
        counts[status] = counts.get(status, 0) + 1

    def summary(self) -> dict:
        routes = {}
        for route in sorted(self.samples):
            times = sorted(self.samples[route])
            statuses = self.statuses[route]
            routes[route] = {
                "requests": len(times),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
                "max_ms": round(times[-1], 1),
                "statuses": dict(sorted(statuses.items())),
                "server_errors": sum(n for s, n in statuses.items() if not s[0] in "1234"),
            }
        return routes


async def timed(recorder, route, call):
    start = time.perf_counter()
    try:
        response = await call()
    except httpx.HTTPError as error:
        recorder.add(route, f"transport:{type(error).__name__}", time.perf_counter() - start)
        return None
    recorder.add(route, str(response.status_code), time.perf_counter() - start)
    return response


def reader_routes(client, data, rng):
    return [
        ("page registre (liste)", lambda: client.get("/registre/")),
        (
            "page registre (recherche)",
            lambda: client.get("/registre/recherche/", params={"q": rng.choice(SEARCH_TERMS)}),
        ),
        (
            "page fiche projet",
            lambda: client.get(f"/registre/projets/{rng.choice(data['projects'])}/"),
        ),
        ("API registre (liste)", lambda: client.get("/api/registre/projets/?limit=20")),
        (
            "API registre (recherche)",
            lambda: client.get("/api/registre/recherche/", params={"q": rng.choice(SEARCH_TERMS)}),
        ),
        (
            "API fiche projet",
            lambda: client.get(f"/api/registre/projets/{rng.choice(data['projects'])}/"),
        ),
        ("page données (catalogue)", lambda: client.get("/donnees/")),
        ("page jeu de données", lambda: client.get(f"/donnees/{data['dataset']}/")),
        (
            "API données (lignes)",
            lambda: client.get(f"/api/opendata/tables/{data['table']}/rows/?_size=50"),
        ),
        (
            "API assistant (question publique)",
            lambda: client.post("/api/assistant/ask/", json={"question": rng.choice(QUESTIONS)}),
        ),
    ]


async def reader(client, data, recorder, deadline, rng):
    routes = reader_routes(client, data, rng)
    while time.monotonic() < deadline:
        route, call = rng.choice(routes)
        await timed(recorder, route, call)


async def warm_up(client, data, workers: int) -> None:
    """Each reader route a few times before measuring: every gunicorn worker loads its
    models and caches (the first search loads the embedding model) outside the figures."""
    routes = reader_routes(client, data, random.Random(0))
    for _ in range(workers):
        await asyncio.gather(*(call() for _, call in routes))


async def writer(client, data, me, recorder, deadline, rng, accepted):
    headers = {"Authorization": f"Token {me['token']}"}
    draft = f"/api/registre/projets/{me['draft']}/"
    n = 0
    while time.monotonic() < deadline:
        n += 1
        if rng.random() < 0.75:
            read = await timed(
                recorder, "API brouillon (lecture)", lambda: client.get(draft, headers=headers)
            )
            if read is None or read.status_code != 200:
                continue
            body = {
                "usage_description": f"Modification n°{n} du banc de charge.",
                "version": read.json()["version"],
            }
            done = await timed(
                recorder,
                "API brouillon (modification)",
                lambda body=body: client.patch(draft, json=body, headers=headers),
            )
            if done is not None and done.status_code == 200:
                accepted["edits"][me["draft"]] = accepted["edits"].get(me["draft"], 0) + 1
        else:
            name = f"note-{me['draft'][:8]}-{n}.md"
            content = f"# Note {n}\n\nCompte rendu de la réunion {n} du service.\n".encode()
            done = await timed(
                recorder,
                "API assistant (dépôt de document)",
                lambda name=name, content=content: client.post(
                    f"/api/assistant/collections/{data['collection']}/upload/",
                    files={"file": (name, content, "text/markdown")},
                    headers=headers,
                ),
            )
            if done is not None and done.status_code in (200, 201, 202):
                accepted["uploads"].add(name)


async def drive(
    url: str, data: dict, clients: int, duration: float, workers: int, seed: int
) -> dict:
    assert_loopback(url)
    recorder = Recorder()
    accepted = {"edits": {}, "uploads": set()}
    writers = data["writers"]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        drafts_before = {}
        for me in writers:
            response = await client.get(
                f"/api/registre/projets/{me['draft']}/",
                headers={"Authorization": f"Token {me['token']}"},
            )
            drafts_before[me["draft"]] = response.json()["version"]
        await warm_up(client, data, workers)
        deadline = time.monotonic() + duration
        started = time.monotonic()
        tasks = [
            writer(client, data, me, recorder, deadline, random.Random(seed + i), accepted)
            for i, me in enumerate(writers)
        ] + [
            reader(client, data, recorder, deadline, random.Random(seed + 100 + i))
            for i in range(clients - len(writers))
        ]
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        integrity = await check_writes(client, data, drafts_before, accepted)
    routes = recorder.summary()
    total = sum(r["requests"] for r in routes.values())
    return {
        "elapsed_s": round(elapsed, 1),
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "server_errors": sum(r["server_errors"] for r in routes.values()),
        "routes": routes,
        "writes": integrity,
    }


async def check_writes(client, data, drafts_before, accepted) -> dict:
    """Nothing lost: each accepted edit moved its draft's version, each upload is a document."""
    lost_edits = 0
    for me in data["writers"]:
        response = await client.get(
            f"/api/registre/projets/{me['draft']}/",
            headers={"Authorization": f"Token {me['token']}"},
        )
        expected = drafts_before[me["draft"]] + accepted["edits"].get(me["draft"], 0)
        lost_edits += abs(response.json()["version"] - expected)
    documents = await client.get(
        f"/api/assistant/collections/{data['collection']}/documents/?limit=1000",
        headers={"Authorization": f"Token {data['writers'][0]['token']}"},
    )
    listed = documents.json()
    listed = listed.get("results", listed) if isinstance(listed, dict) else listed
    sources = {item.get("source") for item in listed}
    return {
        "accepted_edits": sum(accepted["edits"].values()),
        "edits_lost_or_extra": lost_edits,
        "accepted_uploads": len(accepted["uploads"]),
        "uploads_missing": len(accepted["uploads"] - sources),
    }


def run_one(database: str, clients: int, writers: int, duration: float, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"territoria-charge-{database}-") as folder:
        data_dir = Path(folder)
        url = fresh_postgres_database() if database == "postgresql" else None
        env = territoria_env(data_dir, url)
        print(f"[{database}] préparation de l'instance (démo, données ouvertes, FAQ)…", flush=True)
        data = populate(env, writers)
        print(f"[{database}] {clients} clients pendant {duration:.0f} s…", flush=True)
        with Server(env, data_dir, workers) as server:
            result = asyncio.run(drive(server.url, data, clients, duration, workers, seed=2026))
            result["server_errors_logged"] = server.logged_server_errors()
        return result


def markdown_table(results: dict) -> str:
    databases = list(results["runs"])
    head = "| route | " + " | ".join(f"{db} : requêtes, p50 / p95 (ms)" for db in databases) + " |"
    lines = [head, "|---|" + "---|" * len(databases)]
    routes = sorted({r for run in results["runs"].values() for r in run["routes"]})
    for route in routes:
        cells = []
        for db in databases:
            r = results["runs"][db]["routes"].get(route)
            cells.append(f"{r['requests']}, {r['p50_ms']:.0f} / {r['p95_ms']:.0f}" if r else "—")
        lines.append(f"| {route} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="secondes de charge par base")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--writers", type=int, default=5, help="dont clients rédacteurs")
    parser.add_argument("--workers", type=int, default=4, help="processus gunicorn")
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = {
        "benchmark": "load",
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "config": {
            "duration_s": args.duration,
            "clients": args.clients,
            "writers": args.writers,
            "readers": args.clients - args.writers,
            "gunicorn_workers": args.workers,
            "think_time_s": 0,
        },
        "runs": {},
    }
    for database in args.databases:
        results["runs"][database] = run_one(
            database, args.clients, args.writers, args.duration, args.workers
        )
        run = results["runs"][database]
        print(
            f"[{database}] {run['requests']} requêtes ({run['requests_per_s']}/s), "
            f"erreurs serveur : {run['server_errors']}, écritures : {run['writes']}",
            flush=True,
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(markdown_table(results))
    print(f"Résultats : {args.output}")
    return results


if __name__ == "__main__":
    main()
