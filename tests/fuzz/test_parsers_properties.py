"""Property tests (hypothesis) of the assistant's parsers and of the open-data conversion.

Properties:
- any bytes under any accepted extension give a `Parsed` or a `ParseError` with a message
  naming the file, nothing else (assistant parsers);
- text written as Markdown, HTML or DOCX comes back: every paragraph is found in the blocks;
- any bytes as CSV/JSON/GeoJSON/XLSX give a `Conversion` or an `IngestError`, and a refused
  file leaves no Parquet behind (open data);
- a well-formed CSV (any of the four separators, UTF-8 or Windows-1252, quoted values with
  separators, quotes and line breaks) converts with every row and every column.

Bounded: `TERRITORIA_FUZZ_EXAMPLES` examples in the fast tier (default 25), 300 with `-m slow`.
"""

import csv
import io
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.assistant.files import make_docx

from territoria.assistant.services.parsers import ParseError, parse
from territoria.opendata.ingest.conversion import Conversion, convert
from territoria.opendata.ingest.errors import IngestError

FAST = int(os.environ.get("TERRITORIA_FUZZ_EXAMPLES", "25"))
BOUNDED = settings(
    max_examples=FAST,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
THOROUGH = settings(BOUNDED, max_examples=300)

# Words a French document is made of, plus the characters parsers trip on.
WORD = st.text(
    alphabet=st.sampled_from(string.ascii_letters + "éèàçùôÉÀœ'’-0123456789"),
    min_size=1,
    max_size=12,
)
SENTENCE = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
NASTY_BYTES = st.one_of(
    st.binary(max_size=4096),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    # the start of real containers, then garbage: zip (DOCX/ODT/XLSX), PDF, HTML, JSON
    st.tuples(
        st.sampled_from(
            [b"PK\x03\x04", b"%PDF-1.4\n", b"<html><body>", b"{", b"[", b"\xef\xbb\xbf"]
        ),
        st.binary(max_size=2048),
    ).map(b"".join),
)


def _fresh(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / os.urandom(6).hex()
    folder.mkdir()
    path = folder / name
    path.write_bytes(data)
    return path


# --- Assistant parsers -------------------------------------------------------------------
def check_parser_never_raises_other_than_parse_error(tmp_path, name, data):
    path = _fresh(tmp_path, name, data)
    try:
        parsed = parse(path)
    except ParseError as error:
        assert name in str(error), "a ParseError names the file"
        return
    assert parsed.blocks and all(block.text.strip() for block in parsed.blocks)
    assert all(isinstance(heading, str) for block in parsed.blocks for heading in block.section)
    assert isinstance(parsed.title, str) and parsed.title


EXTENSIONS = st.sampled_from(["doc.md", "doc.html", "doc.txt", "doc.docx", "doc.odt", "doc.pdf"])


@BOUNDED
@given(name=EXTENSIONS, data=NASTY_BYTES)
def test_assistant_parser_gives_parsed_or_parse_error(tmp_path, name, data):
    check_parser_never_raises_other_than_parse_error(tmp_path, name, data)


@pytest.mark.slow
@THOROUGH
@given(name=EXTENSIONS, data=NASTY_BYTES)
def test_assistant_parser_gives_parsed_or_parse_error_thorough(tmp_path, name, data):
    check_parser_never_raises_other_than_parse_error(tmp_path, name, data)


DOCUMENT = st.tuples(SENTENCE, st.lists(SENTENCE, min_size=1, max_size=6))


def _markdown(title, paragraphs):
    return "# " + title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def _html(title, paragraphs):
    from html import escape

    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"<html><head><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"


@BOUNDED
@given(document=DOCUMENT, kind=st.sampled_from(["md", "html", "docx"]))
def test_assistant_parser_keeps_every_paragraph(tmp_path, document, kind):
    title, paragraphs = document
    folder = _fresh(tmp_path, "placeholder", b"").parent
    path = folder / f"document.{kind}"
    if kind == "docx":
        make_docx(path, title, [("h1", title)] + [("p", p) for p in paragraphs])
    else:
        path.write_text((_markdown if kind == "md" else _html)(title, paragraphs), encoding="utf-8")
    parsed = parse(path)
    texts = " ".join(block.text for block in parsed.blocks)
    for paragraph in paragraphs:
        assert " ".join(paragraph.split()) in texts
    assert all(block.section == [" ".join(title.split())] for block in parsed.blocks)


# --- Open-data conversion ----------------------------------------------------------------
FORMATS = st.sampled_from(["csv", "json", "geojson", "xlsx"])


def check_conversion_is_all_or_nothing(tmp_path, fmt, data):
    source = _fresh(tmp_path, f"source.{fmt}", data)
    target = source.parent / "data.parquet"
    try:
        conversion = convert(source, fmt, target, source.parent)
    except IngestError as error:
        assert str(error).strip(), "an IngestError says what is wrong"
        assert not target.exists(), "a refused file leaves no Parquet behind"
        return
    assert isinstance(conversion, Conversion)
    assert conversion.row_count >= 1 and target.exists() and conversion.fields


@BOUNDED
@given(fmt=FORMATS, data=NASTY_BYTES)
def test_opendata_conversion_gives_table_or_ingest_error(tmp_path, settings, fmt, data):
    settings.OPENDATA_DIR = tmp_path
    (tmp_path / "tmp").mkdir(exist_ok=True)
    check_conversion_is_all_or_nothing(tmp_path, fmt, data)


@pytest.mark.slow
@THOROUGH
@given(fmt=FORMATS, data=NASTY_BYTES)
def test_opendata_conversion_gives_table_or_ingest_error_thorough(tmp_path, settings, fmt, data):
    settings.OPENDATA_DIR = tmp_path
    (tmp_path / "tmp").mkdir(exist_ok=True)
    check_conversion_is_all_or_nothing(tmp_path, fmt, data)


COLUMN_NAME = st.from_regex(r"[A-Za-zéèç][A-Za-z0-9éèç_]{0,11}", fullmatch=True)
CELL = st.one_of(
    st.integers(-(10**9), 10**9).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
    st.dates().map(lambda d: d.isoformat()),
    SENTENCE,
    # values that need quoting: separators, quotes, line breaks
    st.tuples(SENTENCE, st.sampled_from([",", ";", "\t", "|", '"', "\n"]), SENTENCE).map("".join),
    st.just(""),
)


@st.composite
def csv_tables(draw):
    header = draw(
        st.lists(COLUMN_NAME, min_size=2, max_size=6, unique_by=lambda name: name.lower())
    )
    rows = draw(
        st.lists(
            st.lists(CELL, min_size=len(header), max_size=len(header)).filter(
                lambda row: any(row)  # an all-empty line is a blank line, not a row
            ),
            min_size=1,
            max_size=30,
        )
    )
    return header, rows


@BOUNDED
@given(
    table=csv_tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_opendata_wellformed_csv_converts_every_row_and_column(
    tmp_path, settings, table, delimiter, encoding
):
    settings.OPENDATA_DIR = tmp_path
    (tmp_path / "tmp").mkdir(exist_ok=True)
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    source = _fresh(tmp_path, "source.csv", buffer.getvalue().encode(encoding))
    target = source.parent / "data.parquet"
    conversion = convert(source, "csv", target, source.parent)
    assert conversion.row_count == len(rows)
    assert [field["name"] for field in conversion.fields] == header
