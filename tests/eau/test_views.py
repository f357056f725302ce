"""Pages of the water module: who sees what, who may act, and every decision audited."""

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from territoria.core.models import AuditLog, Role, User
from territoria.eau import network as network_service
from territoria.eau import quality, timeseries
from territoria.eau.models import (
    Alert,
    AlertStatus,
    Job,
    JobStatus,
    Network,
    QualitySample,
    Zone,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"


@pytest.fixture
def ltown(db):
    """A network with L-Town's zone A balance and 10 days of real 2018 flows."""
    found = Network.objects.create(
        name="L-Town",
        source_name="L-TOWN.inp",
        counts={"canalisations": 2},
        elements={
            "nodes": {
                "R1": [0, 0, "Reservoir", ""],
                "n1": [100, 0, "Junction", "A"],
                "n2": [200, 50, "Junction", "A"],
            },
            "links": [
                ["p227", "R1", "n1", "Pipe", 300, 100.0, "A", ""],
                ["p1", "n1", "n2", "Pipe", 150, 110.0, "A", ""],
            ],
        },
    )
    Zone.objects.create(
        network=found,
        code="A",
        name="Zone A",
        node_count=2,
        balance={"p227": 1, "p235": 1, "PUMP_1": -1},
    )
    timeseries.import_csv(found, FIXTURES / "ltown_flows_2018_10days.csv")
    return found


def user(role, name=None):
    return User.objects.create_user(name or f"eau-{role}", password="motdepasse-test-1", role=role)


def alert_of(network):
    raised = timezone.make_aware(dt.datetime(2018, 1, 9, 4), dt.UTC)
    return Alert.objects.create(
        network=network,
        zone="A",
        raised_at=raised,
        start_estimate=raised - dt.timedelta(hours=20),
        flow_m3h=8.0,
    )


def test_anonymous_reader_cannot_see_network_or_alert(client, ltown):
    alert = alert_of(ltown)
    for url in (
        reverse("eau:network", args=[ltown.pk]),
        reverse("eau:alert", args=[alert.pk]),
        reverse("eau:renewal"),
    ):
        assert client.get(url).status_code == 404
    page = client.get(reverse("eau:index")).content.decode()
    assert "L-Town" not in page


def test_elu_reads_alert_but_cannot_decide(client, ltown):
    alert = alert_of(ltown)
    client.force_login(user(Role.ELU))
    page = client.get(reverse("eau:alert", args=[alert.pk]))
    assert page.status_code == 200
    assert "Confirmer la fuite" not in page.content.decode()
    response = client.post(reverse("eau:alert_action", args=[alert.pk]), {"action": "confirmer"})
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW


def test_agent_alert_page_explains_with_observed_and_expected_flows(client, ltown):
    alert = alert_of(ltown)
    client.force_login(user(Role.AGENT))
    page = client.get(reverse("eau:alert", args=[alert.pk])).content.decode()
    assert "Observé" in page and "Attendu sans fuite" in page
    assert "8,0 m³/h" in page or "8.0 m³/h" in page
    # from the start estimate (8 Jan 08:00) to the last measure (10 Jan 23:55): ~64 h × 8 m³/h
    assert "soit 4" in page  # ≈ 512 m³ ≈ 410 €


def test_agent_dismisses_only_with_a_reason_and_the_decision_is_audited(client, ltown):
    alert = alert_of(ltown)
    agent = user(Role.AGENT)
    client.force_login(agent)
    url = reverse("eau:alert_action", args=[alert.pk])
    client.post(url, {"action": "ecarter"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW
    client.post(url, {"action": "ecarter", "motif": "Remplissage d'une piscine municipale"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED
    entry = AuditLog.objects.filter(object_id=str(alert.pk)).order_by("-pk").first()
    assert entry.actor == agent
    assert entry.changes["status"] == ["nouvelle", "ecartee"]


def test_agent_replay_job_shows_progress_and_writes_alerts(
    client, ltown, django_capture_on_commit_callbacks
):
    client.force_login(user(Role.AGENT))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("eau:replay", args=[ltown.pk]))
    job = Job.objects.get()
    assert response.url == reverse("eau:job", args=[job.pk])
    assert job.status == JobStatus.DONE, job.message
    assert job.done == job.total == 10
    page = client.get(response.url).content.decode()
    assert "100 %" in page and "Wh" in page
    network_page = client.get(reverse("eau:network", args=[ltown.pk]), {"mois": "2018-01"})
    assert "Débit horaire de la zone A (01/2018)" in network_page.content.decode()


def test_agent_scada_upload_with_semicolons_gets_a_plain_french_error(client, ltown, tmp_path):
    client.force_login(user(Role.AGENT))
    bad = tmp_path / "export.csv"
    bad.write_text("Timestamp;p227\n2019-01-01 00:00:00;1\n", encoding="utf-8")
    with bad.open("rb") as handle:
        response = client.post(
            reverse("eau:scada_import", args=[ltown.pk]), {"fichier": handle}, follow=True
        )
    assert "séparateur attendu : la virgule" in response.content.decode()
    assert ltown.imports.count() == 1


def test_quality_page_is_public_and_shows_the_non_compliance(client, db):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    quality.import_samples(FIXTURES / "samples.csv")
    page = client.get(reverse("eau:quality")).content.decode()
    assert "Saint-Orens-de-Gameville" in page and "non conforme" in page
    assert "Alertes qualité" not in page  # the agents' list
    assert "Importer un fichier CSV" not in page


def test_agent_of_another_organisation_sees_nothing_of_a_network(
    client, ltown, organisation, other_organisation
):
    ltown.organisation = organisation
    ltown.save()
    alert = alert_of(ltown)
    stranger = User.objects.create_user(
        "eau-autre", password="motdepasse-test-1", role=Role.AGENT, organisation=other_organisation
    )
    client.force_login(stranger)
    assert client.get(reverse("eau:network", args=[ltown.pk])).status_code == 404
    assert client.get(reverse("eau:alert", args=[alert.pk])).status_code == 404
    response = client.post(reverse("eau:alert_action", args=[alert.pk]), {"action": "confirmer"})
    assert response.status_code == 404
    assert "L-Town" not in client.get(reverse("eau:index")).content.decode()
    insider = User.objects.create_user(
        "eau-maison", password="motdepasse-test-1", role=Role.AGENT, organisation=organisation
    )
    client.force_login(insider)
    assert client.get(reverse("eau:network", args=[ltown.pk])).status_code == 200


@pytest.mark.slow
def test_renewal_plan_page_has_table_map_and_csv_for_agents_only(
    client, db, monkeypatch, settings, tmp_path
):
    from territoria.eau import renewal
    from territoria.eau.jobs import run

    monkeypatch.setattr(renewal, "GBM_ITERATIONS", 30)  # speed: the page is what is checked
    settings.DATA_DIR = tmp_path  # no models kept by an earlier test

    job = Job.objects.create(
        kind="renewal",
        params={
            "mains": str(FIXTURES / "kitchener_mains_sample.csv"),
            "breaks": str(FIXTURES / "kitchener_breaks_sample.csv"),
            "budget_km": 2,
        },
    )
    run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    plan = job.result["plan"]
    assert sum(row["length_m"] for row in plan) <= 2 * 1000 * 5
    assert client.get(reverse("eau:renewal_csv")).status_code == 404  # anonymous
    client.force_login(user(Role.ELU))
    page = client.get(reverse("eau:renewal")).content.decode()
    assert "Canalisations à renouveler" in page and "carte-renouvellement" in page
    assert "Calculer le plan" not in page  # an élu reads, an agent computes
    rows = client.get(reverse("eau:renewal_csv")).content.decode().splitlines()
    assert rows[0].startswith("rang,canalisation,annee,priorite,casses_attendues,criticite")
    assert len(rows) == len(plan) + 1
    # the page ranks by the priorities and shows their measured reliability against age
    assert job.result["method"] == "priorities"
    assert "Priorités : risque de casse × criticité (méthode du plan)" in page
    assert "Risque de casse seul (ensemble de 4 modèles)" in page
    page = page.replace("&#x27;", "'")
    assert "Les plus anciennes d'abord" in page and "pondérée par sa conséquence" in page
    assert plan[0]["reasons"] in page
    # replanning with another budget reuses the models fitted on the same inventory
    assert job.result["models"] == {"reused": 0, "fitted": 7}
    again = Job.objects.create(kind="renewal", params=job.params | {"budget_km": 1})
    run(str(again.pk))
    again.refresh_from_db()
    assert again.result["models"] == {"reused": 7, "fitted": 0}
    assert again.result["evaluation"]["methods"] == job.result["evaluation"]["methods"]
    assert [r["pipe"] for r in again.result["plan"]] == [
        r["pipe"] for r in plan[: len(again.result["plan"])]
    ]


def test_alert_times_are_shown_on_the_clock_of_the_measures(client, ltown):
    """SCADA times are local and naive (kept as if UTC): the page shows them as they are, not
    shifted to Paris time (the chart and the text agree)."""
    alert = alert_of(ltown)  # raised 09/01/2018 04:00, started 08/01/2018 08:00
    client.force_login(user(Role.AGENT))
    page = client.get(reverse("eau:alert", args=[alert.pk])).content.decode()
    assert "09/01/2018 à 04h00" in page and "08/01/2018 à 08h00" in page
    page = client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    assert "09/01/2018 04h00" in page
    assert "01/01/2018 – 10/01/2018" in page  # the import's period, not shifted to the 11th


def test_repair_date_is_checked_and_the_history_shows_every_decision(client, ltown):
    alert = alert_of(ltown)
    agent = user(Role.AGENT)
    client.force_login(agent)
    url = reverse("eau:alert_action", args=[alert.pk])
    client.post(url, {"action": "confirmer", "motif": "Vu sur le terrain rue des Lilas"})
    page = client.post(
        url, {"action": "reparee", "reparee_le": "2018-01-05T10:00"}, follow=True
    ).content.decode()
    assert "ne peut pas précéder le début estimé de la fuite (08/01/2018 08:00)" in page
    page = client.post(url, {"action": "reparee", "reparee_le": "demain"}, follow=True)
    assert "Date de réparation illisible « demain »" in page.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED and alert.repaired_at is None
    client.post(url, {"action": "reparee", "reparee_le": "2018-01-10T09:30"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REPAIRED
    assert alert.repaired_at == timezone.make_aware(dt.datetime(2018, 1, 10, 9, 30), dt.UTC)
    page = client.get(reverse("eau:alert", args=[alert.pk])).content.decode()
    history = page[page.index("Historique des décisions") :]
    assert "Nouvelle → Confirmée" in history and "Vu sur le terrain rue des Lilas" in history
    assert "Confirmée → Réparée (réparée le 10/01/2018 09h30)" in history
    assert history.count("eau-agent") == 2
    # the water lost is counted up to the repair
    assert "Eau perdue jusqu&#x27;au 10/01/2018" in page or "Eau perdue jusqu'au 10/01/2018" in page


def test_agent_declares_a_zone_balance_and_a_bad_one_is_refused_by_term(client, ltown):
    zone = ltown.zones.get(code="A")
    client.force_login(user(Role.AGENT))
    url = reverse("eau:zone", args=[zone.pk])
    page = client.post(url, {"bilan": "p227 + p999"}, follow=True).content.decode()
    assert "Terme « p999 » du bilan : aucune conduite, pompe ou vanne « p999 »" in page
    zone.refresh_from_db()
    assert zone.balance == {"p227": 1, "p235": 1, "PUMP_1": -1}  # unchanged
    client.post(url, {"bilan": "0,5 × p227 − p1"})
    zone.refresh_from_db()
    assert zone.balance == {"p227": 0.5, "p1": -1}
    entry = AuditLog.objects.filter(object_id=str(zone.pk)).order_by("-pk").first()
    assert entry.changes["balance"][1] == {"p227": 0.5, "p1": -1}
    client.post(url, {"bilan": ""})
    zone.refresh_from_db()
    assert zone.balance == {} and zone.balance_text() == "non déclaré"


@pytest.mark.parametrize(
    ("text", "balance", "tank"),
    [
        ("p227 + p235 − PUMP_1", {"p227": 1, "p235": 1, "PUMP_1": -1}, {}),
        ("− PUMP_1 + p227", {"PUMP_1": -1, "p227": 1}, {}),
        ("PUMP_1 − 201,06 m² × dh/dt(T1)", {"PUMP_1": 1}, {"tank": "T1", "area_m2": 201.06}),
        ("PUMP_1 - 201.06 * dh/dt(T1)", {"PUMP_1": 1}, {"tank": "T1", "area_m2": 201.06}),
    ],
)
def test_parse_balance_reads_what_balance_text_writes(text, balance, tank):
    from territoria.eau.network import parse_balance

    found = Network(
        elements={
            "nodes": {"T1": [0, 0, "Tank", "C"]},
            "links": [[n, "a", "b", "Pipe", 100, 1.0, "A", ""] for n in ("p227", "p235")]
            + [["PUMP_1", "a", "b", "Pump", None, None, "", ""]],
        }
    )
    assert parse_balance(text, found) == (balance, tank)
    zone = Zone(balance=balance, tank=tank)
    assert parse_balance(zone.balance_text(), found) == (balance, tank)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p227+p235", "aucune conduite, pompe ou vanne « p227+p235 »"),
        ("p227 + 201 × dh/dt(T1)", "un réservoir s'écrit « − surface m² × dh/dt(NOM) »"),
        ("p227 − 20 × dh/dt(T9)", "T9 n'est pas un réservoir du réseau"),
        ("p227 + p227", "p227 apparaît deux fois"),
        ("− 20 × dh/dt(T1)", "au moins un débit entrant"),
    ],
)
def test_parse_balance_names_the_faulty_term(text, message):
    from territoria.eau.network import NetworkError, parse_balance

    found = Network(
        elements={
            "nodes": {"T1": [0, 0, "Tank", "C"]},
            "links": [["p227", "a", "b", "Pipe", 100, 1.0, "A", ""]],
        }
    )
    with pytest.raises(NetworkError, match=re.escape(message)):
        parse_balance(text, found)


def test_counts_on_the_module_pages_are_french(client, ltown):
    """« aucune pompe », « 1 zone », « 2 canalisations »: never « 0 pompes » nor « 1 zones »."""
    ltown.counts = {"canalisations": 2, "pompes": 0, "réservoirs": 1}
    ltown.save()
    client.force_login(user(Role.AGENT))
    page = client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    assert "2 canalisations, aucune pompe, 1 réservoir." in page
    assert "0 pompes" not in page
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    response = client.post(
        reverse("eau:quality_import"),
        {"type": "resultats", "fichier": (FIXTURES / "samples.csv").open("rb")},
        follow=True,
    )
    text = response.content.decode()
    assert re.search(r"\d+ résultats importés, dont (1 non-conformité|\d+ non-conformités)", text)
    assert "(s)" not in text


def test_sensor_warnings_count_in_french():
    from territoria.eau.scada import Series, quality_warnings

    times = np.arange(
        np.datetime64("2018-01-01T00:00"), np.datetime64("2018-01-02T00:00"), np.timedelta64(5, "m")
    ).astype("datetime64[s]")
    one_bad = np.linspace(1.0, 2.0, len(times))
    one_bad[3] = -1.0
    two_missing = np.linspace(1.0, 2.0, len(times))
    two_missing[[5, 9]] = np.nan
    warnings = quality_warnings(Series(times, {"p1": one_bad, "p2": two_missing}))
    assert "Capteur p1 : 1 valeur négative (première : ligne 5, colonne « p1 »" in " ".join(
        warnings
    )
    assert "Capteur p2 : 2 valeurs manquantes (première : ligne 7," in " ".join(warnings)
    assert not any("(s)" in w for w in warnings)


def _member(name, role, organisation, email=""):
    return User.objects.create_user(
        name, password="motdepasse-test-1", role=role, organisation=organisation, email=email
    )


def test_a_non_compliance_is_mailed_to_the_agents_of_the_importing_service_only(
    client, db, organisation, other_organisation, mailoutbox, django_capture_on_commit_callbacks
):
    organisation.contact_email = "eau@testville.example"
    organisation.save()
    agent = _member("eau-agent", Role.AGENT, organisation, "agent@testville.example")
    _member("eau-elu", Role.ELU, organisation, "elu@testville.example")  # reads, does not act
    _member("eau-loin", Role.AGENT, other_organisation, "agent@bordeaux.example")
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("eau:quality_import"),
            {"type": "resultats", "fichier": (FIXTURES / "samples.csv").open("rb")},
            follow=True,
        )
    assert "prévenus par courriel" in response.content.decode()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["agent@testville.example", "eau@testville.example"]
    assert "1 résultat non conforme" in mail.subject
    assert "École Jean Jaurès" in mail.body and "61 mg/L > limite de qualité 50 mg/L" in mail.body
    assert "Réservoir Nord" not in mail.body  # compliant results are not sent


def test_a_refused_quality_file_sends_no_mail(
    client, db, organisation, mailoutbox, django_capture_on_commit_callbacks, tmp_path
):
    agent = _member("eau-agent", Role.AGENT, organisation, "agent@testville.example")
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        (FIXTURES / "samples.csv").read_text(encoding="utf-8")
        + "A,B,2026-01-01,Plutonium,1,mg/L\n",
        encoding="utf-8",
    )
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("eau:quality_import"),
            {"type": "resultats", "fichier": bad.open("rb")},
            follow=True,
        )
    assert "ligne 5" in response.content.decode()
    assert mailoutbox == []
    assert not QualitySample.objects.exists()


def test_follow_up_of_a_non_compliance_is_audited_private_and_kept_to_its_service(
    client, db, organisation, other_organisation
):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    quality.import_samples(FIXTURES / "samples.csv", organisation=organisation)
    wrong = QualitySample.objects.get(compliant=False)
    url = reverse("eau:quality_follow_up", args=[wrong.pk])
    stranger = _member("eau-loin", Role.AGENT, other_organisation)
    client.force_login(stranger)
    assert "École Jean Jaurès, " not in _agents_list(client)  # not in the other service's alerts
    assert client.post(url, {"suite": "rien"}).status_code == 404
    agent = _member("eau-agent", Role.AGENT, organisation)
    client.force_login(agent)
    assert "École Jean Jaurès" in _agents_list(client) and "À traiter" in _agents_list(client)
    response = client.post(url, {"suite": "   "}, follow=True)
    assert "dites ce qui a été fait" in response.content.decode()
    wrong.refresh_from_db()
    assert wrong.handled_at is None
    client.post(url, {"suite": "ARS informée, recontrôle le 04/03 : 38 mg/L"})
    wrong.refresh_from_db()
    assert wrong.handled_by == agent and wrong.handling_note.startswith("ARS informée")
    entry = AuditLog.objects.get(object_id=str(wrong.pk))
    assert entry.actor == agent and entry.changes["handling_note"][1].startswith("ARS")
    client.logout()
    public = client.get(reverse("eau:quality")).content.decode()
    assert "École Jean Jaurès" in public and "ARS informée" not in public
    elu = _member("eau-elu", Role.ELU, organisation)
    client.force_login(elu)
    assert client.post(url, {"suite": "x"}).status_code == 403


def _agents_list(client) -> str:
    page = client.get(reverse("eau:quality")).content.decode()
    start = page.find('id="alertes-qualite"')
    return page[start : page.find("Importer un fichier CSV", start)] if start >= 0 else ""


def test_each_commune_has_its_public_results_page(client, db):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    quality.import_samples(FIXTURES / "samples.csv")
    page = client.get(reverse("eau:quality_commune", args=["Escalquens"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Qualité de l'eau distribuée à Escalquens" in text and "Nitrites" in text
    assert "École Jean Jaurès" not in text  # another commune's results
    assert 'href="/eau/qualite/commune/Saint-Orens-de-Gameville/"' in text
    assert client.get(reverse("eau:quality_commune", args=["Nulle-Part"])).status_code == 404


def test_agent_chooses_the_holiday_calendar_audited_and_a_bad_one_is_refused(client, ltown):
    assert ltown.holidays == ""  # none until the service chooses (a wrong one costs alarms)
    client.force_login(user(Role.AGENT))
    page = client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    assert 'for="jours-feries"' in page and "Alsace-Moselle" in page
    url = reverse("eau:calendar", args=[ltown.pk])
    response = client.post(url, {"jours_feries": "xx"}, follow=True)
    assert "« xx » n&#x27;est pas un calendrier connu" in response.content.decode()
    ltown.refresh_from_db()
    assert ltown.holidays == ""
    client.post(url, {"jours_feries": "fr-alsace-moselle"})
    ltown.refresh_from_db()
    assert ltown.holidays == "fr-alsace-moselle"
    entry = AuditLog.objects.filter(object_id=str(ltown.pk)).latest("pk")
    assert entry.changes == {"holidays": ["", "fr-alsace-moselle"]}
    client.force_login(user(Role.ELU, "eau-elu-cal"))
    assert client.post(url, {"jours_feries": "fr"}).status_code == 403


@pytest.mark.parametrize(
    ("crs", "r1", "n1", "n2"),
    [
        # Lambert-93 around Toulouse's Capitole (≈ 1.444 E, 43.604 N)
        ("EPSG:2154", (574_000, 6_279_000), (574_100, 6_279_000), (574_200, 6_279_050)),
        ("EPSG:4326", (1.444, 43.604), (1.445, 43.604), (1.446, 43.6045)),
    ],
)
def test_a_network_in_lambert93_or_wgs84_goes_on_the_map(client, ltown, crs, r1, n1, n2):
    ltown.crs = crs
    ltown.elements["nodes"] = {
        "R1": [*r1, "Reservoir", ""],
        "n1": [*n1, "Junction", "A"],
        "n2": [*n2, "Junction", "A"],
    }
    ltown.save()
    client.force_login(user(Role.AGENT))
    page = client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    assert "Carte du réseau" in page and 'id="carte-reseau"' in page
    shapes = network_service.map_shapes(ltown)
    zone_a = next(s for s in shapes if s.label == "Zone A")
    lon, lat = zone_a.geometry["coordinates"][0][0]
    assert 1.40 < lon < 1.50 and 43.55 < lat < 43.65


def test_coordinates_outside_the_declared_system_fall_back_to_the_schematic(client, ltown):
    ltown.crs = "EPSG:2154"  # but L-Town-like local metres
    ltown.save()
    client.force_login(user(Role.AGENT))
    page = client.get(reverse("eau:network", args=[ltown.pk])).content.decode()
    assert 'id="carte-reseau"' not in page
    assert "ne tombent pas dans le système déclaré (EPSG:2154)" in page
    assert "Schéma du réseau" in page


def test_inconclusive_results_are_listed_to_their_service_and_lq_values_shown(
    client, db, organisation, other_organisation
):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    quality.import_samples(FIXTURES / "samples_hubeau_lq.csv", organisation=organisation)
    client.force_login(_member("eau-agent", Role.AGENT, organisation))
    page = client.get(reverse("eau:quality")).content.decode()
    table = page.split('id="non-concluants"', 1)[1].split("</table>", 1)[0]
    assert "Ammonium non concluant : &lt; 0.5 mg/L" in table and "Escherichia" not in table
    assert "&lt; 1 n/100 mL" in page  # the value below the limit of quantification, as such
    client.force_login(_member("eau-loin", Role.AGENT, other_organisation))
    assert 'id="non-concluants"' not in client.get(reverse("eau:quality")).content.decode()


def _map_labels(page: str, map_id: str) -> list[str]:
    import json

    found = re.search(
        rf'<script id="{map_id}-donnees" type="application/json">(.*?)</script>', page, re.DOTALL
    )
    return (
        [f["properties"]["label"] for f in json.loads(found.group(1))["features"]] if found else []
    )


def _plan_job(pipes):
    plan = [
        {
            "rank": i + 1,
            "pipe": pipe,
            "year": 2023 + i,
            "risk": 0.5,
            "criticality": 5.0,
            "consequence": 0.5,
            "priority": 0.25,
            "length_m": 120.0,
            "material": "CI",
            "diameter_mm": 150,
            "installed": 1950,
            "reasons": f"raisons de {pipe}",
            "lat": None,
            "lon": None,
        }
        for i, pipe in enumerate(pipes)
    ]
    return Job.objects.create(
        kind="renewal",
        status=JobStatus.DONE,
        result={"plan": plan, "budget_km": 1.0, "horizon": 5, "year": 2023},
    )


def test_renewal_map_traces_the_plan_on_a_network_with_real_coordinates_of_its_own_only(
    client, db, organisation, other_organisation
):
    """An inventory with no geometry (Kitchener) has only break places; a plan whose pipes are
    links of a network imported in Lambert-93 or WGS 84 is drawn along them — for users who
    may see that network only."""
    elements = {
        # Lambert-93 around Toulouse; a second network in WGS 84
        "nodes": {
            "J1": [574000.0, 6279000.0, "junction", "A"],
            "J2": [574100.0, 6279050.0, "junction", "A"],
        },
        "links": [["T-9", "J1", "J2", "pipe", 150, 112.0, "A", ""]],
    }
    Network.objects.create(
        name="Réseau Lambert",
        source_name="l93.inp",
        crs="EPSG:2154",
        elements=elements,
        organisation=organisation,
    )
    Network.objects.create(
        name="Réseau WGS",
        source_name="wgs.inp",
        crs="EPSG:4326",
        organisation=organisation,
        elements={
            "nodes": {"N1": [1.44, 43.6, "junction", "A"], "N2": [1.441, 43.601, "junction", "A"]},
            "links": [["W-3", "N1", "N2", "pipe", 100, 90.0, "A", ""]],
        },
    )
    Network.objects.create(
        name="Réseau local",
        source_name="loc.inp",
        crs="local",
        organisation=organisation,
        elements={
            "nodes": {"X1": [0, 0, "junction", "A"], "X2": [10, 0, "junction", "A"]},
            "links": [["L-1", "X1", "X2", "pipe", 100, 10.0, "A", ""]],
        },
    )
    _plan_job(["T-9", "W-3", "L-1", "K-77"])
    insider = User.objects.create_user(
        "eau-maison", password="motdepasse-test-1", role=Role.AGENT, organisation=organisation
    )
    client.force_login(insider)
    page = client.get(reverse("eau:renewal")).content.decode().replace("&#x27;", "'")
    assert "carte-renouvellement" in page and "trace 2 canalisations du plan" in page
    labels = _map_labels(page, "carte-renouvellement")
    assert "Rang 1 : canalisation T-9 (2023, réseau Réseau Lambert)" in labels
    assert "Rang 2 : canalisation W-3 (2024, réseau Réseau WGS)" in labels
    assert len(labels) == 2  # L-1: a schematic has no place on a map; K-77: no network
    shapes = network_service.plan_shapes(
        [{"rank": 1, "pipe": "T-9", "year": 2023, "reasons": ""}], Network.objects.all()
    )
    (lon0, lat0), (lon1, lat1) = shapes[0].geometry["coordinates"]
    assert 1.3 < lon0 < 1.6 and 43.5 < lat0 < 43.7 and (lon1, lat1) != (lon0, lat0)
    stranger = User.objects.create_user(
        "eau-autre", password="motdepasse-test-1", role=Role.AGENT, organisation=other_organisation
    )
    client.force_login(stranger)
    page = client.get(reverse("eau:renewal")).content.decode()
    assert "Réseau Lambert" not in page and "Réseau WGS" not in page
    assert "carte-renouvellement-donnees" not in page  # nothing of theirs to draw
    assert "Canalisations à renouveler" in page  # the table is still there (Kitchener's plan)
