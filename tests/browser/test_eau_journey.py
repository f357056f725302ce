"""A water engineer's journey through the eau module, in Chromium.

The agent imports L-Town's EPANET model, sees its zones drawn as a schematic, imports SCADA
flows, runs the day-by-day leak detection and watches its progress, reads an alert's
explanation (observed against expected flow, water and money lost), confirms the alert that
the pressures localise and dismisses another with a reason, computes Kitchener's renewal
plan, and imports quality samples to see a non-compliance. An anonymous visitor sees the
public quality page and nothing of the network.

One journey, two data sources (the `source` fixture):
* `fixtures` always runs, on the committed extracts of tests/fixtures/eau/ (SOURCE.md):
  L-TOWN.inp, 32 days of the 2018 flows around the development leak L2018-13, the Kitchener
  samples. Its screenshots go to var/screenshots/eau-extraits/ (never to the docs: docs/eau.md
  describes the full data).
* `shared` runs when ../shared/data is there: the 2018 and 2019 flows, the 2019 tank level,
  Kitchener's full inventory. Screenshots: docs/screenshots/eau-*.png when
  TERRITORIA_SCREENSHOTS_DIR=docs/screenshots.

Pressures: BattLeDIM's `SCADA_Pressures` are not in the data provided, so the journey
imports three weeks of pressures at L-Town's 33 sensors simulated with EPANET around the
2018 development leak L2018-13 (p158, 24.75 m³/h from 6 October 2018 02:35; 2018 is the
development year, its truth may be used) and checks that the replay ranks pipes near p158
first. The 2019 truth is never used.
"""

import csv
import datetime as dt
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from territoria.eau.models import Alert, AlertStatus
from tests.browser.support import ROOT, check_accessibility, log_in, screenshot
from tests.jobs import run_worker
from tests.shared_data import SHARED_DATA, requires_shared_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

DATA = SHARED_DATA / "eau"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"
LEAK_PIPE, LEAK_START, LEAK_M3H = "p158", dt.datetime(2018, 10, 6, 2, 35), 24.75


@dataclass(frozen=True)
class Source:
    """What the journey imports and what it then expects to see."""

    network: Path  # L-TOWN.inp
    scada: tuple[Path, ...]  # flow (and level) files imported together
    imported: str  # the import message checked for one of them
    days: int  # days the replay goes through
    month: str  # the month whose flow chart is shown, YYYY-MM
    alerts_year: int  # the year of the alerts explained and decided on
    min_alerts: int  # at least this many alerts that year besides the localised one
    limits: Path  # the French quality limits
    kitchener: Path  # folder holding Water_Mains.csv and Water_Main_Breaks.csv
    docs_screenshots: bool  # the screenshots of docs/eau.md come from this source


def fixtures_source(tmp_path: Path) -> Source:
    """The committed extracts: the journey of CI, with no ../shared."""
    kitchener = tmp_path / "donnees" / "eau" / "pipe_breaks_kitchener"
    kitchener.mkdir(parents=True)
    # the renewal job reads Kitchener's files under their published names
    shutil.copy(FIXTURES / "kitchener_mains_sample.csv", kitchener / "Water_Mains.csv")
    shutil.copy(FIXTURES / "kitchener_breaks_sample.csv", kitchener / "Water_Main_Breaks.csv")
    return Source(
        network=FIXTURES / "L-TOWN.inp",
        scada=(FIXTURES / "ltown_flows_2018_09_29_10_30.csv",),
        imported="ltown_flows_2018_09_29_10_30.csv : 9\u202f216 mesures importées.",
        days=32,
        month="2018-10",
        alerts_year=2018,
        min_alerts=1,  # besides L2018-13's (6 October): L2018-14's (30 October)
        limits=FIXTURES / "fr_edch_limits.csv",
        kitchener=kitchener,
        docs_screenshots=False,
    )


def shared_source(tmp_path: Path) -> Source:
    """The full data sets of ../shared: two years of flows, the 2019 tank level."""
    return Source(
        network=DATA / "L-TOWN.inp",
        scada=(
            DATA / "SCADA_Flows_2018.csv",
            DATA / "SCADA_Flows_2019.csv",
            DATA / "SCADA_Levels_2019.csv",
        ),
        imported="SCADA_Flows_2019.csv : 105\u202f120 mesures importées.",
        days=730,
        month="2019-04",
        alerts_year=2019,
        min_alerts=5,
        limits=DATA / "fr_edch_limits_arrete_2007-01-11.csv",
        kitchener=DATA / "pipe_breaks_kitchener",
        docs_screenshots=True,
    )


