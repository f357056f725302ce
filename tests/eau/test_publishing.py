"""Monthly volumes published to the open-data portal (the module contract's dataset hook)."""

import csv
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from territoria.eau import publishing, scada
from tests.eau.test_views import FIXTURES, alert_of, ltown  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(settings, tmp_path):
    settings.OPENDATA_DIR = tmp_path / "opendata"
    (settings.OPENDATA_DIR / "tmp").mkdir(parents=True)


def test_monthly_rows_sum_the_zone_balance_without_filling_gaps(ltown):  # noqa: F811
    rows = publishing.monthly_rows(ltown)
    assert [r["mois"] for r in rows] == ["2018-01-01"]
    row = rows[0]
    series = scada.read_csv(FIXTURES / "ltown_flows_2018_10days.csv")
    v = series.values
    expected = float(np.sum(v["p227"] + v["p235"] - v["PUMP_1"])) / 12  # 5-min samples → m³
    assert row["volume_m3"] == pytest.approx(expected, rel=1e-3)
    assert row["heures_mesurees"] == 240  # 10 days of a 31-day month: not extrapolated
    assert row["couverture_pct"] == pytest.approx(100 * 240 / 744, abs=0.1)
    assert 0 < row["debit_nuit_m3h"] < row["debit_moyen_m3h"]
    assert row["fuites_confirmees"] == 0


def test_only_confirmed_leaks_are_counted(ltown):  # noqa: F811
    from territoria.eau.models import AlertStatus

    alert = alert_of(ltown)
    assert publishing.monthly_rows(ltown)[0]["fuites_confirmees"] == 0
    alert.status = AlertStatus.CONFIRMED
    alert.save()
    assert publishing.monthly_rows(ltown)[0]["fuites_confirmees"] == 1


def test_nothing_is_exported_until_the_service_chooses_to_publish(ltown, tmp_path):  # noqa: F811
    assert publishing.write_monthly_csv(tmp_path / "v.csv") is None
    ltown.publish_volumes = True
    ltown.save()
    count, digest = publishing.write_monthly_csv(tmp_path / "v.csv")
    assert count == 1 and len(digest) == 64
    with open(tmp_path / "v.csv", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == publishing.COLUMNS


def test_cli_publishes_the_volumes_on_the_portal(ltown, portal):  # noqa: F811
    from territoria.opendata import service
    from territoria.opendata.models import VersionStatus

    out = StringIO()
    call_command("eau", "publish-volumes", "L-Town", stdout=out)
    ltown.refresh_from_db()
    assert ltown.publish_volumes
    assert "1 lignes" in out.getvalue()
    records = service.query("eau_volumes_mensuels").records()
    assert records[0]["zone"] == "A" and records[0]["heures_mesurees"] == 240
    from territoria.opendata.models import Resource

    version = Resource.objects.get(table_name="eau_volumes_mensuels").versions.latest("number")
    assert version.status == VersionStatus.PUBLISHED


def test_cli_refuses_an_unknown_network_or_one_without_measures(db, portal):
    from territoria.eau.models import Network

    with pytest.raises(CommandError, match="Réseau inconnu"):
        call_command("eau", "publish-volumes", "Nulle part")
    Network.objects.create(name="Vide", source_name="vide.inp")
    with pytest.raises(CommandError, match="rien à publier"):
        call_command("eau", "publish-volumes", "Vide")
    assert not Network.objects.get(name="Vide").publish_volumes


def test_agent_switches_the_publication_on_the_network_page_and_it_is_audited(client, ltown):  # noqa: F811
    from django.urls import reverse

    from territoria.core.models import AuditLog
    from tests.eau.test_views import user

    url = reverse("eau:publication", args=[ltown.pk])
    client.force_login(user("elu"))
    assert client.post(url, {"publier": "oui"}).status_code == 403
    client.force_login(user("agent"))
    page = client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    assert "Publier les volumes mensuels" in page
    client.post(url, {"publier": "oui"})
    ltown.refresh_from_db()
    assert ltown.publish_volumes
    entry = AuditLog.objects.filter(object_type="eau.network", object_id=str(ltown.pk)).latest("at")
    assert entry.changes == {"publish_volumes": [False, True]}
    assert (
        "Retirer de la publication"
        in client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    )


@pytest.mark.django_db
def test_register_entry_is_kept_current_by_the_latest_runs(client):
    """Living transparency: the register quotes the energy and reliability of the module's
    latest runs on this instance, not only the benchmark's figures."""
    from django.apps import apps

    from territoria.eau.models import Job, JobStatus

    entry = apps.get_app_config("eau").register_entry
    before = str(entry.energy)
    assert "Sur cette instance" not in before
    Job.objects.create(
        kind="renewal",
        status=JobStatus.DONE,
        result={
            "energy_wh": 0.00321,
            "evaluation": {
                "split_year": 2018,
                "horizon": 5,
                "methods": {
                    name: {"breaks": {"count": {"1": share}}}
                    for name, share in (("blend", 0.23), ("age", 0.01), ("past_breaks", 0.19))
                },
            },
        },
    )
    Job.objects.create(
        kind="replay", status=JobStatus.DONE, result={"energy_wh": 0.0012, "days": 730}
    )
    assert "dernier rejeu de mesures" in str(entry.energy) and "0.0012 Wh" in str(entry.energy)
    assert "730" not in str(entry.energy)  # nothing of a water service's own measures
    assert "dernier plan de renouvellement" in str(entry.energy)
    assert "0.00321 Wh" in str(entry.energy)
    assert "placent 23% des casses de 2018–2022" in str(entry.performance)
    page = client.get("/registre/plateforme/").content.decode()
    assert "0.00321 Wh" in page
    api = client.get("/api/registre/plateforme/").json()
    eau = next(e for e in api if e["name"].startswith("Eau potable"))
    assert "0.00321 Wh" in eau["energy"]
