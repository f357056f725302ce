"""Counts: CSV → Parquet (checks naming line and field, nothing partial), warnings (gaps, stuck
detector, unknown detector), chart per detector, calibration with routeSampler and GEH."""

import pytest
from django.urls import reverse

from territoria.mobilite import counts
from territoria.mobilite.models import CountImport, Job, JobStatus, Scenario
from territoria.mobilite.tasks import run_job
from tests.mobilite.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_geh():
    assert counts.geh(100, 100) == 0
    assert counts.geh(150, 100) == pytest.approx(((2 * 50**2) / 250) ** 0.5)
    assert counts.geh(0, 0) == 0


def test_import_counts_and_warnings(grid):
    record = counts.import_counts(grid, FIXTURES / "counts.csv")
    assert record.rows == 5 * 192 - 4
    assert record.step_minutes == 15
    assert record.parquet.exists()
    text = " ".join(record.warnings)
    assert "détecteur C1B1 : 4 intervalle(s) de 15 min manquant(s)" in text
    assert "détecteur B0B1 bloqué ? la même valeur (33) 16 fois de suite" in text
    assert "X99" in text  # not an edge of the network
    chart = counts.detector_chart(grid, "A1B1", "2025-03")
    assert len(chart["chart"].series[0].points) == 48
    assert chart["month"] == "2025-03"
    hourly = counts.counted_hour(grid, 8)
    assert set(hourly) == {"A1B1", "B1C1", "B0B1", "C1B1"}
    lines = (FIXTURES / "counts.csv").read_text().splitlines()[1:]
    at_eight = [int(r.split(",")[2]) for r in lines if r.startswith("A1B1,") and " 08:" in r]
    assert hourly["A1B1"] == pytest.approx(sum(at_eight) / 2)  # two days


def test_bad_counts_name_line_and_field(grid):
    with pytest.raises(counts.CountsError) as caught:
        counts.import_counts(grid, FIXTURES / "counts_bad.csv")
    message = str(caught.value)
    assert (
        "counts_bad.csv, ligne 3, champ « vehicules » : nombre de véhicules impossible ('-3')"
        in message
    )
    assert "ligne 4, champ « taux_occupation »" in message
    assert "ligne 5, champ « horodatage » : horodatage illisible ('hier')" in message
    assert CountImport.objects.count() == 0


