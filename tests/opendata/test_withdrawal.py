"""A producer unpublishes or deletes a dataset: every data address answers 410 with the date
and the reason in French, the catalogue keeps the record, other organisations cannot."""

from django.urls import reverse

from territoria.opendata import querying, storage
from territoria.opendata.models import Dataset, ResourceVersion, VersionStatus
from territoria.opendata.query.base import QueryError

from .conftest import SUBSIDIES, new_resource, upload

REASON = "Erreurs de montants constatées ; une version corrigée suivra."


def _withdraw(client, dataset, action="withdraw", **extra):
    return client.post(
        reverse("opendata:dataset-withdraw", args=[dataset.slug]),
        {"action": action, "reason": REASON, **extra},
    )


def test_withdrawn_dataset_answers_410_everywhere_with_the_reason(client, agent, subsidies):
    dataset, table = subsidies.dataset, subsidies.table_name
    client.force_login(agent)
    assert _withdraw(client, dataset).status_code == 302
    client.logout()
    download = client.get(reverse("opendata:api-table-download", args=[table, "csv"]))
    assert download.status_code == 410
    body = download.content.decode()
    assert "retiré de la publication" in body and "Erreurs de montants" in body
    rows = client.get(reverse("opendata:api-table-rows", args=[table]))
    assert rows.status_code == 410 and "Motif" in rows.content.decode()
    page = client.get(subsidies.get_absolute_url())
    assert page.status_code == 410 and REASON in page.content.decode()
    landing = client.get(dataset.get_absolute_url())
    assert landing.status_code == 410
    # No longer a table of the SQL console.
    try:
        querying.sql(f"SELECT count(*) FROM {table}")
        raise AssertionError("a withdrawn table answered")
    except QueryError as error:
        assert "Table inconnue" in error.message
    # The catalogue keeps the record: title, date, reason.
    catalogue = client.get(reverse("opendata:catalog")).content.decode()
    assert "Jeux de données retirés" in catalogue and REASON in catalogue
    versions = ResourceVersion.objects.filter(resource=subsidies)
    assert {v.status for v in versions} == {VersionStatus.WITHDRAWN}


def test_withdrawal_needs_a_reason_and_the_producer(client, agent, other_agent, subsidies):
    dataset = subsidies.dataset
    client.force_login(other_agent)
    assert _withdraw(client, dataset).status_code == 403
    client.force_login(agent)
    refused = client.post(
        reverse("opendata:dataset-withdraw", args=[dataset.slug]),
        {"action": "withdraw", "reason": "  "},
    )
    assert refused.status_code == 400 and "Indiquez le motif" in refused.content.decode()
    dataset.refresh_from_db()
    assert dataset.withdrawn_at is None


def test_withdrawn_dataset_can_be_republished(client, agent, subsidies):
    dataset = subsidies.dataset
    client.force_login(agent)
    _withdraw(client, dataset)
    assert _withdraw(client, dataset, action="restore").status_code == 302
    client.logout()
    csv = client.get(reverse("opendata:api-table-download", args=[subsidies.table_name, "csv"]))
    assert csv.status_code == 200
    dataset.refresh_from_db()
    assert dataset.withdrawn_at is None


def test_delete_erases_files_and_keeps_the_record(
    client, agent, subsidies, django_capture_on_commit_callbacks
):
    dataset = subsidies.dataset
    parquet = storage.published_parquet(subsidies.current_version)
    assert parquet.exists()
    client.force_login(agent)
    unconfirmed = _withdraw(client, dataset, action="delete")
    assert unconfirmed.status_code == 400 and "Cochez" in unconfirmed.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        deleted = _withdraw(client, dataset, action="delete", confirm="1")
    assert deleted.status_code == 302
    assert not parquet.exists()
    dataset.refresh_from_db()
    assert dataset.files_deleted and dataset.withdrawn_at is not None
    assert all(v.preview == [] for v in ResourceVersion.objects.filter(resource=subsidies))
    client.logout()
    gone = client.get(reverse("opendata:api-table-download", args=[subsidies.table_name, "csv"]))
    assert gone.status_code == 410 and "fichiers ont été supprimés" in gone.content.decode()


def test_delete_of_a_never_published_dataset_removes_it(client, agent, dataset):
    resource = new_resource(dataset)
    from territoria.opendata import publishing

    publishing.receive_file(resource, upload("vide.csv", b"a;b\n"), "vide.csv")
    client.force_login(agent)
    response = _withdraw(client, dataset, action="delete", confirm="1", reason="")
    assert response.status_code == 302
    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    assert SUBSIDIES.exists()  # the fixture file itself is untouched