@pytest.fixture(
    params=[
        pytest.param(fixtures_source, id="fixtures"),
        pytest.param(shared_source, id="shared", marks=requires_shared_data),
    ]
)
def source(request, tmp_path) -> Source:
    return request.param(tmp_path)


def shoot(page, source: Source, name: str) -> None:
    """The docs' screenshots from the full data only; the extracts' beside them in var/."""
    if source.docs_screenshots:
        screenshot(page, name)
    else:
        folder = ROOT / "var" / "screenshots" / "eau-extraits"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


def write_ltown_pressures(path: Path, inp: Path) -> str:
    """Three weeks of 15-minute pressures at L-Town's 33 sensors: EPANET's pressure at each
    hour of the day (the model's demand pattern) with 2 cm of sensor noise, minus the drop of
    a leak in the middle of LEAK_PIPE from LEAK_START. Returns the sensor that drops most."""
    import numpy as np
    import wntr

    from territoria.eau import localisation

    sensors = localisation.LTOWN_PRESSURE_SENSORS
    model = wntr.network.WaterNetworkModel(str(inp))
    model = wntr.morph.split_pipe(model, LEAK_PIPE, f"{LEAK_PIPE}_b", "FUITE", split_at_point=0.5)
    with tempfile.TemporaryDirectory() as folder:
        split = Path(folder) / "split.inp"
        wntr.network.write_inpfile(model, str(split))
        base, drop = {}, {}
        for hour in range(24):
            hydraulics = localisation.Hydraulics(split, hour)
            try:
                base[hour] = hydraulics.pressures(sensors)
                drop[hour] = hydraulics.leak_drop("FUITE", LEAK_M3H, sensors, base[hour])
            finally:
                hydraulics.close()
    rng = np.random.default_rng(13)
    first = LEAK_START.replace(hour=0, minute=0) - dt.timedelta(days=14)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", *sensors])
        for step in range(21 * 96):
            when = first + dt.timedelta(minutes=15 * step)
            values = base[when.hour] + rng.normal(0, 0.02, len(sensors))
            if when >= LEAK_START:
                values = values - drop[when.hour]
            writer.writerow([f"{when:%Y-%m-%d %H:%M:%S}", *(f"{v:.3f}" for v in values)])
    return sensors[int(np.argmax(drop[3]))]


@pytest.fixture(autouse=True)
def queued_jobs(settings):
    """Jobs wait in the database queue, as in production, instead of running inside the
    request: the page answers at once and the test runs the worker, then reads the job's
    progress (no click waits for a minute of work on a busy machine)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queued_job(page) -> None:
    """On a job's page: the job waits; the worker runs it (what `territoria db_worker` does);
    the page then says it is done.

    The waiting page reloads itself every 3 s; the live server shares this test's SQLite
    connection, so a reload during the worker's BEGIN EXCLUSIVE failed with "database table
    is locked" (a CI run): the browser leaves the page while the worker runs."""
    expect(page.get_by_text("Statut : En attente")).to_be_visible()
    job_url = page.url
    page.goto("about:blank")
    run_worker()
    page.goto(job_url)
    expect(page.get_by_text("Statut : Terminé")).to_be_visible()


