"""The periodic detection continues from the kept detectors when only later measures were
added (one day costs one day, not the whole history), and replays everything otherwise."""

from pathlib import Path

import pytest

from territoria.eau import jobs, timeseries
from territoria.eau.models import Alert, Job, Network, Zone

FLOWS = Path(__file__).resolve().parents[1] / "fixtures" / "eau" / "ltown_flows_2018_10days.csv"
SPLIT = 1 + 7 * 288  # header + the first 7 days


@pytest.fixture
def parts(tmp_path):
    """The 10 fixture days in two files, a burst of 40 m³/h on p227 on the 9th from 10:00."""
    lines = FLOWS.read_text().splitlines()
    burst = []
    for line in lines[SPLIT:]:
        stamp, p227, rest = line.split(",", 2)
        if stamp >= "2018-01-09 10:00":
            p227 = f"{float(p227) + 40:.2f}"
        burst.append(f"{stamp},{p227},{rest}")
    first, second = tmp_path / "jours-1-7.csv", tmp_path / "jours-8-10.csv"
    first.write_text("\n".join(lines[:SPLIT]) + "\n")
    second.write_text("\n".join([lines[0], *burst]) + "\n")
    return first, second


def network_a(db) -> Network:
    found = Network.objects.create(name="L-Town", source_name="L-TOWN.inp")
    Zone.objects.create(
        network=found, code="A", node_count=2, balance={"p227": 1, "p235": 1, "PUMP_1": -1}
    )
    return found


def alerts(network) -> set:
    return set(
        Alert.objects.filter(network=network).values_list(
            "zone", "raised_at", "start_estimate", "flow_m3h"
        )
    )


def test_new_days_are_pushed_into_the_kept_detectors_with_the_alerts_of_a_full_replay(db, parts):
    network = network_a(db)
    timeseries.import_csv(network, parts[0])
    assert jobs.detect_all_networks() == 1  # no state yet: everything
    first_job = Job.objects.get()
    assert first_job.result["resumed"] is False and first_job.result["days"] == 7
    timeseries.import_csv(network, parts[1])
    assert jobs.detect_all_networks() == 1
    job = Job.objects.filter(kind="replay").first()
    assert job.result["resumed"] is True and job.result["days"] == 3 and job.result["alerts"] >= 1
    resumed = alerts(network)
    full = Job.objects.create(kind="replay", network=network)  # the page's button: all over
    jobs.run(str(full.pk))
    full.refresh_from_db()
    assert full.result["resumed"] is False and full.result["days"] == 10
    assert alerts(network) == resumed


def test_a_changed_balance_means_a_full_replay(db, parts):
    network = network_a(db)
    timeseries.import_csv(network, parts[0])
    jobs.detect_all_networks()
    Zone.objects.filter(network=network).update(balance={"p227": 1, "p235": 1})
    timeseries.import_csv(network, parts[1])
    jobs.detect_all_networks()
    assert Job.objects.filter(kind="replay").first().result["resumed"] is False


def test_measures_added_before_the_kept_state_mean_a_full_replay(db, parts, tmp_path):
    network = network_a(db)
    timeseries.import_csv(network, parts[0])
    jobs.detect_all_networks()
    earlier = tmp_path / "niveaux.csv"  # another sensor, over days already replayed
    earlier.write_text("Timestamp,T1\n2018-01-02 00:00:00,3.1\n2018-01-02 00:05:00,3.2\n")
    timeseries.import_csv(network, earlier)
    jobs.detect_all_networks()
    assert Job.objects.filter(kind="replay").first().result["resumed"] is False


@pytest.mark.parametrize(
    ("burst_from", "burst_m3h"),
    [
        ("2018-01-09 10:10", 40),  # the cut hour looks normal: its alert comes later
        ("2018-01-09 10:05", 100),  # the cut hour itself raises an alert, replaced when whole
    ],
)
def test_an_import_cut_mid_hour_gives_the_alerts_of_the_one_shot_replay(
    db, tmp_path, burst_from, burst_m3h
):
    """A file that stops at 10:05 leaves the hour 10:00 incomplete: the kept detectors stop
    at 09:00 and the hour is counted again, whole, when the rest arrives."""
    lines = FLOWS.read_text().splitlines()
    rows = []
    for line in lines[1:]:  # a burst on p227
        stamp, p227, rest = line.split(",", 2)
        if stamp >= burst_from:
            p227 = f"{float(p227) + burst_m3h:.2f}"
        rows.append(f"{stamp},{p227},{rest}")
    cut = next(i for i, row in enumerate(rows) if row.startswith("2018-01-09 10:10"))
    whole, first, second = (tmp_path / name for name in ("tout.csv", "a.csv", "b.csv"))
    whole.write_text("\n".join([lines[0], *rows]) + "\n")
    first.write_text("\n".join([lines[0], *rows[:cut]]) + "\n")
    second.write_text("\n".join([lines[0], *rows[cut:]]) + "\n")

    one_shot = network_a(db)
    timeseries.import_csv(one_shot, whole)
    jobs.detect_all_networks()
    expected = {row[1:] for row in alerts(one_shot)}
    assert expected  # the burst is caught

    daily = Network.objects.create(name="L-Town bis", source_name="L-TOWN.inp")
    Zone.objects.create(
        network=daily, code="A", node_count=2, balance={"p227": 1, "p235": 1, "PUMP_1": -1}
    )
    timeseries.import_csv(daily, first)
    jobs.detect_all_networks()
    cut_hour_alerts = {row[1:] for row in alerts(daily)}
    timeseries.import_csv(daily, second)
    jobs.detect_all_networks()
    assert Job.objects.filter(network=daily, kind="replay").first().result["resumed"] is True
    assert {row[1:] for row in alerts(daily)} == expected
    if burst_from.endswith("10:05"):  # the cut hour's own alert was there, then replaced
        assert cut_hour_alerts and not cut_hour_alerts <= expected


def test_the_last_complete_hour_follows_the_step_of_the_series():
    import numpy as np

    five = np.arange("2018-01-09T11:00", "2018-01-09T12:10", 5, dtype="datetime64[m]")
    assert str(jobs.last_complete_hour(five)) == "2018-01-09T11:00:00"  # stops at 12:05
    whole = np.arange("2018-01-09T11:00", "2018-01-09T13:00", 5, dtype="datetime64[m]")
    assert str(jobs.last_complete_hour(whole)) == "2018-01-09T12:00:00"  # 12:55: 12:00 whole
    hourly = np.arange("2018-01-09T11:00", "2018-01-09T13:00", 60, dtype="datetime64[m]")
    assert str(jobs.last_complete_hour(hourly)) == "2018-01-09T12:00:00"
