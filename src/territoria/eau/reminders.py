"""Reminders: what still waits for an agent's decision, mailed once a day by the scheduler.

Two things must not be forgotten once the first mail or the page has been seen:
- a leak alert still « nouvelle » (neither confirmed, dismissed nor repaired) more than
  `DELAY` after it was raised (at the measures' clock: the replay of an old year makes its
  alerts overdue at once, which is what they are: nobody has reviewed them);
- a non-compliant quality result without any follow-up more than `DELAY` after its import.

`DELAY` is the default; each service may set its own (`ServiceSettings.reminder_hours`, 1 h to
30 days, on the module's index page; items of no organisation keep the default).

Each water service receives one mail listing its own overdue items only (its agents who act
on the module and its contact address, as for the non-compliance mails); items of no
organisation (CLI imports) go to every such agent. Nothing is mailed when nothing is overdue.
The index page shows the same counts (`overdue`).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from territoria.eau.models import (
    REMINDER_HOURS_DEFAULT,
    Alert,
    AlertStatus,
    QualitySample,
    ServiceSettings,
)

DELAY = dt.timedelta(hours=REMINDER_HOURS_DEFAULT)
LISTED = 20  # items named in a mail; the rest are counted


def delays() -> dict:
    """{organisation id: timedelta} of the services that set their own delay."""
    return {
        organisation: dt.timedelta(hours=hours)
        for organisation, hours in ServiceSettings.objects.values_list(
            "organisation_id", "reminder_hours"
        )
    }


def delay_of(organisation_id) -> dt.timedelta:
    """The delay that applies to a service's items (DELAY for none or no setting)."""
    if organisation_id is None:
        return DELAY
    hours = (
        ServiceSettings.objects.filter(organisation_id=organisation_id)
        .values_list("reminder_hours", flat=True)
        .first()
    )
    return dt.timedelta(hours=hours) if hours else DELAY


def overdue(now=None, organisation_ids=None) -> tuple:
    """(alerts, samples) waiting for a decision for longer than their service's delay
    (`delays`, else DELAY). `organisation_ids`: restrict to these organisations (None in
    it: the items of no organisation)."""
    from django.db.models import Q

    now = now or timezone.now()
    own = delays()
    late_alerts = Q(raised_at__lt=now - DELAY) & ~Q(network__organisation_id__in=list(own))
    late_samples = Q(created_at__lt=now - DELAY) & ~Q(organisation_id__in=list(own))
    for organisation, delay in own.items():
        late_alerts |= Q(network__organisation_id=organisation, raised_at__lt=now - delay)
        late_samples |= Q(organisation_id=organisation, created_at__lt=now - delay)
    alerts = Alert.objects.filter(late_alerts, status=AlertStatus.NEW)
    samples = QualitySample.objects.filter(late_samples, compliant=False, handled_at__isnull=True)
    if organisation_ids is not None:
        ids = [i for i in organisation_ids if i is not None]
        of_alerts, of_samples = Q(network__organisation_id__in=ids), Q(organisation_id__in=ids)
        if None in organisation_ids:
            of_alerts |= Q(network__organisation__isnull=True)
            of_samples |= Q(organisation__isnull=True)
        alerts, samples = alerts.filter(of_alerts), samples.filter(of_samples)
    return (
        alerts.select_related("network", "network__organisation").order_by("raised_at"),
        samples.select_related("organisation").order_by("created_at"),
    )


def reminder_text(alerts: list, samples: list, delay: dt.timedelta = DELAY) -> tuple[str, str]:
    from django.conf import settings
    from django.urls import reverse

    from territoria.core.templatetags.french import count_words

    site = settings.SITE_URL.rstrip("/")
    parts = []
    if alerts:
        parts.append(
            count_words(len(alerts), "alerte de fuite à examiner|f|alertes de fuite à examiner")
        )
    if samples:
        parts.append(
            count_words(len(samples), "non-conformité sans suite|f|non-conformités sans suite")
        )
    subject = "Eau potable, rappel : " + " et ".join(parts)
    hours = int(delay.total_seconds() // 3600)
    waiting = count_words(hours, "heure|f|heures")
    lines = ["Bonjour,", "", f"Ces décisions attendent depuis plus de {waiting} :", ""]
    if alerts:
        lines.append(f"Alertes de fuite encore « nouvelles » ({len(alerts)}) :")
        for alert in alerts[:LISTED]:
            flow = f"{alert.flow_m3h:.1f}".replace(".", ",")
            lines.append(
                f"- réseau {alert.network.name}, zone {alert.zone}, levée le "
                f"{alert.raised_at:%d/%m/%Y à %H h %M}, {flow} m³/h : "
                f"{site}{reverse('eau:alert', args=[alert.pk])}"
            )
        if len(alerts) > LISTED:
            lines.append(f"… et {count_words(len(alerts) - LISTED, 'autre|f|autres')}.")
        lines.append("")
    if samples:
        lines.append(f"Résultats d'analyse non conformes sans suite inscrite ({len(samples)}) :")
        for sample in samples[:LISTED]:
            lines.append(
                f"- {sample.commune}, {sample.place}, {sample.sampled_at:%d/%m/%Y} : "
                f"{sample.parameter} {sample.verdict}"
            )
        if len(samples) > LISTED:
            lines.append(f"… et {count_words(len(samples) - LISTED, 'autre|f|autres')}.")
        lines.append(f"Inscrire la suite donnée : {site}{reverse('eau:quality')}#alertes-qualite")
        lines.append("")
    lines.append(
        "Ce rappel part chaque jour tant que ces décisions attendent ; il ne part pas quand "
        "rien n'attend."
    )
    return subject, "\n".join(lines) + "\n"


def send_reminders(now=None) -> int:
    """Periodic (daily): one mail per water service with overdue decisions. Returns the
    number of mails sent. Never raises for a mail that fails (logged)."""
    import re

    from django.conf import settings
    from django.core.mail import send_mail

    from territoria.eau.quality import recipients

    alerts, samples = overdue(now)
    groups: dict = {}
    for alert in alerts:
        groups.setdefault(alert.network.organisation, ([], []))[0].append(alert)
    for sample in samples:
        groups.setdefault(sample.organisation, ([], []))[1].append(sample)
    sent = 0
    for organisation, (its_alerts, its_samples) in groups.items():
        emails = recipients(organisation)
        if not emails:
            continue
        subject, body = reminder_text(
            its_alerts, its_samples, delay_of(getattr(organisation, "pk", None))
        )
        subject = re.sub(
            r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", f"[{settings.SITE_NAME}] {subject}"
        )
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, emails)
        except Exception:
            logging.getLogger(__name__).exception("eau reminder not sent")
            continue
        sent += 1
    return sent
