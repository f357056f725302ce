"""Uploads to a collection: limits before the body is read, nothing left on disk after a
refusal, whole files or none, clear French messages per file (issue 11, M6 and L3).

Before: a 120 MB file was received, stored and kept after the parser refused it; an
interrupted write left a truncated file where a document pointed; a long name or a
file/folder clash answered 500 with the batch's first files left behind; more than 100
files got a bare 400; files inside hidden folders were indexed."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.assistant.models import Document, IngestionJob
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.assistant.services.uploads import save_uploads

MD = b"# Titre\n\nUn paragraphe de texte pour l'indexation.\n"


@pytest.fixture
def page(client, agent, internal_collection):
    client.force_login(agent)
    return f"/assistant/collections/{internal_collection.slug}/"


@pytest.fixture
def upload_tmp(settings, tmp_path):
    """Django's own temporary files of an upload, in a folder the test can watch."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000  # every file above goes to a temporary file
    return folder


def files_on_disk(media_root) -> list[str]:
    root = Path(media_root) / "assistant"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_page_refuses_a_request_over_the_route_limit_before_reading_it(
    client, page, settings, media_root
):
    settings.ASSISTANT_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("rapport.md", b"a" * (2 * 1024 * 1024))
    response = client.post(page, {"files": [big]})
    assert response.status_code == 413
    text = response.content.decode()
    assert "Envoi trop volumineux" in text and "TERRITORIA_ASSISTANT_MAX_UPLOAD_MB" in text
    assert files_on_disk(media_root) == [] and not Document.objects.exists()


def test_page_refuses_a_large_anonymous_body_before_reading_it(client, faq_collection, media_root):
    big = SimpleUploadedFile("rapport.md", b"a" * (11 * 1024 * 1024))
    response = client.post(f"/assistant/collections/{faq_collection.slug}/", {"files": [big]})
    assert response.status_code == 413  # core/body_limits.py, before the route's own limits
    assert files_on_disk(media_root) == []


def test_page_drops_an_oversized_file_while_it_streams_and_keeps_the_others(
    client, page, settings, media_root, upload_tmp
):
    settings.ASSISTANT_MAX_FILE_MB = 1
    big = SimpleUploadedFile("enorme.md", b"a" * (1024 * 1024 + 500_000))
    small = SimpleUploadedFile("petit.md", MD)
    response = client.post(page, {"files": [big, small]}, follow=True)
    assert response.status_code == 200
    text = messages_of(response)
    assert "« enorme.md » : fichier trop volumineux" in text and "1 fichier(s) reçu(s)" in text
    assert files_on_disk(media_root) == ["procedures/petit.md"]
    assert list(upload_tmp.iterdir()) == []  # Django's temporary copy is gone too
    assert list(Document.objects.values_list("source", flat=True)) == ["petit.md"]


def test_api_refuses_an_oversized_file_with_413_and_keeps_nothing(
    api_client, agent, internal_collection, settings, media_root
):
    settings.ASSISTANT_MAX_FILE_MB = 1
    api_client.force_authenticate(agent)
    url = f"/api/assistant/collections/{internal_collection.slug}/upload/"
    for size in (3 * 1024 * 1024, 1024 * 1024 + 100_000):  # declared too large / seen streaming
        response = api_client.post(
            url, {"file": SimpleUploadedFile("enorme.md", b"a" * size)}, format="multipart"
        )
        assert response.status_code == 413, size
        assert "trop volumineux" in response.json()["detail"]
    assert files_on_disk(media_root) == [] and not Document.objects.exists()


def test_files_the_parser_rejects_are_deleted_not_kept(client, page, media_root):
    client.post(
        page,
        {
            "files": [
                SimpleUploadedFile("programme.exe", b"MZ\x90\x00binary"),
                SimpleUploadedFile("corrompu.pdf", b"%PDF-1.4 nothing else"),
                SimpleUploadedFile("bon.md", MD),
            ]
        },
    )
    states = dict(Document.objects.values_list("source", "state"))
    assert states == {"programme.exe": "failed", "corrompu.pdf": "failed", "bon.md": "indexed"}
    assert files_on_disk(media_root) == ["procedures/bon.md"]
    failed = Document.objects.get(source="programme.exe")
    assert failed.path == "" and "format non pris en charge" in failed.error


def test_a_folder_ingested_by_cli_keeps_its_rejected_files(internal_collection, tmp_path):
    folder = tmp_path / "dossier"
    folder.mkdir()
    (folder / "programme.exe").write_bytes(b"MZ")
    run_job(add_files(internal_collection, collect_files(folder)))
    assert (folder / "programme.exe").is_file()  # the agent's own file, not ours to delete


