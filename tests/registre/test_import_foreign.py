"""Imports of the Dutch Algoritmeregister and the UK ATRS records (foreign bodies, no SIRET)."""

import json

import pytest
from django.core.exceptions import ValidationError

from territoria.core.models import Organisation, OrganisationType
from territoria.registre.importers.service import import_file
from territoria.registre.models import Project
from tests.shared_data import requires_shared_data

from .import_helpers import NL_JSON, NL_JSON_FULL, UK_JSON

pytestmark = pytest.mark.django_db


def sample(path, key, count, tmp_path):
    document = json.loads(path.read_text(encoding="utf-8"))
    document[key] = document[key][:count]
    out = tmp_path / path.name
    out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return out, document[key]


def test_nl_sample_import_maps_fields_and_is_idempotent(tmp_path):
    path, items = sample(NL_JSON, "algoritmes", 40, tmp_path)
    report = import_file(path)
    assert report.ok, report.render_text()
    assert report.format == "nl" and report.count("created") == 40
    first = Project.objects.get(source="nl-algoritmeregister", source_key=items[0]["id"])
    assert first.nom_projet == items[0]["title"]
    assert first.usage_description == items[0]["doel"]
    assert first.projet_status == "deploiement"  # in_gebruik
    assert first.url_infos == items[0]["url"]
    assert first.content_updated_on.isoformat() == items[0]["geregistreerd"]
    organisation = first.organisation
    assert (organisation.country, organisation.siret) == ("NL", None)
    assert organisation.identifier.startswith("nl:")
    again = import_file(path)
    assert again.counts["unchanged"] == 40 and Project.objects.count() == 40


def test_nl_municipality_becomes_a_commune(tmp_path):
    import_file(NL_JSON)
    amsterdam = Organisation.objects.get(name="Gemeente Amsterdam")
    assert amsterdam.type == OrganisationType.COMMUNE


def test_nl_dry_run_writes_nothing(tmp_path):
    path, _ = sample(NL_JSON, "algoritmes", 10, tmp_path)
    report = import_file(path, dry_run=True)
    assert report.count("created") == 10 and report.organisations["created"] >= 1
    assert Project.objects.count() == 0 and Organisation.objects.count() == 0


def test_nl_unknown_status_is_rejected_with_record_number(tmp_path):
    path, _ = sample(NL_JSON, "algoritmes", 3, tmp_path)
    document = json.loads(path.read_text())
    document["algoritmes"][2]["status"] = "gepauzeerd"
    path.write_text(json.dumps(document))
    report = import_file(path)
    assert [(e.line, e.column, e.field) for e in report.errors] == [(3, "status", "projet_status")]
    assert "in_gebruik" in report.errors[0].expected
    assert Project.objects.count() == 0


def test_uk_sample_import_and_body_without_name(tmp_path):
    path, _ = sample(UK_JSON, "records", 136, tmp_path)
    report = import_file(path, format="uk", dry_run=True)
    assert report.ok and report.count("created") == 136
    path, _ = sample(UK_JSON, "records", 20, tmp_path)
    report = import_file(path)
    assert report.ok, report.render_text()
    hmrc = Project.objects.get(nom_projet="Ask HMRC online")
    assert hmrc.organisation.name == "HMRC" and hmrc.organisation.country == "GB"
    assert hmrc.source_key == "hmrc-ask-hmrc-online"
    assert hmrc.content_updated_on.isoformat() == "2025-06-26"
    assert import_file(path).counts["unchanged"] == 20


def test_french_organisation_still_requires_a_valid_siret():
    with pytest.raises(ValidationError):
        Organisation(name="Commune sans SIRET", type=OrganisationType.COMMUNE).full_clean()
    with pytest.raises(ValidationError):
        Organisation(
            name="Commune", siret="20003986500107", type=OrganisationType.COMMUNE
        ).full_clean()
    Organisation(
        name="Gemeente X", country="NL", identifier="nl:gemeente-x", type="commune"
    ).full_clean()


@pytest.mark.slow
@requires_shared_data
def test_full_nl_and_uk_registers_import_twice():
    report = import_file(NL_JSON_FULL)
    assert report.ok and report.count("created") == 1530
    assert import_file(NL_JSON_FULL).counts["unchanged"] == 1530
    report = import_file(UK_JSON)
    assert report.ok and report.count("created") == 136
    assert Project.objects.count() == 1530 + 136
