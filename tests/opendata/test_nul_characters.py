"""A NUL character in an uploaded file (a binary file renamed .csv, a UTF-16 export, a JSON
`\\u0000`): refused with its place before anything is published. PostgreSQL refuses NUL in the
version's JSON columns, so without the check the publication died on a database error there
(and published the NUL on SQLite)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from territoria.opendata.ingest.conversion import convert
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.models import VersionStatus

from .conftest import publish_bytes


def refused(tmp_path, content: bytes, fmt: str) -> str:
    source = tmp_path / f"in.{fmt}"
    source.write_bytes(content)
    target = tmp_path / "out.parquet"
    with pytest.raises(IngestError) as error:
        convert(source, fmt, target, tmp_path)
    assert not target.exists()
    return str(error.value)


@pytest.mark.parametrize(
    ("content", "place"),
    [
        (b"nom\x00,population\nLyon,522000\n", "Ligne 1, caractère 4"),
        (b"nom,population\nLy\x00on,522000\nNice,342000\n", "Ligne 2, caractère 3"),
        ("nom;ville\nÉcole\x00;Lyon\n".encode("cp1252"), "Ligne 2, caractère 6"),
        (b"ville;n\n" + b"Lyon;1\n" * 700_000 + b"N\x00ice;2\n", "Ligne 700002"),
    ],
    ids=["header", "cell", "windows-1252", "past-the-first-chunk"],
)
def test_csv_nul_is_refused_with_line_and_character(tmp_path, content, place):
    message = refused(tmp_path, content, "csv")
    assert message.startswith(place) and "caractère nul" in message


def test_json_nul_escape_is_refused_with_record_and_column(tmp_path):
    content = json.dumps([{"nom": "Lyon", "n": 1}, {"nom": "Ni\x00ce", "n": 2}]).encode()
    message = refused(tmp_path, content, "json")
    assert "enregistrement 2, colonne « nom »" in message and "caractère nul" in message


def test_json_nul_in_a_key_is_refused(tmp_path):
    message = refused(tmp_path, json.dumps([{"n\x00om": "Lyon"}]).encode(), "json")
    assert "colonne n° 1" in message and "caractère nul" in message


def test_parquet_nul_is_refused(tmp_path):
    path = tmp_path / "source.parquet"
    pq.write_table(pa.table({"n": [1, 2, 3], "nom": ["a", "b", "c\x00"]}), path)
    message = refused(tmp_path, path.read_bytes(), "parquet")
    assert "enregistrement 3, colonne « nom »" in message


@pytest.mark.parametrize(
    "content",
    [b"nom\x00,population\nLyon,522000\n", b"nom,population\nLy\x00on,522000\nNice,342000\n"],
    ids=["header", "cell"],
)
def test_nul_fails_the_version_and_publishes_nothing(dataset, content):
    version = publish_bytes(dataset, "villes.csv", content)
    assert version.status == VersionStatus.FAILED
    assert "caractère nul" in version.error
    assert version.resource.current_version is None
