"""Import pages: who may import, dry run report, confirmation as a background job, job page."""

import json
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from territoria.core.models import Organisation
from territoria.registre.importers.mapping import ANCHOR
from territoria.registre.models import ImportJob, Project
from territoria.registre.vocabulary import Lifecycle
from tests.shared_data import BIBLIOTHEQUE_IA_CSV, NL_REGISTER_SAMPLE

from .import_helpers import anchor_row, csv_text

pytestmark = pytest.mark.django_db

REAL_DATA_CSV = BIBLIOTHEQUE_IA_CSV  # the anchor's data.csv, committed
BAD_SIRETS = {
    "24410051800170": 16,
    "24510051800170": 17,
    "24610051800170": 18,
}  # line of each in data.csv
TOULOUSE_SIRET = "24310051800170"  # the documented correction (fixtures/demo_corrections.json)
IMPORT_URL = "/registre/import/"


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    """Each test gets its own data folder, so that the uploads kept are this test's."""
    settings.DATA_DIR = tmp_path


def upload(content: bytes, name="projets.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def corrected_data_csv() -> bytes:
    data = REAL_DATA_CSV.read_bytes()
    for bad in BAD_SIRETS:
        data = data.replace(bad.encode(), TOULOUSE_SIRET.encode())
    return data


def dry_run(client, content: bytes, name="projets.csv", **fields):
    """Upload: the simulation runs as a job (at once with the test task backend); its page."""
    return client.post(
        IMPORT_URL,
        {"file": upload(content, name), "format": "auto", "status": "published", **fields},
        follow=True,
    )


def ticket_of(response) -> str:
    match = re.search(r'name="ticket" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation form"
    return match.group(1)


def confirm(client, response):
    return client.post(reverse("registre:import_confirm"), {"ticket": ticket_of(response)})


def stored_uploads() -> list[str]:
    folder = Path(settings.DATA_DIR) / "imports"
    return [p.name for p in folder.iterdir() if p.is_file()] if folder.exists() else []


# --- Who may import -------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for response in (
        client.get(IMPORT_URL),
        client.post(IMPORT_URL),
        client.post(reverse("registre:import_confirm"), {"ticket": "x"}),
    ):
        assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_agent_is_refused_in_french_and_nothing_is_imported(client, agent):
    client.force_login(agent)
    response = client.get(IMPORT_URL)
    assert response.status_code == 403
    assert "réservé aux modérateurs" in response.content.decode()
    response = dry_run(client, csv_text([anchor_row()]).encode())
    assert response.status_code == 403 and Project.objects.count() == 0


def test_agent_cannot_open_a_job_page(client, agent, moderator):
    job = ImportJob.objects.create(file_name="x.csv", requested_by=moderator)
    client.force_login(agent)
    assert client.get(reverse("registre:import_job", args=[job.pk])).status_code == 403


def test_admin_sees_the_form_and_moderation_queue_links_to_it(client, admin_user):
    client.force_login(admin_user)
    html = client.get(IMPORT_URL).content.decode()
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert '<label for="id_file">' in html and "Taille maximale : 50 Mo" in html
    assert 'href="/registre/import/"' in client.get(reverse("registre:moderation")).content.decode()


def test_form_requires_csrf(moderator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert dry_run(client, csv_text([anchor_row()]).encode()).status_code == 403


# --- Dry run ----------------------------------------------------------------------------------


def test_moderator_dry_run_of_real_data_csv_reports_23_lines_and_the_3_siret_typos(
    client, moderator
):
    client.force_login(moderator)
    response = dry_run(client, REAL_DATA_CSV.read_bytes(), name="data.csv")
    assert response.status_code == 200
    html = response.content.decode()
    assert "23 lignes" in html
    assert html.count('class="line-created"') == 20 and html.count('class="line-rejected"') == 3
    for siret, line in BAD_SIRETS.items():
        assert f"Le SIRET {siret} n&#x27;est pas valide" in html
        assert re.search(rf'<tr class="line-rejected" id="ligne-{line}">\s*<td>{line}</td>', html)
        assert (
            f'<a href="#ligne-{line}">Ligne {line}</a>' in html
        )  # summary of rejected lines, linked
    assert "clé de Luhn valide" in html  # the expected value
    # Atomic: with rejected lines nothing can be imported, and nothing was written by the simulation.
    assert "Confirmer l'import" not in html and 'name="ticket"' not in html
    assert Project.objects.count() == 0 and Organisation.objects.count() == 0
    assert stored_uploads() == []


def test_moderator_dry_run_writes_nothing_then_confirm_imports_everything(client, moderator):
    client.force_login(moderator)
    response = dry_run(client, corrected_data_csv(), name="data.csv")
    html = response.content.decode()
    assert html.count('class="line-created"') == 23 and "Confirmer l'import" in html
    assert Project.objects.count() == 0
    assert len(stored_uploads()) == 1  # kept for the confirmation, under a random name
    stored = stored_uploads()[0]
    assert "data" not in stored and stored not in html

    response = confirm(client, response)
    job = ImportJob.objects.get(dry_run=False)
    assert response.status_code == 302 and response["Location"] == reverse(
        "registre:import_job", args=[job.pk]
    )
    assert (
        job.status == ImportJob.Status.DONE
        and job.requested_by == moderator
        and job.file_name == "data.csv"
    )
    assert job.report["counts"]["created"] == 23
    assert Project.objects.filter(lifecycle=Lifecycle.PUBLISHED).count() == 23
    assert stored_uploads() == []  # deleted once the job is finished

    page = client.get(response["Location"]).content.decode()
    assert "Terminé" in page and 'aria-valuenow="100"' in page and "Import effectué" in page
    assert 'hx-trigger="every 2s"' not in page  # no more polling
    assert "data.csv" in client.get(IMPORT_URL).content.decode()  # recent jobs


def test_confirming_twice_creates_one_job(client, moderator):
    client.force_login(moderator)
    response = dry_run(client, csv_text([anchor_row()]).encode())
    first, second = confirm(client, response), confirm(client, response)
    assert (
        first["Location"] == second["Location"]
        and ImportJob.objects.filter(dry_run=False).count() == 1
    )
    assert Project.objects.count() == 1


def test_reimport_reports_unchanged_lines(client, moderator):
    client.force_login(moderator)
    content = csv_text([anchor_row()]).encode()
    confirm(client, dry_run(client, content))
    html = dry_run(client, content).content.decode()
    assert html.count('class="line-unchanged"') == 1


def test_updated_line_lists_changed_fields(client, moderator):
    client.force_login(moderator)
    confirm(client, dry_run(client, csv_text([anchor_row()]).encode()))
    html = dry_run(
        client, csv_text([anchor_row(Description_service="Nouvelle description.")]).encode()
    ).content.decode()
    assert html.count('class="line-updated"') == 1 and "Champs modifiés : " in html
    assert "Description" in html.split("Champs modifiés : ")[1].split("</p>")[0]


def test_bad_line_reports_line_field_and_expected_value_and_writes_nothing(client, moderator):
    client.force_login(moderator)
    rows = [anchor_row(), anchor_row(Nom_du_projet="Autre", Statut_du_projet="Bientôt")]
    html = dry_run(client, csv_text(rows).encode()).content.decode()
    assert re.search(r'<tr class="line-rejected" id="ligne-3">\s*<td>3</td>', html)
    errors = html.split('class="line-errors"')[1].split("</ul>")[0]
    assert "colonne « Statut_du_projet »" in errors and "Bientôt" in errors and "attendu" in errors
    assert html.count('class="line-created"') == 1
    assert 'name="ticket"' not in html and Project.objects.count() == 0 and stored_uploads() == []


def test_unreadable_file_is_reported_not_a_500(client, moderator):
    client.force_login(moderator)
    response = dry_run(client, b"\x00\x01 pas un tableau", name="n-importe-quoi.csv")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le fichier ne peut pas être lu" in html and 'name="ticket"' not in html


def test_oversized_upload_is_refused_with_the_limit(client, moderator):
    client.force_login(moderator)
    content = csv_text([anchor_row()]).encode() + b"#" * (1024 * 1024)
    with override_settings(TERRITORIA_MAX_UPLOAD_MB=1):
        response = dry_run(client, content)
    assert response.status_code == 400
    html = response.content.decode()
    assert "la taille maximale est de 1 Mo" in html and "TERRITORIA_MAX_UPLOAD_MB" in html
    assert Project.objects.count() == 0 and stored_uploads() == []


def test_windows_1252_file_is_imported_with_its_accents(client, moderator):
    client.force_login(moderator)
    row = anchor_row(
        Nom_collectivite="Ville de Metz",
        Nom_du_projet="Détection des dépôts sauvages",
        Description_service="Repérage des déchets à l'aide de caméras.",
    )
    response = dry_run(client, csv_text([row], delimiter=";").encode("cp1252"))
    html = response.content.decode()
    assert "Windows-1252" in html or "cp1252" in html.lower()
    confirm(client, response)
    project = Project.objects.get()
    assert project.nom_projet == "Détection des dépôts sauvages"
    assert project.usage_description == "Repérage des déchets à l'aide de caméras."


def test_draft_state_for_new_records(client, moderator):
    client.force_login(moderator)
    confirm(client, dry_run(client, csv_text([anchor_row()]).encode(), status="draft"))
    assert Project.objects.get().lifecycle == Lifecycle.DRAFT


def test_custom_mapping_file_is_used_for_dry_run_and_import(client, moderator):
    client.force_login(moderator)
    header = ["Porteur" if c == "Nom_collectivite" else c for c in anchor_row()]
    row = {("Porteur" if k == "Nom_collectivite" else k): v for k, v in anchor_row().items()}
    mapping = {("Porteur" if k == "Nom_collectivite" else k): v for k, v in ANCHOR.items()}
    response = dry_run(
        client,
        csv_text([row], header=header).encode(),
        mapping=SimpleUploadedFile("m.json", json.dumps(mapping).encode(), "application/json"),
    )
    assert response.content.decode().count('class="line-created"') == 1
    confirm(client, response)
    assert (
        ImportJob.objects.get(dry_run=False).status == ImportJob.Status.DONE
        and Project.objects.count() == 1
    )


def test_invalid_mapping_file_is_a_form_error(client, moderator):
    client.force_login(moderator)
    response = dry_run(
        client,
        csv_text([anchor_row()]).encode(),
        mapping=SimpleUploadedFile("m.json", b'{"Porteur": "pas_un_champ"}', "application/json"),
    )
    html = response.content.decode()
    assert (
        "champs inconnus dans le fichier de correspondance" in html and 'name="ticket"' not in html
    )


def test_ticket_is_bound_to_its_user_and_tampering_is_refused(client, moderator, admin_user):
    client.force_login(moderator)
    response = dry_run(client, csv_text([anchor_row()]).encode())
    client.force_login(admin_user)
    assert confirm(client, response).status_code == 403
    response = client.post(
        reverse("registre:import_confirm"), {"ticket": ticket_of(response) + "x"}, follow=True
    )
    assert "expiré ou n&#x27;est pas valide" in response.content.decode()
    assert ImportJob.objects.filter(dry_run=False).count() == 0 and Project.objects.count() == 0


# --- Job page ---------------------------------------------------------------------------------


def test_running_job_page_shows_progress_and_polls(client, moderator):
    job = ImportJob.objects.create(
        file_name="nl.json", requested_by=moderator, status=ImportJob.Status.RUNNING, progress=0.42
    )
    client.force_login(moderator)
    html = client.get(reverse("registre:import_job", args=[job.pk])).content.decode()
    assert 'role="progressbar"' in html and 'aria-valuenow="42"' in html
    assert 'aria-valuemin="0"' in html and 'aria-valuemax="100"' in html
    assert 'hx-trigger="every 2s"' in html and ">Actualiser</a>" in html
    assert "vendor/htmx/htmx.min.js" in html
    fragment = client.get(
        reverse("registre:import_job", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="job-status"' in fragment and "<html" not in fragment


def test_uploaded_file_is_outside_served_folders_and_has_no_url(client, moderator):
    client.force_login(moderator)
    dry_run(client, csv_text([anchor_row()]).encode())
    name = stored_uploads()[0]
    path = (Path(settings.DATA_DIR) / "imports" / name).resolve()
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not path.is_relative_to(Path(served).resolve())
    for url in (
        f"/media/imports/{name}",
        f"/media/{name}",
        f"/static/imports/{name}",
        f"/registre/import/{name}",
    ):
        assert client.get(url).status_code == 404
    job = ImportJob(file_name="x.csv")
    job.file.name = name
    with pytest.raises(ValueError):
        _ = job.file.url


# --- Big files ----------------------------------------------------------------------------------


def big_dutch_register(records: int) -> bytes:
    """A register of `records` lines: the committed Dutch extract repeated, ids made unique."""
    document = json.loads(NL_REGISTER_SAMPLE.read_text(encoding="utf-8"))
    base = document["algoritmes"]
    document["algoritmes"] = [
        {**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-{i}"} for i in range(records)
    ]
    document["count"] = records
    return json.dumps(document, ensure_ascii=False).encode()


def test_dry_run_of_a_big_register_is_capped_with_a_note(client, moderator):
    client.force_login(moderator)
    response = dry_run(client, big_dutch_register(530), name="nl-algoritmeregister.json")
    html = response.content.decode()
    assert "530 lignes" in html
    assert html.count('class="line-created"') == 200
    assert "seules 200 lignes sont affichées" in html and "330 autres ne le sont pas" in html
    assert "Confirmer l'import" in html and Project.objects.count() == 0


def test_job_report_is_paginated(client, moderator):
    lines = [
        {"line": n, "action": "created", "name": f"Projet {n}", "organisation": "Org"}
        for n in range(2, 452)
    ]
    job = ImportJob.objects.create(
        file_name="gros.csv",
        requested_by=moderator,
        status=ImportJob.Status.DONE,
        progress=1.0,
        report={
            "ok": True,
            "summary": "Import effectué — gros.csv.",
            "counts": {"created": 450},
            "lines": lines,
        },
    )
    client.force_login(moderator)
    url = reverse("registre:import_job", args=[job.pk])
    first = client.get(url).content.decode()
    assert "Page 1 sur 3" in first and "Projet 201<" in first and "Projet 202<" not in first
    last = client.get(url + "?page=3").content.decode()
    assert "Projet 451<" in last and "Projet 2<" not in last


def test_job_whose_file_vanished_ends_refused_not_running_forever(client, moderator):
    from territoria.registre.importers.tasks import import_registre_task

    job = ImportJob(file_name="perdu.csv", requested_by=moderator)
    job.file.name = "0123456789abcdef0123456789abcdef.csv"  # never written
    job.save()
    try:
        import_registre_task.enqueue(str(job.pk))
    except FileNotFoundError:
        pass  # the immediate backend may re-raise; the worker logs it
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    client.force_login(moderator)
    html = client.get(reverse("registre:import_job", args=[job.pk])).content.decode()
    assert (
        "erreur interne : rien n&#x27;a été écrit" in html and 'hx-trigger="every 2s"' not in html
    )


def test_unconfirmed_uploads_are_deleted_after_a_day_but_not_those_of_waiting_jobs(
    client, moderator
):
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True)
    two_days_ago = time.time() - 2 * 86400
    for name in ("abandonne.csv", "attendu.csv", "recent.csv"):
        (folder / name).write_text("x")
        if name != "recent.csv":
            os.utime(folder / name, (two_days_ago, two_days_ago))
    waiting = ImportJob(file_name="attendu.csv", requested_by=moderator)
    waiting.file.name = "attendu.csv"
    waiting.save()
    client.force_login(moderator)
    dry_run(client, csv_text([anchor_row()]).encode())
    assert {"attendu.csv", "recent.csv"} <= set(stored_uploads())
    assert "abandonne.csv" not in stored_uploads()
