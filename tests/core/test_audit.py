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