def test_water_engineer_journey(page, live_server, agent, monkeypatch, tmp_path, source):
    # the renewal job finds Kitchener's files under TERRITORIA_SHARED_DATA/eau/…
    monkeypatch.setenv("TERRITORIA_SHARED_DATA", str(source.kitchener.parents[1]))
    # Real files of megabytes: generous waits on a shared 2-core machine.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(120_000)
    log_in(page, live_server, "agent")
    page.goto(live_server.url + "/eau/")
    expect(page.get_by_role("heading", name="Eau potable", level=1)).to_be_visible()
    check_accessibility(page)

    # 1. the EPANET model
    page.get_by_label("Nom du réseau").fill("L-Town")
    page.get_by_label("Fichier .inp").set_input_files(str(source.network))
    page.get_by_role("button", name="Importer le réseau").click()
    run_queued_job(page)  # reading the model loads WNTR: a background job with its progress
    expect(page.get_by_text("Réseau « L-Town » importé : 3 zones.")).to_be_visible()
    expect(page.get_by_label("Avancement")).to_have_attribute("value", "2")
    page.get_by_role("link", name="Voir le réseau, ses zones et leurs bilans").click()
    expect(page.get_by_label("Bilan de la zone A")).to_have_value("p227 + p235 − PUMP_1")
    # a balance naming a pipe the network lacks is refused with the term
    page.get_by_label("Bilan de la zone B").fill("p227 + p9999")
    page.get_by_role("button", name="Enregistrer le bilan de B").click()
    expect(page.get_by_text("Terme « p9999 » du bilan : aucune conduite")).to_be_visible()
    expect(page.get_by_label("Bilan de la zone B")).to_have_value("")
    shoot(page, source, "eau-reseau")
    check_accessibility(page)

    # 2. a bad SCADA file is refused with its line, then the real ones are imported
    bad = FIXTURES / "samples.csv"  # not a SCADA export: its first column is no timestamp
    page.get_by_label("Fichiers CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Importer les mesures").click()
    expect(
        page.get_by_text("samples.csv, ligne 2, colonne « commune » : horodatage illisible")
    ).to_be_visible()
    page.get_by_label("Fichiers CSV").set_input_files([str(path) for path in source.scada])
    page.get_by_role("button", name="Importer les mesures").click()
    expect(page.get_by_text(source.imported)).to_be_visible()
    # pressures: columns named like junctions of the model are pressure sensors (metres)
    pressures = tmp_path / "Pressions_2018_extrait.csv"
    dropping = write_ltown_pressures(pressures, source.network)
    page.get_by_label("Fichiers CSV").set_input_files(str(pressures))
    page.get_by_role("button", name="Importer les mesures").click()
    expect(
        page.get_by_text("Pressions_2018_extrait.csv : 2\u202f016 mesures importées.")
    ).to_be_visible()
    expect(
        page.get_by_text("Capteurs de pression (colonnes nommées comme un nœud")
    ).to_contain_text(": 33 capteurs —")

    # 3. day-by-day detection as a background job with its progress
    page.get_by_role("button", name="Détecter les fuites sur toutes les mesures").click()
    run_queued_job(page)
    expect(page.get_by_label("Avancement")).to_have_attribute("value", str(source.days))
    shoot(page, source, "eau-traitement")
    check_accessibility(page)
    page.get_by_role("link", name="Voir le réseau et ses alertes").click()
    page.get_by_label("Mois affiché").fill(source.month)
    page.get_by_role("button", name="Afficher").click()
    year, month = source.month.split("-")
    chart = page.get_by_role("img", name=f"Débit horaire de la zone A ({month}/{year})")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    shoot(page, source, "eau-debits")
    check_accessibility(page)

    page.get_by_label("Mois affiché").fill("2018-10")
    page.get_by_label("Capteur de pression").select_option(dropping)
    page.get_by_role("button", name="Afficher").click()
    pressure_chart = page.get_by_role(
        "img", name=f"Pression horaire au capteur {dropping} (10/2018)"
    )
    expect(pressure_chart).to_be_visible()
    pressure_chart.scroll_into_view_if_needed()
    shoot(page, source, "eau-pressions")

    # 3b. the alert of the October leak is localised from the pressures, near the leak
    localised = Alert.objects.get(
        zone="A",
        raised_at__gte=timezone.make_aware(LEAK_START, dt.UTC),
        raised_at__lt=timezone.make_aware(LEAK_START + dt.timedelta(days=1), dt.UTC),
    )
    assert localised.pipes and localised.pressure_sensors == 33
    network = localised.network
    nodes = network.elements["nodes"]
    ends = {link[0]: (link[1], link[2]) for link in network.elements["links"]}

    def middle(pipe):
        a, b = (nodes[n] for n in ends[pipe])
        return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)

    assert math.dist(middle(localised.pipes[0]), middle(LEAK_PIPE)) < 300
    page.goto(f"{live_server.url}/eau/alertes/{localised.pk}/")
    candidates = page.get_by_role("table", name="Canalisations candidates")
    expect(candidates).to_contain_text(localised.pipes[0])
    expect(page.get_by_role("img", name="en rouge, 10 canalisations candidates")).to_be_visible()
    page.get_by_role("heading", name="Localisation dans la zone").scroll_into_view_if_needed()
    shoot(page, source, "eau-localisation")
    check_accessibility(page)
    # the agent confirms it, then marks it repaired on the day it was (the measures' clock)
    page.get_by_label("Motif ou commentaire").fill("Fuite trouvée au corrélateur près de p158")
    page.get_by_role("button", name="Confirmer la fuite").click()
    expect(page.get_by_text("Alerte confirmée.")).to_be_visible()
    page.get_by_label("Réparée le").fill("2018-10-08T14:30")
    page.get_by_role("button", name="Marquer réparée").click()
    expect(page.get_by_text("Alerte réparée.")).to_be_visible()
    history = page.get_by_role("table", name="Décisions prises sur cette alerte")
    expect(history).to_contain_text("Nouvelle → Confirmée")
    expect(history).to_contain_text("Confirmée → Réparée (réparée le 08/10/2018 14h30)")
    expect(history).to_contain_text("Fuite trouvée au corrélateur près de p158")

    # 4. another alert explains itself; the agent dismisses it with a reason (the
    # localised alert above was confirmed)
    alerts = list(
        Alert.objects.filter(raised_at__year=source.alerts_year)
        .exclude(pk=localised.pk)
        .order_by("raised_at")
    )
    assert len(alerts) >= source.min_alerts
    page.goto(f"{live_server.url}/eau/alertes/{alerts[0].pk}/")
    expect(page.get_by_role("img", name="débit observé et attendu")).to_be_visible()
    expect(page.get_by_text("Eau perdue jusqu'au")).to_be_visible()
    page.get_by_role("heading", name="Décision", exact=True).scroll_into_view_if_needed()
    shoot(page, source, "eau-alerte")
    check_accessibility(page)
    page.get_by_role("button", name="Écarter l'alerte").click()
    expect(page.get_by_text("Indiquez pourquoi l'alerte est écartée.")).to_be_visible()
    page.get_by_label("Motif ou commentaire").fill("Essai de poteau incendie des pompiers")
    page.get_by_role("button", name="Écarter l'alerte").click()
    expect(page.get_by_text("Alerte écartée.")).to_be_visible()
    assert Alert.objects.get(pk=alerts[0].pk).status == AlertStatus.DISMISSED

    # the service sets its own reminder delay (48 h by default)
    page.goto(live_server.url + "/eau/")
    page.get_by_label("Lister une alerte non traitée ou une non-conformité sans suite après").fill(
        "24"
    )
    page.get_by_role("button", name="Enregistrer le délai").click()
    expect(page.get_by_text("Délai de rappel : 24 h")).to_be_visible()

    # 5. Kitchener's renewal plan
    page.goto(live_server.url + "/eau/renouvellement/")
    page.get_by_label("Budget (km renouvelés par an)").fill("8")
    page.get_by_role("button", name="Calculer le plan").click()
    run_queued_job(page)
    page.get_by_role("link", name="Voir le plan de renouvellement").click()
    plan = page.get_by_role("table", name="Canalisations à renouveler")
    expect(plan).to_contain_text("casse attendue en 5 ans")
    expect(plan).to_contain_text("criticité")
    reliability = page.get_by_role("table", name="Part des casses des années non vues")
    expect(reliability).to_contain_text("Priorités : risque de casse × criticité (méthode du plan)")
    expect(reliability).to_contain_text("Risque de casse seul (ensemble de 4 modèles)")
    expect(reliability).to_contain_text("Les plus anciennes d'abord")
    shoot(page, source, "eau-renouvellement")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le plan complet").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("rang,canalisation,annee,priorite,casses_attendues,criticite")
    assert len(rows) > 100
    page.locator("#carte-renouvellement").scroll_into_view_if_needed()
    shoot(page, source, "eau-renouvellement-carte")
    check_accessibility(page)

    # 6. quality: limits, samples, the non-compliance
    page.goto(live_server.url + "/eau/qualite/")
    page.get_by_label("Contenu").select_option("limites")
    page.get_by_label("Fichier", exact=True).set_input_files(str(source.limits))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("66 valeurs réglementaires importées")).to_be_visible()
    page.get_by_label("Contenu").select_option("resultats")
    page.get_by_label("Fichier", exact=True).set_input_files(str(FIXTURES / "samples.csv"))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("3 résultats importés, dont 1 non-conformité.")).to_be_visible()
    expect(page.get_by_role("heading", name="Alertes qualité")).to_be_visible()
    page.get_by_label("Suite donnée").fill("ARS informée ; recontrôle le 04/03")
    page.get_by_role("button", name="Enregistrer la suite donnée").click()
    expect(page.get_by_text("Suite enregistrée pour")).to_be_visible()
    expect(page.get_by_text("ARS informée ; recontrôle le 04/03")).to_be_visible()
    page.get_by_role("heading", name="Saint-Orens-de-Gameville").scroll_into_view_if_needed()
    shoot(page, source, "eau-qualite")
    check_accessibility(page)

    # 7. an anonymous visitor: the public results, nothing of the network
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(live_server.url + "/eau/qualite/")
    expect(page.get_by_text("61 mg/L > limite de qualité 50 mg/L")).to_be_visible()
    expect(page.get_by_text("ARS informée")).to_have_count(0)  # the follow-up is internal
    response = page.goto(f"{live_server.url}/eau/alertes/{alerts[0].pk}/")
    assert response.status == 404