def test_missing_column(grid, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("capteur,quand,nombre\nA1B1,2025-01-01 00:00,3\n")
    with pytest.raises(
        counts.CountsError, match="colonne\\(s\\) « horodatage », « vehicules » absente"
    ):
        counts.import_counts(grid, path)


def test_calibration_job_through_the_pages(client, agent, grid, django_capture_on_commit_callbacks):
    client.force_login(agent)
    with (
        django_capture_on_commit_callbacks(execute=True),
        (FIXTURES / "counts.csv").open("rb") as handle,
    ):
        queued = client.post(reverse("mobilite:counts_import", args=[grid.pk]), {"fichier": handle})
    page = client.get(queued.url)  # the job ran when the request's transaction committed
    assert "956 comptages de 5 détecteurs importés" in page.content.decode()
    network_page = reverse("mobilite:network", args=[grid.pk])
    page = client.get(network_page + "?detecteur=B1C1&mois=2025-03")
    assert "Véhicules par heure, détecteur B1C1 (03/2025)" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mobilite:calibrate", args=[grid.pk]), {"heure": 8})
    job = Job.objects.get(kind="calibration")
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == 5
    assert len(job.result["sections"]) == 4
    # routeSampler matches the counts better than a random demand of the same volume
    assert job.result["calibrated"]["mean_geh"] < job.result["baseline"]["mean_geh"]
    page = client.get(reverse("mobilite:job", args=[job.pk]))
    assert "Part des sections sous GEH 5" in page.content.decode()
    # the calibrated demand is kept, and a scenario can be simulated on it (job queued here)
    demand = job.result["demand"]
    assert len(demand) == job.result["vehicles"] > 0
    edges = {e[0] for e in grid.elements["edges"]}
    assert all(v[2] in edges and v[3] in edges and 0 <= v[1] < 3600 for v in demand)
    scenario = Scenario.objects.create(
        network=grid, name="Fermeture", changes=[{"type": "close_edge", "edge": "B1C1"}]
    )
    assert 'name="demande" type="checkbox" value="calee"' in client.get(network_page).text
    client.post(reverse("mobilite:scenario_run", args=[scenario.pk]), {"demande": "calee"})
    run = Job.objects.get(kind="scenario")
    assert run.params["routes"] == demand and run.params["duration"] == 3600


def _variants(tmp_path):
    """The fixture shuffled, with semicolons, with French dates, with a stuck run at the end."""
    import random

    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    shuffled = body[:]
    random.Random(1).shuffle(shuffled)
    french = []
    for line in body:
        det, ts, *rest = line.split(",")
        french.append(",".join([det, f"{ts[8:10]}/{ts[5:7]}/{ts[:4]} {ts[11:16]}", *rest]))
    last = body[-1].split(",")[0]
    stuck = [
        ",".join([*line.split(",")[:2], "7", *line.split(",")[3:]])
        if line.startswith(last + ",")
        else line
        for line in body
    ]
    files = {
        "melange.csv": [header, *shuffled],
        "pointvirgule.csv": [header.replace(",", ";"), *(x.replace(",", ";") for x in body)],
        "dates.csv": [header, *french],
        "bloque_fin.csv": [header, *stuck],
    }
    for name, lines in files.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        yield tmp_path / name


def test_fast_and_checked_paths_agree(tmp_path):
    """The vectorised reader (pyarrow) and the checked one (DuckDB, every value tested as text)
    give the same table and the same summary, sorted or not."""
    edges = {"A1B1", "B1C1"}
    for path in _variants(tmp_path):
        fast = counts._fast_read(path, path.name)
        assert fast is not None, path.name  # the plain case: read once with its types
        table, summary = counts._analyse(fast, path.name, edges)
        checked_table, checked = counts._analyse(
            counts._checked_read(path, path.name), path.name, edges
        )
        assert summary == checked, path.name
        assert table.equals(checked_table), path.name
        assert summary["rows"] == 956 and summary["step_minutes"] == 15
        det = table.column("detector").to_pylist()
        ts = table.column("ts").to_pylist()
        assert list(zip(det, ts, strict=True)) == sorted(zip(det, ts, strict=True))
        if path.name == "bloque_fin.csv":
            assert any("la même valeur (7)" in w for w in summary["warnings"])


def test_a_bad_value_goes_through_the_checked_path(tmp_path):
    """The vectorised reader refuses what the checked path would refuse; the error still names
    the line and the field, and nothing is written."""
    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    for value in ("nan", "2.5", "-1", "inf", "20001"):
        lines = body[:]
        lines[9] = ",".join([*lines[9].split(",")[:2], value, *lines[9].split(",")[3:]])
        path = tmp_path / "c.csv"
        path.write_text("\n".join([header, *lines]) + "\n")
        assert counts._fast_read(path, path.name) is None
        if value in ("inf", "20001"):
            continue  # the checked path's message: the three cases below
        with pytest.raises(
            counts.CountsError,
            match=f"ligne 11, champ « vehicules » : nombre de véhicules impossible \\(.{value}.\\)",
        ):
            counts.load_csv(path, path.name, set())


def test_a_bad_speed_goes_through_the_checked_path(tmp_path):
    """Speed bounds (0 to 250 km/h) and NaN, tested in one pass by the vectorised reader."""
    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    for value in ("nan", "251", "-0.5"):
        lines = body[:]
        lines[4] = ",".join([*lines[4].split(",")[:3], value, lines[4].split(",")[4]])
        path = tmp_path / "v.csv"
        path.write_text("\n".join([header, *lines]) + "\n")
        assert counts._fast_read(path, path.name) is None
    with pytest.raises(counts.CountsError, match="ligne 6, champ « vitesse » : vitesse"):
        counts.load_csv(path, path.name, set())


def test_median_step_is_the_median():
    """The shortcut (the most common step) only when it is the median; np.median otherwise."""
    import numpy as np

    for steps, expected in (
        ([900] * 5 + [1800] * 4, 900.0),
        ([900] * 4 + [1800] * 4, 1350.0),  # the mean of the two middle values
        ([60] * 3 + [900, 1000, 1100, 1200, 1300], 950.0),  # most common, not the median
        ([900] * 3 + [100] * 2 + [5000] * 2, 900.0),
    ):
        d = np.array(steps + [-7], dtype=np.int64)  # the last: a change of detector
        same = np.array([True] * len(steps) + [False])
        flag = np.empty(d.size, bool)
        assert counts._median_step(d, same, flag) == expected == np.median(steps)
    assert counts._median_step(np.array([5]), np.array([False]), np.empty(1, bool)) == 3600e6


def test_month_hours(tmp_path):
    """A month asked for (one query), the detector's last month by default, an empty month, an
    unknown detector; the same rows as the query of the previous chart."""
    from datetime import datetime

    table, _ = counts.load_csv(FIXTURES / "counts.csv", "counts.csv", set())
    target = tmp_path / "c.parquet"
    counts.write_parquet(table, target)
    files = [str(target)]
    start, rows = counts.month_hours(files, "A1B1", "2025-03")
    assert start == datetime(2025, 3, 1) and rows[0] == (datetime(2025, 3, 3), 35)
    con = counts._reader()
    assert rows == counts.hourly_rows(
        con, files, "A1B1", datetime(2025, 3, 1), datetime(2025, 4, 1)
    )
    assert counts.month_hours(files, "A1B1", None) == (start, rows)
    assert counts.month_hours(files, "A1B1", "pas-un-mois") == (start, rows)
    assert counts.month_hours(files, "A1B1", "2024-01") == (datetime(2024, 1, 1), [])
    assert counts.month_hours(files, "INCONNU", "2025-03") is None
    assert counts.month_hours(files, "INCONNU", None) is None
    assert counts.month_hours([], "A1B1", None) is None


def test_counts_import_is_a_background_job(client, agent, grid, django_capture_on_commit_callbacks):
    """The page answers at once; the job checks every line, stores all or nothing, queues the
    flow analysis, and removes the file it was sent either way."""
    client.force_login(agent)
    with (FIXTURES / "counts_bad.csv").open("rb") as handle:
        queued = client.post(reverse("mobilite:counts_import", args=[grid.pk]), {"fichier": handle})
    job = Job.objects.get(kind="comptages")
    assert queued.url == reverse("mobilite:job", args=[job.pk])
    assert job.status == JobStatus.QUEUED and job.upload.exists()
    page = client.get(queued.url).content.decode()
    assert "Import des comptages « counts_bad.csv »" in page and "En attente" in page

    run_job.call(str(job.pk))  # what the worker does
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.upload.exists()
    page = client.get(queued.url).content.decode()
    assert "counts_bad.csv, ligne 3, champ « vehicules »" in page
    assert "ligne 5, champ « horodatage »" in page  # every wrong line, not the first only
    assert CountImport.objects.count() == 0
    assert not Job.objects.filter(kind="flux").exists()

    with (
        django_capture_on_commit_callbacks(execute=True),
        (FIXTURES / "counts.csv").open("rb") as handle,
    ):
        client.post(reverse("mobilite:counts_import", args=[grid.pk]), {"fichier": handle})
    done = Job.objects.filter(kind="comptages").first()
    assert done.status == JobStatus.DONE and not done.upload.exists()
    assert done.result["rows"] == 956 and done.result["detectors"] == 5
    assert CountImport.objects.get().pk.hex == done.result["count_import"].replace("-", "")
    assert Job.objects.get(kind="flux").status == JobStatus.DONE
    page = client.get(reverse("mobilite:job", args=[done.pk])).content.decode()
    assert "détecteur B0B1 bloqué ?" in page  # the file's warnings, on the job's page
    assert "Import des comptages « counts.csv »" in client.get(reverse("mobilite:index")).text


def _streamed_files(tmp_path):
    """The fixture sorted by detector and time (as counting systems export it), plain and with
    what the streamed path follows across its chunks: empty values, names padded with spaces, a
    stuck run, a gap and the file's last line inside a run."""
    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    body.sort(key=lambda line: line.split(",")[:2])
    rich = []
    for i, line in enumerate(body):
        det, ts, vehicles, *rest = line.split(",")
        if i % 37 == 5:
            vehicles = ""
        if det == "B1C1" and i % 3 == 0:
            det = f" {det} "
        if det == "X99" and i > len(body) - 30:
            vehicles = "4"  # a stuck run to the last line
        if det == "A1B1" and 100 <= i < 103:
            continue  # a gap
        rich.append(",".join([det, ts, vehicles, *rest]))
    for name, lines in (("trie.csv", body), ("trie_riche.csv", rich)):
        (tmp_path / name).write_text("\n".join([header, *lines]) + "\n")
        yield tmp_path / name


@pytest.fixture
def small_chunks(monkeypatch):
    """Blocks of a few lines, row groups of 16 and chunks of 32 lines: every run, gap and change
    of detector of the small fixtures crosses chunk boundaries somewhere."""
    monkeypatch.setattr(counts, "STREAM_BLOCK", 512)
    monkeypatch.setattr(counts, "PARQUET_ROW_GROUP", 16)
    monkeypatch.setattr(counts, "STREAM_ROWS", 32)
    monkeypatch.setattr(counts, "SAMPLE", 20)


def _parquet_rows(path):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return [
        (str(d), t, v, s, o)
        for d, t, v, s, o in zip(*(table.column(c).to_pylist() for c in table.column_names))
    ]


@pytest.mark.parametrize("chunks", ["small", "default"])
def test_streamed_and_whole_paths_agree(tmp_path, request, chunks):
    """A sorted file is streamed (read, checked and written by chunks); the summary and the
    stored lines are those of the whole-table path (`load_csv`, then one Parquet write)."""
    if chunks == "small":
        request.getfixturevalue("small_chunks")
    edges = {"A1B1", "B1C1"}
    for path in _streamed_files(tmp_path):
        target = tmp_path / f"{path.stem}.parquet"
        streamed = counts._stream(path, path.name, edges, target)  # not a fallback
        table, summary = counts.load_csv(path, path.name, edges)
        counts.write_parquet(table, tmp_path / "entier.parquet")
        assert streamed == summary, path.name
        assert _parquet_rows(target) == _parquet_rows(tmp_path / "entier.parquet"), path.name
        assert summary["rows"] > 900
        if path.name == "trie_riche.csv":
            text = " ".join(summary["warnings"])
            assert "valeur(s) vide(s)" in text and "manquant(s)" in text
            assert "détecteur X99 bloqué ? la même valeur (4) 29 fois de suite" in text
            assert summary["detectors"] == ["A1B1", "B0B1", "B1C1", "C1B1", "X99"]
    assert not list(tmp_path.glob("*.partiel"))


def test_store_csv_falls_back_to_the_whole_table(tmp_path, small_chunks):
    """An unsorted file, a faulty value or an unusual step leave the streamed path: the same
    result as `load_csv`, and no file left by the abandoned stream."""
    edges = {"A1B1"}
    for path in _variants(tmp_path):  # shuffled, semicolons, French dates, stuck at the end
        target = tmp_path / "c.parquet"
        summary = counts.store_csv(path, path.name, edges, target)
        table, expected = counts.load_csv(path, path.name, edges)
        counts.write_parquet(table, tmp_path / "entier.parquet")
        assert summary == expected, path.name
        assert _parquet_rows(target) == _parquet_rows(tmp_path / "entier.parquet"), path.name
    # a step that is not the most common difference of the first lines (their median): the
    # whole table's median
    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    body.sort(key=lambda line: line.split(",")[:2])
    path = tmp_path / "pas.csv"
    path.write_text("\n".join([header, *body[:40:2], *body[40:]]) + "\n")  # 30 min, then 15
    with pytest.raises(counts._NotStreamed):
        counts._stream(path, path.name, edges, tmp_path / "p.parquet")
    assert not (tmp_path / "p.parquet").exists()
    assert (
        counts.store_csv(path, path.name, edges, tmp_path / "p.parquet")
        == (counts.load_csv(path, path.name, edges)[1])
    )


def test_streamed_refusals_name_what_the_whole_path_names(tmp_path, small_chunks):
    """A line counted twice: the same error as the whole path, no file. A faulty value after it:
    the checked path's message (line and field), as before the stream."""
    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    body.sort(key=lambda line: line.split(",")[:2])
    twice = [*body[:50], body[49], *body[50:]]
    path = tmp_path / "deux.csv"
    path.write_text("\n".join([header, *twice]) + "\n")
    target = tmp_path / "c.parquet"
    with pytest.raises(counts.CountsError) as streamed:
        counts.store_csv(path, path.name, set(), target)
    with pytest.raises(counts.CountsError) as whole:
        counts.load_csv(path, path.name, set())
    assert str(streamed.value) == str(whole.value)
    assert "le détecteur « A1B1 » a deux comptages à 03/03/2025 12:15" in str(streamed.value)
    assert not target.exists() and not list(tmp_path.glob("*.partiel"))
    late = twice[:]
    late[700] = ",".join([*late[700].split(",")[:2], "-3", *late[700].split(",")[3:]])
    path.write_text("\n".join([header, *late]) + "\n")
    with pytest.raises(
        counts.CountsError,
        match="deux.csv, ligne 702, champ « vehicules » : nombre de véhicules impossible",
    ):
        counts.store_csv(path, path.name, set(), target)
    assert not target.exists() and not list(tmp_path.glob("*.partiel"))


def test_detector_coded_by_its_runs():
    """The streamed path reads the detector as text and codes it from its changes of value: the
    same names line by line as the reader's dictionary, whatever the order (one entry per run
    where a name comes back), for one line as for many."""
    import itertools

    import numpy as np
    import pyarrow as pa

    for names in (
        ["A"],
        ["A", "A", "B", "B", "B", "C"],
        ["A", "B", "A", "A", " A", "A", "", "B"],  # unsorted, padded, empty: coded as read
        ["AB", "AB", "BA", "AB", " A", " A", "AC", "AC"],  # one width: compared byte by byte
        ["", "", ""],
        [f"D{i // 9:03d}" for i in range(1000)],
    ):
        batch = pa.record_batch({"det": pa.array(names), "v": pa.array(range(len(names)))})
        coded = counts._coded_by_runs(batch, "det").column("det").combine_chunks()
        assert pa.types.is_dictionary(coded.type)
        assert coded.to_pylist() == names
        runs = 1 + sum(a != b for a, b in itertools.pairwise(names))
        assert len(coded.dictionary) == runs
        assert np.all(np.diff(coded.indices.to_numpy()) >= 0)
    # the changes are read in the comparison's bitmap: any offset, any length
    flags = pa.array([i % 7 == 0 or i in (8, 9, 63, 64) for i in range(200)])
    for start in (0, 1, 8, 13):
        for length in (0, 1, 9, 64, 187):
            part = flags.slice(start, length)
            expected = [i for i, f in enumerate(part.to_pylist()) if f]
            assert counts._set_bits(part).tolist() == expected


def test_streamed_empty_detector_named_by_line_and_field(tmp_path, small_chunks):
    """An empty detector (or one of spaces) in a sorted file leaves the stream: the checked
    path's message names its line and field, and nothing is written."""
    header, *body = (FIXTURES / "counts.csv").read_text().splitlines()
    body.sort(key=lambda line: line.split(",")[:2])
    for empty in ("", "   "):
        lines = body[:]
        lines[300] = ",".join([empty, *lines[300].split(",")[1:]])
        path = tmp_path / "vide.csv"
        path.write_text("\n".join([header, *lines]) + "\n")
        target = tmp_path / "c.parquet"
        with pytest.raises(counts._NotStreamed):
            counts._stream(path, path.name, set(), target)
        with pytest.raises(
            counts.CountsError, match="vide.csv, ligne 302, champ « detecteur » : détecteur vide"
        ):
            counts.store_csv(path, path.name, set(), target)
        assert not target.exists() and not list(tmp_path.glob("*.partiel"))
