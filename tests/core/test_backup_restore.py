"""The backup and restore section of docs/deployment.md, followed once.

A populated instance (register projects, an uploaded assistant document, a published
open-data table; real settings, real files, its own data folder) is saved with
`territoria backup`, restored with `territoria restore` into a FRESH data folder elsewhere,
and the restored instance is checked: same counts, the document's file is there and served,
the table answers a query. Then the refusals: restoring over data without --force, an
archive whose file was altered, an archive of the other database engine.

Each step is the command of the guide in its own process, as an operator runs it.
"""

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"

POPULATE = """
from django.core.files.uploadedfile import SimpleUploadedFile
from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.ingestion import run_job
from territoria.assistant.services.uploads import save_uploads
from territoria.core.models import Organisation, OrganisationType, Role, User
from territoria.opendata.models import Dataset
from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle

town = Organisation.objects.create(
    name="Ville de Testville", siret="21930051400011", type=OrganisationType.COMMUNE
)
agent = User.objects.create_user("agent", password="x-Territoria-2026", role=Role.AGENT,
                                 organisation=town)
ProjectFactory.create_batch(3, organisation=town)
ProjectFactory(organisation=town, lifecycle=Lifecycle.DRAFT, nom_projet="Brouillon")
faq = Collection.objects.create(slug="faq", name="FAQ", visibility=Visibility.PUBLIC,
                                organisation=town)
upload = SimpleUploadedFile(
    "dechetterie.md", "# Déchetterie\\n\\nOuverte du lundi au samedi de 9 h à 18 h.\\n".encode()
)
run_job(save_uploads(faq, [upload], agent).job)
Dataset.objects.create(title="Subventions 2023", organisation=town, created_by=agent)
"""

VERIFY = """
import json
from pathlib import Path
from django.test import Client
from territoria.assistant.models import Document
from territoria.core.backup import record_counts
from territoria.opendata.models import Resource

document = Document.objects.get(source="dechetterie.md")
resource = Resource.objects.get(dataset__slug="subventions-2023")
client = Client()
rows = client.get(f"/api/opendata/tables/{resource.table_name}/rows/")
answer = client.post("/api/assistant/ask/", {"question": "horaires de la déchetterie"},
                     content_type="application/json")
print(json.dumps({
    "counts": record_counts(),
    "document_state": document.state,
    "document_path": document.path,
    "document_file": Path(document.path).read_text(encoding="utf-8"),
    "rows_status": rows.status_code,
    "rows": len(rows.json()["rows"]),
    "answer_cites": "9 h à 18 h" in answer.content.decode(),
}))
"""


def territoria(env, *args, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "territoria", *args],
        check=False,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def report_of(done) -> dict:
    """The JSON line VERIFY prints last (other output may come before it)."""
    return json.loads(done.stdout.strip().splitlines()[-1])


def instance_env(data_dir, database_url=None):
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TERRITORIA_")}
    env = {
        **inherited,  # an instance of its own: none of this process's TERRITORIA_* settings
        "PYTHONPATH": str(ROOT / "src"),
        "TERRITORIA_DATA_DIR": str(data_dir),
        # Jobs inline: the CLI steps below finish their work before the next one starts.
        "TERRITORIA_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the production settings, as deployed
    env.pop("DATABASE_URL", None)  # the fallback name: TERRITORIA_DATABASE_URL says it
    if database_url:
        env["TERRITORIA_DATABASE_URL"] = database_url
    return env


def postgres_databases(*names):
    try:
        admin = psycopg.connect(PG_URL.format(name="postgres"), autocommit=True, connect_timeout=2)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL ne répond pas sur 127.0.0.1:5432")
    with admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    return [PG_URL.format(name=name) for name in names]


@pytest.mark.slow
@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]
)
def test_backup_of_populated_instance_restores_into_fresh_data_folder(tmp_path, engine):
    source_url = target_url = None
    if engine == "postgresql":
        source_url, target_url = postgres_databases("prove_backup_source", "prove_backup_target")
    source = instance_env(tmp_path / "instance-a", source_url)
    territoria(source, "migrate")  # prepares the data folder (secret key) and the schema
    territoria(source, "shell", "-c", POPULATE)
    subsidies = ROOT / "tests" / "opendata" / "fixtures" / "subventions-associations-2023.csv"
    territoria(
        source,
        "opendata_publish",
        str(subsidies),
        "--dataset",
        "subventions-2023",
        "--drop",
        "Représentant",
        "--drop",
        "Courriel",
    )
    before = report_of(territoria(source, "shell", "-c", VERIFY))

    backup = territoria(source, "backup", "--output", str(tmp_path / "sauvegardes"))
    (archive,) = (tmp_path / "sauvegardes").glob("territoria-sauvegarde-*.tar.gz")
    assert str(archive) in backup.stdout
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    # Restore into a fresh data folder, somewhere else, with an empty database.
    target = instance_env(tmp_path / "ailleurs" / "instance-b", target_url)
    restored = territoria(target, "restore", str(archive))
    assert "projets du registre : 4" in restored.stdout
    after = report_of(territoria(target, "shell", "-c", VERIFY))

    assert after["counts"] == before["counts"]
    assert after["counts"]["registre.Project"] == 4
    assert after["counts"]["assistant.Document"] == 1
    assert after["counts"]["opendata.Dataset"] == 2  # the register's own dataset and ours
    assert after["document_state"] == "indexed"
    assert after["document_path"].startswith(str(tmp_path / "ailleurs" / "instance-b"))
    assert "9 h à 18 h" in after["document_file"]
    assert after["answer_cites"], "the restored index answers from the restored document"
    assert after["rows_status"] == 200 and after["rows"] == before["rows"] > 0
    assert (tmp_path / "ailleurs" / "instance-b" / "secret_key").read_text() == (
        tmp_path / "instance-a" / "secret_key"
    ).read_text()

    # Refusals: over existing data without --force; an altered archive; the other engine.
    again = territoria(target, "restore", str(archive), check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    altered = tmp_path / "alteree.tar.gz"
    with tarfile.open(archive) as original, tarfile.open(altered, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("dechetterie.md"):
                data = data.replace(b"9 h", b"8 h")
            copy.addfile(member, None if data is None else io.BytesIO(data))
    fresh = instance_env(tmp_path / "instance-c")  # SQLite
    refused = territoria(fresh, "restore", str(altered), check=False)
    assert refused.returncode != 0
    # SQLite: the checksum catches the altered file; PostgreSQL: the engine differs first.
    expected = "altérée" if engine == "sqlite" else "vient d'une base postgresql"
    assert expected in refused.stderr, refused.stderr
