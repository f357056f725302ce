"""Experiments export as CSV and JSON: what each reader may read, a published report in full."""

import csv
import io
import json

from territoria.catalogue.models import Experiment, Indicator


def _experiment(demo, organisation, other_organisation, *, public):
    experiment = Experiment.objects.create(
        title="Comptes rendus des conseils",
        need="Transcrire les séances",
        solution=demo["Vosk"],
        carrier=organisation,
        hypotheses="Gain de temps",
        duration_weeks=12,
        budget="8 000 €",
        costs="6 500 €",
        lessons="Relire les noms propres.",
        decision="deployer",
        status="deployee",
        report_public=public,
    )
    experiment.pilots.set([other_organisation])
    Indicator.objects.create(
        experiment=experiment,
        name="Temps de rédaction",
        unit="heures",
        baseline=6,
        target=2,
        measured=1.5,
    )
    return experiment


def test_a_public_report_is_exported_to_everyone(client, demo, organisation, other_organisation):
    experiment = _experiment(demo, organisation, other_organisation, public=True)
    copy = Experiment.objects.create(
        title="Copie",
        need="n",
        solution=demo["Vosk"],
        carrier=other_organisation,
        hypotheses="h",
        duration_weeks=4,
        replicated_from=experiment,
    )
    rows = json.loads(client.get("/catalogue/experimentations/export.json").content)
    by_title = {row["title"]: row for row in rows}
    source = by_title["Comptes rendus des conseils"]
    assert source["replications"] == 1 and by_title["Copie"]["replicated_from"] == str(
        experiment.pk
    )
    assert source["report"]["measured"] == {"Temps de rédaction": 1.5}
    assert source["report"]["lessons"] == "Relire les noms propres."
    assert "budget" not in source  # restricted
    assert source["pilots"] == ["Bordeaux Métropole"]
    assert "report" not in by_title["Copie"] and copy.pk

    response = client.get("/catalogue/experimentations/export.csv")
    assert response["Content-Disposition"].endswith('experimentations-ia.csv"')
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    line = next(r for r in table if r["title"] == "Comptes rendus des conseils")
    assert "budget" not in line
    assert (
        line["indicators"]
        == "Temps de rédaction : départ 6 heures, cible 2 heures, mesuré 1.5 heures"
    )
    assert line["report_decision"] == "deployer" and line["report_costs"] == "6 500 €"


def test_an_internal_report_is_left_out_for_anonymous_readers(
    client, demo, organisation, other_organisation
):
    _experiment(demo, organisation, other_organisation, public=False)
    row = json.loads(client.get("/catalogue/experimentations/export.json").content)[0]
    assert "report" not in row
    line = next(
        csv.DictReader(
            io.StringIO(client.get("/catalogue/experimentations/export.csv").content.decode())
        )
    )
    assert line["report_costs"] == "" and line["report_lessons"] == ""
    assert "mesuré" not in line["indicators"]
    assert client.get("/catalogue/experimentations/export.xml").status_code == 404
    assert client.get("/catalogue/export.xml").status_code == 404


def test_the_experiments_page_counts_replications(client, demo, organisation, other_organisation):
    experiment = _experiment(demo, organisation, other_organisation, public=True)
    Experiment.objects.create(
        title="Copie",
        need="n",
        solution=demo["Vosk"],
        carrier=other_organisation,
        hypotheses="h",
        duration_weeks=4,
        replicated_from=experiment,
    )
    page = client.get("/catalogue/experimentations/")
    counts = {e.title: e.replication_count for e in page.context["experiments"]}
    assert counts == {"Comptes rendus des conseils": 1, "Copie": 0}
