"""Who is told what: e-mails to moderators and to the owners of a project.

Mail is sent after the change is committed (callers use `transaction.on_commit`) and never
breaks the request: the change is saved whatever happens to the mail, so a failure is logged
(for the administrator to see), not turned into an error page after the fact.
"""

import logging
import re

from django.conf import settings
from django.core.mail import send_mail

from territoria.core.roles import users_with


def _owner_emails(project) -> list[str]:
    emails = set(
        users_with("registre.contribute")
        .filter(organisation_id=project.organisation_id)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if project.organisation.contact_email:
        emails.add(project.organisation.contact_email)
    return sorted(emails)


def _moderator_emails() -> list[str]:
    return sorted(users_with("registre.moderate").exclude(email="").values_list("email", flat=True))


def _link(project) -> str:
    return settings.SITE_URL.rstrip("/") + project.get_absolute_url()


logger = logging.getLogger(__name__)
# Line breaks and other control characters: a header is one line (names are validated as single
# lines, but records older than that rule, or a site name from the settings, may hold them).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def mail_subject(subject: str) -> str:
    return _CONTROL.sub(" ", f"[{settings.SITE_NAME}] {subject}").strip()


def _send(subject: str, body: str, recipients: list[str]) -> bool:
    """True when the mail was handed to the mail server."""
    if not recipients:
        return False
    subject = mail_subject(subject)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        # Whatever the mail server or backend does (refused header, server down), the change
        # that triggered the mail is already saved: log it, never answer an error page.
        logger.exception("mail « %s » to %d recipient(s) not sent", subject, len(recipients))
        return False
    return True


def submitted(project) -> None:
    _send(
        f"Projet à modérer : {project.nom_projet}",
        f"Le projet « {project.nom_projet} » ({project.organisation}) attend votre relecture.\n{_link(project)}",
        _moderator_emails(),
    )


def published(project) -> None:
    _send(
        f"Projet publié : {project.nom_projet}",
        f"Le projet « {project.nom_projet} » est publié dans le registre.\n{_link(project)}",
        _owner_emails(project),
    )


def sent_back(project, reason: str) -> None:
    _send(
        f"Projet renvoyé : {project.nom_projet}",
        f"Le projet « {project.nom_projet} » vous est renvoyé par la modération.\n"
        f"Motif : {reason}\n{_link(project)}",
        _owner_emails(project),
    )


def review_due(project) -> None:
    _send(
        f"Mise à jour attendue : {project.nom_projet}",
        f"La fiche « {project.nom_projet} » n'a pas été revue depuis le "
        f"{project.last_reviewed_at:%d/%m/%Y}. Merci de vérifier qu'elle est toujours exacte.\n{_link(project)}",
        _owner_emails(project),
    )


def error_reported(report) -> None:
    project = report.project
    _send(
        f"Erreur signalée : {project.nom_projet}",
        f"Un signalement a été déposé sur « {project.nom_projet} »"
        + (f" (champ : {report.field_name})" if report.field_name else "")
        + f" :\n\n{report.message}\n\n{_link(project)}",
        sorted(set(_moderator_emails()) | set(_owner_emails(project))),
    )


def report_recipient(report) -> str:
    """Where the answer to an error report goes: the address given, or the reporter's account."""
    if report.reporter_email:
        return report.reporter_email
    return getattr(report.reporter, "email", "") or ""


def report_answered(report) -> bool:
    """Send the moderation's answer to the person who reported the error; record when."""
    from django.utils import timezone

    recipient = report_recipient(report)
    project = report.project
    sent = _send(
        f"Réponse à votre signalement : {project.nom_projet}",
        f"Bonjour,\n\nVous avez signalé une erreur sur la fiche « {project.nom_projet} » "
        f"le {timezone.localtime(report.created_at):%d/%m/%Y}.\n\n"
        f"Statut : {report.get_status_display()}\n\nRéponse de la modération :\n{report.answer}\n\n"
        f"{_link(project)}",
        [recipient] if recipient else [],
    )
    if sent:
        type(report).objects.filter(pk=report.pk).update(answer_sent_at=timezone.now())
    return sent
