from territoria.core.audit import acting_as
from territoria.core.models import AuditLog, Organisation


def test_audit_records_create_update_delete_with_field_diff(agent):
    with acting_as(agent):
        org = Organisation.objects.create(name="Commune A", siret="24330031600011", type="commune")
        org = Organisation.objects.get(pk=org.pk)
        org.name = "Commune B"
        org.save()
        org_id = str(org.pk)
        org.delete()
    entries = list(AuditLog.objects.filter(object_id=org_id).order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].changes == {"name": ["Commune A", "Commune B"]}
    assert all(e.actor == agent and e.actor_label == "agent" for e in entries)


def test_audit_unchanged_save_writes_nothing(organisation):
    count = AuditLog.objects.count()
    Organisation.objects.get(pk=organisation.pk).save()
    assert AuditLog.objects.count() == count


def test_audit_label_for_commands(db):
    with acting_as(label="import data.csv"):
        org = Organisation.objects.create(name="X", siret="24330031600011", type="commune")
    assert AuditLog.objects.get(object_id=str(org.pk)).actor_label == "import data.csv"


def test_audit_sees_in_place_change_of_a_loaded_list(organisation):
    from territoria.registre.factories import ProjectFactory
    from territoria.registre.models import Project

    project = ProjectFactory(organisation=organisation, sous_themes=["eau"])
    loaded = Project.objects.get(pk=project.pk)
    loaded.sous_themes.append("energie")  # mutated in place: the loaded values must be a copy
    loaded.save()
    entry = AuditLog.objects.filter(object_id=str(project.pk), action="update").latest("id")
    assert entry.changes["sous_themes"] == [["eau"], ["eau", "energie"]]


def test_audit_diff_on_an_instance_loaded_with_deferred_fields(organisation):
    org = Organisation.objects.only("name").get(pk=organisation.pk)
    org.type = "epci"  # deferred when loaded: its old value must still be known
    org.save()
    entry = AuditLog.objects.filter(object_id=str(organisation.pk), action="update").latest("id")
    assert entry.changes == {"type": ["commune", "epci"]}


# --- Write paths that skip save(): bulk updates, bulk creates, bulk and cascade deletes ---


def test_queryset_update_leaves_one_audit_entry_per_changed_row(agent, organisation):
    from territoria.registre.factories import ProjectFactory
    from territoria.registre.models import Project

    projects = [ProjectFactory(organisation=organisation, nom_projet=f"P{n}") for n in range(3)]
    already = projects[0]
    Project.objects.filter(pk=already.pk).update(hebergement="Cloud souverain")
    with acting_as(agent):
        count = Project.objects.filter(organisation=organisation).update(
            hebergement="Cloud souverain"
        )
    assert count == 3
    entries = AuditLog.objects.filter(action="update", actor=agent)
    # The row that already held the value changed nothing: no entry for it.
    assert {e.object_id for e in entries} == {str(p.pk) for p in projects[1:]}
    before = projects[1].hebergement
    assert entries.get(object_id=str(projects[1].pk)).changes == {
        "hebergement": [before, "Cloud souverain"]
    }


def test_related_manager_update_and_bulk_update_are_audited(organisation):
    from django.db.models import Value
    from django.db.models.functions import Concat

    from territoria.registre.factories import ProjectFactory
    from territoria.registre.models import Project

    project = ProjectFactory(organisation=organisation, nom_projet="Tri")
    organisation.projects.update(nom_projet=Concat("nom_projet", Value(" des déchets")))
    entry = AuditLog.objects.filter(object_id=str(project.pk), action="update").latest("id")
    assert entry.changes == {"nom_projet": ["Tri", "Tri des déchets"]}
    project.refresh_from_db()
    project.nom_projet = "Tri sélectif"
    Project.objects.bulk_update([project], ["nom_projet"])
    entry = AuditLog.objects.filter(object_id=str(project.pk), action="update").latest("id")
    assert entry.changes == {"nom_projet": ["Tri des déchets", "Tri sélectif"]}


def test_bulk_create_is_audited(db):
    with acting_as(label="script"):
        (org,) = Organisation.objects.bulk_create(
            [Organisation(name="Commune C", siret="24330031600011", type="commune")]
        )
    entry = AuditLog.objects.get(object_id=str(org.pk))
    assert (entry.action, entry.actor_label) == ("create", "script")
    assert entry.changes["name"] == [None, "Commune C"]


def test_queryset_and_cascade_deletes_are_audited(organisation):
    from territoria.opendata.models import Dataset, Resource

    dataset = Dataset.objects.create(
        organisation=organisation, title="Arbres", slug="arbres", description="Arbres."
    )
    resource = Resource.objects.create(
        dataset=dataset, title="Arbres 2025", slug="arbres-2025", table_name="arbres_2025"
    )
    with acting_as(label="nettoyage"):
        Dataset.objects.filter(pk=dataset.pk).delete()  # the resource goes by cascade
    deletions = AuditLog.objects.filter(action="delete", actor_label="nettoyage")
    assert {e.object_id for e in deletions} == {str(dataset.pk), str(resource.pk)}
    assert deletions.get(object_id=str(resource.pk)).object_type == "opendata.resource"


def test_admin_bulk_delete_action_is_audited(admin_user, other_organisation):
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/core/organisation/",
        {
            "action": "delete_selected",
            "_selected_action": [str(other_organisation.pk)],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    entry = AuditLog.objects.get(object_id=str(other_organisation.pk), action="delete")
    assert entry.actor == admin_user


def test_bulk_create_ignoring_conflicts_is_refused_on_audited_models(db):
    import pytest

    with pytest.raises(ValueError, match="journalisé"):
        Organisation.objects.bulk_create(
            [Organisation(name="D", siret="24330031600011", type="commune")],
            ignore_conflicts=True,
        )
    assert not Organisation.objects.exists()
