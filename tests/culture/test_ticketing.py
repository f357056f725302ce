"""Ticketing exports (entries of a venue per month or day, by tariff category): summed into the
yearly attendance the evaluations read, with every problem named by line and column, nothing
written when the file is wrong, and as a background job from the imports page.
The fixture is invented (tests/fixtures/culture/SOURCE.md)."""

import csv
import io
from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoria.culture import museums
from territoria.culture.errors import ImportProblem
from territoria.culture.evaluation import load_panel
from territoria.culture.models import Attendance, AttendanceSeries, CultureJob
from territoria.culture.ticketing import import_ticketing, series_ref

from .conftest import FIXTURES, VENUES

TICKETING = FIXTURES / "billetterie-exemple.csv"


@pytest.fixture
def venues(db):
    museums.import_venues(VENUES)


def _expected() -> dict:
    """The fixture summed here independently: (venue, year) → (paying, free)."""
    sums = defaultdict(lambda: [0, 0])
    with TICKETING.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            date = row["date"]
            year = int(date[-4:]) if "/" in date else int(date[:4])
            free = row["categorie"] == "gratuit"
            sums[row["lieu"], year][1 if free else 0] += int(row["entrees"])
    return sums


def test_ticketing_export_becomes_yearly_attendance(venues):
    report = import_ticketing(TICKETING)
    assert report["lieux"] == 2 and report["années écrites"] == 4
    assert report["années incomplètes (hors évaluations)"] == 2  # both 2020s
    for (venue, year), (paying, free) in _expected().items():
        row = Attendance.objects.get(series__ref=series_ref(venue), year=year)
        assert (row.paying, row.free, row.total) == (paying, free, paying + free)
    cinema = AttendanceSeries.objects.get(ref="BIL-EX-CIN-1")
    assert cinema.venue.ref == "EX-CIN-1" and cinema.source.startswith("Export de billetterie")
    assert cinema.years.get(year=2019).flags == []
    assert "incomplet" in cinema.years.get(year=2020).flags
    assert "dont tarif réduit" in cinema.years.get(year=2019).comment
    # The evaluations read complete years only: 2019 is usable, 2020 (part of a year) is not.
    assert {"BIL-EX-BIB-1", "BIL-EX-CIN-1"} <= set(load_panel(2019, 2019).refs)
    assert not {"BIL-EX-BIB-1", "BIL-EX-CIN-1"} & set(load_panel(2019, 2020).refs)


def test_a_second_export_replaces_its_years_without_doubling(venues):
    import_ticketing(TICKETING)
    text = "lieu;date;categorie;entrees\n" + "".join(
        f"EX-BIB-1;2020-{m:02d};gratuit;100\n" for m in range(1, 13)
    )
    import_ticketing(io.StringIO(text), name="bib-2020.csv")
    library = AttendanceSeries.objects.get(ref="BIL-EX-BIB-1")
    assert library.years.count() == 2  # 2019 kept, 2020 replaced
    year = library.years.get(year=2020)
    # Complete now (no « incomplet »), and the series' flags recomputed: 15 825 → 1 200 is a jump.
    assert (year.total, year.flags) == (1200, ["saut"])
    assert library.years.get(year=2019).total == sum(
        free for (venue, y), (_, free) in _expected().items() if (venue, y) == ("EX-BIB-1", 2019)
    )


def test_bad_export_names_line_and_column_and_writes_nothing(venues):
    import_ticketing(TICKETING)
    before = list(Attendance.objects.order_by("pk").values_list("pk", "total"))
    text = (
        "lieu;date;categorie;entrees\n"
        "EX-BIB-1;2021-01;gratuit;10\n"  # valid, must not be written either
        "EX-INCONNU;2021-01;gratuit;10\n"
        "EX-BIB-1;2021-13;gratuit;10\n"
        "EX-BIB-1;2021-02;abonnement;10\n"
        "EX-BIB-1;2021-03;payant;-4\n"
        "EX-BIB-1;2021-01;gratuit;12\n"
        "EX-BIB-1;2021-01-15;payant;3\n"
    )
    with pytest.raises(ImportProblem) as error:
        import_ticketing(io.StringIO(text), name="export.csv")
    message = str(error.value)
    assert message.startswith("export.csv : import refusé, rien n'a été écrit")
    assert "ligne 3, colonne lieu : « EX-INCONNU »" in message
    assert "ligne 4, colonne date : « 2021-13 » (date attendue : AAAA-MM" in message
    assert "ligne 5, colonne categorie : « abonnement » (attendu : gratuit, payant ou reduit)" in (
        message
    )
    assert "ligne 6, colonne entrees : « -4 »" in message
    assert "ligne 7 : EX-BIB-1, 2021-01, gratuit déjà donné ligne 2" in message
    assert "ligne 8, colonne date" in message and "par mois ou par jour" in message
    assert len(error.value.problems) == 6
    assert list(Attendance.objects.order_by("pk").values_list("pk", "total")) == before


def test_missing_columns_are_named(venues):
    with pytest.raises(ImportProblem) as error:
        import_ticketing(io.StringIO("lieu;mois;entrees\nEX-BIB-1;2021-01;4\n"), name="x.csv")
    assert "ligne 1 : colonne(s) absente(s) date, categorie" in str(error.value)


def test_ticketing_upload_runs_as_a_job(client, agent, venues):
    client.force_login(agent)
    upload = SimpleUploadedFile("billetterie.csv", TICKETING.read_bytes(), content_type="text/csv")
    response = client.post(reverse("culture:imports"), {"kind": "billetterie", "file": upload})
    job = CultureJob.objects.get()
    assert response.status_code == 302 and job.status == CultureJob.Status.DONE, job.report
    assert job.report["résultats"]["années écrites"] == 4
    bad = SimpleUploadedFile(
        "faux.csv", b"lieu;date;categorie;entrees\nEX-BIB-1;2019-01;gratuit;dix\n"
    )
    client.post(reverse("culture:imports"), {"kind": "billetterie", "file": bad})
    failed = CultureJob.objects.exclude(pk=job.pk).get()
    assert failed.status == CultureJob.Status.FAILED
    page = client.get(failed.get_absolute_url()).content.decode()
    assert "ligne 2, colonne entrees" in page and "rien n&#x27;a été écrit" in page
    # The failed file wrote nothing: January 2019 keeps the first file's figure.
    library_2019 = Attendance.objects.get(series__ref="BIL-EX-BIB-1", year=2019)
    assert library_2019.total == _expected()["EX-BIB-1", 2019][1]
