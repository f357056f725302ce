"""Importing an EPANET model runs in a background job with its progress; a faulty .inp is
refused naming its line and field, and nothing is written."""

import re
from contextlib import nullcontext
from pathlib import Path

import pytest
from django.urls import reverse

from territoria.core.models import Role, User
from territoria.eau import inp_check, network
from territoria.eau.jobs import upload_folder
from territoria.eau.models import Job, JobStatus, Network, Zone
from tests.jobs import run_worker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"
TINY = (FIXTURES / "tiny.inp").read_text()


def agent(name="eau-agent", organisation=None):
    return User.objects.create_user(
        name, password="motdepasse-test-1", role=Role.AGENT, organisation=organisation
    )


def post_model(client, text: str, capture):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("reseau.inp", text.encode())
    with capture(**({"execute": True} if capture is not nullcontext else {})):
        response = client.post(
            reverse("eau:network_import"),
            {"fichier": upload, "nom": "Essai", "coordonnees": "local"},
        )
    return response


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            TINY.replace(" J1   10    1", " J1   dix   1"),
            "ligne 6, section [JUNCTIONS], colonne 2 (« altitude ») : « dix » n'est pas un nombre",
        ),
        (
            TINY.replace(" P2   J2     J3     200", " P2   J2     J9     200"),
            "ligne 20, section [PIPES], colonne 3 : le nœud « J9 » n'est déclaré",
        ),
        (
            TINY.replace(" P3   J4     J5     150     100", " P3   J4"),
            "ligne 21, section [PIPES] : 5 champs au lieu d'au moins 6",
        ),
        ("Timestamp,p1\n2019-01-01,1\n", "ligne 1 : ce fichier n'est pas un modèle EPANET"),
        (
            TINY.replace(" R1  0    0", " R1  0,5  0"),
            "ligne 29, section [COORDINATES], colonne 2 (« X ») : « 0,5 »",
        ),
    ],
)
def test_a_faulty_inp_is_named_by_line_and_field_before_wntr_reads_it(tmp_path, text, expected):
    path = tmp_path / "reseau.inp"
    path.write_text(text)
    with pytest.raises(network.NetworkError, match=re.escape(expected)):
        inp_check.check_inp(path)


PUMP = " PU1  J5  J6  HEAD C9\n\n[VALVES]"
P4 = " P4   J5     J6     150     100       130        0          Open\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            TINY.replace(" J1   10    1       ;", " J1   10    1   PAT9 ;"),
            "ligne 6, section [JUNCTIONS], colonne 4 : le motif « PAT9 » n'est déclaré dans aucune",
        ),
        (
            TINY.replace("[VALVES]", "[PUMPS]\n" + PUMP).replace(P4, ""),
            "ligne 24, section [PUMPS], colonne 5 : la courbe « C9 » n'est déclarée dans aucune",
        ),
        (
            TINY.replace(" Units  CMH", " Units  CMH\n Foo  3"),
            "ligne 39, section [OPTIONS], colonne 1 : l'option « Foo » n'existe pas dans EPANET",
        ),
        (
            TINY.replace(" Units  CMH", " Units  XYZ"),
            "ligne 38, section [OPTIONS], colonne 2 (« Units ») : « XYZ » n'est pas une unité",
        ),
        (
            TINY.replace("H-W", "XX"),
            "ligne 39, section [OPTIONS], colonne 2 (« Headloss ») : « XX » n'est pas une formule",
        ),
        (
            TINY.replace("PRV   30", "ZZZ   30"),
            "ligne 26, section [VALVES], colonne 5 (« type ») : « ZZZ » n'est pas un type",
        ),
        (
            TINY.replace("130        0          Open\n P1", "130        0          Ouvert\n P1"),
            "ligne 18, section [PIPES], colonne 8 (« état ») : « Ouvert » n'est pas un état",
        ),
        (
            TINY.replace("[OPTIONS]", "[FOOBAR]\n x 1\n\n[OPTIONS]"),
            "ligne 37 : la section « [FOOBAR] » n'existe pas dans EPANET",
        ),
        (
            TINY.replace(" J2   10    1       ;", " J2   10    1       ;\n J1   10    1       ;"),
            "ligne 8, section [JUNCTIONS], colonne 1 : l'identifiant « J1 » est déjà déclaré",
        ),
        (
            TINY.replace("[OPTIONS]", "[PATTERNS]\n PAT1 1 deux 3\n\n[OPTIONS]"),
            "ligne 38, section [PATTERNS], colonne 3 : « deux » n'est pas un nombre",
        ),
        (
            TINY.replace("[OPTIONS]", "[CURVES]\n C1 1 x\n\n[OPTIONS]"),
            "ligne 38, section [CURVES], colonne 3 : « x » n'est pas un nombre",
        ),
        (
            TINY.replace("[OPTIONS]", "[TIMES]\n Duration abc\n\n[OPTIONS]"),
            "ligne 38, section [TIMES], colonne 2 : « abc » n'est pas une durée",
        ),
    ],
)
def test_what_only_wntr_used_to_refuse_is_named_by_line_before_wntr(tmp_path, text, expected):
    """Curves, patterns, options, types and states: WNTR's own errors name no line
    (« KeyError: 'C9' »); the check names the line, section and column, in French."""
    path = tmp_path / "reseau.inp"
    path.write_text(text)
    with pytest.raises(network.NetworkError, match=re.escape(expected)):
        inp_check.check_inp(path)


