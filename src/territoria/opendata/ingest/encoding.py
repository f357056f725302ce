"""Text encoding of an uploaded file: UTF-8 or Windows-1252. A first look reads the head of
the file; DuckDB then validates UTF-8 on the whole file while converting it, and only when
it finds a bad byte (it can sit at line 9 million) is the file scanned whole here, to name
the line and tell Windows-1252 from mixed encodings. Windows-1252 files are transcoded to
UTF-8 in a streaming pass so that DuckDB reads every file as UTF-8."""

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from territoria.core.text_files import NUL_MESSAGE
from territoria.opendata.ingest.errors import IngestError

CHUNK = 4 * 1024 * 1024


def _first_bad_utf8(path: Path, head_only: bool = False) -> tuple[int, bool] | None:
    """(line number of the first invalid UTF-8 byte, whether valid non-ASCII UTF-8 came before)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line, saw_multibyte = 1, False
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                good = chunk[: error.start]
                line += good.count(b"\n")
                return line, saw_multibyte or any(b >= 0x80 for b in good)
            line += chunk.count(b"\n")
            saw_multibyte = saw_multibyte or not chunk.isascii()
            if head_only:
                return None
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, saw_multibyte
    return None


def detect_encoding(path: Path, head_only: bool = False) -> str:
    """'utf-8', 'utf-8-sig' or 'cp1252'; raises IngestError for mixed or unknown encodings.
    With `head_only`, a file whose head is UTF-8 is taken as UTF-8 (DuckDB checks the rest)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        bad = _first_bad_utf8(path, head_only)
        if bad:
            raise IngestError(
                f"Ligne {bad[0]} : caractères non UTF-8 dans un fichier déclaré UTF-8 "
                "(encodages mélangés). Réenregistrez le fichier en UTF-8."
            )
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(
            "Le fichier est encodé en UTF-16 : réenregistrez-le en UTF-8 "
            "(« CSV UTF-8 » dans le tableur)."
        )
    bad = _first_bad_utf8(path, head_only)
    if bad is None:
        return "utf-8"
    line, utf8_before = bad
    if utf8_before:
        raise IngestError(
            f"Ligne {line} : encodages mélangés — le début du fichier est en UTF-8 mais cette "
            "ligne contient des caractères Windows-1252 (Latin-1). Réenregistrez le fichier "
            "entier dans un seul encodage, de préférence UTF-8."
        )
    _check_cp1252(path)
    return "cp1252"


def _check_cp1252(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("cp1252")("strict")
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: error.start].count(b"\n")
                with path.open("rb") as sample_handle:
                    guess = from_bytes(sample_handle.read(65536)).best()
                named = f" (encodage probable : {guess.encoding})" if guess else ""
                raise IngestError(
                    f"Ligne {line} : encodage non reconnu{named}. Formats acceptés : "
                    "UTF-8 ou Windows-1252."
                ) from None
            line += chunk.count(b"\n")


def check_no_nul(path: Path) -> None:
    """Refuse a text file holding a NUL byte, with its line and character (core.text_files):
    UTF-8 and Windows-1252 both write it as byte 0, and PostgreSQL refuses it in the
    version's columns and preview (JSON), so the publication would fail halfway."""
    line, line_start = 1, b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            index = chunk.find(b"\0")
            if index < 0:
                line += chunk.count(b"\n")
                last = chunk.rfind(b"\n")
                line_start = chunk[last + 1 :] if last >= 0 else line_start + chunk
                continue
            before = chunk[:index]
            line += before.count(b"\n")
            last = before.rfind(b"\n")
            prefix = before[last + 1 :] if last >= 0 else line_start + before
            column = len(prefix.decode("utf-8", errors="replace")) + 1
            raise IngestError(f"Ligne {line}, caractère {column} : {NUL_MESSAGE}.")


def transcode_to_utf8(source: Path, target: Path, encoding: str) -> None:
    with (
        source.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while text := src.read(CHUNK):
            dst.write(text)
