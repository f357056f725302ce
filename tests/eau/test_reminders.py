"""Daily reminders of what still waits for an agent's decision (reminders.py)."""

import datetime as dt
import html

from django.urls import reverse
from django.utils import timezone

from territoria.core.models import Role, User
from territoria.eau import reminders
from territoria.eau.models import Alert, AlertStatus, Network, QualitySample

NOW = timezone.make_aware(dt.datetime(2026, 6, 10, 7), dt.UTC)


def _network(name, organisation):
    return Network.objects.create(name=name, source_name=f"{name}.inp", organisation=organisation)


def _alert(network, hours_ago, status=AlertStatus.NEW):
    raised = NOW - dt.timedelta(hours=hours_ago)
    return Alert.objects.create(
        network=network,
        zone="A",
        raised_at=raised,
        start_estimate=raised - dt.timedelta(hours=6),
        flow_m3h=7.5,
        status=status,
    )


def _sample(organisation, place, hours_ago, handled=False):
    sample = QualitySample.objects.create(
        commune="Testville",
        place=place,
        sampled_at=NOW - dt.timedelta(days=5),
        parameter="Nitrates",
        value=61,
        unit="mg/L",
        compliant=False,
        verdict="61 mg/L > limite de qualité 50 mg/L",
        organisation=organisation,
        handled_at=NOW if handled else None,
    )
    QualitySample.objects.filter(pk=sample.pk).update(
        created_at=NOW - dt.timedelta(hours=hours_ago)
    )
    return sample


def test_each_service_is_reminded_of_its_own_overdue_decisions_only(
    db, organisation, other_organisation, mailoutbox
):
    User.objects.create_user(
        "eau-a",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=organisation,
        email="agent@testville.example",
    )
    User.objects.create_user(
        "eau-b",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=other_organisation,
        email="agent@bordeaux.example",
    )
    mine, theirs = _network("Testville", organisation), _network("Bordeaux", other_organisation)
    late = _alert(mine, hours_ago=60)
    _alert(mine, hours_ago=10)  # raised 10 h ago: not late yet
    _alert(mine, hours_ago=90, status=AlertStatus.DISMISSED)  # decided
    _sample(organisation, "École Jean Jaurès", hours_ago=72)
    _sample(organisation, "Mairie", hours_ago=72, handled=True)  # followed up
    _sample(organisation, "Stade", hours_ago=3)  # imported 3 h ago
    assert reminders.send_reminders(NOW) == 1  # Bordeaux has nothing late: no mail
    mail = mailoutbox[0]
    assert mail.to == ["agent@testville.example"]
    assert "1 alerte de fuite à examiner et 1 non-conformité sans suite" in mail.subject
    assert reverse("eau:alert", args=[late.pk]) in mail.body and "7,5 m³/h" in mail.body
    assert "École Jean Jaurès" in mail.body
    assert "Mairie" not in mail.body and "Stade" not in mail.body
    _alert(theirs, hours_ago=50)
    mailoutbox.clear()
    assert reminders.send_reminders(NOW) == 2
    bordeaux = next(m for m in mailoutbox if m.to == ["agent@bordeaux.example"])
    assert "Testville" not in bordeaux.body and "École" not in bordeaux.body
    late.status = AlertStatus.CONFIRMED
    late.save()
    QualitySample.objects.update(handled_at=NOW)
    Alert.objects.filter(network=theirs).delete()
    mailoutbox.clear()
    assert reminders.send_reminders(NOW) == 0 and mailoutbox == []


def test_the_index_shows_overdue_decisions_to_the_service(client, db, organisation):
    agent = User.objects.create_user(
        "eau-a", password="motdepasse-test-1", role=Role.AGENT, organisation=organisation
    )
    _alert(_network("Testville", organisation), hours_ago=24 * 400)
    _sample(organisation, "École", hours_ago=24 * 3)
    client.force_login(agent)
    page = client.get(reverse("eau:index")).content.decode()
    assert "En attente depuis plus de 48 heures" in page
    assert "1 alerte de fuite à examiner" in page and "1 non-conformité sans suite" in page


def test_each_service_sets_its_own_reminder_delay(
    client, db, organisation, other_organisation, mailoutbox
):
    from territoria.core.models import AuditLog
    from territoria.eau.models import ServiceSettings

    manager = User.objects.create_user(
        "eau-chef",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=organisation,
        email="chef@testville.example",
    )
    User.objects.create_user(
        "eau-b",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=other_organisation,
        email="agent@bordeaux.example",
    )
    mine, theirs = _network("Testville", organisation), _network("Bordeaux", other_organisation)
    _alert(mine, hours_ago=30)
    _alert(theirs, hours_ago=30)
    assert reminders.send_reminders(NOW) == 0  # 30 h < 48 h for both
    client.force_login(manager)
    url = reverse("eau:reminder_delay")
    for bad in ("", "douze", "0", "721", "2.5"):
        page = html.unescape(client.post(url, {"delai_rappel": bad}, follow=True).content.decode())
        assert f"Délai de rappel : « {bad} » n'est pas un nombre d'heures entier" in page
    assert not ServiceSettings.objects.exists()
    client.post(url, {"delai_rappel": "24"})
    assert ServiceSettings.objects.get(organisation=organisation).reminder_hours == 24
    assert AuditLog.objects.filter(object_type__icontains="servicesettings").exists()
    assert reminders.send_reminders(NOW) == 1  # Testville only: Bordeaux keeps 48 h
    assert mailoutbox[0].to == ["chef@testville.example"]
    assert "depuis plus de 24 heures" in mailoutbox[0].body
    page = client.get(reverse("eau:index")).content.decode()
    assert "En attente depuis plus de 24 heures" in page and 'value="24"' in page
    # An elected member (sees the module, does not manage it) cannot change it.
    elu = User.objects.create_user(
        "eau-elu", password="motdepasse-test-1", role=Role.ELU, organisation=organisation
    )
    client.force_login(elu)
    assert client.post(url, {"delai_rappel": "1"}).status_code == 403
    assert ServiceSettings.objects.get(organisation=organisation).reminder_hours == 24
    assert 'name="delai_rappel"' not in client.get(reverse("eau:index")).content.decode()