@pytest.mark.slow  # loads WNTR (seconds of CPU, once per session)
def test_a_refusal_left_to_wntr_is_placed_on_the_line_it_quotes(tmp_path):
    """What the check lets pass because EPANET does (a reaction coefficient for a pipe that
    the file never declares: EPANET passes over the line) is refused by WNTR with
    « KeyError: 'P9' »: the message places it on the line that names P9."""
    path = tmp_path / "reseau.inp"
    path.write_text(TINY.replace("[OPTIONS]", "[REACTIONS]\n BULK P9 -0.5\n\n[OPTIONS]"))
    inp_check.check_inp(path)  # not the check's
    with pytest.raises(network.NetworkError) as refused:
        network.read_model(path)
    assert str(refused.value).startswith(
        "reseau.inp, ligne 38, section [REACTIONS] : EPANET ne sait pas lire « P9 »"
    )


def test_the_tiny_model_passes_the_check():
    inp_check.check_inp(FIXTURES / "tiny.inp")


def test_a_refused_model_fails_its_job_writes_nothing_and_only_its_uploader_sees_it(
    client, db, organisation, django_capture_on_commit_callbacks
):
    client.force_login(agent(organisation=organisation))
    response = post_model(
        client, TINY.replace(" J1   10    1", " J1   dix   1"), django_capture_on_commit_callbacks
    )
    job = Job.objects.get(kind="network_import")
    assert response.url == reverse("eau:job", args=[job.pk])
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("reseau.inp, ligne 6, section [JUNCTIONS], colonne 2")
    assert Network.objects.count() == 0 and Zone.objects.count() == 0
    assert list(upload_folder().glob("*.inp")) == []  # the upload is not kept
    page = client.get(response.url).content.decode()
    assert "import du réseau reseau.inp" in page and "rien n'a été enregistré" in page
    client.force_login(agent("eau-collegue", organisation))  # even a colleague: not hers
    assert client.get(response.url).status_code == 404


@pytest.mark.slow  # loads WNTR (seconds of CPU, once per session)
@pytest.mark.django_db(transaction=True)
def test_a_model_waits_in_the_queue_then_the_worker_imports_it_with_progress(
    client, settings, organisation
):
    """As in production (and the browser journey): the request only queues the job; the
    network belongs to the uploader's organisation."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(agent(organisation=organisation))
    response = post_model(client, TINY, nullcontext)
    job = Job.objects.get(kind="network_import")
    assert job.status == JobStatus.QUEUED and Network.objects.count() == 0
    assert "Statut : <strong>En attente</strong>" in client.get(response.url).content.decode()
    run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done, job.total) == (2, 2)
    assert job.message == "Réseau « Essai » importé : 2 zones."
    assert job.network.zones.count() == 2 and network.model_path(job.network).exists()
    assert job.network.organisation == organisation
    page = client.get(response.url).content.decode()
    assert reverse("eau:network", args=[job.network.pk]) in page
    assert list(upload_folder().glob("*.inp")) == []


def test_a_nul_byte_in_a_model_is_refused_with_its_line(tmp_path):
    path = tmp_path / "reseau.inp"
    path.write_text(TINY.replace(" J2   10", " J\x002   10"))
    with pytest.raises(
        network.NetworkError, match=re.escape("reseau.inp, ligne 7 : caractère nul")
    ):
        inp_check.check_inp(path)


def test_a_network_name_with_a_nul_character_is_refused_and_no_job_is_queued(
    client, db, organisation
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(agent(organisation=organisation))
    response = client.post(
        reverse("eau:network_import"),
        {"fichier": SimpleUploadedFile("reseau.inp", TINY.encode()), "nom": "Ré\x00seau"},
        follow=True,
    )
    assert "Nom du réseau : caractère nul (octet 0) refusé" in response.content.decode()
    assert not Job.objects.exists() and list(upload_folder().glob("*.inp")) == []