class BrokenUpload(SimpleUploadedFile):
    """A client gone mid-transfer: the stream breaks after the first chunk."""

    def chunks(self, chunk_size=None):
        yield self.read(10)
        raise OSError("connexion interrompue")


def test_an_interrupted_write_leaves_the_previous_file_whole(internal_collection, media_root):
    stored = save_uploads(internal_collection, [SimpleUploadedFile("guide.md", MD)])
    run_job(stored.job)
    target = Path(media_root) / "assistant" / "procedures" / "guide.md"
    with pytest.raises(OSError):
        save_uploads(internal_collection, [BrokenUpload("guide.md", MD + b"nouvelle version")])
    assert target.read_bytes() == MD  # not truncated
    assert files_on_disk(media_root) == ["procedures/guide.md"]  # no partial file left
    assert IngestionJob.objects.count() == 1
    assert Document.objects.get().state == "indexed"


def test_an_interrupted_batch_removes_the_files_it_had_written(internal_collection, media_root):
    with pytest.raises(OSError):
        save_uploads(
            internal_collection,
            [SimpleUploadedFile("a.md", MD), BrokenUpload("b.md", MD)],
        )
    assert files_on_disk(media_root) == [] and not Document.objects.exists()


def _folder(client, page, paths, contents=None):
    files = [SimpleUploadedFile(Path(p).name, (contents or {}).get(p, MD)) for p in paths]
    return client.post(page, {"folder": files, "folder_paths": json.dumps(paths)}, follow=True)


def test_folder_with_a_too_long_name_refuses_that_file_only(client, page, media_root):
    long_name = "compte-rendu-" + "x" * 200 + ".md"
    response = _folder(client, page, ["docs/court.md", f"docs/{long_name}"])
    assert response.status_code == 200
    text = messages_of(response)
    assert f"« docs/{long_name} » : nom trop long" in text and "raccourcissez" in text
    assert files_on_disk(media_root) == ["procedures/docs/court.md"]
    assert list(Document.objects.values_list("source", flat=True)) == ["docs/court.md"]


def test_folder_where_a_file_and_a_folder_share_a_name(client, page, media_root):
    response = _folder(client, page, ["docs/guide.md", "docs/guide.md/annexe.md"])
    assert response.status_code == 200
    assert "« docs/guide.md » est déjà un fichier de la collection" in messages_of(response)
    assert files_on_disk(media_root) == ["procedures/docs/guide.md"]
    # …and against what an earlier upload put on disk, both ways.
    response = _folder(client, page, ["docs/guide.md/x.md"])
    assert "« docs/guide.md » est déjà un fichier" in messages_of(response)
    _folder(client, page, ["annexes.md/a.md"])
    response = _folder(client, page, ["annexes.md"])
    assert "un dossier « annexes.md » existe déjà" in messages_of(response)
    assert files_on_disk(media_root) == ["procedures/annexes.md/a.md", "procedures/docs/guide.md"]
    assert Document.objects.count() == 2


def test_folder_upload_skips_hidden_files_and_hidden_folders(client, page, media_root):
    paths = ["docs/guide.md", "docs/.git/config.md", "docs/sous/.cache/x.md", "docs/.DS_Store"]
    response = _folder(client, page, paths)
    assert "3 fichier(s) caché(s) ignoré(s)" in messages_of(response)
    assert list(Document.objects.values_list("source", flat=True)) == ["docs/guide.md"]
    assert files_on_disk(media_root) == ["procedures/docs/guide.md"]


def test_cli_ingestion_skips_hidden_folders(tmp_path):
    (tmp_path / "d" / ".git").mkdir(parents=True)
    (tmp_path / "d" / ".git" / "notes.md").write_bytes(MD)
    (tmp_path / "d" / "vrai.md").write_bytes(MD)
    assert [source for _p, source in collect_files(tmp_path / "d")] == ["vrai.md"]


def test_too_many_files_in_one_request_gets_a_french_message(client, page, settings, media_root):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = _folder(client, page, [f"docs/{n}.md" for n in range(4)])
    assert response.status_code == 400
    text = response.content.decode()
    assert "Trop de fichiers en un seul envoi (au plus 3)" in text and "plusieurs fois" in text
    assert files_on_disk(media_root) == []


def test_upload_page_still_checks_csrf(agent, internal_collection):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(
        f"/assistant/collections/{internal_collection.slug}/",
        {"files": [SimpleUploadedFile("a.md", MD)]},
    )
    assert response.status_code == 403 and not Document.objects.exists()
