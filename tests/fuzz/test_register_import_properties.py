"""Property tests (hypothesis) of the register import: CSV, XLSX and JSON.

Properties:
- any bytes, under any accepted extension, give an `ImportReport` (never an exception);
- a refused import writes nothing: no organisation, project or audit entry appears;
- every error says what is wrong, and names its line when it has one (header: 1);
- a file of real lines with hostile values in random cells is imported whole or not at all.

Bounded: `TERRITORIA_FUZZ_EXAMPLES` examples in the fast tier (default 25), 300 with `-m slow`.
"""

import csv
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.registre.import_helpers import ANCHOR_CSV, HEADER

from territoria.core.models import AuditLog, Organisation
from territoria.registre.importers.report import ImportReport
from territoria.registre.importers.service import import_file
from territoria.registre.models import Project

FAST = int(os.environ.get("TERRITORIA_FUZZ_EXAMPLES", "25"))
BOUNDED = settings(
    max_examples=FAST,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
THOROUGH = settings(BOUNDED, max_examples=300)

NAMES = st.sampled_from(["registre.csv", "registre.xlsx", "registre.json", "registre.txt"])
RAW = st.one_of(
    st.binary(max_size=4096),
    st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(
        st.sampled_from([b"PK\x03\x04", b"{", b"[", b"\xef\xbb\xbf", ",".join(HEADER).encode()]),
        st.binary(max_size=2048),
    ).map(b"".join),
)
# Values an import meets in the wild, and hostile ones.
HOSTILE = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            "0001",
            "2173",
            "13/2024",
            "31/02/2024",
            '=HYPERLINK("http://x")',
            "1e309",
            "NaN",
            "-91",
            "Ville\nde Metz",
            "x" * 5000,
            "²²²²²²²²²²²²²²",
            "٢١٩٣٠٠٥١٤٠٠٠١١",
        ]
    ),
)


def _counts():
    return Organisation.objects.count(), Project.objects.count(), AuditLog.objects.count()


def check_report(report, before):
    assert isinstance(report, ImportReport)
    if not report.ok:
        assert _counts() == before, "a refused import writes nothing"
        for issue in report.errors:
            assert issue.message.strip()
            assert issue.line is None or issue.line >= 1
    elif report.written:
        organisations, projects, _ = _counts()
        assert projects == before[1] + report.count("created")
        assert organisations >= before[0]


def check_any_bytes(name, data):
    before = _counts()
    check_report(import_file(data, name=name), before)


@pytest.mark.django_db
@BOUNDED
@given(name=NAMES, data=RAW)
def test_register_import_of_any_bytes_reports_and_writes_nothing_when_refused(name, data):
    check_any_bytes(name, data)


@pytest.mark.slow
@pytest.mark.django_db
@THOROUGH
@given(name=NAMES, data=RAW)
def test_register_import_of_any_bytes_thorough(name, data):
    check_any_bytes(name, data)


ANCHOR_ROWS = list(csv.DictReader(io.StringIO(ANCHOR_CSV.read_text(encoding="utf-8"))))[:6]


def anchor_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def import_second_row_with(column: str, value: str):
    """The report of importing the first two real lines, the second with `column` = `value`;
    checks that a refusal wrote nothing."""
    rows = [dict(row) for row in ANCHOR_ROWS[:2]]
    rows[1][column] = value
    before = _counts()
    report = import_file(anchor_csv(rows), name="registre.csv", format="anchor-csv")
    assert not report.ok and _counts() == before
    return report


@st.composite
def mutated_anchor(draw):
    rows = [dict(row) for row in ANCHOR_ROWS]
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(HEADER))] = draw(HOSTILE)
    return anchor_csv(rows)


def check_all_or_nothing(data):
    before = _counts()
    report = import_file(data, name="registre.csv", format="anchor-csv")
    check_report(report, before)
    if report.ok:
        assert report.written


@pytest.mark.django_db
@BOUNDED
@given(data=mutated_anchor())
def test_register_import_of_real_lines_with_hostile_cells_is_all_or_nothing(data):
    check_all_or_nothing(data)


@pytest.mark.slow
@pytest.mark.django_db
@THOROUGH
@given(data=mutated_anchor())
def test_register_import_of_real_lines_with_hostile_cells_thorough(data):
    check_all_or_nothing(data)


@pytest.mark.django_db
def test_register_import_organisation_name_with_a_nul_byte_is_a_line_error():
    """Found by this file's thorough tier on PostgreSQL (which refuses NUL in text): a
    database error mid-import before; now the file is refused at its line before any row is
    read (core.text_files: a NUL is never text), and nothing written."""
    report = import_second_row_with("Nom_collectivite", "\x00")
    assert any(issue.line == 3 and "caractère nul" in issue.message for issue in report.errors)


@pytest.mark.django_db
@pytest.mark.parametrize("siret", ["²²²²²²²²²²²²²²", "٢١٩٣٠٠٥١٤٠٠٠١١"])
def test_register_import_siret_in_unicode_digits_is_a_line_error(siret):
    """Finding L2, which the thorough tier of this file found again (fixed in core/siret.py)."""
    report = import_second_row_with("SIRET", siret)
    assert any(issue.line == 3 and issue.column == "SIRET" for issue in report.errors)
