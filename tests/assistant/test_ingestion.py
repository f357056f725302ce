from pathlib import Path

import pytest

from territoria.assistant.models import DocumentState, JobState
from territoria.assistant.services.answering import retrieve
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.search import get_index
from territoria.search.access import access_tokens
from tests.assistant.files import make_encrypted_pdf, make_pdf, make_zip_bomb_docx


def ingest(collection, path, user=None):
    return run_job(add_files(collection, collect_files(Path(path)), user))


def test_agent_ingests_a_folder_of_every_format(internal_collection, procedures_dir, agent):
    job = ingest(internal_collection, procedures_dir, agent)
    assert job.state == JobState.DONE
    states = dict(internal_collection.documents.values_list("source", "state"))
    assert states == {
        s: DocumentState.INDEXED
        for s in [
            "cantine.html",
            "note.txt",
            "parking.md",
            "reglement-interieur.pdf",
            "rh/conges.docx",
            "rh/formation.odt",
        ]
    }
    assert job.chunks_embedded == job.chunks_to_embed > 0
    assert get_index().pending_embeddings(internal_collection.namespace) == 0


def test_pdf_passages_keep_their_page_and_docx_their_section(
    internal_collection, procedures_dir, agent
):
    ingest(internal_collection, procedures_dir, agent)
    tokens = access_tokens(agent)
    teletravail = retrieve([internal_collection], "combien de jours de télétravail", tokens)[0]
    assert (teletravail.source, teletravail.page) == ("reglement-interieur.pdf", 2)
    assert teletravail.title == "Règlement intérieur"
    report = retrieve([internal_collection], "report des congés", tokens)[0]
    assert report.source == "rh/conges.docx" and report.section == "Congés annuels › Report"
    html = retrieve([internal_collection], "restaurant administratif", tokens)[0]
    assert "alert" not in html.text


def test_reingesting_unchanged_files_does_nothing(internal_collection, procedures_dir):
    ingest(internal_collection, procedures_dir)
    again = ingest(internal_collection, procedures_dir)
    assert (again.unchanged, again.indexed, again.documents.count()) == (6, 0, 0)


def test_changed_file_is_reindexed_and_old_passages_disappear(
    internal_collection, procedures_dir, agent
):
    ingest(internal_collection, procedures_dir)
    (procedures_dir / "parking.md").write_text(
        "# Stationnement\n\nLe parking vélo est au sous-sol.\n", encoding="utf-8"
    )
    job = ingest(internal_collection, procedures_dir)
    assert (job.indexed, job.unchanged) == (1, 5)
    tokens = access_tokens(agent)
    assert not [
        p
        for p in retrieve([internal_collection], "badge services généraux", tokens, mode="lexical")
        if p.source == "parking.md"
    ]
    assert (
        retrieve([internal_collection], "parking vélo sous-sol", tokens, mode="lexical")[0].source
        == "parking.md"
    )


def test_bad_files_fail_one_by_one_with_a_clear_reason(
    internal_collection, procedures_dir, settings
):
    settings.ASSISTANT_MAX_FILE_MB = 1
    bad = procedures_dir / "bad"
    bad.mkdir()
    (bad / "corrompu.pdf").write_bytes(b"%PDF-1.4 pas vraiment un pdf")
    make_encrypted_pdf(bad / "chiffre.pdf")
    (bad / "vide.txt").write_bytes(b"")
    (bad / "enorme.txt").write_bytes(b"a " * 700_000)
    (bad / "programme.exe").write_bytes(b"MZ\x90\x00")
    make_zip_bomb_docx(bad / "bombe.docx")
    (bad / "casse.docx").write_bytes(b"PK\x03\x04 not a zip")
    make_pdf(bad / "scan.pdf", [[]])
    job = ingest(internal_collection, procedures_dir)
    errors = dict(
        internal_collection.documents.filter(state=DocumentState.FAILED).values_list(
            "source", "error"
        )
    )
    assert job.indexed == 6 and job.failed == len(errors) == 8
    assert "chiffré" in errors["bad/chiffre.pdf"]
    assert "vide" in errors["bad/vide.txt"]
    assert "trop volumineux" in errors["bad/enorme.txt"]
    assert "format non pris en charge" in errors["bad/programme.exe"]
    assert "bombes de décompression" in errors["bad/bombe.docx"]
    assert "corrompu" in errors["bad/casse.docx"] and "corrompu" in errors["bad/corrompu.pdf"]
    assert "aucun texte" in errors["bad/scan.pdf"]


def test_an_interrupted_job_resumes_where_it_stopped(internal_collection, procedures_dir):
    job = add_files(internal_collection, collect_files(procedures_dir))
    first = job.documents.first()
    first.state = DocumentState.INDEXING  # as if the worker died in the middle
    first.save()
    run_job(job)
    assert set(job.documents.values_list("state", flat=True)) == {DocumentState.INDEXED}


def test_lexical_search_works_before_embeddings(internal_collection, procedures_dir, agent):
    from territoria.assistant.services.ingestion import index_document

    add_files(internal_collection, collect_files(procedures_dir))
    for document in internal_collection.documents.all():
        index_document(document)  # phase 1 only
    assert get_index().pending_embeddings(internal_collection.namespace) > 0
    hits = retrieve([internal_collection], "télétravail", access_tokens(agent))
    assert hits and hits[0].source == "reglement-interieur.pdf"


def test_missing_path_is_a_clear_error(internal_collection):
    with pytest.raises(FileNotFoundError, match="introuvable"):
        collect_files(Path("/nonexistent/folder"))
